"""The exactly-once engine: every SMS, voice and e-mail check-in goes out through it, at most
once.

Life of a send (the channel-specific part is a `Channel`: what attempt row to write, what to
create at Twilio, how to find it there again):
1. claim: a chunk of `queued` check-ins moves to `sending` with a lease (one compare-and-set)
   and gets its attempt rows (a Message or a Call without a SID); one commit, before any call;
2. right before each call: the sender's rate-limit slot (reserved a few at a time); the lease
   extended for what is left of the chunk; the facts re-read when older than FRESH (status,
   consent, phone, zone, whether an earlier attempt already has a SID); the clock checked
   against expiry, the policy's window and the quiet-hours floor in the customer's zone as it
   is now;
3. the call; its SID is recorded at once (the check-in `sent`, callbacks that came early
   applied, one commit), or the failure is handled: outcome unknown -> stays `sending` and is
   reconciled after a backoff; transient -> `queued` for a retry; permanent -> `failed`;
4. reconciliation (the scheduler, within a time budget): a `sending` check-in past its lease is
   looked up at Twilio by number, sender and creation time, SIDs we already hold excluded:
   found -> its SID is adopted; not found -> retried at once.
A SID in hand always wins: it is recorded whatever happened to the row meanwhile, and a
check-in one of whose attempts has a SID is never sent again. Leases and "due" are judged on
the database's clock (`db_now`), never a worker's.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from outreach.company.settings import get_company_settings
from outreach.company.templating import TemplateRenderError
from outreach.customers.activity import messages_stored
from outreach.extensions import db
from outreach.messaging.errors import TransportError
from outreach.messaging.ratelimit import Slots, sender_limiter
from outreach.messaging.transport import Transport, get_transport
from outreach.models import CheckIn, CompanySettings, Customer, Message, db_now, utcnow
from outreach.scheduling import transitions
from outreach.scheduling.checkins import PAUSED, paused_reason, sendable_now
from outreach.scheduling.consents import latest_consents, opted_out_reason
from outreach.scheduling.planning import CustomerFacts, company_floor, zone_for_customer
from outreach.scheduling.policies import policy_window
from outreach.scheduling.timing import blocked_reason, reschedule_due

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  #: sends of one check-in before it fails for good
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(minutes=10)
MIN_LEASE = timedelta(seconds=30)
FRESH = 1.0  #: seconds a re-read of consent and status may precede a call
GROUP_SENDS = 20  #: SIDs recorded per commit at most …
GROUP_SECONDS = 0.05  #: … and none waits longer than this (nor through a rate-limit wait)
#: a chunk claims only as many sends as its sender's rate lets out in this time
CHUNK_SECONDS = 5
RECONCILE_LIMIT = 500  #: stale sends looked at per pass
RECONCILE_BUDGET = 5.0  #: seconds of reconciliation per scheduler pass; the rest waits a pass

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
    row_id: int | None = None  #: the attempt's Message or Call id
    sid: str | None = None

    @property
    def message_id(self) -> int | None:
        """The attempt row's id (a Message for SMS)."""
        return self.row_id


@dataclass(frozen=True)
class Created:
    """What Twilio answered to a create (or holds, found again): a message or a call."""

    sid: str
    status: str = "queued"
    from_number: str | None = None
    num_segments: int | None = None
    created_at: datetime | None = None


@dataclass
class Attempt:
    """One claimed send, as plain values (ORM rows expire at each commit)."""

    checkin_id: int
    row_id: int
    customer_id: int
    to_number: str
    body: str
    expires_at: datetime | None
    window: Any
    cap: str | None
    extra: dict[str, Any] = field(default_factory=dict)


