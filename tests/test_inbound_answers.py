"""What we answer a customer's text (the acknowledgement with its promise, the HELP text) is a text
of its own: queued in reply to their message in the same transaction, handed to the worker after
the commit and sent through Twilio like every other text, with a SID and its status history.
The inbound webhook itself answers an empty TwiML <Response/>."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import sqlalchemy as sa
from conversation_helpers import (
    CUSTOMER_PHONE,
    TUE_10AM,
    answers_to,
    count,
    followups_of,
    inbound_params,
    make_conversation,
    make_staff,
    post_inbound,
    queued_text_ids,
    run_text_jobs,
)
from testenv import PUBLIC_BASE_URL

from outreach.conversations import record_inbound_sms
from outreach.extensions import db
from outreach.models import Message, MessageStatusEvent

UNKNOWN = "+16125550999"
#: 23:00 in Chicago on a Tuesday: inside the 21:00-08:00 quiet hours
TUE_11PM = TUE_10AM + timedelta(hours=13)


def _inbound() -> list[Message]:
    return list(
        db.session.scalars(
            sa.select(Message).where(Message.direction == "inbound").order_by(Message.id)
        )
    )


def _reply(text: str, now=TUE_10AM, **extra):
    return record_inbound_sms(inbound_params(text, **extra), now=now)


def test_the_webhook_answers_empty_twiml_and_the_worker_sends_the_acknowledgement(
    twilio_app, fake_twilio
):
    checkin = make_conversation(rep=make_staff(name="Sam Rivera"))
    client = twilio_app.test_client()

    response = post_inbound(client, inbound_params("Still not working, really frustrated"))

    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == "Response" and list(root) == [] and not (root.text or "").strip()
    [inbound] = _inbound()
    [ack] = answers_to(inbound.id)
    assert (ack.kind, ack.status, ack.twilio_sid) == ("acknowledgement", "pending", None)
    assert (ack.customer_id, ack.checkin_id, ack.to_number) == (
        checkin.customer_id,
        checkin.id,
        CUSTOMER_PHONE,
    )
    [followup] = followups_of(checkin.customer_id)
    assert ack.body.startswith("Thanks — Sam will call you by")
    assert followup.promise.startswith("Sam Rivera will call the customer by")  # for staff
    assert fake_twilio.created_messages() == []  # nothing leaves before the worker runs

    assert run_text_jobs() == [ack.id]

    [created] = fake_twilio.created_messages()
    assert (created.value("To"), created.value("Body")) == (CUSTOMER_PHONE, ack.body)
    assert created.value("StatusCallback") == PUBLIC_BASE_URL + "/twilio/sms/status"
    db.session.refresh(ack)
    assert ack.twilio_sid in fake_twilio.messages and ack.status == "queued"
    assert ack.from_number == fake_twilio.from_number
    for status in ("sent", "delivered"):
        callback = fake_twilio.message_callback(ack.twilio_sid, status, client)
        assert callback.status_code == 200
    db.session.expire_all()
    ack = db.session.get(Message, ack.id)
    assert ack.status == "delivered"
    assert [e.status for e in ack.status_events] == ["sent", "delivered"]


def test_the_acknowledgement_commits_with_the_reply_and_is_enqueued_after(twilio_app):
    make_conversation(rep=make_staff(), sent_at=TUE_10AM - timedelta(hours=1))

    result = _reply("The heater broke again, not happy")

    ack = result.answer_message
    assert ack is not None and ack.in_reply_to_id == result.message.id
    db.session.rollback()  # what the service did is committed, the answer included
    assert db.session.get(Message, ack.id).status == "pending"
    assert db.session.get(Message, result.message.id) is not None
    assert queued_text_ids() == [ack.id]


def test_an_answer_to_the_customers_own_text_is_not_held_for_quiet_hours(twilio_app, fake_twilio):
    make_conversation(rep=make_staff(name="Sam Rivera"), sent_at=TUE_11PM - timedelta(hours=1))

    result = _reply("Can you call me tomorrow? The tap still drips", now=TUE_11PM)

    assert result.reply.triage_class == "callback_requested"
    assert run_text_jobs(TUE_11PM + timedelta(seconds=5)) == [result.answer_message.id]
    [created] = fake_twilio.created_messages()
    assert created.value("Body") == result.answer
    db.session.refresh(result.answer_message)
    assert result.answer_message.twilio_sid in fake_twilio.messages


def test_help_is_sent_even_to_a_customer_who_opted_out(twilio_app, fake_twilio):
    checkin = make_conversation(sent_at=TUE_10AM - timedelta(hours=1))
    stop = _reply("STOP")
    assert stop.answer is None and answers_to(stop.message.id) == []  # Twilio answers STOP

    help_ = _reply("HELP", now=TUE_10AM + timedelta(minutes=1))

    [text] = answers_to(help_.message.id)
    assert (text.kind, text.customer_id, text.to_number) == (
        "help",
        checkin.customer_id,
        CUSTOMER_PHONE,
    )
    assert help_.answer == text.body and "STOP" in text.body
    assert run_text_jobs(TUE_10AM + timedelta(minutes=2)) == [text.id]
    [created] = fake_twilio.created_messages()
    assert (created.value("To"), created.value("Body")) == (CUSTOMER_PHONE, text.body)
    db.session.refresh(text)
    assert text.twilio_sid in fake_twilio.messages and text.status == "queued"


def test_help_from_an_unknown_number_is_sent_through_twilio(twilio_app, fake_twilio):
    result = _reply("HELP", from_=UNKNOWN)

    [text] = answers_to(result.message.id)
    assert (text.kind, text.customer_id, text.to_number) == ("help", None, UNKNOWN)
    assert run_text_jobs(TUE_10AM + timedelta(seconds=5)) == [text.id]
    [created] = fake_twilio.created_messages()
    assert created.value("To") == UNKNOWN
    db.session.refresh(text)
    assert text.twilio_sid in fake_twilio.messages


def test_an_acknowledgement_is_not_sent_when_the_customer_opts_out_before_the_worker(
    twilio_app, fake_twilio
):
    make_conversation(rep=make_staff(), sent_at=TUE_10AM - timedelta(hours=1))
    complaint = _reply("It is still broken, very disappointed")
    _reply("STOP", now=TUE_10AM + timedelta(seconds=30))

    assert run_text_jobs(TUE_10AM + timedelta(minutes=1)) == [complaint.answer_message.id]

    assert fake_twilio.created_messages() == []
    db.session.refresh(complaint.answer_message)
    ack = complaint.answer_message
    assert (ack.status, ack.twilio_sid) == ("canceled", None)
    assert "opted out" in ack.error_message


def test_a_customer_already_opted_out_is_not_even_queued_an_acknowledgement(twilio_app):
    checkin = make_conversation(rep=make_staff(), sent_at=TUE_10AM - timedelta(hours=1))
    _reply("STOP")

    result = _reply("The heater is broken again and I am furious")

    assert result.answer is None and result.answer_message is None
    assert answers_to(result.message.id) == []
    assert len(followups_of(checkin.customer_id)) == 1  # the problem is kept all the same
    assert count(MessageStatusEvent) == 0
