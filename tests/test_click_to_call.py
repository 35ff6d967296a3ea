"""Click-to-call: the rep's phone rings first, the rep hears who it is and presses 1, then the
app dials the customer with the company's caller ID and stores the outcome."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import sqlalchemy as sa
from testenv import PUBLIC_BASE_URL
from web_helpers import isolated_client, make_checkin, make_customer, make_user, now, sign_in

from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.messaging.voice import start_click_to_call
from outreach.models import Call, CallStatusEvent, CheckIn

REP_PHONE = "+16125550142"


@pytest.fixture
def rep(twilio_app):
    """A rep with a phone."""
    return make_user("rep", phone=REP_PHONE, name="Sam Rep")


@pytest.fixture
def rep_call(rep):
    """A rep call on Sam's list, due now."""
    customer = make_customer(name="Ada Lovelace")
    checkin = make_checkin(rep, now() - timedelta(minutes=5), customer=customer, status="queued")
    db.session.commit()
    return checkin


@pytest.fixture
def web(twilio_app, rep):
    """A test client signed in as the rep."""
    client = isolated_client(twilio_app)
    sign_in(client, rep)
    return client


def _calls() -> list[Call]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Call).order_by(Call.id)))


def _post(fake, client, path: str, params: dict):
    response = fake.post_signed(PUBLIC_BASE_URL + path, params, client)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/xml"
    return ET.fromstring(response.data)


def _leg(fake, sid: str, **extra) -> dict:
    return {
        "AccountSid": fake.account_sid,
        "CallSid": sid,
        "CallStatus": "in-progress",
        "From": fake.from_number,
        "To": REP_PHONE,
        "Direction": "outbound-api",
        **extra,
    }


def _start(web, checkin_id: int):
    return web.post(f"/rep/checkins/{checkin_id}/call")


def test_the_whole_flow_rings_the_rep_then_dials_the_customer_and_stores_reached(
    web, fake_twilio, rep, rep_call
):
    response = _start(web, rep_call.id)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/rep#call-{rep_call.id}"

    (request,) = fake_twilio.recorded("Calls", "create")
    (call,) = _calls()
    assert request.form == {
        "To": [REP_PHONE],
        "From": [fake_twilio.from_number],
        "Url": [f"{PUBLIC_BASE_URL}/twilio/voice/bridge/{call.id}"],
        "StatusCallback": [f"{PUBLIC_BASE_URL}/twilio/voice/status"],
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "StatusCallbackMethod": ["POST"],
        "Timeout": ["25"],
    }
    assert (call.purpose, call.user_id, call.checkin_id) == ("click_to_call", rep.id, rep_call.id)
    assert call.twilio_sid in fake_twilio.calls and call.to_number == REP_PHONE

    bridge = _post(
        fake_twilio, web, f"/twilio/voice/bridge/{call.id}", _leg(fake_twilio, call.twilio_sid)
    )
    gather = bridge.find("Gather")
    assert (gather.get("numDigits"), gather.get("action")) == (
        "1",
        f"{PUBLIC_BASE_URL}/twilio/voice/bridge/{call.id}/connect",
    )
    assert gather.find("Say").text == (
        "Check-in call to Ada Lovelace about the install: Replaced the water heater. "
        "Press 1 to connect."
    )
    assert bridge[-1].tag == "Hangup"  # no key: never on to the customer

    connect = _post(
        fake_twilio,
        web,
        f"/twilio/voice/bridge/{call.id}/connect",
        _leg(fake_twilio, call.twilio_sid, Digits="1"),
    )
    dial = connect.find("Dial")
    assert dial.get("callerId") == fake_twilio.from_number
    assert dial.get("action") == f"{PUBLIC_BASE_URL}/twilio/voice/bridge/{call.id}/dialed"
    assert dial.find("Number").text == rep_call.customer.phone

    dialed = _post(
        fake_twilio,
        web,
        f"/twilio/voice/bridge/{call.id}/dialed",
        _leg(
            fake_twilio,
            call.twilio_sid,
            DialCallStatus="completed",
            DialCallSid="CAchild",
            DialCallDuration="95",
        ),
    )
    assert [el.tag for el in dialed] == ["Say", "Hangup"]
    (call,) = _calls()
    assert call.outcome == "reached"
    checkin = db.session.get(CheckIn, rep_call.id)
    assert (checkin.status, checkin.outcome) == ("done", "reached")
    assert checkin.status_reason == "called through Outreach by Sam Rep: reached the customer"
    stored = db.session.scalars(
        sa.select(CallStatusEvent.status).where(CallStatusEvent.call_id == call.id)
    ).all()
    assert stored == ["completed"]


@pytest.mark.parametrize("digits", ["2", "", "*"])
def test_anything_but_1_hangs_up_so_the_customer_never_meets_the_reps_voicemail(
    web, fake_twilio, rep_call, digits
):
    _start(web, rep_call.id)
    (call,) = _calls()
    root = _post(
        fake_twilio,
        web,
        f"/twilio/voice/bridge/{call.id}/connect",
        _leg(fake_twilio, call.twilio_sid, Digits=digits),
    )
    assert [el.tag for el in root] == ["Hangup"]


