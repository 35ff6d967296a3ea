"""The sweeper: the database is the schedule; each pass moves what is due into the queue.

A pass (run_pass) does, in order:
1. expire RQ jobs whose worker died (RQ's own heartbeat expiry, judged with the pass's clock);
2. re-enqueue check-ins left `queued` whose job is gone (Redis flushed or restarted) or ended;
3. claim due check-ins of each channel in DELIVERY_JOBS (scheduled -> queued, one transition
   row each, in bulk; not a paused customer's) and enqueue them in batches, one RQ job per batch;
4. put due rep calls on their rep's list (scheduled -> queued) and tell the reps;
5. mark rep calls past their deadline missed and plan their fallback;
6. reconcile sends left `sending` past their lease against Twilio's record;
7. chase follow-ups: reminders, escalations, reassurance (outreach.conversations);
8. page the next level for urgent replies nobody took (outreach.conversations.escalation).

Claiming is a compare-and-set on the status: on PostgreSQL a SELECT … FOR UPDATE SKIP LOCKED
then an UPDATE … WHERE status = 'scheduled', so several schedulers split the due rows between
them; on SQLite one UPDATE … WHERE status = 'scheduled' … RETURNING (SQLite has one writer).
Each claimed row records the id of the job that carries it (checkins.job_id) in the same
transaction; the job is enqueued after the commit with that id and unique=True. A second job
for the same rows can only come from a second compare-and-set, which fails; and a delivery job
only sends the rows that still name it (ids_carried_by), so a stale or duplicated job is a
no-op. Every query reads ix_checkins_status_due_at, so a pass costs what is due, not what is
stored.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from rq import Queue, Worker
from rq.exceptions import DuplicateJobError
from rq.job import Job
from rq.registry import StartedJobRegistry

from outreach.extensions import db
from outreach.models import CheckIn, CheckInTransition, Customer, db_now
from outreach.models.checkins import CheckInStatus
from outreach.runtime.queues import QUEUES, get_redis
from outreach.scheduling import transitions

log = logging.getLogger(__name__)

#: channel -> the RQ job that delivers a batch of its check-ins
DELIVERY_JOBS = {
    "sms": "jobs.delivery.send_checkins",
    "voice": "jobs.voice.place_calls",
    "email": "jobs.emails.send_email_checkins",
}
DELIVERY_QUEUE = "outreach"
BATCH_SIZE = 100  #: check-ins per delivery job (one RQ job per message caps near 200/s)
MIN_BATCH = 10  #: a pass shares what is due between the workers, down to this many per job
CLAIM_CHUNK = 1000  #: rows claimed per statement and transaction
MAX_CLAIMS_PER_PASS = 50_000  #: a pass ends even if more is due; the next pass goes on
REQUEUE_GRACE = timedelta(seconds=10)  #: a claim's job is enqueued right after its commit
#: a check-in whose jobs were lost this many times waits REQUEUE_BACKOFF before the next one
#: (a job that keeps killing its worker must not take the others down with it every pass)
REQUEUE_FREE_LOSSES = 3
REQUEUE_BACKOFF = timedelta(seconds=60)
ALIVE_JOB_STATES = ("queued", "started", "deferred", "scheduled")
JOB_BEAT_EVERY = 5.0  #: seconds between a delivery job's heartbeats

CLAIM_REASON = "due: queued for sending"
REP_LIST_REASON = "due: on the rep's call list"
MISSED_REASON = "the rep did not log the call by its deadline"


@dataclass
class PassResult:
    """What one pass did, in counts, and the steps that failed."""

    claimed: int = 0
    jobs: int = 0
    requeued: int = 0
    retried: int = 0
    rep_calls_due: int = 0
    missed: int = 0
    reconciled: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One log line: counts only, never numbers or text."""
        counts = ", ".join(
            f"{name}={getattr(self, name)}"
            for name in (
                "claimed",
                "jobs",
                "requeued",
                "retried",
                "rep_calls_due",
                "missed",
                "reconciled",
            )
        )
        return counts + (f", errors={','.join(self.errors)}" if self.errors else "")

    @property
    def did_something(self) -> bool:
        """Whether any count is non-zero or a step failed."""
        return bool(
            self.claimed
            or self.requeued
            or self.retried
            or self.rep_calls_due
            or self.missed
            or self.reconciled
            or self.errors
        )


