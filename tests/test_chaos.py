"""Chaos: real workers and a real scheduler against a fake Twilio that fails, hangs and queues,
crashed on purpose for a while; then calm. What customers really received is counted at the
fake, never read from our own tables.

During the chaos: 15 % of creates fail (500 or 429), 3 % hang past the client's timeout and
are then carried out anyway, messages go through a Messaging Service and wait up to 20 s in
its senders' queues (date_sent null, `from` picked from the pool later), status callbacks come
early (before the create's answer), twice and out of order; a worker is SIGKILLed every few
seconds and started again, the scheduler is killed once and Redis is flushed once.
Afterwards: no customer got the check-in twice, and every check-in is settled (sent,
delivered, failed…, not scheduled, queued or sending) within 120 s of the last crash.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from fake_twilio import FakeTwilio
from test_sweeper import make_seeder
from werkzeug.serving import make_server

from outreach.models import CheckIn, Customer, Message

ROOT = Path(__file__).resolve().parent.parent
SETTLE_SECONDS = 120  #: every check-in settled within this of the last crash
UNSETTLED = ("scheduled", "queued", "sending")
TIMEOUT = 2.0  #: OUTREACH_TWILIO_TIMEOUT: a hang of 3 s is past it


def _chaos_seconds(app_env) -> int:
    """A minute on PostgreSQL (CI's production-like run); 30 s on the embedded SQLite file."""
    return 60 if app_env["DATABASE_URL"].startswith("postgresql") else 30


class Fleet:
    """The scheduler and worker processes, each restartable, logs in tmp_path."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = {**os.environ, **env}
        self.logs = logs
        self.procs: dict[str, subprocess.Popen] = {}
        self.starts = collections.Counter()

    def start(self, name: str, *args: str) -> None:
        self.starts[name] += 1
        with (self.logs / f"{name}-{self.starts[name]}.log").open("w") as log:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "outreach", *args],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def check_alive(self) -> bool:
        """True while every process runs; a process that exited fails the test with its log."""
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                log = (self.logs / f"{name}-{self.starts[name]}.log").read_text()
                raise AssertionError(f"{name} exited with {proc.returncode}:\n{log[-3000:]}")
        return True

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def callback_server(make_app, fake_twilio_chaos):
    """The web app over real HTTP in a thread, where the fake posts its status callbacks."""
    app = make_app(env=fake_twilio_chaos.env(messaging_service=True))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def fake_twilio_chaos():
    """A fake Twilio whose senders hold each message up to 20 s, with a Messaging Service."""
    rng = random.Random(20261128)
    fake = FakeTwilio(queue_delay=lambda: rng.uniform(0, 20)).start()
    fake.messaging_service()
    yield fake
    fake.stop()


def _unsettled(db, ids) -> int:
    db.session.expire_all()
    count = db.session.scalar(
        sa.select(sa.func.count()).where(CheckIn.id.in_(ids), CheckIn.status.in_(UNSETTLED))
    )
    db.session.rollback()
    return count


def _sends_started(db, ids, fake) -> bool:
    """Whether the scheduler claimed every check-in and the workers reached Twilio."""
    db.session.expire_all()
    waiting = db.session.scalar(
        sa.select(sa.func.count()).where(CheckIn.id.in_(ids), CheckIn.status == "scheduled")
    )
    db.session.rollback()
    return waiting == 0 and bool(
        fake.recorded("Messages", "create") or fake.recorded("Calls", "create")
    )


def _run_chaos(db, app_env, fake, fleet: Fleet, ids, redis_url) -> float:
    """Crash things for the chaos period; returns the monotonic time of the last crash."""
    rng = random.Random(7)
    workers = ["worker-a", "worker-b", "worker-c"]
    for name in workers:
        fleet.start(name, "worker")
    fleet.start("scheduler", "scheduler")
    # the chaos starts once the fleet is up: every check-in claimed, sends under way
    fake.wait_for(
        lambda: fleet.check_alive() and _sends_started(db, ids, fake), timeout=180, interval=0.2
    )
    seconds = _chaos_seconds(app_env)
    started = time.monotonic()
    last_crash = started
    killed_scheduler = flushed = False
    while time.monotonic() - started < seconds:
        time.sleep(rng.uniform(2.0, 4.0))
        victim = rng.choice(workers)
        fleet.kill(victim)
        fleet.start(victim, "worker")
        last_crash = time.monotonic()
        elapsed = last_crash - started
        if not killed_scheduler and elapsed > seconds / 3:
            fleet.kill("scheduler")
            fleet.start("scheduler", "scheduler")
            killed_scheduler = True
        if not flushed and elapsed > seconds / 2:
            redis.Redis.from_url(redis_url).flushdb()
            flushed = True
    assert killed_scheduler and flushed
    fake.calm()
    return last_crash


def _settle(db, ids, last_crash: float) -> float:
    """Wait for every check-in to settle; the seconds it took after the last crash."""
    while _unsettled(db, ids):
        assert time.monotonic() - last_crash < SETTLE_SECONDS, _story(db, ids)
        time.sleep(0.5)
    return time.monotonic() - last_crash


def _story(db, ids) -> str:
    """What happened to the check-ins still unsettled: their transitions, for the failure."""
    stuck = db.session.scalars(
        sa.select(CheckIn).where(CheckIn.id.in_(ids), CheckIn.status.in_(UNSETTLED))
    ).all()
    lines = [f"{len(stuck)} check-ins still unsettled {SETTLE_SECONDS} s after the last crash"]
    for checkin in stuck[:5]:
        lines.append(
            f"#{checkin.id} {checkin.status} lease={checkin.lease_until} "
            f"next={checkin.next_attempt_at} job={checkin.job_id} attempts={checkin.attempts}"
        )
        lines += [
            f"  {t.created_at:%H:%M:%S.%f} {t.to_status}: {t.reason}" for t in checkin.transitions
        ]
    return "\n".join(lines)


def _env(app_env, fake) -> dict[str, str]:
    return {
        **app_env,
        **fake.env(messaging_service=True),
        "OUTREACH_TWILIO_TIMEOUT": str(TIMEOUT),
        "OUTREACH_SEND_RATE": "50",
        "OUTREACH_SCHEDULER_INTERVAL": "1",
    }


def _phones(db, ids) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(CheckIn.id, Customer.phone)
            .join(Customer, Customer.id == CheckIn.customer_id)
            .where(CheckIn.id.in_(ids))
        ).all()
    )


@pytest.mark.slow
def test_sms_check_ins_go_out_once_and_settle_whatever_crashes(
    app, db, app_env, redis_url, fake_twilio_chaos, callback_server, tmp_path
):
    fake = fake_twilio_chaos
    ids = make_seeder(db)(220)
    phones = _phones(db, ids)
    fake.chaos(0.15, 0.03, hang_seconds=TIMEOUT + 1, seed=11, resource="Messages")
    fake.auto_callbacks(
        callback_server, ("sent", "delivered"), early=True, duplicate=True, shuffle=True
    )
    fleet = Fleet(_env(app_env, fake), tmp_path)
    try:
        last_crash = _run_chaos(db, app_env, fake, fleet, ids, redis_url)
        took = _settle(db, ids, last_crash)
    finally:
        fleet.stop()

    received = fake.sent_to(exclude=())
    twice = {to: n for to, n in received.items() if n > 1}
    assert twice == {}, f"{len(twice)} customers texted more than once"
    statuses = collections.Counter(
        db.session.scalars(sa.select(CheckIn.status).where(CheckIn.id.in_(ids)))
    )
    went_out = statuses["sent"] + statuses["delivered"]
    # everything recorded as sent reached the customer, and nothing reached a customer unrecorded
    assert went_out == len(received) == sum(1 for p in phones.values() if p in received)
    assert statuses["failed"] <= 2, statuses  # 15 % failures, 5 attempts: almost never all fail
    sids = set(
        db.session.scalars(
            sa.select(Message.twilio_sid).where(
                Message.checkin_id.in_(ids), Message.twilio_sid.is_not(None)
            )
        )
    )
    assert sids == set(fake.messages), "every message Twilio holds is recorded once, and only those"
    chaos = collections.Counter(r.chaos for r in fake.recorded("Messages", "create"))
    assert chaos["hang"] >= 1 and chaos["500"] + chaos["429"] >= 10, chaos
    print(f"settled {took:.0f} s after the last crash; {statuses}; chaos {chaos}")


@pytest.mark.slow
def test_voice_check_ins_are_called_once_and_settle_whatever_crashes(
    app, db, app_env, redis_url, fake_twilio_chaos, tmp_path
):
    fake = fake_twilio_chaos
    ids = make_seeder(db)(200, channel="voice")
    phones = _phones(db, ids)
    fake.chaos(0.15, 0.03, hang_seconds=TIMEOUT + 1, seed=12, resource="Calls")
    fleet = Fleet(_env(app_env, fake), tmp_path)
    try:
        last_crash = _run_chaos(db, app_env, fake, fleet, ids, redis_url)
        _settle(db, ids, last_crash)
    finally:
        fleet.stop()

    called = fake.called(exclude=())
    assert {to: n for to, n in called.items() if n > 1} == {}
    statuses = collections.Counter(
        db.session.scalars(sa.select(CheckIn.status).where(CheckIn.id.in_(ids)))
    )
    assert statuses["sent"] == len(called) == sum(1 for p in phones.values() if p in called)
    assert statuses["failed"] <= 2, statuses
