"""SMS check-ins: the SMS part of the exactly-once engine (engine.py) and what a message's
status callbacks do to its check-in.

The attempt (check-in `queued -> sending` with a lease, and a Message row in status "sending"
with attempt_started_at) is committed BEFORE Twilio is called; the SID is recorded right after
the call. A check-in found in `sending` after its lease is reconciled against Twilio's message
list (by number, sender and creation time) before any retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

import sqlalchemy as sa

from outreach.company.settings import get_company_settings
from outreach.company.templating import render_message
from outreach.extensions import db
from outreach.messaging import callbacks
from outreach.messaging.engine import (
    MAX_ATTEMPTS,
    SENT,
    Attempt,
    Channel,
    Clock,
    Created,
    SendOutcome,
    attempt_row,
    backoff,
    claim,
    opt_out_after_error,
    reconcile_one,
    send_batch,
)
from outreach.messaging.engine import reconcile_stale as _reconcile_channels
from outreach.messaging.errors import TWILIO_ERRORS, describe_twilio_error, is_transient
from outreach.messaging.segments import count_segments
from outreach.messaging.signatures import public_url
from outreach.messaging.transport import SentMessage, Transport
from outreach.models import (
    CheckIn,
    CompanySettings,
    Message,
    MessageStatusEvent,
    db_now,
    utcnow,
)
from outreach.scheduling import transitions
from outreach.scheduling.timing import zone_or_utc

__all__ = [
    "MAX_ATTEMPTS",
    "SENT",
    "SMS",
    "SendOutcome",
    "backoff",
    "reconcile_checkin",
    "reconcile_stale",
    "send_checkin",
    "send_checkins",
    "validity_period",
]

log = logging.getLogger(__name__)

SMS_STATUS_PATH = "/twilio/sms/status"
VALIDITY_MAX = 36_000  #: Twilio's maximum (and default) ValidityPeriod, seconds
VALIDITY_MIN = 60


def validity_period(expires_at: datetime | None, now: datetime) -> int:
    """Seconds Twilio may hold the message: the time left to expiry, 60 to 36000."""
    if expires_at is None:
        return VALIDITY_MAX
    left = round((expires_at - now).total_seconds())
    return max(VALIDITY_MIN, min(VALIDITY_MAX, left))


def render_checkin(checkin: CheckIn, company: CompanySettings) -> str:
    """The check-in's text; TemplateRenderError when its template does not render."""
    return render_message(
        checkin.policy.template,
        checkin.customer,
        checkin.rep,
        checkin.event,
        company,
        zone=zone_or_utc(checkin.timezone),
    )


def as_created(sent: SentMessage) -> Created:
    """A transport's message as the engine's record of a create."""
    return Created(
        sid=sent.sid,
        status=sent.status,
        from_number=sent.from_number,
        num_segments=sent.num_segments,
        created_at=sent.sent_at,
    )


class SmsChannel(Channel):
    """Check-ins by SMS: a Message row per attempt, found again in Twilio's message list."""

    name = "sms"
    model = Message
    pending_row_status = "sending"
    events = MessageStatusEvent
    events_row = "message_id"

    def attempt_filter(self) -> list:
        """Only check-in messages are attempts."""
        return [Message.kind == "checkin"]

    def went_out(self):
        """Not undelivered, failed or canceled by the carrier."""
        return Message.status.not_in(tuple(callbacks.MESSAGE_FAILURES))

    def render(self, checkin: CheckIn, company: CompanySettings) -> str:
        """The policy's template for this check-in."""
        return render_checkin(checkin, company)

    def new_row(self, checkin: CheckIn, body: str, transport: Transport, at: datetime) -> dict:
        """An outbound check-in Message in `sending`, before any call."""
        segments = count_segments(body)
        return attempt_row(
            checkin,
            at,
            kind="checkin",
            from_number=transport.sender,
            body=body,
            status="sending",
            num_segments=segments.count,
            encoding=segments.encoding,
        )

    def create(self, transport: Transport, attempt: Attempt, now: datetime) -> Created:
        """Create the message at Twilio, with the status callback and the time left to expiry."""
        sent = transport.send_sms(
            attempt.to_number,
            attempt.body,
            status_callback=public_url(SMS_STATUS_PATH),
            validity_period=validity_period(attempt.expires_at, now),
        )
        _check_segments(attempt.row_id, sent, attempt.extra.get("num_segments"))
        return as_created(sent)

    def find(self, transport: Transport, row: Message) -> list[Created]:
        """Twilio's messages that could be this attempt."""
        return [
            as_created(m)
            for m in transport.find_sent(row.to_number, row.body, row.attempt_started_at)
        ]

    def stored_values(self, row_id: int, created: Created) -> dict:
        """The SID, Twilio's status (not past `queued`), sender and segment count."""
        values = {
            "twilio_sid": created.sid,
            "status": accepted_status(created.status),
            "error_code": None,
            "error_message": None,
            "updated_at": utcnow(),
        }
        if created.from_number:
            values["from_number"] = created.from_number
        if created.num_segments:
            values["num_segments"] = created.num_segments
        return values

    def replay_early(self, sids: list[str]) -> None:
        """Apply the callbacks that came before these SIDs were stored."""
        for sid in sorted(callbacks.pending_sids(sids)):
            message = db.session.scalar(
                sa.select(Message)
                .where(Message.twilio_sid == sid)
                .execution_options(populate_existing=True)
            )
            if message is not None:
                callbacks.replay_pending(message)
                db.session.commit()

    def after_commit(self, transport: Transport | None, created: Created) -> None:
        """A status Twilio reported past `queued` when found again; the outbox's simulated
        carrier after a new send."""
        if callbacks.MESSAGE_RANK.get(created.status, 0) > 1:
            status = db.session.scalar(
                sa.select(Message.status).where(Message.twilio_sid == created.sid)
            )
            if callbacks.MESSAGE_RANK.get(created.status, 0) > callbacks.MESSAGE_RANK.get(
                status, 0
            ):
                callbacks.record_message_status(
                    {"MessageSid": created.sid, "MessageStatus": created.status},
                    source="reconcile",
                )
        if transport is not None:
            transport.after_send(created.sid)

    def error_text(self, reason: str) -> dict:
        """Messages keep the words of their last error."""
        return {"error_message": reason}