# -- one pass ------------------------------------------------------------------------------


def run_pass(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> PassResult:
    """One sweep over what is due at `now` (default: the database's clock); each step
    isolated."""
    now = now or db_now()
    result = PassResult()

    def requeue() -> None:
        result.requeued, result.retried = requeue_lost(now, batch_size)

    def dispatch() -> None:
        result.claimed, result.jobs = dispatch_due(now, batch_size)

    def rep_calls() -> None:
        result.rep_calls_due = put_due_rep_calls_on_lists(now)

    def missed() -> None:
        result.missed = miss_overdue_rep_calls(now)

    def reconcile() -> None:
        result.reconciled = reconcile_unknown_sends(now)

    steps: list[tuple[str, Callable[[], None]]] = [
        ("expire_abandoned_jobs", lambda: expire_abandoned_jobs(now)),
        ("requeue_lost", requeue),
        ("dispatch_due", dispatch),
        ("rep_calls_due", rep_calls),
        ("rep_reminders", lambda: _remind_forgotten(now)),
        ("missed_rep_calls", missed),
        ("reconcile", reconcile),
        ("followups", lambda: _sweep_followups(now)),
        ("escalations", lambda: _escalate_pages(now)),
        ("chat_alerts", lambda: _hand_over_chat_alerts(now)),
    ]
    for name, step in steps:
        try:
            step()
        except Exception:  # one failing step must not stop the others (Twilio down, Redis down)
            db.session.rollback()
            log.exception("sweeper step %s failed", name)
            result.errors.append(name)
    db.session.remove()
    return result


# -- claiming ------------------------------------------------------------------------------


def due_query(now: datetime, channels: Sequence[str], limit: int = CLAIM_CHUNK) -> sa.Select:
    """The ids of up to `limit` check-ins due at `now` on these channels, oldest first; a
    paused customer's wait (a probable opt-out is with a manager)."""
    paused = sa.exists().where(Customer.id == CheckIn.customer_id, Customer.paused_at.is_not(None))
    return (
        sa.select(CheckIn.id)
        .where(
            CheckIn.status == CheckInStatus.SCHEDULED,
            CheckIn.due_at <= now,
            CheckIn.channel.in_(channels),
            sa.or_(CheckIn.next_attempt_at.is_(None), CheckIn.next_attempt_at <= now),
            ~paused,
        )
        .order_by(CheckIn.due_at, CheckIn.id)
        .limit(limit)
    )


def claim_due(
    now: datetime, channels: Sequence[str], reason: str, limit: int = CLAIM_CHUNK
) -> list[int]:
    """Move up to `limit` due check-ins scheduled -> queued (compare-and-set); their ids, sorted.

    Through transitions.queue_many: one statement for the rows, one for their transition rows.
    Runs in the session's transaction, which the caller commits.
    """
    due = due_query(now, channels, limit)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(db.session.scalars(due.with_for_update(skip_locked=True)))
        if not ids:
            return []
        return transitions.queue_many(ids, reason)
    return transitions.queue_many(due.scalar_subquery(), reason)


def claim_due_jobs(
    now: datetime, channel: str, batch_size: int, limit: int = CLAIM_CHUNK, spread: int = 1
) -> list[tuple[str, list[int]]]:
    """Claim up to `limit` due check-ins of a delivery channel into jobs of at most
    `batch_size`, shared between up to `spread` jobs (the workers there are) when there are
    rows enough: (job id, ids) each. On PostgreSQL the rows are locked, then queued and given
    their job in one statement; SQLite (no read-then-write in one transaction: another
    writer's commit in between would fail it) queues in one statement and hands over after.
    Runs in the session's transaction, which the caller commits."""
    due = due_query(now, (channel,), limit)
    token = _claim_token()
    if db.session.get_bind().dialect.name != "postgresql":
        ids = transitions.queue_many(due.scalar_subquery(), CLAIM_REASON)
        jobs = [
            (delivery_job_id(b, token), b) for b in _batches(ids, _size(ids, batch_size, spread))
        ]
        for job_id, batch in jobs:
            transitions.hand_over(batch, None, job_id, None)
        return jobs
    ids = list(db.session.scalars(due.with_for_update(skip_locked=True)))
    batches = _batches(ids, _size(ids, batch_size, spread))
    jobs = [(delivery_job_id(batch, token), batch) for batch in batches]
    by_id = {i: job_id for job_id, batch in jobs for i in batch}
    moved = set(transitions.queue_many(list(by_id), CLAIM_REASON, by_id)) if by_id else set()
    return [(job_id, kept) for job_id, batch in jobs if (kept := [i for i in batch if i in moved])]


# -- delivery jobs -------------------------------------------------------------------------


def _size(ids: Sequence[int], batch_size: int, spread: int) -> int:
    """The batch size that shares `ids` between up to `spread` jobs of at least MIN_BATCH each
    (a job per check-in would cost more than it spreads), at most `batch_size`."""
    jobs = min(max(spread, 1), max(1, len(ids) // MIN_BATCH))
    return max(1, min(batch_size, -(-len(ids) // jobs)))


def delivery_workers() -> int:
    """How many workers listen on the delivery queue now (RQ's registry; at least 1)."""
    queue = Queue(DELIVERY_QUEUE, connection=get_redis())
    return max(1, Worker.count(queue=queue))


def _batches(ids: Sequence[int], size: int) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def delivery_job_id(batch: Sequence[int], token: str) -> str:
    """The job id of a batch: its first id, its size and the claim's token (unique per claim)."""
    return f"send-{batch[0]}-{len(batch)}-{token}"


def _claim_token() -> str:
    return format(time.time_ns() // 1000, "x")


def job_timeout(batch_size: int, app: Flask | None = None) -> int:
    """Seconds a delivery job of this size may run: a second per message plus the send rate.

    The rate is counted as shared with up to three other workers. A job stopped at its limit
    loses nothing: its send in flight is reconciled and its other rows are re-enqueued.
    """
    settings = (app or current_app).extensions["settings"]
    return int(120 + batch_size * (4.0 / settings.send_rate_per_second + 1.0))


def _enqueue(func: str, batches: list[list[int]], job_ids: list[str]) -> int:
    queue = Queue(DELIVERY_QUEUE, connection=get_redis())
    enqueued = 0
    for batch, job_id in zip(batches, job_ids, strict=True):
        try:
            queue.enqueue_call(
                func,
                args=(batch,),
                job_id=job_id,
                unique=True,
                timeout=job_timeout(len(batch)),
                description=f"send {len(batch)} check-ins from #{batch[0]}",
            )
            enqueued += 1
        except DuplicateJobError:
            log.info("job %s already enqueued", job_id)
    return enqueued


def dispatch_due(now: datetime, batch_size: int = BATCH_SIZE) -> tuple[int, int]:
    """Claim due check-ins of each delivery channel in chunks, one job per batch: (rows, jobs)."""
    claimed = jobs = 0
    db.session.commit()
    get_redis().ping()  # claim nothing while Redis is down: the rows would wait out the grace
    spread = delivery_workers()
    for channel, func in DELIVERY_JOBS.items():
        while claimed < MAX_CLAIMS_PER_PASS:
            claims = claim_due_jobs(now, channel, batch_size, spread=spread)
            db.session.commit()
            if not claims:
                break
            jobs += _enqueue(func, [batch for _, batch in claims], [job for job, _ in claims])
            count = sum(len(batch) for _, batch in claims)
            claimed += count
            log.info(
                "claimed %d %s check-ins (#%d..#%d) into %d jobs",
                count,
                channel,
                claims[0][1][0],
                claims[-1][1][-1],
                len(claims),
            )
            if count < CLAIM_CHUNK:
                break
    return claimed, jobs


def ids_carried_by(job_id: str | None, checkin_ids: Sequence[int]) -> list[int]:
    """Of `checkin_ids`, those still queued under job `job_id` (all still queued if None)."""
    if not checkin_ids:
        return []
    query = sa.select(CheckIn.id).where(
        CheckIn.id.in_(checkin_ids), CheckIn.status == CheckInStatus.QUEUED
    )
    if job_id is not None:
        query = query.where(CheckIn.job_id == job_id)
    return sorted(db.session.scalars(query))


# -- lost jobs and retries ----------------------------------------------------------------


def expire_abandoned_jobs(now: datetime) -> None:
    """Let RQ fail started jobs whose worker stopped heart-beating before `now`."""
    conn = get_redis()
    for name in QUEUES:
        StartedJobRegistry(name, connection=conn).cleanup(timestamp=now.timestamp())


def _job_states(job_ids: Iterable[str]) -> dict[str, str | None]:
    """Each job's RQ status; "stranded" for a job still marked queued that is not in its
    queue any more (a worker took it and was killed before starting it), None when gone."""
    job_ids = list(job_ids)
    if not job_ids:
        return {}
    conn = get_redis()
    pipe = conn.pipeline(transaction=False)
    for job_id in job_ids:
        pipe.hmget(Job.key_for(job_id), ["status", "origin"])
    fields = [[_text(v) for v in row] for row in pipe.execute()]
    waiting = [
        (job_id, origin)
        for job_id, (state, origin) in zip(job_ids, fields, strict=True)
        if state == "queued"
    ]
    for job_id, origin in waiting:
        pipe.lpos(Queue(origin or DELIVERY_QUEUE, connection=conn).key, job_id)
    positions = pipe.execute() if waiting else []
    in_queue = dict(zip([job_id for job_id, _ in waiting], positions, strict=True))
    return {
        job_id: ("stranded" if state == "queued" and in_queue.get(job_id) is None else state)
        for job_id, (state, _) in zip(job_ids, fields, strict=True)
    }


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def requeue_backoff(previous: int) -> timedelta:
    """How long to wait before re-enqueuing a check-in whose job was lost `previous` times."""
    return timedelta(0) if previous < REQUEUE_FREE_LOSSES else REQUEUE_BACKOFF


def _ready_after_backoff(ids: list[int], now: datetime) -> list[int]:
    stats = {
        checkin_id: (count, last)
        for checkin_id, count, last in db.session.execute(
            sa.select(
                CheckInTransition.checkin_id,
                sa.func.count(),
                sa.func.max(CheckInTransition.created_at),
            )
            .where(
                CheckInTransition.checkin_id.in_(ids),
                CheckInTransition.from_status == CheckInStatus.QUEUED,
                CheckInTransition.to_status == CheckInStatus.QUEUED,
            )
            .group_by(CheckInTransition.checkin_id)
        )
    }
    db.session.rollback()
    ready = []
    for checkin_id in ids:
        count, last = stats.get(checkin_id, (0, None))
        if last is None or last + requeue_backoff(count) <= now:
            ready.append(checkin_id)
    return ready


def requeue_lost(now: datetime, batch_size: int = BATCH_SIZE) -> tuple[int, int]:
    """Enqueue queued check-ins whose job is gone, over or dead, and retries now due:
    (lost, retries).

    A job is gone when Redis was flushed or restarted, over when it finished, failed or was
    stopped without moving its rows on, dead when it started but stopped beating its lease on
    its rows (its worker was killed): judged on the database's clock, within JOB_LEASE.
    Retries are rows a send put back with next_attempt_at; they do not wait for their old job.
    Lost rows wait REQUEUE_GRACE after their claim (its job is enqueued right after the
    commit), and a row lost REQUEUE_FREE_LOSSES times waits REQUEUE_BACKOFF.
    """
    db.session.commit()
    is_retry = CheckIn.next_attempt_at.is_not(None)
    is_dead = sa.and_(CheckIn.lease_until.is_not(None), CheckIn.lease_until <= now)
    waiting = [
        CheckIn.status == CheckInStatus.QUEUED,
        CheckIn.due_at <= now,
        CheckIn.channel.in_(list(DELIVERY_JOBS)),
        sa.or_(
            sa.and_(CheckIn.next_attempt_at.is_(None), CheckIn.updated_at <= now - REQUEUE_GRACE),
            CheckIn.next_attempt_at <= now,
        ),
    ]
    groups = db.session.execute(
        sa.select(CheckIn.channel, CheckIn.job_id, is_retry, is_dead)
        .where(*waiting)
        .group_by(CheckIn.channel, CheckIn.job_id, is_retry, is_dead)
    ).all()
    db.session.rollback()
    states = _job_states({job_id for _, job_id, _, _ in groups if job_id is not None})
    requeued = retried = 0
    for channel, old_job, retry, dead in groups:
        alive = old_job is not None and states[old_job] in ALIVE_JOB_STATES and not dead
        if alive and states[old_job] == "started":
            _arm_job_lease(old_job, now)
        if alive and not retry:
            continue
        ids = sorted(
            db.session.scalars(
                sa.select(CheckIn.id).where(
                    *waiting,
                    CheckIn.channel == channel,
                    CheckIn.job_id.is_(None) if old_job is None else CheckIn.job_id == old_job,
                    is_retry if retry else sa.not_(is_retry),
                    is_dead if dead else sa.not_(is_dead),
                )
            )
        )
        db.session.rollback()
        if retry:
            retried += _requeue(channel, old_job, ids, None, batch_size)
            continue
        ready = _ready_after_backoff(ids, now)
        if not ready:
            continue
        state = "dead" if dead else ("missing" if old_job is None else (states[old_job] or "gone"))
        reason = f"re-enqueued: job {old_job or '(none)'} was {state}"
        count = _requeue(channel, old_job, ready, reason, batch_size)
        if count:
            log.warning("re-enqueued %d check-ins: job %s was %s", count, old_job, state)
        requeued += count
    return requeued, retried


def _arm_job_lease(job_id: str, now: datetime) -> None:
    """A started job's rows get a lease now if its worker has not beaten yet (it may have died
    between RQ taking the job and its first beat): the beat overwrites it, death lets it run
    out. Commits."""
    db.session.execute(
        sa.update(CheckIn)
        .where(
            CheckIn.job_id == job_id,
            CheckIn.status == CheckInStatus.QUEUED,
            CheckIn.lease_until.is_(None),
        )
        .values(lease_until=now + job_lease())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


class JobHeartbeat:
    """A delivery job's lease on the queued rows it carries, renewed every JOB_BEAT_EVERY
    seconds on the database's clock; a job whose worker died stops renewing it, and
    requeue_lost hands its rows to a new job once it runs out (see job_lease)."""

    def __init__(self, job_id: str | None) -> None:
        self.job_id = job_id
        self.beaten_at: float | None = None

    def __call__(self) -> None:
        """Renew the lease if the last beat is JOB_BEAT_EVERY old (commits)."""
        if self.job_id is None:
            return
        if self.beaten_at is not None and time.monotonic() - self.beaten_at < JOB_BEAT_EVERY:
            return
        db.session.execute(
            sa.update(CheckIn)
            .where(CheckIn.job_id == self.job_id, CheckIn.status == CheckInStatus.QUEUED)
            .values(lease_until=db_now() + job_lease())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        self.beaten_at = time.monotonic()


def job_lease() -> timedelta:
    """How long a delivery job's rows are its own after a beat: one send in flight between
    two beats, plus a beat's interval."""
    from outreach.messaging.engine import in_flight

    return in_flight() + timedelta(seconds=2 * JOB_BEAT_EVERY)


def _requeue(
    channel: str, old_job: str | None, ids: list[int], reason: str | None, batch_size: int
) -> int:
    """Compare-and-set the rows' job (old_job -> a new one), then enqueue the new jobs."""
    token = _claim_token()
    batches: list[list[int]] = []
    job_ids: list[str] = []
    for batch in _batches(ids, batch_size):
        job_id = delivery_job_id(batch, token)
        moved = transitions.hand_over(batch, old_job, job_id, reason)
        if moved:
            batches.append(moved)
            job_ids.append(job_id)
    db.session.commit()
    _enqueue(DELIVERY_JOBS[channel], batches, job_ids)
    return sum(len(b) for b in batches)


# -- rep calls -----------------------------------------------------------------------------


def notify_reps(checkin_ids: list[int], now: datetime) -> None:
    """Rep calls that just came due are on their rep's list: one SMS reminder each."""
    from outreach.messaging.repcalls import remind_reps

    remind_reps(checkin_ids, now)


def _remind_forgotten(now: datetime) -> None:
    """Reminders of rep calls claimed by a pass that stopped before taking them."""
    from outreach.messaging.repcalls import remind_forgotten

    remind_forgotten(now)


def put_due_rep_calls_on_lists(now: datetime) -> int:
    """Move due rep calls scheduled -> queued (on the rep's list) and notify the reps."""
    db.session.commit()
    total = 0
    while True:
        ids = claim_due(now, ("rep_call",), REP_LIST_REASON)
        db.session.commit()
        if ids:
            notify_reps(ids, now)
        total += len(ids)
        if len(ids) < CLAIM_CHUNK:
            return total


def miss_overdue_rep_calls(now: datetime) -> int:
    """Rep calls past their deadline become missed, and their fallback check-in is planned."""
    from outreach.scheduling.planning import plan_fallback

    db.session.commit()
    ids = list(
        db.session.scalars(
            sa.select(CheckIn.id)
            .where(
                CheckIn.status.in_(transitions.ALLOWED_FROM[CheckInStatus.MISSED]),
                CheckIn.due_at <= now,
                CheckIn.channel == "rep_call",
                CheckIn.deadline_at <= now,
            )
            .order_by(CheckIn.due_at, CheckIn.id)
        )
    )
    db.session.rollback()
    missed = 0
    for checkin_id in ids:
        if transitions.mark_missed(checkin_id, MISSED_REASON):
            plan_fallback(db.session.get(CheckIn, checkin_id), now)
            missed += 1
        db.session.commit()
    return missed


# -- reconciliation ------------------------------------------------------------------------


def reconcile_unknown_sends(now: datetime) -> int:
    """Sends left `sending` past their lease are settled against Twilio's record (e-mail: by
    whether DATA began; lost e-mails that are not check-ins are handed on again) (within the
    engine's time budget per pass)."""
    from outreach.messaging.emails import EMAIL, flush_emails
    from outreach.messaging.engine import reconcile_stale, replay_orphan_callbacks
    from outreach.messaging.sending import SMS
    from outreach.messaging.voice import VOICE

    outcomes = reconcile_stale([SMS, VOICE, EMAIL], now)
    db.session.commit()
    flush_emails(now)
    return len(outcomes) + replay_orphan_callbacks([SMS, VOICE])


# -- follow-ups ----------------------------------------------------------------------------


def _sweep_followups(now: datetime) -> None:
    """Follow-up reminders, escalations, reassurance and lost texts (outreach.conversations)."""
    from outreach.conversations import sweep_followups

    sweep_followups(now)


def _escalate_pages(now: datetime) -> None:
    """Unanswered pages go to the next level: backup, then managers (outreach.conversations)."""
    from outreach.conversations.escalation import escalate_due

    escalate_due(now)


def _hand_over_chat_alerts(now: datetime) -> None:
    """Alerts for the company's chat webhook go to a job (outreach.messaging.chat)."""
    from outreach.messaging.chat import hand_over_due

    hand_over_due(now)


# -- the loop ------------------------------------------------------------------------------


def run_scheduler(once: bool = False, interval: float | None = None) -> int:
    """Run passes every `interval` seconds until SIGTERM/SIGINT (or once); 1 if a pass failed."""
    settings = current_app.extensions["settings"]
    interval = settings.scheduler_interval if interval is None else interval
    stop = threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda signum, _frame: stop.set())
    failed = False
    log.info("scheduler started (interval %.1fs)", interval)
    try:
        while True:
            started = time.monotonic()
            result = run_pass()
            failed = failed or bool(result.errors)
            level = logging.INFO if result.did_something else logging.DEBUG
            log.log(
                level, "pass in %.0f ms: %s", (time.monotonic() - started) * 1000, result.summary()
            )
            if once or stop.is_set():
                break
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
            if stop.is_set():
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped")
    return 1 if failed and once else 0