class Channel(ABC):
    """The channel-specific part of the engine; subclasses fill in the abstract methods."""

    name = ""
    rate_prefix = ""  #: calls and texts have separate per-sender slot sequences
    model: Any = None  #: Message or Call
    pending_row_status = ""  #: the attempt row's status before it has a SID
    events: Any = None  #: the model of its status callbacks (MessageStatusEvent, CallStatusEvent)
    events_row = ""  #: the callback's column linking it to its row (NULL until the SID is known)
    sid_column = "twilio_sid"  #: the attempt row's column holding what the provider accepted
    recipient_column = "to_number"  #: the attempt row's column holding where it goes
    provider = "Twilio"  #: who holds the record reconciliation looks at, in reasons

    def sid(self) -> Any:
        """The attempt model's SID column."""
        return getattr(self.model, self.sid_column)

    def recipient(self, customer: Any) -> str | None:
        """Where this channel reaches the customer (their phone number)."""
        return customer.phone

    @abstractmethod
    def attempt_filter(self) -> list[Any]:
        """Conditions that pick this channel's check-in attempts out of `model`."""

    @abstractmethod
    def went_out(self) -> Any:
        """The condition on an attempt row with a SID that it reached Twilio and did not fail
        (a carrier failure after Twilio accepted it may be retried)."""

    def carrier(self, transport: Transport | None) -> str:
        """Who took the send, in the check-in's reason ("twilio", "outbox", "smtp")."""
        return transport.name if transport else "twilio"

    def cannot_send(self, transport: Transport) -> str | None:
        """Why no check-in of this channel can go out through `transport`, or None."""
        return None

    @abstractmethod
    def render(self, checkin: CheckIn, company: CompanySettings) -> str:
        """The text the attempt carries (TemplateRenderError when it does not render)."""

    @abstractmethod
    def new_row(self, checkin: CheckIn, body: str, transport: Transport, at: datetime) -> dict:
        """Column values of a new attempt row (no SID yet)."""

    @abstractmethod
    def create(self, transport: Transport, attempt: Attempt, now: datetime) -> Created:
        """Ask Twilio to send the attempt; TransportError on failure."""

    @abstractmethod
    def find(self, transport: Transport, row: Any) -> list[Created]:
        """What Twilio holds that could be this attempt (number, sender, created since)."""

    def stored_values(self, row_id: int, created: Created) -> dict[str, Any]:
        """Columns set on the attempt row with its SID."""
        return {self.sid_column: created.sid, "error_code": None, "updated_at": utcnow()}

    @abstractmethod
    def replay_early(self, sids: list[str]) -> None:
        """Apply the status callbacks of these SIDs that came before the SIDs were stored
        (one query to find them; commits)."""

    def orphan_sids(self, limit: int) -> list[str]:
        """SIDs rows of `model` now hold that still have status callbacks (`events`) stored
        without their row (`events_row` is the callback's link to it)."""
        events = self.events
        return list(
            db.session.scalars(
                sa.select(events.twilio_sid)
                .join(self.model, self.sid() == events.twilio_sid)
                .where(getattr(events, self.events_row).is_(None))
                .distinct()
                .limit(limit)
            )
        )

    def after_commit(self, transport: Transport | None, created: Created) -> None:
        """After the SID is committed (`transport` None when found again by reconciling):
        nothing, unless the channel says otherwise."""
        return None

    def fail_row(self, row_id: int, code: int | None, reason: str) -> None:
        """Mark an attempt row that did not go out."""
        db.session.execute(
            sa.update(self.model)
            .where(self.model.id == row_id, self.sid().is_(None))
            .values(status="failed", error_code=code, **self.error_text(reason))
            .execution_options(synchronize_session=False)
        )

    def error_text(self, reason: str) -> dict[str, Any]:
        """The row's column for words about an error, if it has one."""
        return {}


def attempt_row(checkin: CheckIn, at: datetime, **values: Any) -> dict[str, Any]:
    """Column values of a new outbound attempt row of `checkin` (a Message or a Call) made at
    `at`, before any call: no SID yet; `values` are the channel's own."""
    return {
        "direction": "outbound",
        "checkin_id": checkin.id,
        "customer_id": checkin.customer_id,
        "to_number": checkin.customer.phone,
        "attempt_started_at": at,
        "created_at": at,
        "updated_at": at,
        **values,
    }


# -- the clock -------------------------------------------------------------------------------


