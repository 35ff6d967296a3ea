"""Several machines over one PostgreSQL and one Redis, as SPEC.md promises: web, two schedulers
and three worker hosts, each in its own network namespace with its own address, reaching the
database and Redis over a bridge (not loopback). One worker host's clock is 2 minutes fast,
another's 2 minutes slow (and one scheduler's too); the fast worker host is cut off from Redis
for 30 s in the middle of the run. Counted at the fake Twilio: every check-in went out once,
and none before it was due by the database's clock.

Runs where the machine can make network namespaces (root, iproute2, a C compiler) and the
database is PostgreSQL (SQLite is a file on one machine). CI runs it on PostgreSQL and sets
OUTREACH_REQUIRE_SEVERAL_MACHINES=1, so that there it fails rather than skips.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fake_twilio import FakeTwilio
from several_machines import Network, Relay, missing
from test_chaos import UNSETTLED, Fleet, _phones, _story
from test_sweeper import make_seeder

from outreach.models import CheckIn, db_now

ROOT = Path(__file__).resolve().parent.parent
CHECKINS = 200
SPREAD = 60  #: seconds over which the check-ins fall due
LEAD = 20  #: seconds from seeding to the first due time (the fleet starts meanwhile)
SKEW = 120  #: seconds the fast hosts are ahead and the slow ones behind
CUT_SECONDS = 30
LATE_P50 = 5.0  #: seconds after due by which half the check-ins went out
LATE_MAX = 120.0  #: … and all of them, the cut-off host's jobs included


@pytest.fixture
def several_machines(app_env):
    why = missing()
    if why is None and not app_env["DATABASE_URL"].startswith("postgresql"):
        why = "several machines share one PostgreSQL; this run uses an SQLite file"
    if why is not None:
        if os.environ.get("OUTREACH_REQUIRE_SEVERAL_MACHINES") == "1":
            pytest.fail(f"the several-machines test cannot run here: {why}")
        pytest.skip(why)
    with Network() as network:
        yield network


class HostFleet(Fleet):
    """Fleet processes started on hosts of a Network."""

    def __init__(self, env, logs, hosts):
        super().__init__(env, logs)
        self.hosts = hosts
        self.where: dict[str, str] = {}

    def start_on(self, host: str, name: str, *args: str) -> None:
        self.where[name] = host
        self.start(name, *args)

    def start(self, name: str, *args: str) -> None:
        self.starts[name] += 1
        argv = self.hosts[self.where[name]].command([sys.executable, "-m", "outreach", *args])
        with (self.logs / f"{name}-{self.starts[name]}.log").open("w") as log:
            self.procs[name] = subprocess.Popen(
                argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )


def _over(url: str, host: str, port: int) -> str:
    """url with its host and port replaced (the relay's address on the bridge)."""
    parsed = sa.engine.make_url(url) if "://" in url and not url.startswith("redis") else None
    if parsed is not None:
        return parsed.set(host=host, port=port).render_as_string(hide_password=False)
    scheme, rest = url.split("://", 1)
    path = rest.split("/", 1)[1] if "/" in rest else ""
    return f"{scheme}://{host}:{port}/{path}"


@pytest.mark.slow
def test_web_schedulers_and_workers_on_several_machines_send_each_check_in_once_on_time(
    app, db, app_env, several_machines, tmp_path
):
    net = several_machines
    relay = Relay(net.gateway)
    fake = FakeTwilio().start(host=net.gateway)
    fake.messaging_service()
    try:
        pg_port = relay.forward(0, sa.engine.make_url(app_env["DATABASE_URL"]).port or 5432)
        redis_port = relay.forward(0, int(app_env["REDIS_URL"].split(":")[2].split("/")[0]))
        web = net.add_host("web")
        hosts = {
            "web": web,
            "sched-fast": net.add_host("sched-fast", +SKEW),
            "sched-slow": net.add_host("sched-slow", -SKEW),
            "work-fast": net.add_host("work-fast", +SKEW),
            "work-slow": net.add_host("work-slow", -SKEW),
            "work": net.add_host("work"),
        }
        # the hosts' clocks really are off
        fast = float(hosts["work-fast"].run(["python3", "-c", "import time;print(time.time())"]))
        assert abs(fast - time.time() - SKEW) < 5

        ids = make_seeder(db)(CHECKINS)
        phones = _phones(db, ids)
        start = db_now() + timedelta(seconds=LEAD)
        begun = time.monotonic()
        due = {cid: start + timedelta(seconds=SPREAD * i / CHECKINS) for i, cid in enumerate(ids)}
        for cid, at in due.items():
            db.session.execute(
                sa.update(CheckIn).where(CheckIn.id == cid).values(due_at=at, earliest_at=at)
            )
        db.session.commit()

        env = {
            **app_env,
            **fake.env(messaging_service=True),
            "DATABASE_URL": _over(app_env["DATABASE_URL"], net.gateway, pg_port),
            "REDIS_URL": _over(app_env["REDIS_URL"], net.gateway, redis_port),
            "OUTREACH_TWILIO_TIMEOUT": "2",
            "OUTREACH_SEND_RATE": "50",
            "OUTREACH_SCHEDULER_INTERVAL": "1",
        }
        fake.auto_callbacks(f"http://{web.address}:8000", ("sent", "delivered"), duplicate=True)
        fleet = HostFleet(env, tmp_path, hosts)
        try:
            fleet.start_on("web", "web", "run", "--host", web.address, "--port", "8000")
            fleet.start_on("sched-fast", "scheduler-a", "scheduler")
            fleet.start_on("sched-slow", "scheduler-b", "scheduler")
            for host in ("work-fast", "work-slow", "work"):
                fleet.start_on(host, f"{host}-1", "worker")
                fleet.start_on(host, f"{host}-2", "worker")
            # mid-run, the fast worker host loses Redis for 30 s
            fake.wait_for(
                lambda: fleet.check_alive() and time.monotonic() - begun > LEAD + SPREAD / 3,
                timeout=SPREAD + LEAD,
                interval=0.2,
            )
            relay.partition(hosts["work-fast"].address, redis_port)
            cut_at = time.monotonic()
            fake.wait_for(lambda: time.monotonic() - cut_at > CUT_SECONDS, CUT_SECONDS + 5, 0.5)
            relay.heal(hosts["work-fast"].address, redis_port)
            fake.wait_for(lambda: _settled(db, ids), timeout=LATE_MAX + LEAD, interval=0.5)
            fleet.check_alive()
        except AssertionError:
            raise AssertionError(_story(db, ids) + _logs(tmp_path)) from None
        finally:
            fleet.stop()
    finally:
        fake.stop()
        relay.close()

    received = fake.sent_to(exclude=())
    assert {to: n for to, n in received.items() if n > 1} == {}, "a customer texted twice"
    assert set(received) == set(phones.values()), "every customer texted"
    by_phone = {phone: due[cid] for cid, phone in phones.items()}
    late = sorted(
        (
            r.received_at - by_phone[r.form["To"][0]].replace(tzinfo=r.received_at.tzinfo)
        ).total_seconds()
        for r in fake.recorded("Messages", "create")
        if r.status == 201
    )
    assert late[0] >= -0.5, f"a check-in went out {-late[0]:.1f} s before it was due"
    assert late[len(late) // 2] <= LATE_P50, late
    assert late[-1] <= LATE_MAX, late
    statuses = collections.Counter(
        db.session.scalars(sa.select(CheckIn.status).where(CheckIn.id.in_(ids)))
    )
    assert statuses["delivered"] + statuses["sent"] == CHECKINS, statuses
    print(f"late p50 {late[len(late) // 2]:.1f} s, max {late[-1]:.1f} s; {statuses}")


def _settled(db, ids) -> bool:
    db.session.expire_all()
    left = db.session.scalar(
        sa.select(sa.func.count()).where(CheckIn.id.in_(ids), CheckIn.status.in_(UNSETTLED))
    )
    db.session.rollback()
    return left == 0


def _logs(directory: Path) -> str:
    return "".join(
        f"\n--- {log.name}\n{log.read_text()[-1500:]}" for log in sorted(directory.glob("*.log"))
    )