SMS = SmsChannel()


def accepted_status(status: str) -> str:
    """The message status stored with the SID: Twilio's when it is not past `queued`."""
    return status if callbacks.MESSAGE_RANK.get(status, 9) <= 1 else "queued"


def _check_segments(message_id: int, sent: SentMessage, local: int | None) -> None:
    """Log when Twilio's segment count differs from ours."""
    if sent.num_segments and local and sent.num_segments != local:
        log.warning(
            "message %s: Twilio counts %d segments, we counted %d",
            message_id,
            sent.num_segments,
            local,
        )


def send_checkins(
    checkin_ids: Iterable[int],
    now: datetime | None = None,
    heartbeat: Callable[[], None] | None = None,
    clock: Clock | None = None,
) -> list[SendOutcome]:
    """Send a batch of queued SMS check-ins exactly once (see engine.py); outcomes in id order."""
    return send_batch(SMS, checkin_ids, now, heartbeat, clock)


def send_checkin(checkin_id: int, now: datetime | None = None) -> SendOutcome:
    """Send one queued SMS check-in if every rule still allows it; record what happened."""
    return send_checkins([checkin_id], now)[0]


def _start_attempt(checkin: CheckIn, transport: Transport, now: datetime) -> Message | SendOutcome:
    """The claim and attempt row of one check-in, committed (the Message, or what happened
    instead): the first half of a send, as a worker that dies before the call leaves it."""
    outcomes: dict[int, SendOutcome] = {}
    attempts, _ = claim(SMS, [checkin], transport, get_company_settings(), now, outcomes)
    return db.session.get(Message, attempts[0].row_id) if attempts else outcomes[checkin.id]


def reconcile_checkin(checkin_id: int, now: datetime | None = None) -> SendOutcome:
    """Settle one SMS check-in left `sending` past its lease: adopt Twilio's message or retry."""
    return reconcile_one(SMS, checkin_id, now)


def reconcile_stale(now: datetime | None = None) -> list[SendOutcome]:
    """Settle SMS check-ins left `sending` past their lease against Twilio's record."""
    return _reconcile_channels([SMS], now or db_now())


# -- following the message -------------------------------------------------------------------


def follow_message(message: Message, event: MessageStatusEvent, now: datetime) -> None:
    """Move the check-in after its message's status moved (called by the callback service)."""
    latest = db.session.scalar(
        sa.select(sa.func.max(Message.id)).where(
            Message.checkin_id == message.checkin_id, Message.kind == "checkin"
        )
    )
    if latest != message.id:
        return  # an earlier attempt's news does not move the check-in
    checkin_id = message.checkin_id
    status, code = event.status, event.error_code
    if status in ("delivered", "read"):
        transitions.mark_delivered(checkin_id, f"delivered ({message.twilio_sid})")
        return
    if status not in callbacks.MESSAGE_FAILURES:
        return
    words = describe_twilio_error(code) if code is not None else f"Twilio reported {status}"
    info = TWILIO_ERRORS.get(code) if code is not None else None
    if info is not None and info.is_opt_out:
        opt_out_after_error(message.customer_id, code, now)
    elif code is not None and is_transient(code):
        checkin = db.session.get(CheckIn, checkin_id)
        db.session.refresh(checkin)
        cap = min(MAX_ATTEMPTS, info.max_attempts or MAX_ATTEMPTS) if info else MAX_ATTEMPTS
        at = now + backoff(checkin.attempts)
        within = checkin.expires_at is None or at <= checkin.expires_at
        if checkin.attempts < cap and within:
            why = f"{status}: {words}; retry at {at:%Y-%m-%d %H:%M:%S} UTC"
            if _requeue_after_delivery_failure(checkin_id, at, why):
                return
    mark = transitions.mark_undelivered if status == "undelivered" else transitions.mark_failed
    mark(checkin_id, f"{status}: {words}")


def _requeue_after_delivery_failure(checkin_id: int, at: datetime, reason: str) -> bool:
    """sent -> queued for a retry at `at` (a transient carrier failure: 30001, 30003, 30008)."""
    return transitions.requeue(checkin_id, at, reason) or (
        transitions.requeue_after_carrier_failure(checkin_id, at, reason)
    )
