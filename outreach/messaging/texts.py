"""Texts that are not check-ins: manager alerts, follow-up reminders, reassurance messages.

A text is a Message row created `pending` in the caller's transaction (queue_text), so it is
committed together with whatever decided to send it; after the commit enqueue_texts() hands it
to RQ, and send_text() delivers it once: a compare-and-set pending -> sending (with
attempt_started_at) is committed before the transport is called. The sweeper's flush_texts()
re-enqueues texts whose job was lost, and settles texts left `sending` without a SID against the
transport's record with the engine's look-up (engine.py): SIDs we already hold are never
adopted, a SID in hand is recorded at once.

A text with `in_reply_to_id` answers the customer's own message (an acknowledgement, HELP): it
is not held for quiet hours, and a HELP answer goes even to an opted-out customer. While a
customer is paused (a probable opt-out), only those answers and a person's own text go out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from redis.exceptions import RedisError
from rq import Queue

from outreach.company.templating import MAX_MESSAGE_CHARS
from outreach.customers.activity import messages_stored
from outreach.errors import ValidationError
from outreach.extensions import db
from outreach.messaging import callbacks
from outreach.messaging.engine import lease_for, opt_out_after_error, unclaimed
from outreach.messaging.errors import TransportError
from outreach.messaging.ratelimit import sender_limiter
from outreach.messaging.segments import count_segments
from outreach.messaging.sending import SMS_STATUS_PATH, accepted_status, as_created
from outreach.messaging.signatures import public_url
from outreach.messaging.transport import SentMessage, get_transport
from outreach.models import Customer, Message, db_now, utcnow

log = logging.getLogger(__name__)

PENDING = "pending"
TEXT_JOB = "jobs.texts.send_texts"
TEXT_QUEUE = "outreach-high"
#: kinds sent to the customer: re-checked against opt-out, wrong number and quiet hours
CUSTOMER_KINDS = frozenset({"acknowledgement", "reassurance", "help", "manual"})
RETRY_AFTER = timedelta(seconds=30)  #: a pending text not taken by then is enqueued again
GIVE_UP_AFTER = timedelta(hours=2)  #: an alert or reminder later than this is no use
FLUSH_LIMIT = 500

#: send_text() results
SENT, RETRYING, UNKNOWN, FAILED, CANCELED, SKIPPED = (
    "sent",
    "retrying",
    "unknown",
    "failed",
    "canceled",
    "skipped",
)


def message_body(body: str | None) -> str:
    """A text someone typed, stripped; ValidationError (field body) when it is empty or longer
    than Twilio takes."""
    body = (body or "").strip()
    if not body:
        raise ValidationError("write the message first", field="body")
    if len(body) > MAX_MESSAGE_CHARS:
        raise ValidationError(
            f"keep the message under {MAX_MESSAGE_CHARS} characters", field="body"
        )
    return body


def queue_text(
    to_number: str,
    body: str,
    kind: str,
    *,
    customer_id: int | None = None,
    user_id: int | None = None,
    checkin_id: int | None = None,
    in_reply_to_id: int | None = None,
    now: datetime | None = None,
) -> Message:
    """Add a pending outbound text to the session (flushed, not committed); after the caller
    commits, enqueue_texts([message.id]) sends it."""
    now = now or utcnow()
    segments = count_segments(body)
    message = Message(
        direction="outbound",
        kind=kind,
        customer_id=customer_id,
        user_id=user_id,
        checkin_id=checkin_id,
        in_reply_to_id=in_reply_to_id,
        to_number=to_number,
        body=body,
        status=PENDING,
        num_segments=segments.count,
        encoding=segments.encoding,
        created_at=now,
        updated_at=now,
    )
    db.session.add(message)
    db.session.flush()
    messages_stored([customer_id], now)
    return message


def _token() -> str:
    return format(time.time_ns() // 1000, "x")


def enqueue_texts(message_ids: Iterable[int]) -> int:
    """Hand committed pending texts to RQ (one job per call); 0 when Redis is down, the sweeper
    then enqueues them again."""
    ids = sorted(set(message_ids))
    if not ids:
        return 0
    from outreach.runtime.queues import get_redis

    try:
        Queue(TEXT_QUEUE, connection=get_redis()).enqueue_call(
            TEXT_JOB,
            args=(ids,),
            job_id=f"text-{ids[0]}-{len(ids)}-{_token()}",
            timeout=60 + 15 * len(ids),
            description=f"send {len(ids)} texts from #{ids[0]}",
        )
    except RedisError:
        log.warning("texts %s: not enqueued (Redis unavailable); the sweeper will retry", ids)
        return 0
    return len(ids)


def send_texts(message_ids: Sequence[int], now: datetime | None = None) -> list[str]:
    """Send each text still pending; one failing text never stops the others."""
    results = []
    for message_id in sorted(set(message_ids)):
        try:
            results.append(send_text(message_id, now))
        except Exception:
            db.session.rollback()
            log.exception("text %s: unexpected error while sending", message_id)
            results.append(SKIPPED)
    return results


def _blocked(message: Message, now: datetime) -> str | None:
    """Why a customer text must not go out now (opted out, wrong number, quiet hours); an
    answer to the customer's own message is not held for quiet hours, and HELP is always
    answered."""
    if message.kind not in CUSTOMER_KINDS or message.customer_id is None:
        return None
    customer = db.session.get(Customer, message.customer_id, populate_existing=True)
    if customer is None:
        return "the customer was deleted"
    if message.kind == "help" and message.in_reply_to_id is not None:
        return None
    if customer.is_opted_out:
        return "opted out"
    if customer.is_wrong_number:
        return "wrong number"
    if message.in_reply_to_id is not None:
        return None
    if customer.paused_at is not None and message.kind != "manual":
        return "automated texts paused (a probable opt-out waits for a manager)"
    from outreach.company.settings import get_company_settings
    from outreach.scheduling.planning import company_floor, zone_for_customer
    from outreach.scheduling.timing import blocked_reason

    settings = get_company_settings()
    return blocked_reason(
        now,
        None,
        zone_for_customer(customer, settings.default_timezone)[0],
        company_floor(settings),
    )


def _set(message_id: int, old_status: str, **values) -> bool:
    return (
        db.session.execute(
            sa.update(Message)
            .where(Message.id == message_id, Message.status == old_status)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def send_text(message_id: int, now: datetime | None = None) -> str:
    """Send one pending text once: claim it (pending -> sending), re-check, call the transport."""
    now = now or utcnow()
    message = db.session.get(Message, message_id)
    if message is None or message.status != PENDING:
        db.session.rollback()
        return SKIPPED
    blocked = _blocked(message, now)
    if blocked:
        _set(message_id, PENDING, status="canceled", error_message=f"not sent: {blocked}")
        db.session.commit()
        log.info("text %s not sent (%s)", message_id, message.kind)
        return CANCELED
    transport = get_transport()
    if not _set(
        message_id,
        PENDING,
        status="sending",
        attempt_started_at=now,
        from_number=transport.sender or None,
        updated_at=now,
    ):
        db.session.rollback()
        return SKIPPED
    db.session.commit()
    db.session.refresh(message)
    sender_limiter().acquire(transport.sender)
    try:
        sent = transport.send_sms(
            message.to_number, message.body, status_callback=public_url(SMS_STATUS_PATH)
        )
    except TransportError as exc:
        return _failed(message, exc, now)
    _record_sent(message, sent)
    transport.after_send(sent.sid)
    log.info("text %s (%s) sent", message.id, message.kind)
    return SENT


def _record_sent(message: Message, sent: SentMessage) -> None:
    """Store the SID at once and apply callbacks that came before it; commits."""
    status = accepted_status(sent.status)
    db.session.execute(
        sa.update(Message)
        .where(Message.id == message.id, Message.twilio_sid.is_(None))
        .values(
            twilio_sid=sent.sid,
            status=status,
            num_segments=sent.num_segments or message.num_segments,
            from_number=sent.from_number or message.from_number,
            error_code=None,
            error_message=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(message)
    if message.twilio_sid == sent.sid:
        callbacks.replay_pending(message)
    db.session.commit()


def _too_old(message: Message, now: datetime) -> bool:
    return message.created_at <= now - GIVE_UP_AFTER


def _failed(message: Message, exc: TransportError, now: datetime) -> str:
    if exc.is_outcome_unknown:
        _set(message.id, "sending", error_message=exc.reason)
        db.session.commit()
        log.warning("text %s: outcome unknown (%s)", message.id, exc.reason)
        return UNKNOWN
    errors = {"error_code": exc.code, "error_message": exc.reason, "updated_at": now}
    if exc.is_transient and not _too_old(message, now):
        _set(message.id, "sending", status=PENDING, attempt_started_at=None, **errors)
        db.session.commit()
        log.info("text %s: transient failure, retrying later", message.id)
        return RETRYING
    _set(message.id, "sending", status="failed", **errors)
    if exc.info is not None and exc.info.is_opt_out and message.kind in CUSTOMER_KINDS:
        opt_out_after_error(message.customer_id, exc.code, now)
    db.session.commit()
    log.info("text %s failed: error %s", message.id, exc.code or exc.http_status)
    return FAILED


def _reconcile(message_id: int, now: datetime) -> str:
    """Settle one text left `sending` without a SID: adopt the transport's record, or retry."""
    message = db.session.get(Message, message_id)
    started = message.attempt_started_at if message else None
    if message is None or message.twilio_sid or started is None:
        return SKIPPED
    claimed = db.session.execute(
        sa.update(Message)
        .where(
            Message.id == message_id,
            Message.status == "sending",
            Message.attempt_started_at == started,
        )
        .values(attempt_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return SKIPPED
    try:
        candidates = get_transport().find_sent(message.to_number, message.body, started)
        found = unclaimed(Message, [as_created(m) for m in candidates])
    except TransportError as exc:
        log.warning("text %s: cannot reconcile yet (%s)", message_id, exc.reason)
        return UNKNOWN
    db.session.refresh(message)
    if found is not None:
        _record_sent(message, SentMessage(found.sid, found.status, None, found.from_number))
        log.info("text %s reconciled: the transport has it", message_id)
        return SENT
    gone = _too_old(message, now)
    _set(
        message_id,
        "sending",
        status="failed" if gone else PENDING,
        error_message="the transport has no record of the attempt: it was not sent",
        attempt_started_at=started if gone else None,
        updated_at=now,
    )
    db.session.commit()
    return FAILED if gone else RETRYING


def flush_texts(now: datetime | None = None) -> int:
    """Sweeper step: enqueue pending texts again when their job is late or lost, give up on
    stale ones, and reconcile texts left `sending`; returns how many were handed on."""
    now = now or db_now()
    db.session.commit()
    expired = db.session.execute(
        sa.update(Message)
        .where(
            Message.status == PENDING,
            Message.direction == "outbound",
            Message.created_at <= now - GIVE_UP_AFTER,
        )
        .values(status="failed", error_message="not sent in time", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if expired:
        log.warning("%d texts not sent in time, given up", expired)
    late = list(
        db.session.scalars(
            sa.update(Message)
            .where(
                Message.id.in_(
                    sa.select(Message.id)
                    .where(
                        Message.status == PENDING,
                        Message.direction == "outbound",
                        Message.updated_at <= now - RETRY_AFTER,
                    )
                    .order_by(Message.id)
                    .limit(FLUSH_LIMIT)
                    .scalar_subquery()
                ),
                Message.status == PENDING,
                Message.updated_at <= now - RETRY_AFTER,
            )
            .values(updated_at=now)
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
    )
    stale = list(
        db.session.scalars(
            sa.select(Message.id)
            .where(
                Message.status == "sending",
                Message.direction == "outbound",
                Message.kind != "checkin",
                Message.twilio_sid.is_(None),
                Message.attempt_started_at <= now - lease_for(),
            )
            .order_by(Message.id)
            .limit(FLUSH_LIMIT)
        )
    )
    db.session.commit()
    for message_id in stale:
        try:
            _reconcile(message_id, now)
        except Exception:
            db.session.rollback()
            log.exception("text %s: unexpected error while reconciling", message_id)
    if late:
        enqueue_texts(late)
    return len(late) + len(stale)
