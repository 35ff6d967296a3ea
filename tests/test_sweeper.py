"""The sweeper: due check-ins are claimed once, batched into RQ jobs, and never lost by Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
import sqlalchemy as sa
from rq import Queue, Worker
from rq.job import Job

from outreach.cli import cli
from outreach.dispatch import sweeper
from outreach.models import CheckIn, CheckInTransition, Customer, Policy, ServiceEvent, utcnow
from outreach.runtime.queues import get_redis

ROOT = Path(__file__).resolve().parent.parent


ZONES = [
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Atlantic/Cape_Verde",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Athens",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Brisbane",
    "Pacific/Noumea",
    "Pacific/Auckland",
]


def daytime_zone() -> str:
    """A zone where it is now well inside 08:00-21:00, so sends are not held for quiet hours."""
    now = utcnow()
    return next(z for z in ZONES if 10 <= now.astimezone(ZoneInfo(z)).hour < 19)


def make_seeder(db):
    """A callable inserting n check-ins (one customer and event each) in bulk; returns their ids.

    The customers live where it is daytime now, so a send right away is inside quiet hours.
    """
    zone = daytime_zone()
    policies: dict[str, int] = {}

    def policy(channel: str, **fields) -> int:
        key = channel if not fields else f"{channel}-{uuid.uuid4().hex[:6]}"
        if key not in policies:
            row = Policy(
                name=f"{channel} check-in",
                event_type="install",
                channel=channel,
                delay="PT0S",
                template="Hi {{ customer.name }}, how did it go?",
                **fields,
            )
            db.session.add(row)
            db.session.flush()
            policies[key] = row.id
        return policies[key]

    def _seed(n: int, due_at=None, channel: str = "sms", policy_id: int | None = None, **fields):
        due_at = due_at or utcnow() - timedelta(minutes=1)
        policy_id = policy_id or policy(channel)
        tag = uuid.uuid4().hex[:8]
        now = utcnow()
        customer_ids = db.session.scalars(
            sa.insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
            [
                {
                    "external_id": f"c-{tag}-{i}",
                    "name": f"Customer {i}",
                    "phone": f"+1415{i % 10_000_000:07d}",
                    "timezone": zone,
                }
                for i in range(n)
            ],
        ).all()
        event_ids = db.session.scalars(
            sa.insert(ServiceEvent).returning(ServiceEvent.id, sort_by_parameter_order=True),
            [
                {
                    "external_id": f"e-{tag}-{i}",
                    "type": "install",
                    "occurred_at": now,
                    "customer_id": customer_id,
                }
                for i, customer_id in enumerate(customer_ids)
            ],
        ).all()
        ids = db.session.scalars(
            sa.insert(CheckIn).returning(CheckIn.id),
            [
                {
                    "event_id": event_id,
                    "customer_id": customer_id,
                    "policy_id": policy_id,
                    "channel": channel,
                    "status": "scheduled",
                    "status_reason": "planned",
                    "due_at": due_at,
                    "timing_reason": "test",
                    "earliest_at": due_at,
                    "timezone": zone,
                    **fields,
                }
                for event_id, customer_id in zip(event_ids, customer_ids, strict=True)
            ],
        ).all()
        db.session.commit()
        return sorted(ids)

    _seed.policy = policy
    return _seed


@pytest.fixture
def seed(db):
    """Bulk check-ins, due a minute ago unless told otherwise (make_seeder)."""
    return make_seeder(db)


def _statuses(db, ids):
    rows = db.session.execute(sa.select(CheckIn.id, CheckIn.status).where(CheckIn.id.in_(ids)))
    return dict(rows.all())


def _queued_jobs(app) -> list[Job]:
    queue = Queue(sweeper.DELIVERY_QUEUE, connection=get_redis(app))
    return queue.get_jobs()


def _carried(jobs: list[Job]) -> list[int]:
    return sorted(i for job in jobs for i in job.args[0])


def test_what_is_due_is_shared_between_the_workers_listening(app, db, seed):
    due = seed(60)
    conn = get_redis(app)
    queue = Queue(sweeper.DELIVERY_QUEUE, connection=conn)
    workers = [Worker([queue], connection=conn) for _ in "ab"]
    for worker in workers:
        worker.register_birth()
    try:
        result = sweeper.run_pass(batch_size=100)
    finally:
        for worker in workers:
            worker.register_death()
    assert (result.claimed, result.jobs) == (60, 2)  # not one job of 60 for one worker to send
    jobs = _queued_jobs(app)
    assert sorted(len(job.args[0]) for job in jobs) == [30, 30]
    assert _carried(jobs) == due
    few = seed(12)
    for worker in workers:
        worker.register_birth()
    try:
        assert sweeper.run_pass(batch_size=100).jobs == 1  # 6 each would be jobs too small
    finally:
        for worker in workers:
            worker.register_death()
    assert sorted(len(job.args[0]) for job in _queued_jobs(app)) == [12, 30, 30]
    assert few


def test_due_checkins_are_claimed_with_one_transition_each_and_batched_into_jobs(app, db, seed):
    due = seed(250)
    later = seed(5, due_at=utcnow() + timedelta(hours=2))
    retry_later = seed(3, next_attempt_at=utcnow() + timedelta(minutes=5))

    result = sweeper.run_pass(batch_size=100)

    assert (result.claimed, result.jobs) == (250, 3)
    assert set(_statuses(db, due).values()) == {"queued"}
    assert set(_statuses(db, later + retry_later).values()) == {"scheduled"}
    transitions = db.session.execute(
        sa.select(CheckInTransition.from_status, CheckInTransition.to_status, sa.func.count())
        .where(CheckInTransition.checkin_id.in_(due))
        .group_by(CheckInTransition.from_status, CheckInTransition.to_status)
    ).all()
    assert [tuple(t) for t in transitions] == [("scheduled", "queued", 250)]
    jobs = _queued_jobs(app)
    assert _carried(jobs) == due
    assert [len(job.args[0]) for job in jobs] == [100, 100, 50]
    for job in jobs:
        assert job.func_name == sweeper.DELIVERY_JOBS["sms"]
        assert job.id == sweeper.delivery_job_id(job.args[0], job.id.rsplit("-", 1)[1])
        carried = db.session.scalars(sa.select(CheckIn.job_id).where(CheckIn.id.in_(job.args[0])))
        assert set(carried) == {job.id}


def test_a_second_pass_enqueues_nothing_again(app, db, seed):
    seed(30)
    first = sweeper.run_pass()
    second = sweeper.run_pass()
    assert (first.claimed, second.claimed, second.requeued) == (30, 0, 0)
    assert len(_queued_jobs(app)) == 1


def test_a_retry_waits_for_its_next_attempt_then_is_enqueued_without_a_new_transition(
    app, db, seed
):
    [checkin_id] = seed(1)
    retry_at = utcnow() + timedelta(minutes=5)
    db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.id == checkin_id)
        .values(status="queued", job_id="send-gone", next_attempt_at=retry_at)
    )
    db.session.commit()

    assert sweeper.run_pass().retried == 0
    result = sweeper.run_pass(now=retry_at + timedelta(seconds=1))

    assert result.retried == 1
    [job] = _queued_jobs(app)
    assert job.args[0] == [checkin_id]
    row = db.session.get(CheckIn, checkin_id)
    db.session.refresh(row)
    assert (row.status, row.job_id, row.next_attempt_at) == ("queued", job.id, None)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(CheckInTransition.checkin_id == checkin_id)
        )
        == 0
    )


def test_queued_checkins_whose_jobs_vanished_are_enqueued_again_from_the_database(
    app, db, seed, redis_url
):
    ids = seed(120)
    sweeper.run_pass(batch_size=50)
    redis.Redis.from_url(redis_url).flushdb()

    too_soon = sweeper.run_pass()
    later = sweeper.run_pass(now=utcnow() + sweeper.REQUEUE_GRACE + timedelta(seconds=1))
    again = sweeper.run_pass(now=utcnow() + sweeper.REQUEUE_GRACE + timedelta(seconds=2))

    assert too_soon.requeued == 0
    assert later.requeued == 120
    assert again.requeued == 0
    jobs = _queued_jobs(app)
    assert _carried(jobs) == ids
    reasons = db.session.scalars(
        sa.select(CheckInTransition.reason)
        .where(CheckInTransition.checkin_id == ids[0], CheckInTransition.to_status == "queued")
        .order_by(CheckInTransition.id)
    ).all()
    assert reasons[-1].startswith("re-enqueued: job send-") and reasons[-1].endswith("was gone")


def test_a_checkin_whose_job_keeps_getting_lost_backs_off(app, db, seed, redis_url):
    seed(1)
    sweeper.run_pass()
    flush = redis.Redis.from_url(redis_url).flushdb
    step = sweeper.REQUEUE_GRACE + timedelta(seconds=1)
    requeued = []
    for _ in range(sweeper.REQUEUE_FREE_LOSSES):  # lost and re-enqueued at once, each time
        flush()
        requeued.append(sweeper.run_pass(now=utcnow() + step).requeued)
    flush()
    blocked = sweeper.run_pass(now=utcnow() + step)
    allowed = sweeper.run_pass(now=utcnow() + step + sweeper.REQUEUE_BACKOFF)

    assert requeued == [1] * sweeper.REQUEUE_FREE_LOSSES
    assert (blocked.requeued, allowed.requeued) == (0, 1)
    assert sweeper.requeue_backoff(sweeper.REQUEUE_FREE_LOSSES - 1) == timedelta(0)
    assert sweeper.requeue_backoff(30) == sweeper.REQUEUE_BACKOFF


def test_only_the_job_a_checkin_names_may_send_it(app, db, seed):
    ids = seed(3)
    sweeper.run_pass()
    [job] = _queued_jobs(app)
    assert sweeper.ids_carried_by(job.id, ids) == ids
    assert sweeper.ids_carried_by("send-stale-duplicate", ids) == []
    db.session.execute(sa.update(CheckIn).where(CheckIn.id == ids[0]).values(status="canceled"))
    db.session.commit()
    assert sweeper.ids_carried_by(job.id, ids) == ids[1:]


def test_two_schedulers_at_once_claim_every_checkin_exactly_once(app, db, seed, app_env):
    ids = seed(2500)
    env = {**os.environ, **app_env}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "outreach", "scheduler", "--once"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=60)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs

    claims = db.session.execute(
        sa.select(CheckInTransition.checkin_id, sa.func.count())
        .where(CheckInTransition.to_status == "queued")
        .group_by(CheckInTransition.checkin_id)
    ).all()
    assert sorted(c for c, _ in claims) == ids
    assert {n for _, n in claims} == {1}
    assert _carried(_queued_jobs(app)) == ids


def test_the_claim_reads_the_status_due_at_index(app, db, seed):
    now = utcnow()
    seed(20)
    seed(2000, due_at=now + timedelta(days=3))
    seen = []

    def capture(_conn, _cursor, statement, parameters, *_args) -> None:
        seen.append((statement, parameters))

    with db.engine.connect() as conn:
        sa.event.listen(conn, "before_cursor_execute", capture)
        conn.execute(sweeper.due_query(now, ("sms",))).all()
        sa.event.remove(conn, "before_cursor_execute", capture)
        [(statement, parameters)] = seen
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE checkins")
            plan = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
        else:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plan = [row[-1] for row in rows]
    text = "\n".join(plan)
    # the (status, due_at, id) index, or the partial one of unsettled check-ins (due_at, id)
    assert "ix_checkins_status_due_at" in text or "ix_checkins_unsettled_due_at_id" in text, text
    assert "SCAN checkins\n" not in text + "\n" and "Seq Scan on checkins" not in text, text
    # paused customers (the claim skips them) come from their partial index once the table
    # has statistics; a tiny unanalysed customers table may be read whole


def test_a_pass_costs_the_same_statements_however_many_checkins_are_stored(app, db, seed):
    def statements_for_one_pass() -> int:
        seed(10)
        counted = []

        def count(*_args) -> None:
            counted.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert sweeper.run_pass().claimed == 10
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(counted)

    sweeper.run_pass()  # first-use rows (company settings…) are created once, not per pass
    few = statements_for_one_pass()
    seed(3000, due_at=utcnow() + timedelta(days=2))
    many = statements_for_one_pass()
    assert few == many


def test_due_rep_calls_go_on_the_rep_list_and_are_not_enqueued(app, db, seed, monkeypatch):
    told = []
    monkeypatch.setattr(sweeper, "notify_reps", lambda ids, now: told.append(ids))
    ids = seed(2, channel="rep_call", deadline_at=utcnow() + timedelta(hours=4))

    result = sweeper.run_pass()

    assert (result.rep_calls_due, result.claimed) == (2, 0)
    assert told == [ids]
    assert set(_statuses(db, ids).values()) == {"queued"}
    assert _queued_jobs(app) == []
    assert sweeper.run_pass().rep_calls_due == 0


def test_rep_calls_past_their_deadline_are_missed_and_get_their_fallback(app, db, seed):
    fallback = seed.policy("sms")
    rep_policy = seed.policy("rep_call", deadline="PT4H", fallback_policy_id=fallback)
    now = utcnow()
    [late] = seed(1, channel="rep_call", policy_id=rep_policy, deadline_at=now - timedelta(hours=1))
    [on_time] = seed(
        1, channel="rep_call", policy_id=rep_policy, deadline_at=now + timedelta(hours=1)
    )

    result = sweeper.run_pass(now=now)

    assert result.missed == 1
    assert _statuses(db, [late, on_time]) == {late: "missed", on_time: "queued"}
    replacement = db.session.scalar(sa.select(CheckIn).where(CheckIn.fallback_of_id == late))
    assert replacement is not None and replacement.channel == "sms"
    assert replacement.policy_id == fallback
    reasons = db.session.scalars(
        sa.select(CheckInTransition.to_status)
        .where(CheckInTransition.checkin_id == late)
        .order_by(CheckInTransition.id)
    ).all()
    assert reasons == ["queued", "missed"]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_scheduler_stops_cleanly_on_a_signal_after_its_pass(app_env, stop):
    env = {**os.environ, **app_env, "OUTREACH_SCHEDULER_INTERVAL": "0.2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "outreach", "scheduler"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = iter(proc.stdout.readline, "")
        assert any("scheduler started" in line for line in lines)
        proc.send_signal(stop)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "scheduler stopped" in out
    assert "Traceback" not in out


def test_scheduler_once_runs_one_pass_from_the_command_line(app, db, seed, runner):
    ids = seed(4)
    started = time.monotonic()
    result = runner.invoke(cli, ["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 30
    assert set(_statuses(db, ids).values()) == {"queued"}