class Clock:
    """The database's time at start, advanced by this process's monotonic clock (one read of
    the database per batch); a fixed time when `moving` is False (a caller's given `now`)."""

    def __init__(self, base: datetime, moving: bool = True) -> None:
        self.base = base
        self.moving = moving
        self.started = time.monotonic()

    def now(self) -> datetime:
        """The base time plus the time elapsed since the clock started."""
        if not self.moving:
            return self.base
        return self.base + timedelta(seconds=time.monotonic() - self.started)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` tries: 10 s doubling, capped at 10 min."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def twilio_timeout() -> float:
    """Seconds one Twilio request may take (OUTREACH_TWILIO_TIMEOUT)."""
    return current_app.extensions["settings"].twilio_timeout


def in_flight(timeout: float | None = None) -> timedelta:
    """How long one call may still be in flight: its timeout twice over, plus slack."""
    return timedelta(seconds=2 * (twilio_timeout() if timeout is None else timeout) + 5)


def lease_for(timeout: float | None = None) -> timedelta:
    """How long a sender owns a check-in after taking it or extending its lease."""
    return max(MIN_LEASE, in_flight(timeout))


def chunk_size(rate_per_second: float) -> int:
    """How many sends one claim covers: as many as the sender's rate lets out in CHUNK_SECONDS."""
    return max(1, int(rate_per_second * CHUNK_SECONDS))


# -- sending ---------------------------------------------------------------------------------


def send_batch(
    channel: Channel,
    checkin_ids: Iterable[int],
    now: datetime | None = None,
    heartbeat: Callable[[], None] | None = None,
    clock: Clock | None = None,
) -> list[SendOutcome]:
    """Send queued check-ins of `channel` in chunks; one failing check-in never stops the
    others. `heartbeat` (the job's lease on the rows it carries) is called before each send.
    The time is `clock`, else `now` (fixed), else the database's clock. Outcomes in id order."""
    ids = sorted(set(checkin_ids))
    clock = clock or (Clock(now, moving=False) if now else Clock(db_now()))
    size = chunk_size(sender_limiter().rate)
    beat = heartbeat or (lambda: None)
    outcomes: list[SendOutcome] = []
    for start in range(0, len(ids), size):
        beat()
        outcomes += _send_chunk(channel, ids[start : start + size], clock, beat)
    return outcomes


def _send_chunk(
    channel: Channel, ids: list[int], clock: Clock, beat: Callable[[], None]
) -> list[SendOutcome]:
    outcomes: dict[int, SendOutcome] = {}
    now = clock.now()
    checkins = _load(ids)
    company = get_company_settings()
    consents = latest_consents([c.customer_id for c in checkins.values()], channel.name)
    transport = get_transport()
    ready: list[CheckIn] = []
    chunk_customers: set[int] = set()
    for checkin_id in ids:
        try:
            held = _precheck(channel, checkin_id, checkins.get(checkin_id), now, consents, company)
            if held is None and (why := channel.cannot_send(transport)) is not None:
                transitions.start_sending(checkin_id, now, why)  # failed is reached by sending
                held = _fail(checkin_id, why)
            checkin = checkins.get(checkin_id)
            if held is None:  # the cap also holds between the check-ins of one chunk
                if checkin.policy.frequency_cap and checkin.customer_id in chunk_customers:
                    held = _suppress(
                        checkin_id, "not sent: frequency cap: another check-in goes out now"
                    )
                chunk_customers.add(checkin.customer_id)
        except Exception:
            db.session.rollback()
            log.exception("check-in %s: unexpected error while sending", checkin_id)
            held = SendOutcome(checkin_id, SKIPPED, "unexpected error (logged)")
        if held is None:
            ready.append(checkins[checkin_id])
        else:
            outcomes[checkin_id] = held
    if ready:
        try:
            attempts, lease = claim(channel, ready, transport, company, now, outcomes)
        except Exception:  # nothing was claimed: the rows stay queued for the sweeper
            db.session.rollback()
            log.exception("check-ins %s..%s: unexpected error while claiming", ids[0], ids[-1])
            attempts, lease = [], now
            for checkin in ready:
                outcomes[checkin.id] = SendOutcome(checkin.id, SKIPPED, "unexpected error (logged)")
        outcomes.update(_deliver(channel, attempts, lease, transport, company, clock, beat))
    return [outcomes[i] for i in ids]


def _load(ids: list[int]) -> dict[int, CheckIn]:
    """The check-ins with their customer, event, policy and rep: one query."""
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
    channel: Channel,
    checkin_id: int,
    checkin: CheckIn | None,
    now: datetime,
    consents: Mapping[int, str],
    company: CompanySettings,
) -> SendOutcome | None:
    """None when the check-in may be claimed now, else what was done instead (and why)."""
    if checkin is None:
        return SendOutcome(checkin_id, SKIPPED, "no such check-in")
    if checkin.channel != channel.name:
        return SendOutcome(
            checkin_id, SKIPPED, f"a {checkin.channel} check-in is not {channel.name}"
        )
    if checkin.status == "sending":
        if checkin.lease_until is not None and checkin.lease_until > now:
            return SendOutcome(checkin_id, SKIPPED, "another sender owns it")
        return reconcile_one(channel, checkin_id, now)
    if checkin.status != "queued":
        return SendOutcome(checkin_id, SKIPPED, f"already {checkin.status}")
    if checkin.next_attempt_at is not None and checkin.next_attempt_at > now:
        return SendOutcome(checkin_id, SKIPPED, "waiting for its next attempt")
    reason = sendable_now(checkin, now, consents, company)
    return None if reason is None else _hold(checkin, reason, now, company)


def _hold(checkin: CheckIn, reason: str, now: datetime, company: CompanySettings) -> SendOutcome:
    """Not sent now: rescheduled to the next allowed time when only the clock is in the way,
    held (back to scheduled, due as it was) while the customer is paused, else suppressed;
    commits."""
    if reason.startswith(PAUSED):
        return _hold_paused(checkin, reason)
    window = policy_window(checkin.policy)
    floor = company_floor(company, checkin.channel)
    zone = zone_for_customer(checkin.customer, company.default_timezone)[0]
    if reason == blocked_reason(now, window, zone, floor):
        timing = reschedule_due(now, window, checkin.expires_at, zone, now, floor)
        if timing.due_at is not None:
            why = f"not sent at {now:%H:%M} UTC: {reason}; {timing.reason}"
            if transitions.reschedule(
                checkin.id, timing.due_at, why
            ) or transitions.reschedule_claimed(checkin.id, timing.due_at, why):
                db.session.commit()
                return SendOutcome(checkin.id, RESCHEDULED, why)
        else:
            reason = timing.reason.removeprefix("suppressed: ")
    return _suppress(checkin.id, f"not sent: {reason}")


def _hold_paused(checkin: CheckIn, reason: str) -> SendOutcome:
    """Back to scheduled, due as before: the sweeper leaves a paused customer's check-ins alone
    and claims them again once a person chooses to keep texting; commits."""
    why = f"held: {reason}; it goes out if they choose to keep texting"
    moved = transitions.reschedule(
        checkin.id, checkin.due_at, why
    ) or transitions.reschedule_claimed(checkin.id, checkin.due_at, why)
    db.session.commit()
    log.info("check-in %s held: the customer is paused", checkin.id)
    return SendOutcome(checkin.id, RESCHEDULED if moved else SKIPPED, why)


def _suppress(checkin_id: int, why: str) -> SendOutcome:
    moved = transitions.suppress(checkin_id, why)
    db.session.commit()
    log.info("check-in %s not sent at send time (%s)", checkin_id, moved and "suppressed")
    return SendOutcome(checkin_id, SUPPRESSED if moved else SKIPPED, why)


def _fail(checkin_id: int, why: str, row_id: int | None = None) -> SendOutcome:
    transitions.mark_failed(checkin_id, why)
    db.session.commit()
    return SendOutcome(checkin_id, FAILED, why, row_id)


def claim(
    channel: Channel,
    ready: list[CheckIn],
    transport: Transport,
    company: CompanySettings,
    now: datetime,
    outcomes: dict[int, SendOutcome],
) -> tuple[list[Attempt], datetime]:
    """queued -> sending with one lease for the chunk (one compare-and-set), the attempt rows
    written: one commit, before any call. Check-ins not claimed or not rendered get their
    outcome in `outcomes`."""
    values = []
    for checkin in ready:  # rendered before the claim, which expires the claimed rows
        try:
            body: str | TemplateRenderError = channel.render(checkin, company)
        except TemplateRenderError as exc:
            body = exc
        text = body if isinstance(body, str) else ""
        values.append(
            (
                checkin.id,
                checkin.customer_id,
                checkin.expires_at,
                policy_window(checkin.policy),
                checkin.policy.frequency_cap,
                body,
                channel.new_row(checkin, text, transport, now),
            )
        )
    lease = now + lease_for()
    claimed = transitions.start_sending_many([c.id for c in ready], lease)
    rows = []
    for checkin_id, _, _, _, _, body, row in values:
        if checkin_id not in claimed:
            outcomes[checkin_id] = SendOutcome(checkin_id, SKIPPED, "taken by another sender")
        elif isinstance(body, TemplateRenderError):
            why = f"the message template failed: {body}"
            transitions.mark_failed(checkin_id, why)
            log.warning("check-in %s failed: its template does not render", checkin_id)
            outcomes[checkin_id] = SendOutcome(checkin_id, FAILED, why)
        else:
            rows.append(row)
    ids = (
        dict(
            db.session.execute(
                sa.insert(channel.model).returning(channel.model.checkin_id, channel.model.id),
                rows,
            ).all()
        )
        if rows
        else {}
    )
    if channel.model is Message:
        messages_stored([row["customer_id"] for row in rows], now)
    db.session.commit()
    attempts = [
        Attempt(
            checkin_id=checkin_id,
            row_id=ids[checkin_id],
            customer_id=customer_id,
            to_number=row[channel.recipient_column],
            body=body,
            expires_at=expires_at,
            window=window,
            cap=cap,
            extra={k: v for k, v in row.items() if k in ("num_segments", "encoding")},
        )
        for checkin_id, customer_id, expires_at, window, cap, body, row in values
        if checkin_id in ids
    ]
    return attempts, lease


@dataclass
class _Facts:
    """What may have changed since the claim, re-read for the rest of a chunk."""

    read_at: float
    status: dict[int, tuple[str, datetime | None, bool]]  #: id -> (status, lease, has a SID)
    customers: dict[int, CustomerFacts]
    consents: dict[int, str]


def _read_facts(channel: Channel, attempts: list[Attempt]) -> _Facts:
    ids = [a.checkin_id for a in attempts]
    has_sid = (
        sa.select(channel.model.id)
        .where(
            channel.model.checkin_id == CheckIn.id,
            channel.sid().is_not(None),
            channel.went_out(),
            *channel.attempt_filter(),
        )
        .exists()
    )
    rows = db.session.execute(
        sa.select(CheckIn.id, CheckIn.status, CheckIn.lease_until, has_sid).where(
            CheckIn.id.in_(ids)
        )
    ).all()
    customers = {
        row.id: CustomerFacts(*row)
        for row in db.session.execute(
            sa.select(
                Customer.id,
                Customer.phone,
                Customer.timezone,
                Customer.is_opted_out,
                Customer.is_wrong_number,
                Customer.paused_at,
                Customer.email,
            ).where(Customer.id.in_({a.customer_id for a in attempts}))
        )
    }
    consents = latest_consents(list(customers), channel.name)
    db.session.commit()
    return _Facts(
        time.monotonic(),
        {i: (s, lease, bool(sid)) for i, s, lease, sid in rows},
        customers,
        consents,
    )


def _deliver(
    channel: Channel,
    attempts: list[Attempt],
    lease: datetime,
    transport: Transport,
    company: CompanySettings,
    clock: Clock,
    beat: Callable[[], None],
) -> dict[int, SendOutcome]:
    """Each claimed attempt in turn: slot, lease, fresh facts, the clock, the call, the record."""
    floor, default_zone = company_floor(company, channel.name), company.default_timezone
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:  # plain values from here: a commit per send need not expire every loaded row
        return _deliver_each(channel, attempts, lease, transport, clock, beat, floor, default_zone)
    finally:
        session.expire_on_commit = expiring
        session.expire_all()


def _deliver_each(
    channel: Channel,
    attempts: list[Attempt],
    lease: datetime,
    transport: Transport,
    clock: Clock,
    beat: Callable[[], None],
    floor: Any,
    default_zone: str,
) -> dict[int, SendOutcome]:
    outcomes: dict[int, SendOutcome] = {}
    remaining = list(attempts)
    facts: _Facts | None = None
    accepted = _Accepted(channel, transport, outcomes)
    slots = Slots(sender_limiter(), channel.rate_prefix + transport.sender)
    reslotted: set[int] = set()
    while remaining:
        attempt = remaining.pop(0)
        checkin_id = attempt.checkin_id
        try:
            beat()
            wait = slots.next(1 + len(remaining))
            if wait > 0 or accepted.due():
                accepted.record()  # idle anyway, or a SID has waited long enough
            lease, kept = _keep_lease(clock, wait, lease, [attempt, *remaining])
            remaining = [a for a in remaining if a.checkin_id in kept]
            if checkin_id not in kept:
                outcomes[checkin_id] = SendOutcome(checkin_id, SKIPPED, "taken by another sender")
                continue
            if wait > 0:
                time.sleep(wait)
            if facts is None or time.monotonic() - facts.read_at > FRESH:
                facts = _read_facts(channel, [attempt, *remaining])
            held = _still_sendable(channel, attempt, facts, clock.now(), floor, default_zone)
            if held is not None:
                outcomes[checkin_id] = held
                continue
            # Stalled past its slot: a fresh one, once (a slow database must not starve it).
            if not slots.on_time() and checkin_id not in reslotted:
                reslotted.add(checkin_id)
                remaining.insert(0, attempt)
                continue
            try:
                created = channel.create(transport, attempt, clock.now())
            except TransportError as exc:
                outcomes[checkin_id] = _failed(channel, attempt, exc, clock.now())
                continue
            accepted.add(checkin_id, attempt.row_id, created)
        except Exception:
            db.session.rollback()
            log.exception("check-in %s: unexpected error while sending", checkin_id)
            outcomes[checkin_id] = SendOutcome(checkin_id, SKIPPED, "unexpected error (logged)")
    accepted.record()
    channel.replay_early([o.sid for o in outcomes.values() if o.result == SENT and o.sid])
    return outcomes


class _Accepted:
    """SIDs Twilio has just made, recorded a group at a time (GROUP_SENDS, GROUP_SECONDS): one
    commit for the group instead of one per send. A worker that dies first leaves those check-ins
    `sending` with a lease; when it runs out, reconciliation finds each at Twilio by its number
    and adopts its SID, so nothing is sent twice, only marked `sent` later."""

    def __init__(self, channel: Channel, transport: Transport, outcomes: dict) -> None:
        self.channel, self.transport, self.outcomes = channel, transport, outcomes
        self.items: list[tuple[int, int, Created]] = []
        self.since = 0.0

    def add(self, checkin_id: int, row_id: int, created: Created) -> None:
        if not self.items:
            self.since = time.monotonic()
        self.items.append((checkin_id, row_id, created))
        if len(self.items) >= GROUP_SENDS:
            self.record()

    def due(self) -> bool:
        return bool(self.items) and time.monotonic() - self.since >= GROUP_SECONDS

    def record(self) -> None:
        items, self.items = self.items, []
        if not items:
            return
        try:
            self.outcomes.update(record_accepted(self.channel, items, self.transport))
        except Exception:
            db.session.rollback()
            log.exception(
                "check-ins %s: SIDs not recorded; reconciliation will find them",
                ",".join(str(i[0]) for i in items),
            )
            for checkin_id, row_id, _ in items:
                self.outcomes[checkin_id] = SendOutcome(
                    checkin_id, UNKNOWN, "accepted; its SID will be found again", row_id
                )


def _keep_lease(
    clock: Clock, wait: float, lease: datetime, attempts: list[Attempt]
) -> tuple[datetime, set[int]]:
    """Extend the chunk's lease when the next call could outlast it (compare-and-set on the
    lease we hold, for every row of the chunk not sent yet); the lease and the ids still ours."""
    ids = {a.checkin_id for a in attempts}
    now = clock.now()
    if now + timedelta(seconds=wait) + in_flight() <= lease:
        return lease, ids
    new_lease = now + timedelta(seconds=wait) + lease_for()
    table = CheckIn.__table__
    kept = set(
        db.session.connection().scalars(
            table.update()
            .where(table.c.id.in_(ids), table.c.status == "sending", table.c.lease_until == lease)
            .values(lease_until=new_lease)
            .returning(table.c.id)
        )
    )
    db.session.commit()
    return new_lease, kept


def _still_sendable(
    channel: Channel,
    attempt: Attempt,
    facts: _Facts,
    now: datetime,
    floor: Any,
    default_zone: str,
) -> SendOutcome | None:
    """None when the attempt may go out now; else what was done instead (committed)."""
    checkin_id = attempt.checkin_id
    status, _, has_sid = facts.status.get(checkin_id, ("gone", None, False))
    if status != "sending":
        channel.fail_row(attempt.row_id, None, f"not sent: the check-in is {status}")
        db.session.commit()
        return SendOutcome(checkin_id, SKIPPED, f"already {status}")
    if has_sid:  # an earlier attempt's SID was recorded late: that message went out
        channel.fail_row(attempt.row_id, None, "not sent: an earlier attempt went out")
        transitions.mark_sent(checkin_id, "an earlier attempt went out after all")
        db.session.commit()
        return SendOutcome(checkin_id, SKIPPED, "an earlier attempt went out")
    customer = facts.customers.get(attempt.customer_id)
    reason = (
        opted_out_reason(customer, channel.name, facts.consents)
        if customer
        else "the customer was deleted"
    )
    if reason is None and attempt.expires_at is not None and now > attempt.expires_at:
        reason = "expired before it could go out"
    if reason is None and (paused := paused_reason(customer)) is not None:
        channel.fail_row(attempt.row_id, None, f"not sent: {paused}")
        checkin = db.session.get(CheckIn, checkin_id, populate_existing=True)
        return _hold_paused(checkin, paused)
    if reason is None:
        zone = zone_for_customer(customer, default_zone)[0]
        reason = blocked_reason(now, attempt.window, zone, floor)
        if reason is not None:  # the clock is in the way: back to scheduled for the next slot
            channel.fail_row(attempt.row_id, None, f"not sent: {reason}")
            checkin = db.session.get(CheckIn, checkin_id, populate_existing=True)
            return _hold(checkin, reason, now, get_company_settings())
    if reason is not None:
        channel.fail_row(attempt.row_id, None, f"not sent: {reason}")
        return _suppress(checkin_id, f"not sent: {reason}")
    if (to := channel.recipient(customer)) != attempt.to_number:  # corrected since the claim
        attempt.to_number = to
        db.session.execute(
            sa.update(channel.model)
            .where(channel.model.id == attempt.row_id)
            .values({channel.recipient_column: to})
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return None


def record_created(
    channel: Channel,
    checkin_id: int,
    row_id: int,
    created: Created,
    transport: Transport | None,
    how: str,
    replay: bool = True,
) -> SendOutcome:
    """Store one SID on its attempt row (once), move the check-in to `sent` (from `sending`, or
    from `queued` when reconciliation gave up on a live send), apply callbacks that came early:
    one commit. `how` is "accepted" (Twilio just made it) or "reconciled" (found again); a
    reconciled SID another row already holds settles the check-in as failed, with why."""
    if how == "accepted":
        outcome = record_accepted(channel, [(checkin_id, row_id, created)], transport)[checkin_id]
    else:
        table = channel.model.__table__
        try:
            with db.session.begin_nested():
                db.session.connection().execute(
                    table.update()
                    .where(table.c.id == row_id, table.c[channel.sid_column].is_(None))
                    .values(**channel.stored_values(row_id, created))
                )
        except IntegrityError:
            why = f"{channel.provider}'s {created.sid} is already recorded for another send"
            channel.fail_row(row_id, None, why)
            log.warning("check-in %s: %s", checkin_id, why)
            return _retry_or_give_up(channel, checkin_id, row_id, why, utcnow(), delay=timedelta(0))
        reason = f"reconciled: {channel.provider} has it as {created.sid}"
        _mark_sent({checkin_id: reason}, {checkin_id: row_id}, channel)
        db.session.commit()
        if replay:  # early callbacks first: they carry what the list lacks (error codes)
            channel.replay_early([created.sid])
        channel.after_commit(None, created)
        return SendOutcome(checkin_id, SENT, reason, row_id, created.sid)
    if replay:  # a batch replays its chunk's early callbacks together (and the sweeper's
        channel.replay_early([created.sid])  # replay_orphan_callbacks catches a crash between)
    return outcome


def record_accepted(
    channel: Channel, items: list[tuple[int, int, Created]], transport: Transport | None
) -> dict[int, SendOutcome]:
    """Store the SIDs Twilio just made ((check-in id, attempt row id, created) each) on their
    attempt rows and move their check-ins to `sent`: a few statements and one commit for all."""
    name = channel.carrier(transport)
    table = channel.model.__table__
    reasons = {checkin_id: f"accepted by {name} as {c.sid}" for checkin_id, _, c in items}
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for _, row_id, created in items:  # a SID Twilio just made is nobody else's
        values = channel.stored_values(row_id, created)
        by_columns.setdefault(tuple(sorted(values)), []).append(
            {"row_id": row_id, **{f"v_{k}": v for k, v in values.items()}}
        )
    connection = db.session.connection()
    for columns, rows in by_columns.items():
        connection.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"), table.c[channel.sid_column].is_(None))
            .values({k: sa.bindparam(f"v_{k}") for k in columns}),
            rows,
        )
    _mark_sent(reasons, {checkin_id: row_id for checkin_id, row_id, _ in items}, channel)
    db.session.commit()
    outcomes = {}
    for checkin_id, row_id, created in items:
        channel.after_commit(transport, created)
        outcomes[checkin_id] = SendOutcome(
            checkin_id, SENT, reasons[checkin_id], row_id, created.sid
        )
    log.info(
        "check-ins sent as %s (check-in:row): %s",
        channel.name,
        " ".join(f"{checkin_id}:{row_id}" for checkin_id, row_id, _ in items),
    )
    return outcomes


def _mark_sent(reasons: dict[int, str], rows: dict[int, int], channel: Channel) -> None:
    """sending -> sent for all; one put back for a retry meanwhile is adopted (queued -> sent)."""
    for checkin_id in set(reasons) - transitions.mark_sent_many(reasons):
        why = f"{reasons[checkin_id]} (after it was put back for a retry)"
        if not transitions.adopt_sent(checkin_id, why):
            log.warning(
                "check-in %s: sent as %s %s but it had moved on",
                checkin_id,
                channel.name,
                rows[checkin_id],
            )


def _failed(channel: Channel, attempt: Attempt, exc: TransportError, now: datetime):
    checkin_id = attempt.checkin_id
    if exc.is_outcome_unknown:
        # Twilio may have it: keep `sending`; reconciliation decides after the backoff.
        attempts = db.session.scalar(sa.select(CheckIn.attempts).where(CheckIn.id == checkin_id))
        db.session.execute(
            sa.update(CheckIn)
            .where(CheckIn.id == checkin_id, CheckIn.status == "sending")
            .values(lease_until=now + max(backoff(attempts or 1), in_flight()))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            sa.update(channel.model)
            .where(channel.model.id == attempt.row_id)
            .values(**channel.error_text(exc.reason))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        log.warning("check-in %s: outcome unknown (%s)", checkin_id, exc.reason)
        return SendOutcome(
            checkin_id,
            UNKNOWN,
            f"{exc.reason}; {channel.provider}'s record will decide",
            attempt.row_id,
        )
    channel.fail_row(attempt.row_id, exc.code, exc.reason)
    if exc.is_transient:
        info = exc.info
        return _retry_or_give_up(
            channel,
            checkin_id,
            attempt.row_id,
            exc.reason,
            now,
            info.max_attempts if info else None,
        )
    if exc.info is not None and exc.info.is_opt_out:
        opt_out_after_error(attempt.customer_id, exc.code, now)
    log.info("check-in %s failed: error %s", checkin_id, exc.code or exc.http_status)
    return _fail(checkin_id, f"not sent: {exc.reason}", attempt.row_id)


def _retry_or_give_up(
    channel: Channel,
    checkin_id: int,
    row_id: int | None,
    reason: str,
    now: datetime,
    max_attempts: int | None = None,
    delay: timedelta | None = None,
) -> SendOutcome:
    """sending -> queued for a later attempt, or -> failed after the cap; commits."""
    attempts, expires_at = db.session.execute(
        sa.select(CheckIn.attempts, CheckIn.expires_at).where(CheckIn.id == checkin_id)
    ).one()
    cap = min(MAX_ATTEMPTS, max_attempts or MAX_ATTEMPTS)
    if attempts >= cap:
        return _fail(checkin_id, f"gave up after {attempts} attempts: {reason}", row_id)
    at = now + (backoff(attempts) if delay is None else delay)
    if expires_at is not None and at > expires_at:
        why = f"not sent: expired before a retry could go out ({reason})"
        transitions.suppress(checkin_id, why)
        db.session.commit()
        return SendOutcome(checkin_id, SUPPRESSED, why, row_id)
    why = f"attempt {attempts} failed ({reason}); retry at {at:%Y-%m-%d %H:%M:%S} UTC"
    transitions.requeue(checkin_id, at, why)
    db.session.commit()
    log.info("check-in %s: attempt %s failed, retrying", checkin_id, attempts)
    return SendOutcome(checkin_id, RETRYING, why, row_id)


def opt_out_after_error(customer_id: int | None, code: int | None, now: datetime) -> None:
    """Twilio refused because the customer opted out (21610): the same opt-out as a STOP."""
    from outreach.customers.consent import opt_out

    customer = db.session.get(Customer, customer_id) if customer_id is not None else None
    if customer is not None:
        opt_out(customer, f"error_{code}", str(code), now)


# -- reconciliation ------------------------------------------------------------------------


def replay_orphan_callbacks(channels: Iterable[Channel], limit: int = RECONCILE_LIMIT) -> int:
    """Apply callbacks stored before their SID was, whose SID a row holds now (a sender that
    died between recording a SID and replaying its chunk's early callbacks); how many SIDs."""
    count = 0
    for channel in channels:
        sids = channel.orphan_sids(limit)
        db.session.rollback()
        if sids:
            channel.replay_early(sids)
            count += len(sids)
    return count


def reconcile_stale(
    channels: Iterable[Channel], now: datetime | None = None, budget: float = RECONCILE_BUDGET
) -> list[SendOutcome]:
    """Settle check-ins left `sending` past their lease (oldest lease first) against Twilio's
    record, until `budget` seconds have passed; the rest wait for the next pass."""
    now = now or db_now()
    started = time.monotonic()
    outcomes = []
    for channel in channels:
        ids = db.session.scalars(
            sa.select(CheckIn.id)
            .where(
                CheckIn.status == "sending",
                CheckIn.channel == channel.name,
                sa.or_(CheckIn.lease_until.is_(None), CheckIn.lease_until <= now),
            )
            .order_by(CheckIn.lease_until, CheckIn.id)
            .limit(RECONCILE_LIMIT)
        ).all()
        db.session.rollback()
        for checkin_id in ids:
            if time.monotonic() - started > budget:
                log.info("reconciliation stopped at its time budget; the rest next pass")
                return outcomes
            try:
                outcomes.append(reconcile_one(channel, checkin_id, now))
            except Exception:  # one broken row must not stop the others; logged with its id
                db.session.rollback()
                log.exception("check-in %s: unexpected error while reconciling", checkin_id)
    return outcomes


def claim_stale(checkin_id: int, now: datetime) -> bool:
    """Take a check-in left `sending` past its lease for reconciliation (a new lease, compare-
    and-set, committed); False when it is not stale or another process took it."""
    claimed = db.session.execute(
        sa.update(CheckIn)
        .where(
            CheckIn.id == checkin_id,
            CheckIn.status == "sending",
            sa.or_(CheckIn.lease_until.is_(None), CheckIn.lease_until <= now),
        )
        .values(lease_until=now + lease_for())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def known_sids(model: Any, sids: Iterable[str]) -> set[str]:
    """Which of these SIDs a row of `model` (or this SID column) already holds (one query)."""
    sids = sorted(set(sids))
    if not sids:
        return set()
    column = getattr(model, "twilio_sid", model)
    return set(db.session.scalars(sa.select(column).where(column.in_(sids))))


def unclaimed(model: Any, candidates: list[Created]) -> Created | None:
    """The earliest of the provider's candidates that no row of ours (`model`, or its SID
    column) holds yet."""
    held = known_sids(model, [c.sid for c in candidates])
    free = [c for c in candidates if c.sid not in held]
    if len(free) > 1:
        log.warning("reconcile: %d unclaimed matches at Twilio, adopting the earliest", len(free))
    epoch = datetime.min.replace(tzinfo=UTC)
    return min(free, key=lambda c: c.created_at or epoch) if free else None


def reconcile_one(channel: Channel, checkin_id: int, now: datetime | None = None) -> SendOutcome:
    """Settle one check-in left `sending` past its lease: adopt Twilio's record or retry."""
    now = now or db_now()
    if not claim_stale(checkin_id, now):
        return SendOutcome(checkin_id, SKIPPED, "not a stale send (any more)")
    rows = db.session.scalars(
        sa.select(channel.model)
        .where(channel.model.checkin_id == checkin_id, *channel.attempt_filter())
        .order_by(channel.model.id.desc())
        .execution_options(populate_existing=True)
    ).all()
    with_sid = next((r for r in rows if getattr(r, channel.sid_column)), None)
    if with_sid is not None:
        created = Created(getattr(with_sid, channel.sid_column), with_sid.status)
        return record_created(channel, checkin_id, with_sid.id, created, None, "reconciled")
    row = rows[0] if rows else None
    if row is None or row.status != channel.pending_row_status or row.attempt_started_at is None:
        return _retry_or_give_up(
            channel, checkin_id, None, "no attempt was recorded", now, delay=timedelta(0)
        )
    try:
        found = unclaimed(channel.sid(), channel.find(get_transport(), row))
    except TransportError as exc:
        attempts = db.session.scalar(sa.select(CheckIn.attempts).where(CheckIn.id == checkin_id))
        db.session.execute(
            sa.update(CheckIn)
            .where(CheckIn.id == checkin_id, CheckIn.status == "sending")
            .values(lease_until=now + backoff(attempts or 1))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        log.warning("check-in %s: cannot reconcile yet (%s)", checkin_id, exc.reason)
        why = f"cannot check {channel.provider}'s record yet: {exc.reason}"
        return SendOutcome(checkin_id, UNKNOWN, why)
    if found is not None:
        log.info("check-in %s: reconciled, found %s %s", checkin_id, channel.name, row.id)
        return record_created(channel, checkin_id, row.id, found, None, "reconciled")
    missing = f"{channel.provider} has no record of this attempt"
    channel.fail_row(row.id, None, f"{missing}: it was not sent")
    return _retry_or_give_up(
        channel,
        checkin_id,
        row.id,
        f"its outcome was unknown and {channel.provider} has no record of it",
        now,
        delay=timedelta(0),
    )
