"""Sending SMS check-ins exactly once: re-check, render, record the attempt, call the transport.

The attempt (check-in `queued -> sending` with a lease, and a Message row in status "sending"
with attempt_started_at) is committed BEFORE the transport is called. A check-in found in
`sending` after its lease is reconciled against the transport's record before any retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from outreach.company import get_company_settings
from outreach.extensions import db
from outreach.messaging import callbacks
from outreach.messaging.errors import (
    TWILIO_ERRORS,
    TransportError,
    describe_twilio_error,
    is_transient,
)
from outreach.messaging.ratelimit import sender_limiter
from outreach.messaging.segments import count_segments
from outreach.messaging.signatures import public_url
from outreach.messaging.transport import SentMessage, Transport, get_transport
from outreach.models import (
    CheckIn,
    CompanySettings,
    Customer,
    Message,
    MessageStatusEvent,
    utcnow,
)
from outreach.scheduling import transitions
from outreach.scheduling.checkins import latest_consents, sendable_now
from outreach.scheduling.planning import company_floor
from outreach.scheduling.policies import policy_window
from outreach.scheduling.timing import blocked_reason, reschedule_due
from outreach.templating import TemplateRenderError, render_message

log = logging.getLogger(__name__)

SMS_STATUS_PATH = "/twilio/sms/status"
MAX_ATTEMPTS = 5  #: sends of one check-in before it fails for good
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(minutes=30)
MIN_LEASE = timedelta(seconds=60)
VALIDITY_MAX = 36_000  #: Twilio's maximum (and default) ValidityPeriod, seconds
VALIDITY_MIN = 60
RECONCILE_LIMIT = 500  #: stale sends settled per pass
#: a batch claims only as many sends as its sender's rate lets out in this time, so that the
#: re-check of consent and timing stays close to each call (a STOP is honoured within it)
FRESH_SECONDS = 5

#: SendOutcome.result values
SENT, RETRYING, UNKNOWN, FAILED, SUPPRESSED, RESCHEDULED, SKIPPED = (
    "sent",
    "retrying",
    "unknown",
    "failed",
    "suppressed",
    "rescheduled",
    "skipped",
)


@dataclass(frozen=True)
class SendOutcome:
    """What one send (or reconciliation) did to one check-in, and why."""

    checkin_id: int
    result: str  #: sent, retrying, unknown, failed, suppressed, rescheduled or skipped
    reason: str
    message_id: int | None = None
    sid: str | None = None


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` tries: 30 s doubling, capped at 30 min."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def lease_for(timeout: float) -> timedelta:
    """How long a sender owns a check-in: long enough for one create call to time out."""
    return max(MIN_LEASE, timedelta(seconds=2 * timeout + 30))


def validity_period(expires_at: datetime | None, now: datetime) -> int:
    """Seconds Twilio may hold the message: the time left to expiry, 60 to 36000."""
    if expires_at is None:
        return VALIDITY_MAX
    left = int((expires_at - now).total_seconds())
    return max(VALIDITY_MIN, min(VALIDITY_MAX, left))


def _outcome(checkin_id: int, result: str, reason: str, message: Message | None = None):
    return SendOutcome(
        checkin_id,
        result,
        reason,
        message.id if message else None,
        message.twilio_sid if message else None,
    )


# -- entry points ----------------------------------------------------------------------------


@dataclass
class _Attempt:
    """One claimed send of a batch, as plain values (the ORM rows expire at each commit)."""

    checkin_id: int
    message_id: int
    to_number: str
    from_number: str
    body: str
    num_segments: int | None
    encoding: str | None
    expires_at: datetime | None
    lease_until: datetime


def send_checkins(checkin_ids: Iterable[int], now: datetime | None = None) -> list[SendOutcome]:
    """Send a batch of queued SMS check-ins, in chunks of chunk_size: for each, the rule-3
    re-checks on facts loaded for the chunk, one compare-and-set claim and the attempt rows in
    one commit, the transport calls (each through the sender's rate limit), then the results
    in one commit. One failing check-in never stops the others. Outcomes in id order."""
    ids = sorted(set(checkin_ids))
    size = chunk_size(sender_limiter().rate)
    outcomes: list[SendOutcome] = []
    for start in range(0, len(ids), size):
        outcomes += _send_chunk(ids[start : start + size], now or utcnow())
    return outcomes


def chunk_size(rate_per_second: float) -> int:
    """How many sends one claim covers: all of a batch, unless the sender's rate would space
    them over more than FRESH_SECONDS, the most a re-check may precede its call."""
    return max(1, int(rate_per_second * FRESH_SECONDS))


def _send_chunk(ids: list[int], now: datetime) -> list[SendOutcome]:
    """send_checkins for ids claimed together: re-check, claim, call, record."""
    outcomes: dict[int, SendOutcome] = {}
    checkins = _load_batch(ids)
    company = get_company_settings()
    consents = latest_consents([c.customer_id for c in checkins.values()], "sms")
    ready = []
    for checkin_id in ids:
        try:
            held = _precheck(checkin_id, checkins.get(checkin_id), now, consents, company)
        except Exception:
            db.session.rollback()
            log.exception("check-in %s: unexpected error while sending", checkin_id)
            held = SendOutcome(checkin_id, SKIPPED, "unexpected error (logged)")
        if held is None:
            ready.append(checkins[checkin_id])
        else:
            outcomes[checkin_id] = held
    if ready:
        transport = get_transport()
        try:
            attempts = _start_attempts(ready, transport, company, now, outcomes)
        except Exception:  # nothing was claimed: the rows stay queued for the sweeper
            db.session.rollback()
            log.exception("check-ins %s..%s: unexpected error while claiming", ids[0], ids[-1])
            for checkin in ready:
                outcomes[checkin.id] = SendOutcome(checkin.id, SKIPPED, "unexpected error (logged)")
            attempts = []
        outcomes.update(_deliver_all(attempts, checkins, transport, now))
    return [outcomes[i] for i in ids]


def send_checkin(checkin_id: int, now: datetime | None = None) -> SendOutcome:
    """Send one queued SMS check-in if every rule still allows it; record what happened."""
    return send_checkins([checkin_id], now)[0]


def _load_batch(ids: list[int]) -> dict[int, CheckIn]:
    """The batch's check-ins with their customer, event, policy and rep: one query."""
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(CheckIn)
        .where(CheckIn.id.in_(ids))
        .options(
            joinedload(CheckIn.customer),
            joinedload(CheckIn.event),
            joinedload(CheckIn.policy),
            joinedload(CheckIn.rep),
        )
        .execution_options(populate_existing=True)
    ).all()
    return {c.id: c for c in rows}


