"""Status callbacks: every one stored as its own row; a message's status only moves forward,
and a check-in follows its message (sent -> delivered | undelivered | failed)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime

import sqlalchemy as sa

from outreach.extensions import db
from outreach.messaging.errors import describe_twilio_error
from outreach.models import Call, CallStatusEvent, Message, MessageStatusEvent, utcnow
from outreach.models.base import column_int

log = logging.getLogger(__name__)

#: Twilio's message statuses in the order they can happen; same rank = mutually final.
MESSAGE_RANK: dict[str, int] = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}
MESSAGE_FAILURES = frozenset({"undelivered", "failed", "canceled"})
CALL_RANK: dict[str, int] = {
    "queued": 0,
    "initiated": 1,
    "ringing": 2,
    "in-progress": 3,
    "completed": 4,
    "busy": 4,
    "failed": 4,
    "no-answer": 4,
    "canceled": 4,
}


def _earlier_than(status: str) -> list[str]:
    """The message statuses `status` may replace ("read" never replaces a failure)."""
    rank = MESSAGE_RANK[status]
    return [
        s
        for s, r in MESSAGE_RANK.items()
        if r < rank and not (status == "read" and s in MESSAGE_FAILURES)
    ]


def record_message_status(
    params: Mapping[str, str], source: str = "twilio", now: datetime | None = None
) -> MessageStatusEvent:
    """Store one message status callback and apply it if it moves the message forward; commits."""
    sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()[:64]
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").strip().lower()
    event = MessageStatusEvent(
        twilio_sid=sid,
        status=status[:20],
        error_code=column_int(params.get("ErrorCode")),
        params={**dict(params), "_source": source} if source != "twilio" else dict(params),
        received_at=now or utcnow(),
    )
    message = db.session.scalar(sa.select(Message).where(Message.twilio_sid == sid))
    event.message_id = message.id if message else None
    db.session.add(event)
    db.session.flush()
    if message is None:
        log.info("status callback for unknown message %s stored (event %s)", sid, event.id)
    else:
        _apply(message, event, now or utcnow())
    db.session.commit()
    return event


def pending_sids(sids: Collection[str]) -> set[str]:
    """Which of these SIDs have callbacks stored before their message had the SID (one query)."""
    if not sids:
        return set()
    return set(
        db.session.scalars(
            sa.select(MessageStatusEvent.twilio_sid)
            .where(
                MessageStatusEvent.twilio_sid.in_(sorted(set(sids))),
                MessageStatusEvent.message_id.is_(None),
            )
            .distinct()
        )
    )


def replay_pending(message: Message, now: datetime | None = None) -> int:
    """Apply callbacks that arrived before the message's SID was recorded; returns how many
    moved it. Call after storing a SID; does not commit."""
    events = db.session.scalars(
        sa.select(MessageStatusEvent)
        .where(
            MessageStatusEvent.twilio_sid == message.twilio_sid,
            MessageStatusEvent.message_id.is_(None),
        )
        .order_by(MessageStatusEvent.id)
    ).all()
    for event in sorted(events, key=lambda e: MESSAGE_RANK.get(e.status, -1)):
        event.message_id = message.id
        db.session.flush()
        _apply(message, event, now or utcnow())
    return sum(e.is_applied for e in events)


def _apply(message: Message, event: MessageStatusEvent, now: datetime) -> None:
    if event.status not in MESSAGE_RANK:
        log.warning("message %s: unknown status %r stored, not applied", message.id, event.status)
        return
    values: dict[str, object] = {"status": event.status, "updated_at": now}
    if event.error_code is not None:
        values["error_code"] = event.error_code
        values["error_message"] = describe_twilio_error(event.error_code)
    moved = db.session.execute(
        sa.update(Message)
        .where(Message.id == message.id, Message.status.in_(_earlier_than(event.status)))
        .values(**values)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    event.is_applied = moved == 1
    db.session.flush()
    if event.is_applied and message.checkin_id is not None and message.kind == "checkin":
        from outreach.messaging.sending import follow_message

        follow_message(message, event, now)


def record_call_status(params: Mapping[str, str], now: datetime | None = None) -> CallStatusEvent:
    """Store one call status callback and move the call forward when it is later; commits."""
    now = now or utcnow()
    sid = (params.get("CallSid") or "").strip()[:64]
    status = (params.get("CallStatus") or "").strip().lower()
    call = db.session.scalar(sa.select(Call).where(Call.twilio_sid == sid))
    event = CallStatusEvent(
        call_id=call.id if call else None,
        twilio_sid=sid,
        status=status[:20],
        params=dict(params),
        received_at=now,
    )
    db.session.add(event)
    db.session.flush()
    if call is None:
        log.info("call status callback for unknown call %s stored (event %s)", sid, event.id)
    else:
        apply_call_status(call, status, params, now)
    db.session.commit()
    return event


def apply_call_status(call: Call, status: str, params: Mapping[str, str], now: datetime) -> bool:
    """Move a call to `status` if it is later than its current one (a voice check-in follows
    its call); True if it moved. Does not commit."""
    if status not in CALL_RANK:
        log.warning("call %s: unknown status %r stored, not applied", call.id, status)
        return False
    earlier = [s for s, r in CALL_RANK.items() if r < CALL_RANK[status]]
    values: dict[str, object] = {"status": status, "updated_at": now}
    if column_int(params.get("CallDuration")) is not None:
        values["duration_seconds"] = column_int(params.get("CallDuration"))
    if params.get("AnsweredBy"):
        values["answered_by"] = params["AnsweredBy"][:32]
    if column_int(params.get("ErrorCode")) is not None:
        values["error_code"] = column_int(params.get("ErrorCode"))
    moved = db.session.execute(
        sa.update(Call)
        .where(Call.id == call.id, Call.status.in_(earlier))
        .values(**values)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if moved:
        from outreach.messaging.voice import follow_call

        follow_call(call, status, now)
    return moved == 1
