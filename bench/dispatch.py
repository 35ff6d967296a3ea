"""Benchmark dispatch: 10,000 check-ins due at once, sent by real worker processes.

    .venv/bin/python bench/dispatch.py                       # what `make bench` runs
    .venv/bin/python bench/dispatch.py --count 2000 --workers 1
    .venv/bin/python bench/dispatch.py --compare-workers     # also RQ Worker vs SimpleWorker
    .venv/bin/python bench/dispatch.py --redis redis://127.0.0.1:6379/14   # the system Redis

A fresh PostgreSQL database (created, migrated, dropped), an embedded Redis of its own (or,
with --redis URL, a Redis database number it flushes: on a shared machine other people's
tests flush and fill the shared Redis, which pollutes the figures), and the fake Twilio of
tests/fake_twilio.py in this process, answering at once. The scheduler (`outreach scheduler`)
and the workers (`outreach worker`) are the real commands in their own processes, started and
idle before the clock starts. The clock starts when one UPDATE makes every check-in due, and
stops when every check-in is `sent` with its Twilio SID stored: due -> Twilio accepted -> SID
stored.

Then the same number of no-op RQ jobs (jobs.maintenance.noop) go through the same worker
set-up, and the ratio of the two rates says how much of RQ's own ceiling the app reaches.
CPU is read from /proc for the worker and scheduler processes over each timed window.
Results go to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_twilio import FakeTwilio  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "latest.json"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Tokyo")


def daytime_zone() -> str:
    """A zone where it is now 10:00-19:00, so no send is held for quiet hours."""
    now = datetime.now(UTC)
    extra = ("Pacific/Honolulu", "Europe/Moscow", "Asia/Bangkok", "Australia/Brisbane")
    return next(z for z in ZONES + extra if 10 <= now.astimezone(ZoneInfo(z)).hour < 19)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Processes:
    """The scheduler and worker processes of one phase."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """Start `args` (an outreach command by default) with its output in a log file."""
        log = (self.log_dir / f"{name}.log").open("w")
        command = list(args) if args[0] != "outreach" else [sys.executable, "-m", *args]
        proc = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log, stderr=log)
        self.procs.append((name, proc))
        return proc

    def cpu(self) -> dict[str, float]:
        """CPU seconds of each process so far."""
        return {name: cpu_seconds(proc.pid) for name, proc in self.procs}

    def stop(self) -> None:
        """SIGTERM everything, wait; SIGKILL what does not stop."""
        for _, proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def backend_cpu(engine: sa.Engine) -> dict[int, float]:
    """CPU seconds so far of each other PostgreSQL backend on this database (same machine)."""
    with engine.connect() as db:
        pids = db.execute(
            sa.text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        found = {}
        for pid in pids:
            try:
                found[pid] = cpu_seconds(pid)
            except OSError:
                continue
        return found


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    """Poll predicate until truthy; raise after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: timed out waiting for {what}")
        time.sleep(interval)


def workers_ready(conn: redis.Redis, n: int) -> bool:
    """n RQ workers registered and idle."""
    from rq import Worker

    workers = Worker.all(connection=conn)
    return len(workers) >= n and all(w.get_state() == "idle" for w in workers)


def create_database(base_url: str) -> tuple[str, str]:
    """A new, empty PostgreSQL database; its URL and name."""
    admin_url = sa.engine.make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"outreach_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False), name