def _precheck(
    checkin_id: int,
    checkin: CheckIn | None,
    now: datetime,
    consents: Mapping[int, str],
    company: CompanySettings,
) -> SendOutcome | None:
    """None when the check-in may be claimed now, else what was done instead (and why)."""
    held = claimable(checkin_id, checkin, "sms", now, reconcile_checkin)
    return held if held is not None else _recheck(checkin, now, consents, company)


def claimable(
    checkin_id: int,
    checkin: CheckIn | None,
    channel: str,
    now: datetime,
    reconcile: Callable[[int, datetime], SendOutcome],
) -> SendOutcome | None:
    """None when a check-in of `channel` is queued and due for an attempt; else why not (a
    `sending` one past its lease is handed to `reconcile`)."""
    if checkin is None:
        return SendOutcome(checkin_id, SKIPPED, "no such check-in")
    if checkin.channel != channel:
        return SendOutcome(checkin_id, SKIPPED, f"a {checkin.channel} check-in is not {channel}")
    if checkin.status == "sending":
        if checkin.lease_until is not None and checkin.lease_until > now:
            return SendOutcome(checkin_id, SKIPPED, "another sender owns it")
        return reconcile(checkin_id, now)
    if checkin.status != "queued":
        return SendOutcome(checkin_id, SKIPPED, f"already {checkin.status}")
    if checkin.next_attempt_at is not None and checkin.next_attempt_at > now:
        return SendOutcome(checkin_id, SKIPPED, "waiting for its next attempt")
    return None


