"""Status callbacks: each stored as its own row; status only moves forward; the check-in follows."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fake_twilio import SEND_AT

from outreach.extensions import db
from outreach.messaging import send_checkin
from outreach.messaging.sending import MAX_ATTEMPTS
from outreach.models import Call, CallStatusEvent, CheckIn, Customer, Message, MessageStatusEvent


@pytest.fixture
def sent(twilio_app, fake_twilio, make_sms_checkin):
    """A check-in sent through the fake: (check-in id, message SID, a test client)."""
    checkin = make_sms_checkin(expires_in=None)  # callbacks run on the real clock
    outcome = send_checkin(checkin.id, now=SEND_AT)
    assert outcome.result == "sent"
    return checkin.id, outcome.sid, twilio_app.test_client()


def _daytime_after(moment: datetime) -> datetime:
    """The first 15:00 in Chicago at or after moment: a time a retry may go out."""
    local = moment.astimezone(ZoneInfo("America/Chicago"))
    candidate = local.replace(hour=15, minute=0, second=0, microsecond=0)
    return candidate if candidate >= local else candidate + timedelta(days=1)


def _state(checkin_id: int, sid: str) -> tuple[str, str]:
    db.session.expire_all()
    message = db.session.scalar(sa.select(Message).where(Message.twilio_sid == sid))
    return message.status, db.session.get(CheckIn, checkin_id).status


def _events(sid: str) -> list[tuple[str, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(MessageStatusEvent)
        .where(MessageStatusEvent.twilio_sid == sid)
        .order_by(MessageStatusEvent.id)
    )
    return [(e.status, e.is_applied) for e in rows]


def _transitions(checkin_id: int) -> list[str]:
    db.session.expire_all()
    return [t.to_status for t in db.session.get(CheckIn, checkin_id).transitions]


def test_delivered_moves_the_message_and_the_check_in(sent, fake_twilio):
    checkin_id, sid, client = sent
    assert fake_twilio.message_callback(sid, "sent", client).status_code == 200
    assert _state(checkin_id, sid) == ("sent", "sent")
    assert fake_twilio.message_callback(sid, "delivered", client).status_code == 200
    assert _state(checkin_id, sid) == ("delivered", "delivered")
    assert _events(sid) == [("sent", True), ("delivered", True)]
    assert _transitions(checkin_id)[-1] == "delivered"


def test_duplicates_are_stored_but_change_nothing_twice(sent, fake_twilio):
    checkin_id, sid, client = sent
    for _ in range(3):
        assert fake_twilio.message_callback(sid, "delivered", client).status_code == 200
    assert _events(sid) == [("delivered", True), ("delivered", False), ("delivered", False)]
    assert _transitions(checkin_id).count("delivered") == 1


def test_out_of_order_callbacks_never_move_status_backwards(sent, fake_twilio):
    checkin_id, sid, client = sent
    for status in ("delivered", "sent", "sending", "queued", "undelivered"):
        fake_twilio.message_callback(sid, status, client)
    assert _state(checkin_id, sid) == ("delivered", "delivered")
    assert _events(sid) == [
        ("delivered", True),
        ("sent", False),
        ("sending", False),
        ("queued", False),
        ("undelivered", False),
    ]


def test_read_comes_after_delivered_but_never_replaces_a_failure(sent, fake_twilio):
    checkin_id, sid, client = sent
    fake_twilio.message_callback(sid, "undelivered", client, error_code=30005)
    fake_twilio.message_callback(sid, "read", client)
    assert _state(checkin_id, sid) == ("undelivered", "undelivered")
    assert _events(sid)[-1] == ("read", False)


def test_unknown_statuses_and_extra_params_are_stored_not_applied(sent, fake_twilio):
    checkin_id, sid, client = sent
    response = fake_twilio.message_callback(
        sid,
        "teleported",
        client,
        extra={"ChannelPrefix": "sms", "Brand-New": "yes", "ErrorCode": "9" * 30},
    )
    assert response.status_code == 200
    assert _state(checkin_id, sid) == ("queued", "sent")
    event = db.session.scalar(sa.select(MessageStatusEvent))
    assert (event.status, event.is_applied, event.error_code) == ("teleported", False, None)
    assert event.params["Brand-New"] == "yes" and event.params["ChannelPrefix"] == "sms"


def test_an_unknown_message_sid_is_stored_and_answered_200(twilio_app, fake_twilio):
    client = twilio_app.test_client()
    sid = fake_twilio.add_message("+16125550100", "sent by someone else")["sid"]
    fake_twilio.callback_urls[sid] = "https://outreach.test/twilio/sms/status"
    assert fake_twilio.message_callback(sid, "delivered", client).status_code == 200
    event = db.session.scalar(sa.select(MessageStatusEvent))
    assert (event.twilio_sid, event.message_id, event.is_applied) == (sid, None, False)


def test_callbacks_that_arrive_before_the_sid_is_recorded_are_applied_after(
    twilio_app, fake_twilio, make_sms_checkin
):
    sid = "SM" + "e" * 32
    fake_twilio.next_sids.append(sid)
    fake_twilio.callback_urls[sid] = "https://outreach.test/twilio/sms/status"
    client = twilio_app.test_client()
    fake_twilio.message_callback(sid, "delivered", client)  # Twilio was faster than our commit
    checkin = make_sms_checkin()
    assert send_checkin(checkin.id, now=SEND_AT).sid == sid
    assert _state(checkin.id, sid) == ("delivered", "delivered")
    assert _events(sid) == [("delivered", True)]


def test_a_missing_message_sid_or_status_is_a_clear_422_and_stores_nothing(twilio_app, fake_twilio):
    client = twilio_app.test_client()
    url = "https://outreach.test/twilio/sms/status"
    response = fake_twilio.post_signed(url, {"MessageStatus": "delivered"}, client)
    assert response.status_code == 422 and response.json["error"]["field"] == "MessageSid"
    response = fake_twilio.post_signed(url, {"MessageSid": "SM" + "1" * 32}, client)
    assert response.status_code == 422 and response.json["error"]["field"] == "MessageStatus"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MessageStatusEvent)) == 0


@pytest.mark.parametrize(
    ("status", "code", "checkin_status", "words"),
    [
        ("undelivered", 30005, "undelivered", "unknown to the carrier"),
        ("undelivered", 30006, "undelivered", "landline"),
        ("failed", 30004, "failed", "blocked"),
        ("failed", 30007, "failed", "spam"),
        ("failed", None, "failed", "Twilio reported failed"),
    ],
)
def test_final_failures_move_the_check_in_with_the_reason_in_words(
    sent, fake_twilio, status, code, checkin_status, words
):
    checkin_id, sid, client = sent
    fake_twilio.message_callback(sid, status, client, error_code=code)
    assert _state(checkin_id, sid) == (status, checkin_status)
    checkin = db.session.get(CheckIn, checkin_id)
    assert words in checkin.status_reason
    message = db.session.scalar(sa.select(Message).where(Message.twilio_sid == sid))
    assert message.error_code == code


@pytest.mark.parametrize("code", [30001, 30003, 30008])
def test_transient_carrier_failures_requeue_the_check_in_with_backoff(sent, fake_twilio, code):
    checkin_id, sid, client = sent
    fake_twilio.message_callback(sid, "undelivered", client, error_code=code)
    checkin = db.session.get(CheckIn, checkin_id)
    assert checkin.status == "queued" and str(code) in checkin.status_reason
    assert checkin.next_attempt_at is not None
    message = db.session.scalar(sa.select(Message).where(Message.twilio_sid == sid))
    assert message.status == "undelivered"


def test_30008_is_retried_only_once(sent, fake_twilio):
    checkin_id, sid, client = sent
    fake_twilio.message_callback(sid, "undelivered", client, error_code=30008)
    checkin = db.session.get(CheckIn, checkin_id)
    retry = send_checkin(checkin_id, now=_daytime_after(checkin.next_attempt_at))
    assert retry.result == "sent"
    fake_twilio.message_callback(retry.sid, "undelivered", client, error_code=30008)
    assert _state(checkin_id, retry.sid) == ("undelivered", "undelivered")
    assert len(fake_twilio.created_messages()) == 2 < MAX_ATTEMPTS


def test_a_late_callback_for_an_earlier_attempt_does_not_move_the_check_in(sent, fake_twilio):
    checkin_id, sid, client = sent
    fake_twilio.message_callback(sid, "sent", client)
    fake_twilio.message_callback(sid, "undelivered", client, error_code=30003)
    checkin = db.session.get(CheckIn, checkin_id)
    retry = send_checkin(checkin_id, now=_daytime_after(checkin.next_attempt_at))
    assert retry.result == "sent"
    fake_twilio.message_callback(sid, "delivered", client)  # the old message: final already
    fake_twilio.message_callback(sid, "read", client)
    assert _state(checkin_id, retry.sid) == ("queued", "sent")


def test_error_21610_in_a_callback_opts_the_customer_out(sent, fake_twilio, make_sms_checkin):
    checkin_id, sid, client = sent
    customer_id = db.session.get(CheckIn, checkin_id).customer_id
    other = make_sms_checkin(customer=db.session.get(Customer, customer_id), status="scheduled")
    fake_twilio.message_callback(sid, "failed", client, error_code=21610)
    assert _state(checkin_id, sid) == ("failed", "failed")
    assert db.session.get(Customer, customer_id).is_opted_out
    assert db.session.get(CheckIn, other.id).status == "canceled"


def test_call_status_callbacks_are_stored_and_only_move_forward(twilio_app, fake_twilio):
    client = twilio_app.test_client()
    call = Call(purpose="voice_checkin", to_number="+16125550100", status="queued")
    db.session.add(call)
    db.session.commit()
    from outreach.messaging.transport import get_transport

    sid = get_transport().start_call(
        "+16125550100",
        url="https://outreach.test/twilio/voice/checkin",
        status_callback="https://outreach.test/twilio/voice/status",
    )
    call.twilio_sid = sid
    db.session.commit()
    for status, extra in (
        ("ringing", {}),
        ("completed", {"CallDuration": "42", "AnsweredBy": "human"}),
        ("in-progress", {}),
        ("completed", {}),
    ):
        assert fake_twilio.call_callback(sid, status, client, extra=extra).status_code == 200
    db.session.expire_all()
    call = db.session.get(Call, call.id)
    assert (call.status, call.duration_seconds, call.answered_by) == ("completed", 42, "human")
    assert [e.status for e in db.session.scalars(sa.select(CallStatusEvent))] == [
        "ringing",
        "completed",
        "in-progress",
        "completed",
    ]


def test_an_unknown_call_sid_is_stored_and_answered_200(twilio_app, fake_twilio):
    client = twilio_app.test_client()
    sid = "CA" + "f" * 32
    fake_twilio.callback_urls[sid] = "https://outreach.test/twilio/voice/status"
    assert fake_twilio.call_callback(sid, "no-answer", client).status_code == 200
    event = db.session.scalar(sa.select(CallStatusEvent))
    assert (event.twilio_sid, event.call_id, event.status) == (sid, None, "no-answer")
