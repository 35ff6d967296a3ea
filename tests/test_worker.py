"""`outreach worker --burst` as a real process: one app per process, thin jobs, sends once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Queue
from rq.job import Job
from test_sweeper import make_seeder
from testenv import run_worker

from outreach.dispatch import sweeper
from outreach.models import CheckIn, Customer, Message
from outreach.runtime.queues import get_redis

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def seed(db):
    """Bulk check-ins due now (see test_sweeper.make_seeder)."""
    return make_seeder(db)


def worker_env(app_env: dict, fake_twilio) -> dict:
    """The worker's environment: the test's database and Redis, Twilio at the fake."""
    return {**app_env, **fake_twilio.env(), "OUTREACH_SEND_RATE": "1000"}


def phones(db, ids) -> dict[int, str]:
    """Check-in id -> the customer's phone."""
    rows = db.session.execute(
        sa.select(CheckIn.id, Customer.phone)
        .join(Customer, Customer.id == CheckIn.customer_id)
        .where(CheckIn.id.in_(ids))
    )
    return dict(rows.all())


def test_a_burst_worker_sends_every_due_checkin_once_and_stores_its_sid(
    app, db, seed, app_env, fake_twilio
):
    ids = seed(25)
    assert sweeper.run_pass(batch_size=10).jobs == 3

    done = run_worker(worker_env(app_env, fake_twilio))

    assert done.returncode == 0, done.stderr
    created = fake_twilio.created_messages()
    assert sorted(r.value("To") for r in created) == sorted(phones(db, ids).values())
    db.session.expire_all()
    statuses = db.session.scalars(sa.select(CheckIn.status).where(CheckIn.id.in_(ids))).all()
    assert set(statuses) == {"sent"}
    stored = set(db.session.scalars(sa.select(Message.twilio_sid)))
    assert stored == set(fake_twilio.messages)
    log = done.stdout + done.stderr
    assert not any(phone in log for phone in phones(db, ids).values())


def test_one_app_per_worker_process_serves_every_job(app, app_env):
    queue = Queue("outreach", connection=get_redis())
    jobs = [queue.enqueue("jobs.maintenance.ping") for _ in range(3)]

    done = run_worker(app_env)

    assert done.returncode == 0, done.stderr
    results = [Job.fetch(job.id, connection=get_redis()).return_value() for job in jobs]
    assert len({(r["pid"], r["app"]) for r in results}) == 1
    assert results[0]["pid"] != os.getpid()


def test_a_delivery_job_sends_only_rows_still_queued_under_it(app, db, seed, app_env, fake_twilio):
    sent_already, queued, stale = seed(3)
    job_id = "send-handmade-1"
    db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.id.in_([sent_already, queued]))
        .values(status="queued", job_id=job_id)
    )
    db.session.execute(sa.update(CheckIn).where(CheckIn.id == sent_already).values(status="sent"))
    db.session.execute(
        sa.update(CheckIn).where(CheckIn.id == stale).values(status="queued", job_id="send-other")
    )
    db.session.commit()
    queue = Queue("outreach", connection=get_redis())
    job = queue.enqueue(
        "jobs.delivery.send_checkins", [sent_already, queued, stale, 10**9], job_id=job_id
    )

    done = run_worker(worker_env(app_env, fake_twilio))

    assert done.returncode == 0, done.stderr
    assert Job.fetch(job.id, connection=get_redis()).return_value() == 1
    assert [r.value("To") for r in fake_twilio.created_messages()] == [phones(db, [queued])[queued]]
    db.session.expire_all()
    assert db.session.get(CheckIn, stale).status == "queued"
