"""Helpers for the conversation tests: staff, a check-in that went out, signed inbound SMS."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from rq import Queue

from outreach.customers.activity import messages_stored
from outreach.extensions import db
from outreach.messaging.signatures import sign
from outreach.messaging.texts import TEXT_JOB, TEXT_QUEUE, send_texts
from outreach.models import (
    CheckIn,
    Customer,
    FollowUp,
    Message,
    Policy,
    Reply,
    ServiceEvent,
    User,
    utcnow,
)
from outreach.runtime.queues import get_redis

INBOUND = "/twilio/sms/inbound"
CUSTOMER_PHONE = "+16125550142"
#: Tuesday 10 March 2026, 10:00 in Chicago (CDT, UTC-5): inside business hours
TUE_10AM = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
_seq = itertools.count(1)


def make_staff(role: str = "rep", name: str = "Sam Rivera", phone: str | None = None, **values):
    """A committed user of a role with a phone for texts."""
    n = next(_seq)
    user = User(
        email=f"{role}{n}-{secrets.token_hex(3)}@example.com",
        role=role,
        name=name,
        phone=phone if phone is not None else f"+1612555{2000 + n:04d}",
        **values,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_conversation(
    *,
    rep: User | None = None,
    phone: str = CUSTOMER_PHONE,
    sent_at: datetime | None = None,
    status: str = "sent",
    customer: Customer | None = None,
    timezone: str = "America/Chicago",
    channel: str = "sms",
) -> CheckIn:
    """A customer, an event (with its rep), and an SMS check-in that went out at sent_at."""
    sent_at = sent_at or utcnow()
    tag = secrets.token_hex(5)
    if customer is None:
        customer = Customer(
            external_id=f"c-{tag}", name="Pat Example", phone=phone, timezone=timezone
        )
    event = ServiceEvent(
        external_id=f"e-{tag}",
        type="install",
        occurred_at=sent_at - timedelta(hours=20),
        customer=customer,
        rep=rep,
    )
    policy = Policy(
        name=f"p-{tag}", event_type="install", channel=channel, delay="PT20H", template="Hi"
    )
    checkin = CheckIn(
        event=event,
        customer=customer,
        policy=policy,
        rep=rep,
        channel=channel,
        status=status,
        due_at=sent_at,
        earliest_at=sent_at,
        timezone=timezone,
        timing_reason="test",
        created_at=sent_at,
    )
    db.session.add(checkin)
    db.session.flush()
    if status not in ("scheduled", "queued"):
        db.session.add(
            Message(
                direction="outbound",
                kind="checkin",
                checkin_id=checkin.id,
                customer_id=customer.id,
                to_number=customer.phone,
                body="Hi, how did the install go?",
                twilio_sid="SM" + secrets.token_hex(16),
                status="sent",
                created_at=sent_at,
                updated_at=sent_at,
            )
        )
        messages_stored([customer.id], sent_at)
    db.session.commit()
    return checkin


def inbound_params(body: str, from_: str = CUSTOMER_PHONE, sid: str | None = None, **extra):
    """Webhook parameters as Twilio posts them for an inbound SMS."""
    params = {
        "AccountSid": "AC" + "0" * 32,
        "ApiVersion": "2010-04-01",
        "MessageSid": sid or "SM" + secrets.token_hex(16),
        "SmsSid": sid or "",
        "From": from_,
        "To": "+15017122661",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    params["SmsSid"] = params["MessageSid"]
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def post_inbound(client, params: dict, signature: str | None = None):
    """POST params to the inbound webhook, signed as Twilio signs for PUBLIC_BASE_URL."""
    headers = {"X-Twilio-Signature": signature or sign(INBOUND, params)}
    return client.post(INBOUND, data=params, headers=headers)


def count(model) -> int:
    """Rows of a model."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def followups_of(customer_id: int) -> list[FollowUp]:
    """A customer's follow-ups, oldest first."""
    return list(
        db.session.scalars(
            sa.select(FollowUp).where(FollowUp.customer_id == customer_id).order_by(FollowUp.id)
        )
    )


def replies_of(customer_id: int) -> list[Reply]:
    """A customer's replies, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Reply).where(Reply.customer_id == customer_id).order_by(Reply.id)
        )
    )


def texts(kind: str | None = None) -> list[Message]:
    """Outbound texts that are not check-ins, optionally of one kind."""
    query = sa.select(Message).where(Message.direction == "outbound", Message.kind != "checkin")
    if kind:
        query = query.where(Message.kind == kind)
    return list(db.session.scalars(query.order_by(Message.id)))


def answers_to(inbound_id: int) -> list[Message]:
    """The outbound texts in reply to one inbound message, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.in_reply_to_id == inbound_id, Message.direction == "outbound")
            .order_by(Message.id)
        )
    )


def queued_text_ids() -> list[int]:
    """The message ids of the text jobs waiting in RQ, in queue order."""
    ids: list[int] = []
    for job in Queue(TEXT_QUEUE, connection=get_redis()).jobs:
        assert job.func_name == TEXT_JOB
        ids.extend(job.args[0])
    return ids


def run_text_jobs(now: datetime | None = None) -> list[int]:
    """Do in this process what the worker does with the waiting text jobs (at `now`): send
    them; returns the ids the jobs carried."""
    ids = queued_text_ids()
    Queue(TEXT_QUEUE, connection=get_redis()).empty()
    send_texts(ids, now)
    db.session.expire_all()
    return ids