def drop_database(base_url: str, name: str) -> None:
    """Drop the bench database."""
    admin_url = sa.engine.make_url(base_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(database_url: str, count: int) -> None:
    """One SMS policy and `count` customers, events and scheduled check-ins, due next year."""
    engine = sa.create_engine(database_url)
    meta = sa.MetaData()
    meta.reflect(engine, only=["policies", "customers", "service_events", "checkins"])
    policies, customers = meta.tables["policies"], meta.tables["customers"]
    events, checkins = meta.tables["service_events"], meta.tables["checkins"]
    now = datetime.now(UTC)
    later = now + timedelta(days=365)
    zone = daytime_zone()
    with engine.begin() as conn:
        policy_id = conn.execute(
            policies.insert().returning(policies.c.id),
            {
                "name": "Evening check-in",
                "event_type": "install",
                "channel": "sms",
                "delay": "PT0S",
                "template": "Hi {{ customer.name }}, how is the new water heater?",
                "skip_if_answered": False,
                "is_active": True,
                "is_deleted": False,
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
        conn.execute(
            customers.insert(),
            [
                {
                    "id": i + 1,
                    "external_id": f"bench-c-{i}",
                    "name": f"Customer {i}",
                    "phone": f"+1415{i:07d}",
                    "timezone": zone,
                    "is_opted_out": False,
                    "is_wrong_number": False,
                    "is_happy": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
        conn.execute(
            events.insert(),
            [
                {
                    "id": i + 1,
                    "external_id": f"bench-e-{i}",
                    "type": "install",
                    "occurred_at": now,
                    "customer_id": i + 1,
                    "source": "api",
                    "created_at": now,
                }
                for i in range(count)
            ],
        )
        conn.execute(
            checkins.insert(),
            [
                {
                    "event_id": i + 1,
                    "customer_id": i + 1,
                    "policy_id": policy_id,
                    "channel": "sms",
                    "status": "scheduled",
                    "status_reason": "planned",
                    "due_at": later,
                    "timing_reason": "bench",
                    "earliest_at": now,
                    "timezone": zone,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
        for table in ("customers", "service_events"):
            conn.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})")
            )
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()


def dispatch_phase(args, env: dict[str, str], database_url: str, log_dir: Path) -> dict:
    """Time `count` due check-ins through the scheduler and workers to stored SIDs."""
    conn = redis.Redis.from_url(env["REDIS_URL"])
    conn.flushdb()
    engine = sa.create_engine(database_url)
    procs = Processes(env, log_dir)
    procs.start("scheduler", "outreach", "scheduler")
    for n in range(args.workers):
        procs.start(f"worker-{n}", "outreach", "worker")
    try:
        wait_until(lambda: workers_ready(conn, args.workers), 60, "the workers")
        time.sleep(1.5)  # the scheduler has imported and run its first, empty pass
        before = procs.cpu()
        pg_before = backend_cpu(engine)
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.monotonic()
        with engine.begin() as db:
            db.execute(sa.text("UPDATE checkins SET due_at = now() - interval '1 second'"))
        made_due = time.monotonic()

        def sent() -> int:
            with engine.connect() as db:
                return db.execute(
                    sa.text(
                        "SELECT count(*) FROM checkins c JOIN messages m ON m.checkin_id = c.id "
                        "WHERE c.status = 'sent' AND m.twilio_sid IS NOT NULL"
                    )
                ).scalar_one()

        wait_until(lambda: sent() >= args.count, args.timeout, "every SID stored", 0.1)
        finished = time.monotonic()
        after = procs.cpu()
        pg_after = backend_cpu(engine)
        self_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        procs.stop()
    postgres = sum(v - pg_before.get(pid, 0.0) for pid, v in pg_after.items())
    bench_self = (self_after.ru_utime + self_after.ru_stime) - (
        self_before.ru_utime + self_before.ru_stime
    )
    with engine.connect() as db:
        creates = db.execute(sa.text("SELECT count(*) FROM messages")).scalar_one()
        jobs = db.execute(sa.text("SELECT count(DISTINCT job_id) FROM checkins")).scalar_one()
    engine.dispose()
    seconds = finished - started
    cpu = {name: after[name] - before[name] for name in after}
    return {
        "seconds": round(seconds, 2),
        "messages": args.count,
        "messages_per_second": round(args.count / seconds, 1),
        "make_due_seconds": round(made_due - started, 3),
        "messages_stored": creates,
        "jobs": jobs,
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        "cpu_ms_per_message": round(1000 * sum(cpu.values()) / args.count, 2),
        "postgres_cpu_ms_per_message": round(1000 * postgres / args.count, 2),
        "fake_twilio_and_bench_cpu_ms_per_message": round(1000 * bench_self / args.count, 2),
        "worker_cpu_ms_per_message": round(
            1000 * sum(v for k, v in cpu.items() if k.startswith("worker")) / args.count, 2
        ),
    }


def noop_phase(args, env: dict[str, str], log_dir: Path, command: list[str] | None = None) -> dict:
    """Time `count` no-op RQ jobs through the workers (the outreach command unless given)."""
    from rq import Queue
    from rq.registry import FinishedJobRegistry

    conn = redis.Redis.from_url(env["REDIS_URL"])
    conn.flushdb()
    procs = Processes(env, log_dir)
    for n in range(args.workers):
        procs.start(f"noop-worker-{n}", *(command or ["outreach", "worker"]))
    try:
        wait_until(lambda: workers_ready(conn, args.workers), 60, "the workers")
        queue = Queue("outreach", connection=conn)
        finished = FinishedJobRegistry("outreach", connection=conn)
        before = procs.cpu()
        started = time.monotonic()
        for offset in range(0, args.count, 1000):
            size = min(1000, args.count - offset)
            queue.enqueue_many(
                [Queue.prepare_data("jobs.maintenance.noop", result_ttl=600) for _ in range(size)]
            )
        wait_until(lambda: finished.count >= args.count, args.timeout, "the no-op jobs", 0.05)
        done = time.monotonic()
        after = procs.cpu()
    finally:
        procs.stop()
    seconds = done - started
    cpu = sum(after[name] - before[name] for name in after)
    return {
        "seconds": round(seconds, 2),
        "jobs": args.count,
        "jobs_per_second": round(args.count / seconds, 1),
        "cpu_ms_per_job": round(1000 * cpu / args.count, 2),
    }


def main() -> None:
    """Run the benchmark and write bench/results/latest.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default=None, help="e.g. redis://127.0.0.1:6379/14")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--compare-workers", action="store_true")
    parser.add_argument("--compare-count", type=int, default=1000, help="no-op jobs per class")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    from outreach.scheduling.sweeper import BATCH_SIZE

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    tmp = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    redis_proc = None
    if not args.redis:
        from outreach.redis_embedded import ensure_embedded_redis

        redis_url, redis_proc = ensure_embedded_redis(tmp / "redis", daemonize=False)
    else:
        redis_url = args.redis
        redis.Redis.from_url(redis_url).ping()
    fake = FakeTwilio().start()
    database_url, name = create_database(args.postgresql)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench",
        "OUTREACH_INSTANCE_PATH": str(tmp / "instance"),
        "OUTREACH_SEND_RATE": "1000000",
        **fake.env(),
    }
    print(f"bench: database {name}, Redis {redis_url}, fake Twilio {fake.base_url}, logs {tmp}")
    try:
        subprocess.run(
            [sys.executable, "-m", "outreach", "db", "upgrade"],
            env={**os.environ, **env},
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        t = time.monotonic()
        seed(database_url, args.count)
        print(f"bench: seeded {args.count} check-ins in {time.monotonic() - t:.1f}s")
        dispatch = dispatch_phase(args, env, database_url, tmp)
        print(f"bench: dispatch {json.dumps(dispatch)}")
        accepted = len(fake.created_messages())
        noop = noop_phase(args, env, tmp)
        print(f"bench: no-op {json.dumps(noop)}")
        comparison = {}
        if args.compare_workers:
            rq = [str(Path(sys.executable).parent / "rq"), "worker", "--url", redis_url, "outreach"]
            compare = argparse.Namespace(**{**vars(args), "count": args.compare_count})
            for label, cls in (("SimpleWorker", "rq.SimpleWorker"), ("Worker", "rq.Worker")):
                comparison[label] = noop_phase(compare, env, tmp, [*rq, "-w", cls])
                print(f"bench: no-op with rq worker -w {cls} {json.dumps(comparison[label])}")
    finally:
        fake.stop()
        drop_database(args.postgresql, name)
        redis.Redis.from_url(redis_url).flushdb()
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
    result = {
        "benchmark": "dispatch",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "redis": redis_url if args.redis else "embedded (unix socket)",
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "count": args.count,
        "workers": args.workers,
        "batch_size": BATCH_SIZE,
        "dispatch": dispatch,
        "twilio_creates_accepted": accepted,
        "noop": noop,
        "ratio_dispatch_to_noop": round(
            dispatch["messages_per_second"] / noop["jobs_per_second"], 3
        ),
        "worker_class_noop": comparison,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"bench: {dispatch['messages_per_second']} msg/s end to end, "
        f"{noop['jobs_per_second']} no-op jobs/s, ratio {result['ratio_dispatch_to_noop']}, "
        f"{dispatch['cpu_ms_per_message']} CPU ms per message; wrote {args.output}"
    )


if __name__ == "__main__":
    main()
