"""Replies by e-mail through the signed inbound hook (Mailgun's parsed form): threaded to the
check-in by In-Reply-To / References, triaged and acted on like an SMS reply, answered in the
same thread through the real SMTP server; forged posts refused."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
from test_email import ADDRESS, app, email_checkin, email_policy, mail, queue_now  # noqa: F401
from test_email_consent import signed

from outreach.messaging.emails import send_email_checkins, send_emails
from outreach.models import CheckIn, Email, Escalation, FollowUp, Reply, db_now

INBOUND = "/hooks/email/mailgun/inbound"


def sent_message(db, handler):
    """An e-mail check-in sent through the SMTP server: its id and the message received."""
    checkin_id = email_checkin(db_now() - timedelta(minutes=1))
    queue_now(db, checkin_id)
    assert send_email_checkins([checkin_id])[0].result == "sent"
    return checkin_id, handler.to(ADDRESS)[-1]


def reply_form(answering, text: str, message_id: str = "<r1@mail.example.net>", **extra) -> dict:
    """Mailgun's parsed form of a customer's reply to `answering` (our message)."""
    headers = [
        ["Message-Id", message_id],
        ["In-Reply-To", answering["Message-ID"]],
        ["References", f"<older@example.net> {answering['Message-ID']}"],
        ["Subject", f"Re: {answering['Subject']}"],
    ]
    return {
        **signed(),
        "recipient": "care@example.com",
        "sender": ADDRESS,
        "from": f"Pat Example <{ADDRESS}>",
        "subject": f"Re: {answering['Subject']}",
        "body-plain": f"{text}\n\nOn Tue, Outreach wrote:\n> how did it go?",
        "stripped-text": text,
        "message-headers": json.dumps(headers),
        **extra,
    }


def test_a_reply_is_threaded_triaged_and_answered_in_the_thread(app, mail, db):  # noqa: F811
    email_policy()
    checkin_id, ours = sent_message(db, mail)
    client = app.test_client()

    text = "Not happy. The technician left a mess and the heater is noisy."
    answer = client.post(INBOUND, data=reply_form(ours, text))
    again = client.post(INBOUND, data=reply_form(ours, text))

    assert answer.status_code == again.status_code == 200
    [reply] = db.session.scalars(sa.select(Reply)).all()
    assert reply.source == "email" and reply.checkin_id == checkin_id
    assert reply.triage_class == "negative" and reply.text == text
    assert db.session.get(CheckIn, checkin_id).status == "answered"
    inbound = db.session.get(Email, reply.email_id)
    assert inbound.in_reply_to == ours["Message-ID"] and inbound.direction == "inbound"
    acknowledgement = db.session.scalar(
        sa.select(Email).where(Email.kind == "acknowledgement", Email.in_reply_to_id == inbound.id)
    )
    assert db.session.scalar(sa.select(FollowUp).where(FollowUp.reply_id == reply.id))
    assert send_emails([acknowledgement.id]) == ["sent"]
    answered = mail.to(ADDRESS)[-1]
    assert answered["In-Reply-To"] == "<r1@mail.example.net>"
    assert answered["Subject"] == f"Re: {ours['Subject']}"
    assert acknowledgement.body in answered.get_body(("plain",)).get_content()


def test_an_urgent_reply_by_email_pulls_the_fire_alarm(app, mail, db):  # noqa: F811
    email_policy()
    checkin_id, ours = sent_message(db, mail)
    text = "The new heater is leaking gas, I can smell it in the kitchen. Please come now!"

    answer = app.test_client().post(INBOUND, data=reply_form(ours, text))

    assert answer.status_code == 200
    reply = db.session.scalar(sa.select(Reply))
    assert reply.triage_class == "urgent" and reply.checkin_id == checkin_id
    assert db.session.scalar(sa.select(Escalation).where(Escalation.reply_id == reply.id))
    assert db.session.scalar(sa.select(FollowUp).where(FollowUp.reply_id == reply.id))


def test_a_reply_that_names_none_of_our_messages_is_unsolicited(app, mail, db):  # noqa: F811
    email_policy()
    _, ours = sent_message(db, mail)
    form = reply_form(ours, "Question: do you also service boilers?")
    form["message-headers"] = json.dumps([["Message-Id", "<new@mail.example.net>"]])

    assert app.test_client().post(INBOUND, data=form).status_code == 200

    reply = db.session.scalar(sa.select(Reply))
    assert reply.is_unsolicited and reply.checkin_id is None and reply.customer_id is not None


def test_unsigned_or_forged_inbound_posts_are_refused(app, mail, db):  # noqa: F811
    email_policy()
    _, ours = sent_message(db, mail)
    client = app.test_client()
    form = reply_form(ours, "All good")

    assert client.post(INBOUND, data={**form, "signature": "f" * 64}).status_code == 403
    assert client.post(INBOUND, data={**form, "timestamp": "1"}).status_code == 403
    unsigned = {k: v for k, v in form.items() if k != "signature"}
    assert client.post(INBOUND, data=unsigned).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Reply.id))) == 0
