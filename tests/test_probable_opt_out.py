"""A probable opt-out pauses the customer's automated sends and asks a manager: "Opt out"
records it as a STOP would, "Keep texting" resumes; a clear opt-out always wins. Driven by a
fake clock (`now`), through the real sending engine and the fake Twilio."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conversation_helpers import (
    CUSTOMER_PHONE,
    TUE_10AM,
    inbound_params,
    make_conversation,
    make_staff,
    texts,
)
from fake_twilio import SEND_AT
from web_helpers import isolated_client, sign_in

from outreach.conversations import record_inbound_sms
from outreach.customers.consent import opt_out
from outreach.dispatch.sweeper import claim_due
from outreach.extensions import db
from outreach.messaging import send_checkin
from outreach.messaging.texts import queue_text, send_text
from outreach.models import CheckIn, Consent, Customer, Escalation, Message
from outreach.triage import Triage, classify

#: wordings the classifier may leave to a person as probable revocations (a weak consent rule,
#: or the model's opt-out under a guard): the test takes the first one the classifier of the
#: day, retrained on more data each time, still leaves to a person
WEAK_REVOCATIONS = (
    "enough is enough",
    "did not sign up for these",
    "never asked for this",
    "these texts never stop",
    "enough already",
    "ya basta",
)
UNSURE = Triage("needs_review", "not sure: question 0.31, neutral 0.28")
PROBABLY = Triage(
    "needs_review",
    "probable opt-out, no rule is sure: words 'block'",
    probable_opt_out=True,
)


@pytest.fixture(scope="module")
def probable():
    """The first of WEAK_REVOCATIONS the classifier leaves to a person (it fails if none is)."""
    found = next((t for t in WEAK_REVOCATIONS if classify(t).probable_opt_out), None)
    assert found is not None, f"the classifier is sure of every one of {WEAK_REVOCATIONS}"
    return found


@pytest.fixture
def people(request):
    """Morgan the manager, Sam a rep, and Pat, a customer whose check-in went out at 10:00 (in
    the app the test asked for first: `app`, or `twilio_app` to send through the fake)."""
    names = request.fixturenames
    request.getfixturevalue("twilio_app" if "twilio_app" in names else "app")
    morgan = make_staff("manager", name="Morgan Diaz")
    sam = make_staff(name="Sam Rivera")
    checkin = make_conversation(rep=sam, sent_at=TUE_10AM - timedelta(hours=2))
    return {"morgan": morgan, "sam": sam, "customer_id": checkin.customer_id}


@pytest.fixture
def probably(monkeypatch):
    """The classifier reads every reply as a probable opt-out (whatever it is retrained on)."""
    from outreach.conversations import inbound, triaging

    real = triaging.triage_text

    def triage_text(text, *args, **kwargs):
        if text and text.strip().upper() in ("STOP", "PLEASE STOP TEXTING ME"):
            return real(text, *args, **kwargs)
        return PROBABLY

    monkeypatch.setattr(inbound, "triage_text", triage_text)


def _reply(body: str, at=TUE_10AM):
    return record_inbound_sms(inbound_params(body), now=at)


def _customer(customer_id: int) -> Customer:
    db.session.expire_all()
    return db.session.get(Customer, customer_id)


def _escalations() -> list[Escalation]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Escalation).order_by(Escalation.id)))


def _due_checkin(customer_id: int, make_sms_checkin, status: str = "queued") -> CheckIn:
    return make_sms_checkin(customer=db.session.get(Customer, customer_id), status=status)


def _manager(app, user):
    client = isolated_client(app)
    sign_in(client, user)
    return client


def _consents(customer_id: int) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [
        (c.state, c.source)
        for c in db.session.scalars(
            sa.select(Consent).where(Consent.customer_id == customer_id).order_by(Consent.id)
        )
    ]


# -- pausing -------------------------------------------------------------------------------


def test_a_probable_opt_out_pauses_automated_sends_and_asks_a_manager(twilio_app, people, probable):
    result = _reply(probable)

    assert result.reply.triage_class == "needs_review", result.reply.evidence
    assert result.reply.evidence.startswith("probable opt-out"), result.reply.evidence
    customer = _customer(people["customer_id"])
    assert customer.paused_at == TUE_10AM and customer.is_opted_out is False
    assert f"reply {result.reply.id}" in customer.paused_reason
    [e] = _escalations()
    assert (e.reason, e.reply_id, e.acked_at, e.resolution) == (
        "probable_opt_out",
        result.reply.id,
        None,
        None,
    )
    assert result.answer is None and texts("acknowledgement") == []
    html = _manager(twilio_app, people["morgan"]).get("/admin").get_data(as_text=True)
    card = html.split(f'id="escalation-{e.id}"')[1].split("</article>")[0]
    assert "probable opt-out — automated texts paused" in card
    assert probable in card
    assert f"/admin/attention/{e.id}/opt-out" in card and ">Opt out</button>" in card
    assert f"/admin/attention/{e.id}/keep-texting" in card and ">Keep texting</button>" in card
    assert ">Take it</button>" not in card


def test_a_reply_in_words_we_cannot_read_pauses_and_the_card_says_so(twilio_app, people):
    # Tibetan, which no training reply has: "please don't send me messages"
    result = _reply("ཁྱེད་ཀྱིས་ང་ལ་འཕྲིན་ཐུང་མ་གཏོང་རོགས།")

    assert result.reply.triage_class == "needs_review", result.reply.evidence
    customer = _customer(people["customer_id"])
    assert customer.paused_at == TUE_10AM and customer.is_opted_out is False
    [e] = _escalations()
    assert e.reason == "probable_opt_out"
    html = _manager(twilio_app, people["morgan"]).get("/admin").get_data(as_text=True)
    card = html.split(f'id="escalation-{e.id}"')[1].split("</article>")[0]
    assert "words we can't read — automated texts paused" in card
    assert "cannot read these words" in card and "reads like" not in card
    assert ">Opt out</button>" in card and ">Keep texting</button>" in card


def test_a_reply_that_is_only_unclear_does_not_pause(twilio_app, people, monkeypatch):
    from outreach.conversations import inbound

    monkeypatch.setattr(inbound, "triage_text", lambda *args, **kwargs: UNSURE)

    _reply("the thing did the thing")

    assert _customer(people["customer_id"]).paused_at is None
    assert [e.reason for e in _escalations()] == ["needs_review"]


def test_a_due_check_in_of_a_paused_customer_is_held_not_sent(
    twilio_app, fake_twilio, make_sms_checkin, people, probably
):
    _reply("block")
    queued = _due_checkin(people["customer_id"], make_sms_checkin)
    scheduled = _due_checkin(people["customer_id"], make_sms_checkin, status="scheduled")

    outcome = send_checkin(queued.id, now=SEND_AT)

    assert outcome.result == "rescheduled"
    held = db.session.get(CheckIn, queued.id, populate_existing=True)
    assert (held.status, held.due_at) == ("scheduled", SEND_AT)  # due as it was
    assert held.status_reason.startswith("held: automated texts paused")
    assert fake_twilio.requests == []
    assert claim_due(SEND_AT + timedelta(hours=1), ("sms",), "due") == []  # the sweeper waits
    db.session.rollback()
    assert db.session.get(CheckIn, scheduled.id, populate_existing=True).status == "scheduled"


def test_a_pause_that_comes_while_a_batch_goes_out_holds_its_later_sends(
    twilio_app, fake_twilio, make_sms_checkin, people, monkeypatch
):
    from outreach.customers.consent import pause
    from outreach.messaging import engine, send_checkins
    from outreach.messaging.transport import get_transport

    monkeypatch.setattr(engine, "FRESH", 0.0)  # the customer is read again before every send
    first = make_sms_checkin(phone="+16125550101")
    second = _due_checkin(people["customer_id"], make_sms_checkin)
    first_id, second_id = first.id, second.id

    def reply_arrives(sid):
        pause(db.session.get(Customer, people["customer_id"]), "probable opt-out", SEND_AT)
        db.session.commit()

    monkeypatch.setattr(get_transport(), "after_send", reply_arrives)
    outcomes = send_checkins([first_id, second_id], now=SEND_AT)

    assert [(o.checkin_id, o.result) for o in outcomes] == [
        (first_id, "sent"),
        (second_id, "rescheduled"),
    ]
    held = db.session.get(CheckIn, second_id, populate_existing=True)
    assert (held.status, held.due_at) == ("scheduled", SEND_AT)
    assert held.status_reason.startswith("held: automated texts paused")
    assert [r.value("To") for r in fake_twilio.created_messages()] == ["+16125550101"]


def test_a_paused_customer_gets_no_automated_text_but_a_persons_text_goes(
    twilio_app, fake_twilio, people, probably
):
    _reply("block")
    reassurance = queue_text(
        CUSTOMER_PHONE, "Still on it", "reassurance", customer_id=people["customer_id"]
    )
    manual = queue_text(CUSTOMER_PHONE, "Hi, it's Sam", "manual", customer_id=people["customer_id"])
    db.session.commit()

    assert send_text(reassurance.id, now=SEND_AT) == "canceled"
    assert send_text(manual.id, now=SEND_AT) == "sent"

    db.session.expire_all()
    assert "automated texts paused" in db.session.get(Message, reassurance.id).error_message
    assert [r.value("Body") for r in fake_twilio.created_messages()] == ["Hi, it's Sam"]


# -- the manager decides ---------------------------------------------------------------------


def test_keep_texting_resumes_and_the_held_check_in_goes_out(
    twilio_app, fake_twilio, make_sms_checkin, people, probably
):
    _reply("block")
    checkin = _due_checkin(people["customer_id"], make_sms_checkin)
    assert send_checkin(checkin.id, now=SEND_AT).result == "rescheduled"
    [e] = _escalations()
    manager = _manager(twilio_app, people["morgan"])

    response = manager.post(f"/admin/attention/{e.id}/keep-texting")

    assert response.status_code == 302 and response.headers["Location"] == "/admin"
    assert _customer(people["customer_id"]).paused_at is None
    [e] = _escalations()
    assert (e.resolution, e.acked_by_id, e.acked_via) == ("resumed", people["morgan"].id, "web")
    later = SEND_AT + timedelta(minutes=5)
    assert claim_due(later, ("sms",), "due") == [checkin.id]
    db.session.commit()
    assert send_checkin(checkin.id, now=later).result == "sent"
    assert [r.value("To") for r in fake_twilio.created_messages()] == [CUSTOMER_PHONE]
    html = manager.get("/admin").get_data(as_text=True)
    assert "Automated texts to Pat Example resume" in html
    taken = html.split(f'id="taken-{e.id}"')[1].split("</tr>")[0]
    assert "<strong>Morgan Diaz</strong> on the web" in taken and "kept texting" in taken

    again = manager.post(f"/admin/attention/{e.id}/keep-texting", follow_redirects=True)

    assert "Already settled for Pat Example: kept texting (Morgan Diaz)" in again.get_data(
        as_text=True
    )
    assert _escalations()[0].acked_at == e.acked_at


def test_opt_out_records_the_opt_out_as_a_stop_would(
    twilio_app, fake_twilio, make_sms_checkin, people, probably
):
    _reply("block")
    checkin = _due_checkin(people["customer_id"], make_sms_checkin, status="scheduled")
    [e] = _escalations()
    manager = _manager(twilio_app, people["morgan"])

    assert manager.post(f"/admin/attention/{e.id}/opt-out").status_code == 302

    customer = _customer(people["customer_id"])
    assert (customer.is_opted_out, customer.paused_at) == (True, None)
    assert _consents(customer.id) == [("opted_out", "admin")]
    held = db.session.get(CheckIn, checkin.id)
    assert (held.status, held.status_reason) == ("canceled", "opted out")
    [e] = _escalations()
    assert (e.resolution, e.acked_by_id) == ("opted_out", people["morgan"].id)
    # a second click, or "Keep texting" afterwards, changes nothing
    manager.post(f"/admin/attention/{e.id}/opt-out")
    manager.post(f"/admin/attention/{e.id}/keep-texting")
    assert _consents(customer.id) == [("opted_out", "admin")]
    customer = _customer(customer.id)
    assert (customer.is_opted_out, customer.paused_at) == (True, None)
    assert _escalations()[0].resolution == "opted_out"


@pytest.mark.parametrize("stop", ["STOP", "please stop texting me"])
def test_a_clear_opt_out_after_the_pause_wins_and_a_later_click_does_not_undo_it(
    twilio_app, people, probably, stop
):
    _reply("block")
    [e] = _escalations()

    result = _reply(stop, at=TUE_10AM + timedelta(minutes=3))

    assert result.reply.triage_class == "opt_out"
    customer = _customer(people["customer_id"])
    assert (customer.is_opted_out, customer.paused_at) == (True, None)
    [e] = _escalations()
    assert (e.resolution, e.acked_by_id) == ("opted_out", None)
    assert e.acked_at == TUE_10AM + timedelta(minutes=3)
    manager = _manager(twilio_app, people["morgan"])
    page = manager.post(f"/admin/attention/{e.id}/keep-texting", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Already settled for Pat Example: opted out (a clear opt-out from the customer)" in html
    assert f'id="escalation-{e.id}"' not in html  # nothing waits any more
    customer = _customer(customer.id)
    assert (customer.is_opted_out, customer.paused_at) == (True, None)


def test_a_clear_opt_out_reply_never_leaves_the_customer_paused(twilio_app, people):
    result = _reply("please stop texting me")

    assert result.reply.triage_class == "opt_out"
    customer = _customer(people["customer_id"])
    assert (customer.is_opted_out, customer.paused_at) == (True, None)
    assert [e.reason for e in _escalations()] == []


def test_an_opted_out_customer_is_never_paused(twilio_app, people, probably):
    opt_out(db.session.get(Customer, people["customer_id"]), "keyword", "STOP", TUE_10AM)
    db.session.commit()

    _reply("block", at=TUE_10AM + timedelta(minutes=1))

    assert _customer(people["customer_id"]).paused_at is None
    assert [e.reason for e in _escalations()] == ["needs_review"]  # read, but nothing to pause


def test_a_second_probable_opt_out_keeps_the_pause_and_one_click_settles_both(
    twilio_app, people, probably
):
    _reply("block")
    _reply("block them", at=TUE_10AM + timedelta(minutes=2))
    _first, second = _escalations()
    assert _customer(people["customer_id"]).paused_at == TUE_10AM

    _manager(twilio_app, people["morgan"]).post(f"/admin/attention/{second.id}/keep-texting")

    assert [(e.resolution, e.acked_by_id) for e in _escalations()] == [
        ("resumed", people["morgan"].id),
        ("resumed", people["morgan"].id),
    ]
    assert _customer(people["customer_id"]).paused_at is None


def test_taking_a_probable_opt_out_is_refused_it_must_be_settled(twilio_app, people, probably):
    _reply("block")
    [e] = _escalations()

    page = _manager(twilio_app, people["morgan"]).post(
        f"/admin/attention/{e.id}/take", follow_redirects=True
    )

    assert "settled with Opt out or Keep texting" in page.get_data(as_text=True)
    assert _escalations()[0].acked_at is None
    assert _customer(people["customer_id"]).paused_at == TUE_10AM


def test_only_managers_and_admins_settle_and_unknown_ids_are_404(twilio_app, people, probably):
    _reply("block")
    [e] = _escalations()
    rep = _manager(twilio_app, people["sam"])
    for action in ("opt-out", "keep-texting"):
        assert rep.post(f"/admin/attention/{e.id}/{action}").status_code == 403
    admin = _manager(twilio_app, make_staff("admin", name="Ada Admin"))
    assert admin.post("/admin/attention/999999/opt-out").status_code == 404
    assert admin.post("/admin/attention/999999/keep-texting").status_code == 404
    assert _escalations()[0].acked_at is None
    assert admin.post(f"/admin/attention/{e.id}/keep-texting").status_code == 302
    assert _escalations()[0].acked_by.name == "Ada Admin"


def test_the_buttons_need_their_csrf_token(make_app, fake_twilio, monkeypatch):
    from outreach.conversations import inbound

    monkeypatch.setattr(inbound, "triage_text", lambda *args, **kwargs: PROBABLY)
    app = make_app(env=fake_twilio.env(), WTF_CSRF_ENABLED=True)
    with app.app_context():
        morgan = make_staff("manager", name="Morgan Diaz")
        make_conversation(sent_at=TUE_10AM - timedelta(hours=2))
        _reply("block")
        [e] = _escalations()
        manager = _manager(app, morgan)

        assert manager.post(f"/admin/attention/{e.id}/opt-out").status_code == 400
        assert manager.post(f"/admin/attention/{e.id}/keep-texting").status_code == 400
        assert _escalations()[0].acked_at is None

        html = manager.get("/admin").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        response = manager.post(f"/admin/attention/{e.id}/keep-texting", data={"csrf_token": csrf})
        assert response.status_code == 302
        assert _escalations()[0].resolution == "resumed"


# -- the timeline ------------------------------------------------------------------------------


def test_the_timeline_shows_the_pause_and_who_decided(app, people, probably, client, auth):
    _reply("block")
    [e] = _escalations()
    manager = _manager(app, people["morgan"])
    url = f"/admin/conversations/{people['customer_id']}"

    html = manager.get(url).get_data(as_text=True)

    assert 'id="paused"' in html and "automated texts paused since" in html
    assert "Probable opt-out — automated texts paused" in html
    assert "waiting for a manager" in html

    manager.post(f"/admin/attention/{e.id}/keep-texting")
    html = manager.get(url).get_data(as_text=True)

    assert 'id="paused"' not in html
    assert "<strong>Morgan Diaz</strong> chose <strong>Keep texting</strong>" in html
    api = client.get(f"/api/v1/customers/{people['customer_id']}/timeline", headers=auth).json
    [ack] = [i for i in api["items"] if i["kind"] == "ack"]
    assert (ack["ack"]["reason"], ack["ack"]["resolution"]) == ("probable_opt_out", "resumed")
