"""Crashes and duplicates against real workers, Redis, database and the fake Twilio.

Whatever happens (duplicate jobs, two schedulers, Redis flushed, a worker SIGKILLed between
the Twilio call and the database update) each customer gets exactly one message.

"Redis flushed" is FLUSHDB on the test's own Redis database: to the app that is the same loss
as FLUSHALL, and it leaves the other databases of a shared Redis (other test runs) alone.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from rq import Queue
from rq.exceptions import DuplicateJobError
from test_sweeper import make_seeder
from test_worker import phones, run_worker, worker_env

from outreach.dispatch import sweeper
from outreach.messaging import send_checkins
from outreach.models import CheckIn, Message, utcnow
from outreach.runtime.queues import get_redis

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def seed(db):
    """Bulk check-ins due now (see test_sweeper.make_seeder)."""
    return make_seeder(db)


@pytest.fixture
def sweep(make_app, fake_twilio):
    """Run one sweeper pass in an app that reconciles against the fake Twilio."""
    app = make_app(env=fake_twilio.env())

    def _sweep(now=None, batch_size=sweeper.BATCH_SIZE) -> sweeper.PassResult:
        with app.app_context():
            return sweeper.run_pass(now=now, batch_size=batch_size)

    return _sweep


def one_message_each(db, fake_twilio, ids) -> None:
    """Every check-in is sent, with exactly one accepted create per customer, SIDs stored."""
    expected = phones(db, ids)
    sent_to = collections.Counter(r.value("To") for r in fake_twilio.created_messages())
    assert sent_to == collections.Counter(expected.values())
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(CheckIn.status, Message.twilio_sid)
        .join(Message, Message.checkin_id == CheckIn.id)
        .where(CheckIn.id.in_(ids), Message.twilio_sid.is_not(None))
    ).all()
    assert {status for status, _ in rows} == {"sent"}
    assert sorted(sid for _, sid in rows) == sorted(fake_twilio.messages)


def test_due_checkins_go_out_exactly_once_through_scheduler_and_two_workers(
    app, db, seed, app_env, fake_twilio
):
    ids = seed(150)
    env = {**os.environ, **worker_env(app_env, fake_twilio)}
    command = [sys.executable, "-m", "outreach"]
    scheduler = subprocess.Popen([*command, "scheduler", "--once"], env=env, cwd=ROOT)
    workers = [
        subprocess.Popen([*command, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        for _ in range(2)
    ]
    try:
        assert scheduler.wait(timeout=60) == 0
        fake_twilio.wait_for(lambda: len(fake_twilio.created_messages()) >= len(ids), timeout=60)

        def all_sent() -> bool:
            db.session.expire_all()
            return db.session.scalar(
                sa.select(sa.func.count()).where(CheckIn.id.in_(ids), CheckIn.status == "sent")
            ) == len(ids)

        fake_twilio.wait_for(all_sent, timeout=30)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    one_message_each(db, fake_twilio, ids)


def test_duplicate_jobs_double_enqueues_and_two_schedulers_send_nothing_twice(
    app, db, seed, app_env, fake_twilio
):
    ids = seed(30)
    env = {**os.environ, **app_env}
    schedulers = [
        subprocess.Popen(
            [sys.executable, "-m", "outreach", "scheduler", "--once"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    assert [s.wait(timeout=60) for s in schedulers] == [0, 0]
    queue = Queue(sweeper.DELIVERY_QUEUE, connection=get_redis())
    original = queue.get_jobs()[0]
    with pytest.raises(DuplicateJobError):
        queue.enqueue_call(original.func_name, args=original.args, job_id=original.id, unique=True)
    queue.enqueue_call(original.func_name, args=original.args, job_id="send-copy-1")
    queue.enqueue_call(original.func_name, args=original.args)
    assert sweeper.run_pass().claimed == 0

    done = run_worker(worker_env(app_env, fake_twilio))

    assert done.returncode == 0, done.stderr
    one_message_each(db, fake_twilio, ids)


def test_redis_flushed_mid_run_is_refilled_from_the_database(
    app, db, seed, app_env, fake_twilio, redis_url
):
    ids = seed(30)
    assert sweeper.run_pass(batch_size=10).jobs == 3
    fake_twilio.hang_next(1, seconds=2, then_process=True, resource="Messages")
    worker = subprocess.Popen(
        [sys.executable, "-m", "outreach", "worker", "--burst"],
        env={**os.environ, **worker_env(app_env, fake_twilio)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        fake_twilio.wait_for(lambda: fake_twilio.recorded("Messages", "create"), timeout=30)
        redis.Redis.from_url(redis_url).flushdb()
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    first_batch = len(fake_twilio.created_messages())
    assert first_batch == 10

    refill = sweeper.run_pass(now=utcnow() + sweeper.REQUEUE_GRACE + timedelta(seconds=1))
    assert refill.requeued == 20
    done = run_worker(worker_env(app_env, fake_twilio))

    assert done.returncode == 0, done.stderr
    one_message_each(db, fake_twilio, ids)


def test_a_worker_killed_between_twilio_and_the_database_is_reconciled_not_resent(
    app, db, seed, app_env, fake_twilio, sweep, make_app
):
    ids = seed(3)
    assert sweeper.run_pass().jobs == 1
    fake_twilio.hang_next(1, seconds=1.5, then_process=True, resource="Messages")
    worker = subprocess.Popen(
        [sys.executable, "-m", "outreach", "worker", "--burst"],
        env={**os.environ, **worker_env(app_env, fake_twilio)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        [in_flight] = fake_twilio.wait_for(
            lambda: fake_twilio.recorded("Messages", "create"), timeout=30
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    fake_twilio.wait_for(lambda: in_flight.status == 201, timeout=10)
    assert len(fake_twilio.messages) == 1
    db.session.expire_all()
    statuses = dict(
        db.session.execute(sa.select(CheckIn.id, CheckIn.status).where(CheckIn.id.in_(ids))).all()
    )
    # the batch was claimed, with its attempt rows, in one commit before the first call
    assert sorted(statuses.values()) == ["sending", "sending", "sending"]
    [stuck] = [i for i, phone in phones(db, ids).items() if phone == in_flight.value("To")]

    later = utcnow() + timedelta(minutes=10)
    after_lease = sweep(now=later)

    assert after_lease.reconciled == 3  # one adopted, two found never sent and retried
    [adopted] = fake_twilio.messages
    db.session.expire_all()
    assert db.session.get(CheckIn, stuck).status == "sent"
    assert db.session.scalar(sa.select(Message.twilio_sid).where(Message.checkin_id == stuck)) == (
        adopted
    )
    others = sorted(set(ids) - {stuck})
    assert {db.session.get(CheckIn, i).status for i in others} == {"queued"}
    with make_app(env=worker_env(app_env, fake_twilio)).app_context():
        outcomes = send_checkins(others, now=later)
    assert [o.result for o in outcomes] == ["sent", "sent"]
    one_message_each(db, fake_twilio, ids)