@pytest.mark.parametrize(
    ("dial_status", "outcome"),
    [("no-answer", "no_answer"), ("busy", "busy"), ("failed", "failed")],
)
def test_a_customer_not_reached_is_stored_and_the_call_stays_on_the_list(
    web, fake_twilio, rep_call, dial_status, outcome
):
    _start(web, rep_call.id)
    (call,) = _calls()
    path = f"/twilio/voice/bridge/{call.id}/dialed"
    for _ in range(2):  # a retried action changes nothing twice
        _post(
            fake_twilio, web, path, _leg(fake_twilio, call.twilio_sid, DialCallStatus=dial_status)
        )
    (call,) = _calls()
    checkin = db.session.get(CheckIn, rep_call.id)
    assert call.outcome == outcome
    assert (checkin.status, checkin.outcome) == ("queued", outcome)


def test_bridge_webhooks_refuse_unsigned_requests_and_other_calls(web, fake_twilio, rep_call):
    _start(web, rep_call.id)
    (call,) = _calls()
    params = _leg(fake_twilio, call.twilio_sid, Digits="1")
    for suffix in ("", "/connect", "/dialed"):
        assert web.post(f"/twilio/voice/bridge/{call.id}{suffix}", data=params).status_code == 403
    other = _post(
        fake_twilio,
        web,
        f"/twilio/voice/bridge/{call.id}/connect",
        _leg(fake_twilio, "CAsomeoneelse", Digits="1"),
    )
    assert [el.tag for el in other] == ["Hangup"]
    unknown = _post(fake_twilio, web, "/twilio/voice/bridge/999999", _leg(fake_twilio, "CAx"))
    assert [el.tag for el in unknown] == ["Hangup"]


def test_another_reps_check_in_is_not_found_and_no_call_is_placed(
    twilio_app, fake_twilio, rep_call
):
    other = make_user("rep", phone="+16125550143")
    client = isolated_client(twilio_app)
    sign_in(client, other)
    assert _start(client, rep_call.id).status_code == 404
    assert fake_twilio.recorded("Calls") == [] and _calls() == []


def test_a_manager_may_call_for_any_rep_and_a_backup_for_an_away_rep(
    twilio_app, fake_twilio, rep, rep_call
):
    manager = make_user("manager", phone="+16125550144")
    assert start_click_to_call(rep_call.id, manager).user_id == manager.id
    backup = make_user("rep", phone="+16125550145")
    rep.backup_id, rep.is_away = backup.id, True
    second = make_checkin(rep, now(), status="queued")
    db.session.commit()
    assert start_click_to_call(second.id, backup).to_number == "+16125550145"
    stranger = make_user("rep", phone="+16125550146")
    with pytest.raises(NotFound):
        start_click_to_call(second.id, stranger)


def test_a_rep_without_a_phone_is_told_and_nothing_is_called(
    twilio_app, fake_twilio, rep_call, rep
):
    rep.phone = None
    db.session.commit()
    with pytest.raises(ValidationError, match="phone"):
        start_click_to_call(rep_call.id, rep)
    web = isolated_client(twilio_app)
    sign_in(web, rep)
    response = _start(web, rep_call.id)
    assert response.status_code == 302
    page = web.get("/rep").get_data(as_text=True)
    assert "add your phone number" in page
    assert fake_twilio.recorded("Calls") == []


def test_a_second_click_while_the_first_call_rings_places_no_second_call(
    twilio_app, fake_twilio, rep, rep_call
):
    start_click_to_call(rep_call.id, rep)
    with pytest.raises(Conflict, match="already ringing"):
        start_click_to_call(rep_call.id, rep)
    assert len(fake_twilio.recorded("Calls", "create")) == 1


def test_a_logged_call_cannot_be_called_again(twilio_app, fake_twilio, rep, rep_call):
    rep_call.status = "done"
    db.session.commit()
    with pytest.raises(Conflict, match="no longer waiting"):
        start_click_to_call(rep_call.id, rep)
    assert fake_twilio.recorded("Calls") == []


def test_twilio_refusing_the_call_is_shown_and_recorded(twilio_app, fake_twilio, rep, rep_call):
    fake_twilio.reject_number(REP_PHONE, 21211)
    with pytest.raises(Conflict, match="could not be placed"):
        start_click_to_call(rep_call.id, rep)
    (call,) = _calls()
    assert (call.status, call.error_code) == ("failed", 21211)
    assert db.session.get(CheckIn, rep_call.id).status == "queued"


def test_the_click_to_call_form_needs_its_csrf_token(make_app, fake_twilio):
    app = make_app(env=fake_twilio.env(), WTF_CSRF_ENABLED=True)
    with app.app_context():
        rep = make_user("rep", phone=REP_PHONE)
        checkin = make_checkin(rep, now(), status="queued")
        db.session.commit()
        client = isolated_client(app)
        sign_in(client, rep)
        assert _start(client, checkin.id).status_code == 400
        page = client.get("/rep").get_data(as_text=True)
        assert f'action="/rep/checkins/{checkin.id}/call"' in page
        assert fake_twilio.recorded("Calls") == []