def reconcile_stale(now: datetime | None = None) -> list[SendOutcome]:
    """Settle SMS check-ins left `sending` past their lease against the transport's record:
    found -> adopt its SID (sent); not found -> retry. The scheduler calls this each pass."""
    return reconcile_expired_leases("sms", reconcile_checkin, now or utcnow())


def reconcile_expired_leases(
    channel: str, reconcile_one: Callable[[int, datetime], SendOutcome], now: datetime
) -> list[SendOutcome]:
    """Run `reconcile_one` on every check-in of `channel` left `sending` past its lease."""
    ids = db.session.scalars(
        sa.select(CheckIn.id)
        .where(
            CheckIn.status == "sending",
            CheckIn.channel == channel,
            sa.or_(CheckIn.lease_until.is_(None), CheckIn.lease_until <= now),
        )
        .order_by(CheckIn.id)
        .limit(RECONCILE_LIMIT)
    ).all()
    db.session.rollback()
    outcomes = []
    for checkin_id in ids:
        try:
            outcomes.append(reconcile_one(checkin_id, now))
        except Exception:  # one broken row must not stop the others; logged with its id
            db.session.rollback()
            log.exception("check-in %s: unexpected error while reconciling", checkin_id)
    return outcomes


# -- the steps -------------------------------------------------------------------------------


def _recheck(
    checkin: CheckIn,
    now: datetime,
    consents: Mapping[int, str] | None = None,
    company: CompanySettings | None = None,
) -> SendOutcome | None:
    """SPEC rule 3 at send time: None to go on, else what was done instead (and why). A batch
    passes its pre-loaded consent facts and company settings (see sendable_now)."""
    reason = sendable_now(checkin, now, consents, company)
    if reason is None:
        return None
    window = policy_window(checkin.policy)
    floor = company_floor(company or get_company_settings())
    if reason == blocked_reason(now, window, checkin.timezone, floor):
        timing = reschedule_due(now, window, checkin.expires_at, checkin.timezone, now, floor)
        if timing.due_at is not None:
            why = f"not sent at {now:%H:%M} UTC: {reason}; {timing.reason}"
            if transitions.reschedule(checkin.id, timing.due_at, why):
                db.session.commit()
                return SendOutcome(checkin.id, RESCHEDULED, why)
        else:
            reason = timing.reason.removeprefix("suppressed: ")
    why = f"not sent: {reason}"
    moved = transitions.suppress(checkin.id, why)
    db.session.commit()
    log.info("check-in %s not sent at send time (%s)", checkin.id, moved and "suppressed")
    return SendOutcome(checkin.id, SUPPRESSED if moved else SKIPPED, why)


def claim_attempt(checkin: CheckIn, now: datetime) -> str | SendOutcome:
    """queued -> sending with a lease (counting an attempt) and the template rendered: the text,
    or what happened instead (taken by another sender; failed, committed, on a template error).
    Used by voice check-ins (SMS claims a batch at once in send_checkins)."""
    lease = lease_for(current_app.extensions["settings"].twilio_timeout)
    attempt = checkin.attempts + 1
    if not transitions.start_sending(checkin.id, now + lease, f"sending (attempt {attempt})"):
        db.session.rollback()
        return SendOutcome(checkin.id, SKIPPED, "taken by another sender")
    db.session.refresh(checkin)
    try:
        return _render(checkin, get_company_settings())
    except TemplateRenderError as exc:
        outcome = _template_failed(checkin.id, exc)
        db.session.commit()
        return outcome


def _render(checkin: CheckIn, company: CompanySettings) -> str:
    """The check-in's text; TemplateRenderError when its template does not render."""
    return render_message(
        checkin.policy.template,
        checkin.customer,
        checkin.rep,
        checkin.event,
        company,
        zone=checkin.timezone,
    )


