"""Check-in status transitions: compare-and-set in the database, each with a recorded reason.

Each function is one `UPDATE checkins SET status = :new … WHERE id = :id AND status = :old` where
:old is the current status and must be in the transition's allowed-from set; it writes a
CheckInTransition and returns True only if it moved the row. None of them commit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from outreach.extensions import db
from outreach.models import CheckIn, CheckInTransition, utcnow
from outreach.models.checkins import PENDING, UNSETTLED, WENT_OUT, CheckInStatus
from outreach.scheduling import rollup

S = CheckInStatus

#: target status -> the statuses it may be reached from (status only moves forward)
ALLOWED_FROM: dict[CheckInStatus, frozenset[CheckInStatus]] = {
    S.QUEUED: frozenset({S.SCHEDULED}),
    S.SENDING: frozenset(PENDING),
    S.SENT: frozenset({S.SENDING}),
    S.DELIVERED: frozenset({S.SENDING, S.SENT}),
    S.UNDELIVERED: frozenset({S.SENDING, S.SENT}),
    S.FAILED: frozenset({S.SENDING, S.SENT}),
    S.ANSWERED: frozenset({S.SENDING, S.SENT, S.DELIVERED, S.UNDELIVERED}),
    S.CANCELED: frozenset(PENDING),
    S.SUPPRESSED: frozenset(UNSETTLED),
    S.DONE: frozenset(PENDING),
    S.MISSED: frozenset(PENDING),
}
RETRY_FROM = frozenset({S.SENDING})  #: requeue for retry: sending -> queued
#: a transient carrier failure (30001/30003/30008) reported after `sent`: the message never
#: reached the phone, so a new attempt is queued (the only move back from `sent`)
CARRIER_RETRY_FROM = frozenset({S.SENT})
RESCHEDULE_FROM = frozenset(PENDING)  #: reschedule: -> scheduled, new due_at
#: the clock stopped a claimed send right before its call (nothing went out): -> scheduled
UNCLAIM_FROM = frozenset({S.SENDING})
#: a SID recorded late for a send that reconciliation had put back for a retry: it went out
ADOPT_FROM = frozenset({S.QUEUED})
#: a person undid their cancel moments after making it: canceled -> scheduled
UNDO_CANCEL_FROM = frozenset({S.CANCELED})
_ATTEMPTS = 3


def _move(checkin_id: int, new: str, allowed: frozenset[str], reason: str, **values: Any) -> bool:
    """Compare-and-set the status of one check-in and record the transition."""
    try:
        for _ in range(_ATTEMPTS):
            current = db.session.scalar(sa.select(CheckIn.status).where(CheckIn.id == checkin_id))
            if current is None or current not in allowed:
                return False
            now = utcnow()
            result = db.session.execute(
                sa.update(CheckIn)
                .where(CheckIn.id == checkin_id, CheckIn.status == current)
                .values(status=new, status_reason=reason, updated_at=now, **values)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                if _goes_out(current, new):
                    rollup.went_out([checkin_id], now)
                db.session.add(
                    CheckInTransition(
                        checkin_id=checkin_id,
                        from_status=current,
                        to_status=new,
                        reason=reason,
                        created_at=now,
                    )
                )
                db.session.flush()
                return True
        return False
    finally:
        _expire(checkin_id)


def _move_many(
    checkin_ids: Collection[int] | sa.ScalarSelect,
    current: str,
    new: str,
    reason: Any,
    **values: Any,
) -> dict[int, str]:
    """Compare-and-set many check-ins from `current` to `new` in one UPDATE … RETURNING and
    record their transitions; the ids moved, each with its reason (`reason` may be a SQL
    expression of the row). `checkin_ids` may be a subquery of ids. Does not
    commit."""
    assert current in ALLOWED_FROM[new]
    if isinstance(checkin_ids, Collection):
        if not checkin_ids:
            return {}
        checkin_ids = sorted(checkin_ids)
    table = CheckIn.__table__
    now = utcnow()
    rows = (
        db.session.connection()  # Core statements: no ORM bookkeeping on the hot path
        .execute(
            table.update()
            .where(table.c.id.in_(checkin_ids), table.c.status == current)
            .values(status=new, status_reason=reason, updated_at=now, **values)
            .returning(table.c.id, table.c.status_reason)
        )
        .all()
    )
    if _goes_out(current, new):
        rollup.went_out([checkin_id for checkin_id, _ in rows], now)
    _record_many(rows, current, new, now)
    for checkin_id, _ in rows:
        _expire(checkin_id)
    return dict(rows)


def _goes_out(current: str, new: str) -> bool:
    return new in WENT_OUT and current not in WENT_OUT


def _record_many(
    moved: Iterable[tuple[int, str]], current: str, new: str, at: datetime | None = None
) -> None:
    """The transition rows of check-ins moved in bulk (one INSERT), each with its reason."""
    at = at or utcnow()
    rows = [
        {
            "checkin_id": checkin_id,
            "from_status": current,
            "to_status": new,
            "reason": reason,
            "created_at": at,
        }
        for checkin_id, reason in moved
    ]
    if rows:
        db.session.connection().execute(CheckInTransition.__table__.insert(), rows)


def _expire(checkin_id: int) -> None:
    loaded = db.session.identity_map.get(db.session.identity_key(CheckIn, checkin_id))
    if loaded is not None:
        db.session.expire(loaded)


def reply_recorded(checkin_id: int) -> None:
    """Count a reply just stored for a check-in in the figures rollup (its first reply makes
    the check-in replied). Does not commit."""
    rollup.reply_linked(checkin_id)


def record_initial(checkin: CheckIn) -> CheckInTransition:
    """The first transition of a newly planned row (None -> its status, its status_reason)."""
    row = CheckInTransition(
        checkin=checkin, from_status=None, to_status=checkin.status, reason=checkin.status_reason
    )
    db.session.add(row)
    return row


def queue(checkin_id: int, reason: str = "due: handed to the queue") -> bool:
    """scheduled -> queued."""
    return _move(checkin_id, S.QUEUED, ALLOWED_FROM[S.QUEUED], reason)


def queue_many(
    checkin_ids: Collection[int] | sa.ScalarSelect,
    reason: str,
    jobs: Mapping[int, str] | None = None,
) -> list[int]:
    """scheduled -> queued for a batch (ids, or a subquery of them), each handed to its job in
    `jobs` (id -> job id) in the same statement, else to no job yet; the ids moved, sorted.
    The bulk form of queue(); does not commit."""
    job_id = sa.case(dict(jobs), value=CheckIn.id) if jobs else None
    return sorted(_move_many(checkin_ids, S.SCHEDULED, S.QUEUED, reason, job_id=job_id))


def hand_over(
    checkin_ids: Collection[int], old_job: str | None, new_job: str, reason: str | None
) -> list[int]:
    """Queued check-ins still carried by `old_job` (None: by no job) handed to `new_job`, their
    retry time and lease cleared; the ids moved, sorted. With a reason (the old job was lost)
    each records queued -> queued; a due retry records nothing. Does not commit."""
    if not checkin_ids:
        return []
    table = CheckIn.__table__
    carried = table.c.job_id.is_(None) if old_job is None else table.c.job_id == old_job
    moved = sorted(
        db.session.connection().scalars(
            table.update()
            .where(table.c.id.in_(sorted(checkin_ids)), table.c.status == S.QUEUED, carried)
            .values(job_id=new_job, next_attempt_at=None, lease_until=None, updated_at=utcnow())
            .returning(table.c.id)
        )
    )
    if reason:
        _record_many([(i, reason) for i in moved], S.QUEUED, S.QUEUED)
    for checkin_id in moved:
        _expire(checkin_id)
    return moved


def start_sending(checkin_id: int, lease_until: datetime, reason: str = "sending") -> bool:
    """scheduled|queued -> sending, owned until lease_until; counts an attempt."""
    return _move(
        checkin_id,
        S.SENDING,
        ALLOWED_FROM[S.SENDING],
        reason,
        lease_until=lease_until,
        attempts=CheckIn.attempts + 1,
        next_attempt_at=None,
    )


def start_sending_many(checkin_ids: Collection[int], lease_until: datetime) -> dict[int, str]:
    """queued -> sending for a batch, owned until lease_until, each counting an attempt with the
    reason "sending (attempt n)"; the ids moved and their reasons. Does not commit."""
    attempt = CheckIn.attempts + 1
    reason = sa.literal("sending (attempt ") + sa.cast(attempt, sa.String) + sa.literal(")")
    return _move_many(
        checkin_ids,
        S.QUEUED,
        S.SENDING,
        reason,
        lease_until=lease_until,
        attempts=attempt,
        next_attempt_at=None,
    )


def mark_sent_many(reasons: Mapping[int, str]) -> set[int]:
    """sending -> sent for a batch, each with its own reason; the ids moved. Does not commit."""
    if not reasons:
        return set()
    why = sa.case(dict(reasons), value=CheckIn.id)
    return set(_move_many(list(reasons), S.SENDING, S.SENT, why, lease_until=None))


def mark_sent(checkin_id: int, reason: str = "accepted by the carrier") -> bool:
    """sending -> sent."""
    return _move(checkin_id, S.SENT, ALLOWED_FROM[S.SENT], reason, lease_until=None)


def adopt_sent(checkin_id: int, reason: str) -> bool:
    """queued -> sent: a live sender recorded its SID after the check-in was put back."""
    return _move(checkin_id, S.SENT, ADOPT_FROM, reason, lease_until=None, next_attempt_at=None)


def mark_delivered(checkin_id: int, reason: str = "delivered") -> bool:
    """sending|sent -> delivered."""
    return _move(checkin_id, S.DELIVERED, ALLOWED_FROM[S.DELIVERED], reason, lease_until=None)


def mark_undelivered(checkin_id: int, reason: str) -> bool:
    """sending|sent -> undelivered."""
    return _move(checkin_id, S.UNDELIVERED, ALLOWED_FROM[S.UNDELIVERED], reason, lease_until=None)


def mark_failed(checkin_id: int, reason: str) -> bool:
    """sending|sent -> failed."""
    return _move(checkin_id, S.FAILED, ALLOWED_FROM[S.FAILED], reason, lease_until=None)


def answer(checkin_id: int, reason: str = "the customer answered") -> bool:
    """sending|sent|delivered|undelivered -> answered."""
    return _move(checkin_id, S.ANSWERED, ALLOWED_FROM[S.ANSWERED], reason, lease_until=None)


def cancel(checkin_id: int, reason: str) -> bool:
    """scheduled|queued -> canceled."""
    return _move(checkin_id, S.CANCELED, ALLOWED_FROM[S.CANCELED], reason)


def undo_cancel(checkin_id: int, due_at: datetime, reason: str) -> bool:
    """canceled -> scheduled at due_at: a cancel undone right after it was made."""
    return _move(
        checkin_id,
        S.SCHEDULED,
        UNDO_CANCEL_FROM,
        reason,
        due_at=due_at,
        timing_reason=reason,
        next_attempt_at=None,
        lease_until=None,
    )


def suppress(checkin_id: int, reason: str) -> bool:
    """scheduled|queued|sending -> suppressed (opted out, capped, expired… at send time)."""
    return _move(checkin_id, S.SUPPRESSED, ALLOWED_FROM[S.SUPPRESSED], reason, lease_until=None)


def mark_done(
    checkin_id: int, reason: str, outcome: str | None = None, note: str | None = None
) -> bool:
    """scheduled|queued -> done (a rep call was made), with its outcome."""
    values: dict[str, Any] = {"outcome": outcome} if outcome is not None else {}
    if note is not None:
        values["outcome_note"] = note
    return _move(checkin_id, S.DONE, ALLOWED_FROM[S.DONE], reason, **values)


def mark_missed(checkin_id: int, reason: str = "the rep did not call by the deadline") -> bool:
    """scheduled|queued -> missed (a rep call past its deadline)."""
    return _move(checkin_id, S.MISSED, ALLOWED_FROM[S.MISSED], reason)


def requeue(checkin_id: int, next_attempt_at: datetime, reason: str) -> bool:
    """sending -> queued for a retry at next_attempt_at (transient failure)."""
    return _move(
        checkin_id, S.QUEUED, RETRY_FROM, reason, next_attempt_at=next_attempt_at, lease_until=None
    )


def requeue_after_carrier_failure(checkin_id: int, next_attempt_at: datetime, reason: str) -> bool:
    """sent -> queued for a new attempt: the carrier reported a transient failure."""
    return _move(
        checkin_id,
        S.QUEUED,
        CARRIER_RETRY_FROM,
        reason,
        next_attempt_at=next_attempt_at,
        lease_until=None,
    )


def reschedule(
    checkin_id: int,
    due_at: datetime,
    reason: str,
    deadline_at: datetime | None = None,
) -> bool:
    """scheduled|queued -> scheduled with a new due_at (and deadline for rep calls)."""
    values: dict[str, Any] = {
        "due_at": due_at,
        "timing_reason": reason,
        "next_attempt_at": None,
        "lease_until": None,
    }
    if deadline_at is not None:
        values["deadline_at"] = deadline_at
    return _move(checkin_id, S.SCHEDULED, RESCHEDULE_FROM, reason, **values)


def reschedule_claimed(checkin_id: int, due_at: datetime, reason: str) -> bool:
    """sending -> scheduled with a new due_at: the send window or quiet hours began between
    the claim and the call, so nothing went out."""
    values = {"due_at": due_at, "timing_reason": reason, "next_attempt_at": None}
    return _move(checkin_id, S.SCHEDULED, UNCLAIM_FROM, reason, lease_until=None, **values)
