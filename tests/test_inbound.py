"""POST /twilio/sms/inbound: signed, recorded once, linked to its check-in; the webhook answers an
empty TwiML response and what we answer is queued as a text in reply to the message."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import requests
import sqlalchemy as sa
from conversation_helpers import (
    CUSTOMER_PHONE,
    INBOUND,
    TUE_10AM,
    answers_to,
    count,
    followups_of,
    inbound_params,
    make_conversation,
    make_staff,
    post_inbound,
    queued_text_ids,
    replies_of,
    run_text_jobs,
)
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from outreach.conversations import record_inbound_sms, record_voice_reply
from outreach.errors import NotFound
from outreach.extensions import db
from outreach.messaging.signatures import sign
from outreach.models import (
    Call,
    CheckIn,
    CheckInTransition,
    Customer,
    FollowUp,
    Message,
    MessageStatusEvent,
    Reply,
    utcnow,
)
from outreach.reporting.timeline import customer_timeline


def twiml_messages(response) -> list[str]:
    """The <Message> texts of a TwiML answer (and it must be valid TwiML)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == "Response"
    return [m.text or "" for m in root.findall("Message")]


def inbound_messages() -> list[Message]:
    """Inbound messages, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Message).where(Message.direction == "inbound").order_by(Message.id)
        )
    )


def test_a_reply_answers_the_open_checkin_and_is_stored_with_its_triage(app, client):
    checkin = make_conversation(rep=make_staff())

    answer = post_inbound(client, inbound_params("5 stars, great job!"))

    assert twiml_messages(answer) == []
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).status == "answered"
    reason = db.session.scalar(
        sa.select(CheckInTransition.reason).where(
            CheckInTransition.checkin_id == checkin.id, CheckInTransition.to_status == "answered"
        )
    )
    assert "answered by SMS" in reason
    [message] = inbound_messages()
    assert (message.customer_id, message.checkin_id, message.is_flagged) == (
        checkin.customer_id,
        checkin.id,
        False,
    )
    [reply] = replies_of(checkin.customer_id)
    assert (reply.checkin_id, reply.message_id, reply.source) == (checkin.id, message.id, "sms")
    assert (reply.triage_class, reply.rating, reply.is_unsolicited) == ("positive", 5, False)
    assert "5" in reply.evidence
    assert db.session.get(Customer, checkin.customer_id).is_happy is True


def test_unsigned_or_wrongly_signed_replies_are_403_and_store_nothing(app, client):
    make_conversation()
    params = inbound_params("the tech was late")
    good = sign(INBOUND, params)
    tampered = {**params, "Body": "all good"}

    assert client.post(INBOUND, data=params).status_code == 403
    assert post_inbound(client, params, signature="bad").status_code == 403
    assert post_inbound(client, tampered, signature=good).status_code == 403
    assert count(Message) == 1  # the check-in's own message only
    assert count(Reply) == 0


def test_behind_a_tls_proxy_the_signature_for_public_base_url_is_accepted(app, client):
    checkin = make_conversation()
    params = inbound_params("all good")
    headers = {"X-Twilio-Signature": sign(INBOUND, params)}  # signed for https://outreach.test

    answer = client.post(INBOUND, data=params, headers=headers, base_url="http://10.0.0.5:8000")

    assert twiml_messages(answer) == []
    assert replies_of(checkin.customer_id)[0].triage_class == "positive"


@contextmanager
def database_errors() -> Iterator[list[str]]:
    """The errors the database raised inside the block (its log has a line for each)."""
    errors: list[str] = []

    def record(context) -> None:
        errors.append(type(context.original_exception).__name__)

    sa.event.listen(db.engine, "handle_error", record)
    try:
        yield errors
    finally:
        sa.event.remove(db.engine, "handle_error", record)


def test_a_retried_message_sid_gets_the_same_answer_and_creates_nothing(app, client):
    checkin = make_conversation(rep=make_staff(name="Sam Rivera"))
    params = inbound_params("The tech left a mess and it still does not work")

    first = twiml_messages(post_inbound(client, params))
    counts = (count(Message), count(Reply), count(FollowUp), count(CheckInTransition))
    [inbound] = inbound_messages()
    [ack] = answers_to(inbound.id)
    with database_errors() as errors:
        again = twiml_messages(post_inbound(client, params))
        retried = record_inbound_sms(params)

    assert errors == []  # a retry is found by the insert itself, not by a unique violation
    assert first == again == []  # the acknowledgement is a text of its own, not TwiML
    assert (ack.kind, ack.status, ack.checkin_id) == ("acknowledgement", "pending", checkin.id)
    assert ack.body.startswith("Thanks — Sam will call you by ")
    assert (count(Message), count(Reply), count(FollowUp), count(CheckInTransition)) == counts
    assert len(followups_of(checkin.customer_id)) == 1
    assert queued_text_ids() == [ack.id]  # handed to the worker once, not again on the retries
    assert not retried.created and retried.answer_message.id == ack.id
    assert retried.answer == ack.body


def test_concurrent_deliveries_of_one_message_sid_record_it_once(app, app_env):
    make_conversation(rep=make_staff())
    params = inbound_params("still broken, very disappointed")
    signature = sign(INBOUND, params)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}{INBOUND}"
    barrier = threading.Barrier(6)
    bodies: list[str] = []

    def post() -> None:
        barrier.wait()
        response = requests.post(
            url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
        )
        bodies.append(f"{response.status_code} {response.text}")

    try:
        with database_errors() as errors:
            posts = [threading.Thread(target=post) for _ in range(6)]
            for t in posts:
                t.start()
            for t in posts:
                t.join(timeout=60)
    finally:
        server.shutdown()
        thread.join(timeout=5)

    assert errors == []  # the five later inserts wait for the first and skip, none fails
    assert len(bodies) == 6 and len(set(bodies)) == 1, bodies
    assert bodies[0].startswith("200 ") and "<Message" not in bodies[0]
    assert bodies[0].endswith("<Response />")
    db.session.expire_all()
    [inbound] = inbound_messages()
    assert count(Reply) == 1 and count(FollowUp) == 1
    [ack] = answers_to(inbound.id)
    assert ack.kind == "acknowledgement" and "will call you by" in ack.body
    assert queued_text_ids() == [ack.id]


def test_the_most_recently_contacted_checkin_gets_the_answer(app, client):
    now = utcnow()
    older = make_conversation(sent_at=now - timedelta(hours=30))
    newer = make_conversation(customer=older.customer, sent_at=now - timedelta(hours=2))

    post_inbound(client, inbound_params("all good thanks"))

    db.session.expire_all()
    assert db.session.get(CheckIn, newer.id).status == "answered"
    assert db.session.get(CheckIn, older.id).status == "sent"


def test_a_second_reply_in_the_window_joins_the_answered_checkin(app, client):
    checkin = make_conversation()
    post_inbound(client, inbound_params("all good"))
    post_inbound(client, inbound_params("oh and thanks again"))

    replies = replies_of(checkin.customer_id)
    assert [r.checkin_id for r in replies] == [checkin.id, checkin.id]
    assert not any(r.is_unsolicited for r in replies)
    answered = db.session.scalar(
        sa.select(sa.func.count()).where(
            CheckInTransition.checkin_id == checkin.id, CheckInTransition.to_status == "answered"
        )
    )
    assert answered == 1


def test_a_reply_after_the_window_is_unsolicited_and_answers_nothing(app, client):
    checkin = make_conversation(sent_at=utcnow() - timedelta(hours=73))  # window: 72 h

    post_inbound(client, inbound_params("by the way, thanks"))

    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).status == "sent"
    [reply] = replies_of(checkin.customer_id)
    assert reply.is_unsolicited is True and reply.checkin_id is None
    assert inbound_messages()[0].customer_id == checkin.customer_id


def test_a_message_from_an_unknown_number_is_recorded_and_flagged(app, client, caplog):
    caplog.set_level(logging.INFO)

    answer = post_inbound(client, inbound_params("Is this the plumber?", from_="+16125550999"))

    assert twiml_messages(answer) == []
    [message] = inbound_messages()
    assert message.is_flagged is True and message.customer_id is None
    assert message.body == "Is this the plumber?"
    reply = db.session.scalar(sa.select(Reply).where(Reply.message_id == message.id))
    assert reply is not None and reply.customer_id is None and reply.is_unsolicited
    assert f"inbound message {message.id} from an unknown number" in caplog.text
    assert "+16125550999" not in caplog.text and "plumber" not in caplog.text


def test_help_from_an_unknown_number_is_still_answered(app, client):
    answer = post_inbound(client, inbound_params("HELP", from_="+16125550999"))

    assert twiml_messages(answer) == []
    [inbound] = inbound_messages()
    assert inbound.is_flagged is True
    [text] = answers_to(inbound.id)
    assert (text.kind, text.to_number, text.customer_id) == ("help", "+16125550999", None)
    assert "STOP" in text.body and text.status == "pending"
    assert run_text_jobs(TUE_10AM) == [text.id]
    db.session.refresh(text)
    assert text.status == "delivered" and text.twilio_sid.startswith("SMoutbox")


def test_no_answer_to_an_unknown_number_that_does_not_ask_for_help(app, client):
    # ("Is this the plumber?" asks who we are: that is HELP, and it is answered)
    post_inbound(client, inbound_params("Thanks, see you Tuesday", from_="+16125550999"))

    assert answers_to(inbound_messages()[0].id) == []
    assert queued_text_ids() == []


def test_mms_media_urls_are_stored(app, client):
    make_conversation()
    media = {
        "NumMedia": "2",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
        "MediaContentType1": "image/png",
    }

    post_inbound(client, inbound_params("", **media))

    [message] = inbound_messages()
    assert message.media_urls == [media["MediaUrl0"], media["MediaUrl1"]]


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_a_reply_without_message_sid_or_from_is_422_and_stores_nothing(
    app, client, caplog, missing
):
    make_conversation()
    params = inbound_params("hello")
    params.pop(missing)
    params.pop("SmsSid")

    answer = post_inbound(client, params)

    assert answer.status_code == 422
    assert answer.get_json()["error"]["field"] == missing
    assert inbound_messages() == [] and count(Reply) == 0
    assert "inbound SMS" in caplog.text and CUSTOMER_PHONE not in caplog.text


def test_a_huge_body_is_413_and_stores_nothing(app, client):
    make_conversation()
    params = inbound_params("x" * 70_000)

    answer = client.post(INBOUND, data=params, headers={"X-Twilio-Signature": "whatever"})

    assert answer.status_code == 413
    assert inbound_messages() == []


def test_a_long_body_under_the_limit_is_kept_whole_and_triaged(app, client):
    checkin = make_conversation()
    body = "The technician was great. " * 400  # 10,400 characters

    answer = post_inbound(client, inbound_params(body))

    assert answer.status_code == 200
    [reply] = replies_of(checkin.customer_id)
    assert reply.text == body and reply.triage_class == "positive"


def test_non_utf8_bytes_are_recorded_as_received_without_an_error(app, client):
    make_conversation()
    sid = "SM" + "ab" * 16
    raw = f"MessageSid={sid}&From=%2B16125550142&To=%2B15017122661&Body=caf%E9+ok%FF%FE"
    parsed = Request(
        EnvironBuilder(
            method="POST", data=raw.encode(), content_type="application/x-www-form-urlencoded"
        ).get_environ()
    ).form.to_dict()

    answer = client.post(
        INBOUND,
        data=raw.encode(),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": sign(INBOUND, parsed)},
    )

    assert twiml_messages(answer) == []
    [message] = inbound_messages()
    assert message.twilio_sid == sid and message.body == parsed["Body"]
    assert message.body.startswith("caf") and "ok" in message.body


def test_an_unknown_to_number_is_flagged_but_the_reply_still_counts(make_app):
    app = make_app(env={"TWILIO_FROM_NUMBER": "+15017122661"})
    with app.app_context():
        checkin = make_conversation()
        client = app.test_client()

        answer = post_inbound(client, inbound_params("STOP", To="+15005550006"))

        assert twiml_messages(answer) == []
        [message] = inbound_messages()
        assert message.is_flagged is True and message.to_number == "+15005550006"
        db.session.expire_all()
        assert db.session.get(Customer, checkin.customer_id).is_opted_out is True


def test_a_reply_from_a_deleted_customer_is_kept_and_flagged(app, client):
    checkin = make_conversation()
    customer_id = checkin.customer_id
    db.session.execute(sa.delete(Customer).where(Customer.id == customer_id))
    db.session.commit()

    answer = post_inbound(client, inbound_params("hello?"))

    assert twiml_messages(answer) == []
    [message] = inbound_messages()
    assert message.is_flagged is True and message.customer_id is None
    assert message.body == "hello?"


def test_a_reply_before_the_delivery_callback_keeps_the_checkin_answered(app, client):
    checkin = make_conversation()
    sid = db.session.scalar(sa.select(Message.twilio_sid).where(Message.checkin_id == checkin.id))

    post_inbound(client, inbound_params("great service"))
    callback = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
    status = client.post(
        "/twilio/sms/status",
        data=callback,
        headers={"X-Twilio-Signature": sign("/twilio/sms/status", callback)},
    )

    assert status.status_code == 200
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).status == "answered"
    message = db.session.scalar(sa.select(Message).where(Message.twilio_sid == sid))
    assert message.status == "delivered"
    assert count(MessageStatusEvent) == 1


def test_replies_acknowledgements_and_followups_show_in_the_timeline(app, client):
    checkin = make_conversation(rep=make_staff())

    post_inbound(client, inbound_params("it is still leaking under the sink, not happy"))

    kinds = [item.kind for item in customer_timeline(checkin.customer_id).items]
    assert {"event", "checkin", "message", "reply", "followup"} <= set(kinds)
    acknowledgements = [
        item.row
        for item in customer_timeline(checkin.customer_id).items
        if item.kind == "message" and item.row.kind == "acknowledgement"
    ]
    assert len(acknowledgements) == 1
    assert acknowledgements[0].in_reply_to_id == inbound_messages()[0].id
    assert acknowledgements[0].status == "pending"  # until the worker sends it


def test_a_voice_gather_result_is_triaged_like_an_sms_and_recorded_once(app):
    rep = make_staff(name="Alex Kim")
    checkin = make_conversation(rep=rep, channel="voice", status="sent")
    call = Call(
        purpose="voice_checkin",
        checkin_id=checkin.id,
        customer_id=checkin.customer_id,
        to_number=CUSTOMER_PHONE,
        status="in-progress",
    )
    db.session.add(call)
    db.session.commit()

    first = record_voice_reply(call.id, "2", None, now=TUE_10AM)
    again = record_voice_reply(call.id, "2", None, now=TUE_10AM)

    assert first.created and not again.created and again.reply.id == first.reply.id
    assert first.reply.triage_class == "callback_requested" and first.reply.source == "voice"
    assert first.answer == "Thanks — Alex will call you by Tue 5 pm."  # spoken on the call
    assert again.answer == first.answer
    assert count(Message) == 1 and queued_text_ids() == []  # not texted as well
    [followup] = followups_of(checkin.customer_id)
    assert (followup.kind, followup.owner_id) == ("callback", rep.id)
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).status == "answered"
    with pytest.raises(NotFound):
        record_voice_reply(999_999, "1", None)


def test_the_service_refuses_nothing_it_can_store_and_returns_the_answer(app):
    make_conversation(rep=make_staff(name="Sam Rivera"), sent_at=TUE_10AM - timedelta(hours=1))

    result = record_inbound_sms(inbound_params("Could you send me the invoice?"), now=TUE_10AM)

    assert result.created and result.reply.triage_class == "question"
    assert result.answer == "Thanks — Sam will get back to you by Wed 5 pm."
    ack = result.answer_message
    assert (ack.body, ack.in_reply_to_id, ack.created_at) == (
        result.answer,
        result.message.id,
        TUE_10AM,
    )