def _template_failed(checkin_id: int, exc: TemplateRenderError) -> SendOutcome:
    """sending -> failed: the claimed check-in's template does not render (not committed)."""
    why = f"the message template failed: {exc}"
    transitions.mark_failed(checkin_id, why)
    log.warning("check-in %s failed: its template does not render", checkin_id)
    return SendOutcome(checkin_id, FAILED, why)


def _start_attempts(
    ready: list[CheckIn],
    transport: Transport,
    company: CompanySettings,
    now: datetime,
    outcomes: dict[int, SendOutcome],
) -> list[_Attempt]:
    """queued -> sending with a lease for the whole batch (one compare-and-set), the bodies
    rendered and the attempt Message rows: one commit, before any transport call. Check-ins
    not claimed or not rendered get their outcome in `outcomes`."""
    prepared = []  # rendered before the claim, which expires the claimed rows
    expiry: dict[int, datetime | None] = {}
    for checkin in ready:
        try:
            body: str | TemplateRenderError = _render(checkin, company)
        except TemplateRenderError as exc:
            body = exc
        prepared.append(
            (checkin.id, checkin.customer_id, checkin.customer.phone, checkin.expires_at, body)
        )
    lease_until = now + lease_for(current_app.extensions["settings"].twilio_timeout)
    claimed = transitions.start_sending_many([c.id for c in ready], lease_until)
    started = utcnow()
    rows = []
    for checkin_id, customer_id, phone, expires_at, body in prepared:
        if checkin_id not in claimed:
            outcomes[checkin_id] = SendOutcome(checkin_id, SKIPPED, "taken by another sender")
            continue
        if isinstance(body, TemplateRenderError):
            outcomes[checkin_id] = _template_failed(checkin_id, body)
            continue
        segments = count_segments(body)
        rows.append(
            {
                "direction": "outbound",
                "kind": "checkin",
                "checkin_id": checkin_id,
                "customer_id": customer_id,
                "to_number": phone,
                "from_number": transport.sender,
                "body": body,
                "status": "sending",
                "num_segments": segments.count,
                "encoding": segments.encoding,
                "attempt_started_at": started,
            }
        )
        expiry[checkin_id] = expires_at
    message_ids = (
        dict(
            db.session.execute(
                sa.insert(Message).returning(Message.checkin_id, Message.id), rows
            ).all()
        )
        if rows
        else {}
    )
    attempts = [
        _Attempt(
            checkin_id=row["checkin_id"],
            message_id=message_ids[row["checkin_id"]],
            to_number=row["to_number"],
            from_number=row["from_number"],
            body=row["body"],
            num_segments=row["num_segments"],
            encoding=row["encoding"],
            expires_at=expiry[row["checkin_id"]],
            lease_until=lease_until,
        )
        for row in rows
    ]
    db.session.commit()
    return attempts


def _start_attempt(checkin: CheckIn, transport: Transport, now: datetime):
    """The claim and attempt row of one check-in, committed (the Message, or what happened
    instead): the first half of a send, as a worker that dies before the call leaves it."""
    outcomes: dict[int, SendOutcome] = {}
    attempts = _start_attempts([checkin], transport, get_company_settings(), now, outcomes)
    return db.session.get(Message, attempts[0].message_id) if attempts else outcomes[checkin.id]


def _wait_for_slot(checkin: CheckIn, sender: str) -> None:
    """Take the sender's next rate-limit slot right before the call, so Twilio sees the rate;
    a long wait extends the lease first."""
    wait = sender_limiter().reserve(sender)
    if wait > MIN_LEASE.total_seconds() / 2:
        checkin.lease_until = checkin.lease_until + timedelta(seconds=wait)
        db.session.commit()
    if wait > 0:
        time.sleep(wait)


