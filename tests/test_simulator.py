"""The phone simulator: the customer's side of the outbox, replies through the real signed
inbound webhook, simulated check-in calls through the voice webhooks; staff and outbox only."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conversation_helpers import run_text_jobs
from fake_twilio import SEND_AT
from web_helpers import isolated_client, make_checkin, make_user, sign_in

from outreach.extensions import db
from outreach.messaging import send_checkin
from outreach.messaging.outbox import outbox_sid
from outreach.messaging.voice import send_voice_checkin, start_click_to_call
from outreach.models import Call, CheckIn, Customer, Message, Reply, utcnow
from outreach.simulator import phone as simulator

PHONE = "+16125550100"


@pytest.fixture
def staff(app, db):
    """A test client signed in as a manager."""
    client = isolated_client(app)
    sign_in(client, make_user("manager"))
    return client


@pytest.fixture
def sent_sms(app, make_sms_checkin):
    """An SMS check-in sent through the outbox (delivered by its simulated carrier), recorded as
    sent just now: the simulator replies at the real time, inside the reply window."""
    checkin = make_sms_checkin(expires_in=None)
    assert send_checkin(checkin.id, now=SEND_AT).result == "sent"
    db.session.execute(
        sa.update(Message).where(Message.checkin_id == checkin.id).values(created_at=utcnow())
    )
    db.session.commit()
    return checkin


@pytest.fixture
def ringing_call(app, make_sms_checkin):
    """A voice check-in whose outbox call is ringing: (check-in id, call id, customer id)."""
    checkin = make_sms_checkin(expires_in=None)
    checkin.channel = checkin.policy.channel = "voice"
    checkin.policy.template = "Hi {{ customer.first_name }}, it's {{ company.name }}."
    db.session.commit()
    outcome = send_voice_checkin(checkin.id, now=SEND_AT)
    assert outcome.result == "sent" and outcome.sid.startswith("CAoutbox")
    call = db.session.scalar(sa.select(Call).where(Call.checkin_id == checkin.id))
    return checkin.id, call.id, checkin.customer_id


def _inbound() -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Message).where(Message.direction == "inbound")))


def test_the_phone_list_and_thread_show_each_customers_messages_escaped(app, staff):
    customer = Customer(external_id="c-x", name="Ada <b>Lovelace</b>", phone=PHONE)
    db.session.add(customer)
    db.session.flush()
    for direction, kind, body in [
        ("outbound", "checkin", "<script>alert(1)</script> How did the install go?"),
        ("inbound", "reply", "5 & <i>thanks</i>"),
    ]:
        db.session.add(
            Message(
                direction=direction,
                kind=kind,
                customer_id=customer.id,
                to_number=PHONE,
                body=body,
                status="delivered",
                twilio_sid=outbox_sid("SM"),
            )
        )
    db.session.add(Customer(external_id="c-y", name="Quiet Customer", phone="+16125550101"))
    db.session.commit()

    listing = staff.get("/simulator").get_data(as_text=True)
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in listing and "<b>Lovelace" not in listing
    assert listing.index("Lovelace") < listing.index("Quiet Customer")  # latest activity first
    assert "5 &amp; &lt;i&gt;thanks&lt;/i&gt;" in listing

    page = staff.get(f"/simulator/customers/{customer.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; How did the install go?" in html
    assert "<script>alert" not in html and "<i>thanks" not in html
    assert html.index("How did the install go?") < html.index("5 &amp;")


def test_a_reply_goes_through_the_signed_inbound_webhook_and_answers_the_check_in(
    app, staff, sent_sms
):
    checkin_id, customer_id = sent_sms.id, sent_sms.customer_id
    response = staff.post(f"/simulator/customers/{customer_id}/reply", data={"body": "5"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/simulator/customers/{customer_id}#end"

    (message,) = _inbound()
    assert (message.body, message.from_number, message.customer_id) == ("5", PHONE, customer_id)
    assert message.twilio_sid.startswith("SMoutbox") and message.checkin_id == checkin_id
    reply = db.session.scalar(sa.select(Reply).where(Reply.message_id == message.id))
    assert (reply.rating, reply.triage_class) == (5, "positive")
    assert db.session.get(CheckIn, checkin_id).status == "answered"
    thread = staff.get(f"/simulator/customers/{customer_id}").get_data(as_text=True)
    mine = thread.index('class="bubble mine"')
    assert "from Pat Example" in thread[mine:] and ">5</p>" in thread[mine:]


def test_the_acknowledgement_appears_on_the_phone_once_the_worker_sent_it(app, staff, sent_sms):
    customer_id = sent_sms.customer_id
    manager = make_user("manager", name="Morgan Diaz", phone="+16125550777")
    page = f"/simulator/customers/{customer_id}"

    response = staff.post(f"{page}/reply", data={"body": "There is a gas smell since the install"})

    assert response.status_code == 302
    db.session.expire_all()
    (inbound,) = _inbound()
    (ack,) = db.session.scalars(
        sa.select(Message).where(Message.in_reply_to_id == inbound.id)
    ).all()
    assert (ack.kind, ack.status, ack.to_number) == ("acknowledgement", "pending", PHONE)
    assert ack.body.startswith("Thanks — ")
    alert = db.session.scalar(sa.select(Message).where(Message.kind == "page"))
    assert alert.to_number == manager.phone and alert.customer_id == customer_id  # no rep
    before = staff.get(page).get_data(as_text=True)
    assert "gas smell since the install" in before
    assert ack.body not in before  # not on the customer's phone until it is sent

    assert set(run_text_jobs()) == {ack.id, alert.id}  # what `outreach dev`'s worker does

    db.session.refresh(ack)
    assert ack.twilio_sid.startswith("SMoutbox") and ack.status == "delivered"
    after = staff.get(page).get_data(as_text=True)
    assert after.count(ack.body) == 1
    assert after.index("gas smell since the install") < after.index(ack.body)
    assert ">acknowledgement</span>" in after and ">delivered</span>" in after
    assert "URGENT reply from customer" not in after  # the manager's text is on their phone
    listing = staff.get("/simulator").get_data(as_text=True)
    assert f'href="/simulator/staff/{manager.id}"' in listing
    on_their_phone = html.unescape(
        staff.get(f"/simulator/staff/{manager.id}").get_data(as_text=True)
    )
    assert "Morgan Diaz's phone" in on_their_phone and alert.body[:40] in on_their_phone
    assert "gas smell" in on_their_phone and ack.body not in on_their_phone


def test_help_sent_from_the_simulator_is_answered_on_the_phone(app, staff, sent_sms):
    customer_id = sent_sms.customer_id
    page = f"/simulator/customers/{customer_id}"
    staff.post(f"{page}/reply", data={"body": "STOP"})
    staff.post(f"{page}/reply", data={"body": "HELP"})

    run_text_jobs()

    db.session.expire_all()
    (help_text,) = db.session.scalars(sa.select(Message).where(Message.kind == "help")).all()
    assert help_text.status == "delivered" and help_text.twilio_sid.startswith("SMoutbox")
    html = staff.get(page).get_data(as_text=True)
    assert ">help</span>" in html and "opted out" in html


def test_stop_sent_from_the_simulator_opts_the_customer_out(app, staff, sent_sms):
    customer_id = sent_sms.customer_id
    staff.post(f"/simulator/customers/{customer_id}/reply", data={"body": "STOP"})
    db.session.expire_all()
    assert db.session.get(Customer, customer_id).is_opted_out is True


def test_a_reply_with_a_wrong_signature_is_refused_by_the_webhook(app, sent_sms, monkeypatch):
    monkeypatch.setattr(simulator, "sign", lambda path, params: "bm90IGEgc2lnbmF0dXJl")
    posted = simulator.reply_as_customer(sent_sms.customer_id, "5")
    assert (posted.status, posted.said) == (403, [])
    assert _inbound() == []


@pytest.mark.parametrize(
    ("body", "words"), [("", "write a message"), ("x" * 1601, "1600")], ids=["empty", "too-long"]
)
def test_a_bad_reply_is_refused_with_a_clear_error_and_nothing_is_posted(
    app, staff, sent_sms, body, words
):
    response = staff.post(f"/simulator/customers/{sent_sms.customer_id}/reply", data={"body": body})
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert _inbound() == []
    assert staff.post("/simulator/customers/999999/reply", data={"body": "hi"}).status_code == 404


def test_a_ringing_check_in_call_answered_with_1_is_stored_through_the_voice_webhooks(
    app, staff, ringing_call
):
    checkin_id, call_id, customer_id = ringing_call
    thread = staff.get(f"/simulator/customers/{customer_id}").get_data(as_text=True)
    assert f'action="/simulator/calls/{call_id}"' in thread

    response = staff.post(f"/simulator/calls/{call_id}", data={"action": "1"})

    assert response.headers["Location"] == f"/simulator/customers/{customer_id}#end"
    db.session.expire_all()
    (reply,) = db.session.scalars(sa.select(Reply).where(Reply.call_id == call_id)).all()
    assert (reply.source, reply.text, reply.triage_class) == ("voice", "1", "positive")
    call = db.session.get(Call, call_id)
    assert (call.status, call.answered_by) == ("completed", "human")
    assert db.session.get(CheckIn, checkin_id).status == "answered"
    page = staff.get(f"/simulator/customers/{customer_id}").get_data(as_text=True)
    assert "The customer heard: Hi Pat, it&#39;s Outreach Demo Co." in page
    assert f'action="/simulator/calls/{call_id}"' not in page  # no longer ringing


def test_a_call_left_to_voicemail_gets_the_short_message_and_no_reply(app, staff, ringing_call):
    checkin_id, call_id, _ = ringing_call
    posted = simulator.answer_call(call_id, "voicemail")
    assert posted.status == 200 and len(posted.said) == 1
    assert "Outreach Demo Co." in posted.said[0] and "Press" not in posted.said[0]
    db.session.expire_all()
    assert db.session.get(Call, call_id).answered_by == "machine_start"
    assert db.session.get(CheckIn, checkin_id).status == "delivered"
    assert db.session.scalars(sa.select(Reply)).all() == []


def test_a_call_not_answered_leaves_the_check_in_undelivered(app, staff, ringing_call):
    checkin_id, call_id, _ = ringing_call
    staff.post(f"/simulator/calls/{call_id}", data={"action": "no-answer"})
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin_id).status == "undelivered"
    assert staff.post("/simulator/calls/999999", data={"action": "1"}).status_code == 404


def test_only_staff_may_use_the_simulator(app, db):
    anonymous = isolated_client(app)
    response = anonymous.get("/simulator")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    rep = isolated_client(app)
    sign_in(rep, make_user("rep"))
    assert rep.get("/simulator").status_code == 403
    admin = isolated_client(app)
    sign_in(admin, make_user("admin"))
    assert admin.get("/simulator").status_code == 200


def test_the_simulator_exists_only_with_the_outbox_transport_and_home_links_to_it(
    app, make_app, fake_twilio
):
    home = isolated_client(app).get("/").get_data(as_text=True)
    assert 'href="/simulator"' in home
    twilio = make_app(env=fake_twilio.env())
    assert "simulator.index" not in twilio.view_functions
    with twilio.app_context():
        client = isolated_client(twilio)
        assert client.get("/simulator").status_code == 404
        assert 'href="/simulator"' not in client.get("/").get_data(as_text=True)


def test_words_said_on_a_simulated_call_are_stored_as_speech(app, staff, ringing_call):
    _, call_id, customer_id = ringing_call
    response = staff.post(f"/simulator/calls/{call_id}", data={"action": "say", "speech": ""})
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Reply)).all() == []
    staff.post(f"/simulator/calls/{call_id}", data={"action": "say", "speech": "It went great"})
    db.session.expire_all()
    (reply,) = db.session.scalars(sa.select(Reply)).all()
    assert (reply.call_id, reply.text, reply.triage_class) == (call_id, "It went great", "positive")
    page = staff.get(f"/simulator/customers/{customer_id}").get_data(as_text=True)
    assert "Customer said: “It went great”" in page


def test_a_call_through_outreach_rings_the_reps_phone_then_the_customers(app, staff):
    rep = make_user("rep", name="Riley Rep", phone="+16125550199")
    checkin = make_checkin(rep, utcnow() - timedelta(minutes=5))
    customer_id = checkin.customer_id
    db.session.commit()
    call = start_click_to_call(checkin.id, rep)
    customer_page = f"/simulator/customers/{customer_id}"
    rep_page = f"/simulator/staff/{rep.id}"

    ringing = staff.get(rep_page).get_data(as_text=True)
    assert f'action="/simulator/bridges/{call.id}"' in ringing
    assert "Call through Outreach" in ringing
    assert f"call-{call.id}" not in staff.get(customer_page).get_data(as_text=True)

    response = staff.post(f"/simulator/bridges/{call.id}", data={"action": "reached"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"{rep_page}#end"
    db.session.expire_all()
    assert db.session.get(Call, call.id).outcome == "reached"
    assert db.session.get(CheckIn, checkin.id).status == "done"
    after = staff.get(rep_page).get_data(as_text=True)
    assert f'action="/simulator/bridges/{call.id}"' not in after
    assert "you talked to the customer" in after
    on_customer = staff.get(customer_page).get_data(as_text=True)
    assert f'id="call-{call.id}"' in on_customer and "call from Riley Rep" in on_customer


def test_a_call_through_outreach_the_rep_does_not_answer_never_reaches_the_customer(app, staff):
    rep = make_user("rep", name="Riley Rep", phone="+16125550199")
    checkin = make_checkin(rep, utcnow() - timedelta(minutes=5))
    db.session.commit()
    call = start_click_to_call(checkin.id, rep)

    staff.post(f"/simulator/bridges/{call.id}", data={"action": "decline"})

    db.session.expire_all()
    assert db.session.get(Call, call.id).outcome is None
    assert db.session.get(CheckIn, checkin.id).status == "scheduled"
    page = staff.get(f"/simulator/customers/{checkin.customer_id}").get_data(as_text=True)
    assert f'id="call-{call.id}"' not in page
    assert staff.post("/simulator/bridges/999999", data={"action": "reached"}).status_code == 404
    assert staff.get("/simulator/staff/999999").status_code == 404