def _slot_in_batch(attempt: _Attempt, sender: str, now: datetime, clock: float) -> bool:
    """Take the sender's next rate-limit slot for one send of a batch; when the batch's time so
    far plus this wait nears the lease, extend it first (compare-and-set on the lease we hold).
    False when the check-in is no longer ours (its lease ran out and another process took it)."""
    wait = sender_limiter().reserve(sender)
    needed = now + timedelta(seconds=time.monotonic() - clock + wait) + MIN_LEASE / 2
    if needed > attempt.lease_until:
        lease_until = needed + lease_for(current_app.extensions["settings"].twilio_timeout)
        moved = db.session.execute(
            sa.update(CheckIn)
            .where(
                CheckIn.id == attempt.checkin_id,
                CheckIn.status == "sending",
                CheckIn.lease_until == attempt.lease_until,
            )
            .values(lease_until=lease_until)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if not moved:
            return False
        attempt.lease_until = lease_until
    if wait > 0:
        time.sleep(wait)
    return True


def _deliver_all(
    attempts: list[_Attempt], checkins: dict[int, CheckIn], transport: Transport, now: datetime
) -> dict[int, SendOutcome]:
    """Call the transport for each claimed attempt, then record the accepted ones together."""
    outcomes: dict[int, SendOutcome] = {}
    accepted: list[tuple[_Attempt, SentMessage, str]] = []
    clock = time.monotonic()
    callback = public_url(SMS_STATUS_PATH)
    for attempt in attempts:
        checkin_id = attempt.checkin_id
        try:
            if not _slot_in_batch(attempt, transport.sender, now, clock):
                outcomes[checkin_id] = SendOutcome(checkin_id, SKIPPED, "taken by another sender")
                continue
            try:
                sent = transport.send_sms(
                    attempt.to_number,
                    attempt.body,
                    status_callback=callback,
                    validity_period=validity_period(attempt.expires_at, now),
                )
            except TransportError as exc:
                message = db.session.get(Message, attempt.message_id)
                outcomes[checkin_id] = _failed_attempt(checkins[checkin_id], message, exc, now)
                continue
        except Exception:
            db.session.rollback()
            log.exception("check-in %s: unexpected error while sending", checkin_id)
            outcomes[checkin_id] = SendOutcome(checkin_id, SKIPPED, "unexpected error (logged)")
            continue
        accepted.append((attempt, sent, f"accepted by {transport.name} as {sent.sid}"))
    if accepted:
        outcomes.update(_record_sent_many(accepted, transport))
    return outcomes


def _record_sent_many(
    accepted: list[tuple[_Attempt, SentMessage, str]], transport: Transport | None = None
) -> dict[int, SendOutcome]:
    """Store the SIDs (once), mark the check-ins sent (each with its reason) and apply callbacks
    that came early: one commit. Then the transport's after_send, when given (a new send)."""
    reasons = {attempt.checkin_id: reason for attempt, _, reason in accepted}
    rows = []
    for attempt, sent, _ in accepted:
        _check_segments(attempt.message_id, sent, attempt.num_segments, attempt.encoding)
        rows.append(
            {
                "b_id": attempt.message_id,
                "b_sid": sent.sid,
                "b_status": _accepted_status(sent),
                "b_segments": sent.num_segments or attempt.num_segments,
                "b_from": sent.from_number or attempt.from_number,
            }
        )
    table = Message.__table__
    db.session.connection().execute(
        table.update()
        .where(table.c.id == sa.bindparam("b_id"), table.c.twilio_sid.is_(None))
        .values(
            twilio_sid=sa.bindparam("b_sid"),
            status=sa.bindparam("b_status"),
            num_segments=sa.bindparam("b_segments"),
            from_number=sa.bindparam("b_from"),
            error_code=None,
            error_message=None,
            updated_at=utcnow(),
        ),
        rows,
    )
    moved = transitions.mark_sent_many(reasons)
    early = callbacks.pending_sids([sent.sid for _, sent, _ in accepted])
    for attempt, sent, _ in accepted:
        if attempt.checkin_id not in moved:
            log.warning(
                "check-in %s: sent as message %s but it had moved on",
                attempt.checkin_id,
                attempt.message_id,
            )
        if sent.sid in early:
            callbacks.replay_pending(db.session.get(Message, attempt.message_id))
    db.session.commit()
    outcomes = {}
    for attempt, sent, reason in accepted:
        if callbacks.MESSAGE_RANK.get(sent.status, 0) > 1:
            _catch_up(attempt.message_id, sent)
        if transport is not None:
            transport.after_send(sent.sid)
        log.info("check-in %s sent as message %s", attempt.checkin_id, attempt.message_id)
        outcomes[attempt.checkin_id] = SendOutcome(
            attempt.checkin_id, SENT, reason, attempt.message_id, sent.sid
        )
    return outcomes


def _accepted_status(sent: SentMessage) -> str:
    """The message status stored with the SID: Twilio's when it is not past `queued`."""
    return sent.status if callbacks.MESSAGE_RANK.get(sent.status, 9) <= 1 else "queued"


def _check_segments(message_id: int, sent: SentMessage, local: int | None, encoding) -> None:
    """Log when Twilio's segment count differs from ours."""
    if sent.num_segments and local and sent.num_segments != local:
        log.warning(
            "message %s: Twilio counts %d segments, we counted %d (%s)",
            message_id,
            sent.num_segments,
            local,
            encoding,
        )


def _catch_up(message_id: int, sent: SentMessage) -> None:
    """Apply a status Twilio already reported past `queued` when it is ahead of the stored one."""
    status = db.session.scalar(sa.select(Message.status).where(Message.id == message_id))
    if callbacks.MESSAGE_RANK.get(sent.status, 0) > callbacks.MESSAGE_RANK[status]:
        callbacks.record_message_status(
            {"MessageSid": sent.sid, "MessageStatus": sent.status}, source="reconcile"
        )


def _record_sent(checkin: CheckIn, message: Message, sent: SentMessage, reason: str):
    """Store the SID (once), mark the check-in sent, apply callbacks that came early; commits.
    For one send found again by reconciliation."""
    attempt = _Attempt(
        checkin_id=checkin.id,
        message_id=message.id,
        to_number=message.to_number,
        from_number=message.from_number,
        body=message.body,
        num_segments=message.num_segments,
        encoding=message.encoding,
        expires_at=checkin.expires_at,
        lease_until=checkin.lease_until,
    )
    return _record_sent_many([(attempt, sent, reason)])[checkin.id]


def _failed_attempt(checkin: CheckIn, message: Message, exc: TransportError, now: datetime):
    if exc.is_outcome_unknown:
        # Twilio may have the message: keep `sending`; reconciliation decides after the backoff.
        message.error_message = exc.reason
        checkin.lease_until = now + backoff(checkin.attempts)
        db.session.commit()
        log.warning("check-in %s: outcome unknown (%s)", checkin.id, exc.reason)
        return _outcome(checkin.id, UNKNOWN, f"{exc.reason}; Twilio's record will decide")
    message.status = "failed"
    message.error_code = exc.code
    message.error_message = exc.reason
    if exc.is_transient:
        info = exc.info
        return _retry_or_give_up(
            checkin, message, exc.reason, now, info.max_attempts if info else None
        )
    if exc.info is not None and exc.info.is_opt_out:
        opt_out_after_error(checkin.customer_id, exc.code, now)
    why = f"not sent: {exc.reason}"
    transitions.mark_failed(checkin.id, why)
    db.session.commit()
    log.info("check-in %s failed: error %s", checkin.id, exc.code or exc.http_status)
    return _outcome(checkin.id, FAILED, why, message)


def _retry_or_give_up(
    checkin: CheckIn,
    message: Message,
    reason: str,
    now: datetime,
    max_attempts: int | None = None,
    delay: timedelta | None = None,
):
    """sending -> queued for a later attempt, or -> failed after the cap; commits."""
    cap = min(MAX_ATTEMPTS, max_attempts or MAX_ATTEMPTS)
    if checkin.attempts >= cap:
        why = f"gave up after {checkin.attempts} attempts: {reason}"
        transitions.mark_failed(checkin.id, why)
        db.session.commit()
        return _outcome(checkin.id, FAILED, why, message)
    at = now + (backoff(checkin.attempts) if delay is None else delay)
    if checkin.expires_at is not None and at > checkin.expires_at:
        why = f"not sent: expired before a retry could go out ({reason})"
        transitions.suppress(checkin.id, why)
        db.session.commit()
        return _outcome(checkin.id, SUPPRESSED, why, message)
    why = f"attempt {checkin.attempts} failed ({reason}); retry at {at:%Y-%m-%d %H:%M:%S} UTC"
    transitions.requeue(checkin.id, at, why)
    db.session.commit()
    log.info("check-in %s: attempt %s failed, retrying", checkin.id, checkin.attempts)
    return _outcome(checkin.id, RETRYING, why, message)


def claim_stale(checkin_id: int, now: datetime) -> bool:
    """Take a check-in left `sending` past its lease for reconciliation (a new lease, compare-
    and-set, committed); False when it is not stale or another process took it. SMS and voice."""
    lease = lease_for(current_app.extensions["settings"].twilio_timeout)
    claimed = db.session.execute(
        sa.update(CheckIn)
        .where(
            CheckIn.id == checkin_id,
            CheckIn.status == "sending",
            sa.or_(CheckIn.lease_until.is_(None), CheckIn.lease_until <= now),
        )
        .values(lease_until=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def reconcile_checkin(checkin_id: int, now: datetime | None = None) -> SendOutcome:
    """Settle one check-in left `sending` past its lease: adopt Twilio's message or retry."""
    now = now or utcnow()
    if not claim_stale(checkin_id, now):
        return SendOutcome(checkin_id, SKIPPED, "not a stale send (any more)")
    checkin = db.session.get(CheckIn, checkin_id)
    db.session.refresh(checkin)
    message = db.session.scalar(
        sa.select(Message)
        .where(Message.checkin_id == checkin_id, Message.kind == "checkin")
        .order_by(Message.id.desc())
        .limit(1)
    )
    if message is not None and message.twilio_sid:
        return _record_sent(checkin, message, _as_sent(message), "reconciled: already has a SID")
    if message is None or message.status != "sending":
        return _retry_or_give_up(
            checkin, message, "no attempt was recorded", now, delay=timedelta(0)
        )
    transport = get_transport()
    try:
        found = transport.find_sent(message.to_number, message.body, message.attempt_started_at)
    except TransportError as exc:
        checkin.lease_until = now + backoff(checkin.attempts)
        db.session.commit()
        log.warning("check-in %s: cannot reconcile yet (%s)", checkin_id, exc.reason)
        return _outcome(checkin_id, UNKNOWN, f"cannot check Twilio's record yet: {exc.reason}")
    if found is not None:
        log.info("check-in %s: reconciled, Twilio has message %s", checkin_id, message.id)
        outcome = _record_sent(checkin, message, found, f"reconciled: Twilio has it as {found.sid}")
        return outcome
    message.status = "failed"
    message.error_message = "Twilio has no record of this attempt: it was not sent"
    return _retry_or_give_up(
        checkin,
        message,
        "its outcome was unknown and Twilio has no record of it",
        now,
        delay=timedelta(0),
    )


def _as_sent(message: Message) -> SentMessage:
    return SentMessage(
        sid=message.twilio_sid or "",
        status="queued",
        num_segments=message.num_segments,
        from_number=message.from_number,
    )


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


def opt_out_after_error(customer_id: int | None, code: int | None, now: datetime) -> None:
    """Twilio refused because the customer opted out (21610): the same opt-out as a STOP."""
    from outreach.conversations.consent import opt_out

    customer = db.session.get(Customer, customer_id) if customer_id is not None else None
    if customer is not None:
        opt_out(customer, f"error_{code}", str(code), now)
