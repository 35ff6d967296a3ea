"""Benchmark dispatch against a bare loop of the Twilio client, interleaved and repeated.

    .venv/bin/python bench/dispatch.py                       # what `make bench` runs
    .venv/bin/python bench/dispatch.py --count 2000 --repeat 3
    .venv/bin/python bench/dispatch.py --count 2000 --workers 1
    .venv/bin/python bench/dispatch.py --compare-workers     # also RQ Worker vs SimpleWorker
    .venv/bin/python bench/dispatch.py --skip-noop           # without the no-op RQ baseline
    .venv/bin/python bench/dispatch.py --redis redis://127.0.0.1:6379/14   # the system Redis

What it measures, --repeat times (default 3), alternating in one invocation:

1. Dispatch, end to end: `count` SMS check-ins (default 10,000, one customer each) made due
   at once in a fresh copy of a seeded PostgreSQL database, sent by the real `outreach
   scheduler` and `--workers` (default 2) `outreach worker` processes, started and idle before
   the clock starts, through a fresh fake Twilio (tests/fake_twilio.py) served from this
   process. The clock starts with the one UPDATE that makes every check-in due and stops when
   every check-in is `sent` with its Twilio SID stored (due -> Twilio accepted -> SID stored).
   The fake must then have accepted exactly `count` message creates, one per customer, whose
   SIDs are the ones stored; anything else stops the benchmark with an error.
2. The bare Twilio client: one separate Python process (this file with --bare-child) looping
   `twilio.rest.Client(...).messages.create(to=..., from_=..., body=..., status_callback=...)`
   `count` times, over a `TwilioHttpClient(timeout=...)` with `client.api.base_url` set to
   another fresh fake in this process; timed inside that process around the loop alone. A
   subprocess rather than a thread here, so that the client does not compete for this
   process's GIL with the fake it talks to (the workers do not either).

Each repetition prints the dispatch rate, the bare rate and dispatch / bare; then the medians
and the median ratio (the aim is >= 0.8). Then, once, `count` no-op RQ jobs
(jobs.maintenance.noop) through the same worker set-up (what RQ itself costs; --skip-noop
leaves it out). CPU per message is read from /proc for the workers and scheduler, the
PostgreSQL backends of the bench database and this process (the fake) over each timed window;
the load average is recorded before and after each run. An embedded Redis of its own unless
--redis (a shared Redis gets flushed and filled by other people's tests). Everything goes to
bench/results/latest.json, with the machine and the git commit of the code measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

RESULTS = ROOT / "bench" / "results" / "latest.json"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Tokyo")
#: what the app passes as StatusCallback with the default PUBLIC_BASE_URL
STATUS_CALLBACK = "http://127.0.0.1:5000/twilio/sms/status"
BODY = "Hi Customer {i}, how is the new water heater?"  #: the policy's template, rendered


class BenchError(SystemExit):
    """The benchmark cannot give a figure (a process died, a message missing or duplicated)."""


def phone(i: int) -> str:
    """The phone number of bench customer i (0-based)."""
    return f"+1415{i:07d}"


def load_average() -> list[float]:
    """os.getloadavg(), rounded."""
    return [round(x, 2) for x in os.getloadavg()]


def git_state() -> dict:
    """The code measured: HEAD, the last commit that changed outreach/, jobs/ or migrations/
    (commits elsewhere do not change what the workers run), and the uncommitted changes there
    (other people edit the same checkout) with a hash of them."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    paths = ("--", "outreach", "jobs", "migrations")
    modified = git("diff", "--name-only", "HEAD", *paths).splitlines()
    untracked = git("ls-files", "--others", "--exclude-standard", *paths).splitlines()
    changed = sorted(modified + untracked)
    digest = hashlib.sha1(git("diff", "HEAD", *paths).encode())
    for path in sorted(untracked):
        if (ROOT / path).is_file():
            digest.update(path.encode() + (ROOT / path).read_bytes())
    return {
        "head": git("rev-parse", "--short=12", "HEAD"),
        "code_commit": git("log", "-1", "--format=%h", "--abbrev=12", *paths),
        "code_committed_at": git("log", "-1", "--format=%cI", *paths),
        "code_subject": git("log", "-1", "--format=%s", *paths),
        "uncommitted": changed,
        "uncommitted_sha1": digest.hexdigest()[:12] if changed else None,
    }


def daytime_zone() -> str:
    """A zone where it is now 10:00-19:00, so no send is held for quiet hours."""
    now = datetime.now(UTC)
    extra = ("Pacific/Honolulu", "Europe/Moscow", "Asia/Bangkok", "Australia/Brisbane")
    return next(z for z in ZONES + extra if 10 <= now.astimezone(ZoneInfo(z)).hour < 19)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def self_cpu() -> float:
    """User + system CPU of this process so far (the fake Twilio, the polling)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def log_tails(log_dir: Path, lines: int = 25) -> str:
    """The last lines of every log in log_dir, for an error message."""
    parts = []
    for log in sorted(log_dir.glob("*.log")):
        text = log.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"--- {log} (last {len(text)} lines)\n" + "\n".join(text))
    return "\n".join(parts)


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

    def check_alive(self) -> None:
        """Fail with the logs if any process has exited."""
        for name, proc in self.procs:
            if proc.poll() is not None:
                raise BenchError(
                    f"bench: {name} exited with status {proc.returncode}\n"
                    + log_tails(self.log_dir)
                )

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
            raise BenchError(f"bench: timed out waiting for {what}")
        time.sleep(interval)


def poll_interval(done: int, total: int, elapsed: float) -> float:
    """Seconds until the next count of sent check-ins: a tenth of the time the rate so far says
    is left, between 0.05 s and 1 s. Each count scans the check-ins on the cores the workers
    use: not every 50 ms for minutes, but every 50 ms again near the end."""
    if done <= 0:
        return 0.1
    left = (total - done) * elapsed / done
    return min(1.0, max(0.05, left / 10))


def workers_ready(conn: redis.Redis, n: int) -> bool:
    """n RQ workers registered and idle."""
    from rq import Worker

    workers = Worker.all(connection=conn)
    return len(workers) >= n and all(w.get_state() == "idle" for w in workers)


def admin_engine(base_url: str) -> sa.Engine:
    """An autocommit engine on the server's maintenance database."""
    admin_url = sa.engine.make_url(base_url).set(drivername="postgresql+psycopg")
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")


def create_database(base_url: str, template: str | None = None) -> tuple[str, str]:
    """A new PostgreSQL database (empty, or a copy of `template`); its URL and name."""
    name = f"outreach_bench_{uuid.uuid4().hex[:10]}"
    admin = admin_engine(base_url)
    copy = f' TEMPLATE "{template}"' if template else ""
    for attempt in range(20):
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
            break
        except sa.exc.OperationalError as exc:  # autovacuum briefly on the template
            if "being accessed by other users" not in str(exc) or attempt == 19:
                raise
            time.sleep(0.5)
    admin.dispose()
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    return url, name


def drop_database(base_url: str, name: str) -> None:
    """Drop a bench database."""
    admin = admin_engine(base_url)
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
                    "phone": phone(i),
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


def verify_fake(fake, count: int, what: str, log_dir: Path | None = None) -> set[str]:
    """Fail unless the fake accepted exactly `count` creates, one per bench customer; the SIDs."""
    creates = fake.recorded("Messages", "create")
    accepted = [r for r in creates if r.status == 201]
    if hasattr(fake, "sent_to"):  # the fake's own count of what each number received
        per_number = fake.sent_to(exclude=())
    else:
        per_number = Counter(msg["to"] for msg in fake.messages.values())
    expected = {phone(i) for i in range(count)}
    problems = []
    if len(creates) != count or len(accepted) != count:
        problems.append(
            f"{len(creates)} message creates received, {len(accepted)} accepted, expected {count}"
        )
    if missing := expected - per_number.keys():
        problems.append(f"{len(missing)} customers got no message (e.g. {sorted(missing)[:3]})")
    if twice := {to: n for to, n in per_number.items() if n > 1}:
        problems.append(f"{len(twice)} customers got more than one (e.g. {list(twice)[:3]})")
    if strangers := per_number.keys() - expected:
        problems.append(f"messages to {len(strangers)} unknown numbers")
    if errors := getattr(fake, "errors", None):
        problems.append(f"{len(errors)} errors inside the fake, the first:\n{errors[0]}")
    if problems:
        tails = "\n" + log_tails(log_dir) if log_dir else ""
        raise BenchError(f"bench: {what}: " + "; ".join(problems) + tails)
    return {sid for sid, msg in fake.messages.items() if msg["to"] in expected}


def dispatch_phase(args, env: dict[str, str], database_url: str, fake, log_dir: Path) -> dict:
    """Time `count` due check-ins through the scheduler and workers to stored SIDs."""
    conn = redis.Redis.from_url(env["REDIS_URL"])
    conn.flushdb()
    engine = sa.create_engine(database_url)
    procs = Processes(env, log_dir)
    procs.start("scheduler", "outreach", "scheduler")
    for n in range(args.workers):
        procs.start(f"worker-{n}", "outreach", "worker")

    def sent() -> int:
        with engine.connect() as db:
            return db.execute(
                sa.text(
                    "SELECT count(DISTINCT c.id) FROM checkins c "
                    "JOIN messages m ON m.checkin_id = c.id "
                    "WHERE c.status = 'sent' AND m.twilio_sid IS NOT NULL"
                )
            ).scalar_one()

    progress = {"count": -1, "at": 0.0}

    def all_sent() -> bool:
        procs.check_alive()
        done = sent()
        now = time.monotonic()
        if done != progress["count"]:
            progress.update(count=done, at=now)
        elif now - progress["at"] > args.stall:
            raise BenchError(
                f"bench: no progress for {args.stall:.0f}s at {done}/{args.count} sent\n"
                + log_tails(log_dir)
            )
        return done >= args.count

    try:
        wait_until(
            lambda: procs.check_alive() or workers_ready(conn, args.workers), 60, "the workers"
        )
        time.sleep(1.5)  # the scheduler has imported and run its first, empty pass
        load_before = load_average()
        before = procs.cpu()
        pg_before = backend_cpu(engine)
        self_before = self_cpu()
        started = time.monotonic()
        with engine.begin() as db:
            db.execute(sa.text("UPDATE checkins SET due_at = now() - interval '1 second'"))
        made_due = time.monotonic()
        progress["at"] = made_due
        polls = 0
        while not all_sent():
            polls += 1
            if time.monotonic() - made_due > args.timeout:
                raise BenchError(f"bench: not every SID stored after {args.timeout:.0f}s")
            time.sleep(poll_interval(progress["count"], args.count, time.monotonic() - made_due))
        finished = time.monotonic()
        after = procs.cpu()
        pg_after = backend_cpu(engine)
        self_after = self_cpu()
        load_after = load_average()
    finally:
        procs.stop()
    postgres = sum(v - pg_before.get(pid, 0.0) for pid, v in pg_after.items())
    with engine.connect() as db:
        stored = set(
            db.execute(
                sa.text("SELECT twilio_sid FROM messages WHERE twilio_sid IS NOT NULL")
            ).scalars()
        )
        rows = db.execute(sa.text("SELECT count(*) FROM messages")).scalar_one()
        jobs = db.execute(sa.text("SELECT count(DISTINCT job_id) FROM checkins")).scalar_one()
    engine.dispose()
    created = verify_fake(fake, args.count, "dispatch", log_dir)
    if stored != created:
        raise BenchError(
            f"bench: dispatch: {len(created - stored)} SIDs created at the fake are not stored, "
            f"{len(stored - created)} stored SIDs were not created there"
        )
    seconds = finished - started
    cpu = {name: after[name] - before[name] for name in after}
    return {
        "seconds": round(seconds, 2),
        "messages": args.count,
        "messages_per_second": round(args.count / seconds, 1),
        "make_due_seconds": round(made_due - started, 3),
        "polls": polls,
        "messages_stored": rows,
        "twilio_creates_accepted": len(created),
        "jobs": jobs,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        "cpu_ms_per_message": round(1000 * sum(cpu.values()) / args.count, 2),
        "worker_cpu_ms_per_message": round(
            1000 * sum(v for k, v in cpu.items() if k.startswith("worker")) / args.count, 2
        ),
        "postgres_cpu_ms_per_message": round(1000 * postgres / args.count, 2),
        "fake_twilio_and_bench_cpu_ms_per_message": round(
            1000 * (self_after - self_before) / args.count, 2
        ),
    }


def bare_child(spec: dict) -> None:
    """In its own process: `count` messages.create calls in a loop; prints the figures (JSON)."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    client = Client(
        spec["account_sid"],
        spec["auth_token"],
        http_client=TwilioHttpClient(timeout=spec["timeout"]),
    )
    client.api.base_url = spec["base_url"]
    sids = []
    cpu_started = time.process_time()
    started = time.perf_counter()
    for i in range(spec["count"]):
        msg = client.messages.create(
            to=phone(i),
            from_=spec["from"],
            body=BODY.format(i=i),
            status_callback=spec["status_callback"],
        )
        sids.append(msg.sid)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "distinct_sids": len(set(sids))}))


def bare_phase(args, fake, log_dir: Path) -> dict:
    """Time `count` creates by the bare Twilio client in a child process against `fake`."""
    spec = {
        "base_url": fake.base_url,
        "account_sid": fake.account_sid,
        "auth_token": fake.auth_token,
        "from": fake.from_number,
        "count": args.count,
        "timeout": float(os.environ.get("OUTREACH_TWILIO_TIMEOUT", 10.0)),
        "status_callback": STATUS_CALLBACK,
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--bare-child", json.dumps(spec)]
    load_before = load_average()
    self_before = self_cpu()
    with (log_dir / "bare.log").open("w") as log:
        try:
            done = subprocess.run(
                command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, timeout=args.timeout
            )
        except subprocess.TimeoutExpired:
            raise BenchError(f"bench: the bare loop took over {args.timeout:.0f}s") from None
    self_after = self_cpu()
    load_after = load_average()
    if done.returncode != 0:
        raise BenchError(f"bench: the bare loop failed ({done.returncode})\n" + log_tails(log_dir))
    figures = json.loads(done.stdout.decode().strip().splitlines()[-1])
    created = verify_fake(fake, args.count, "bare twilio loop")
    if figures["distinct_sids"] != len(created):
        raise BenchError("bench: the bare loop's SIDs do not match the fake's")
    seconds = figures["seconds"]
    return {
        "seconds": round(seconds, 2),
        "messages": args.count,
        "messages_per_second": round(args.count / seconds, 1),
        "twilio_creates_accepted": len(created),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "client_cpu_ms_per_message": round(1000 * figures["cpu_seconds"] / args.count, 2),
        "fake_twilio_cpu_ms_per_message": round(1000 * (self_after - self_before) / args.count, 2),
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
        wait_until(
            lambda: procs.check_alive() or workers_ready(conn, args.workers), 60, "the workers"
        )
        queue = Queue("outreach", connection=conn)
        finished = FinishedJobRegistry("outreach", connection=conn)
        load_before = load_average()
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
        load_after = load_average()
    finally:
        procs.stop()
    seconds = done - started
    cpu = sum(after[name] - before[name] for name in after)
    return {
        "seconds": round(seconds, 2),
        "jobs": args.count,
        "jobs_per_second": round(args.count / seconds, 1),
        "cpu_ms_per_job": round(1000 * cpu / args.count, 2),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="check-ins (and messages)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="(dispatch, bare) repetitions")
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default=None, help="e.g. redis://127.0.0.1:6379/14")
    parser.add_argument("--timeout", type=float, default=600, help="seconds, per run")
    parser.add_argument("--stall", type=float, default=90, help="seconds without a send: fail")
    parser.add_argument("--skip-noop", action="store_true", help="no no-op RQ baseline")
    parser.add_argument("--compare-workers", action="store_true")
    parser.add_argument("--compare-count", type=int, default=1000, help="no-op jobs per class")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args()


def median(values: list[float]) -> float:
    """The median, rounded."""
    return round(statistics.median(values), 3)


def main() -> None:
    """Run the benchmark and write bench/results/latest.json."""
    args = parse_args()

    def interrupted(signum: int, _frame) -> None:
        raise BenchError(f"bench: stopped by {signal.Signals(signum).name}")

    for sig in (signal.SIGINT, signal.SIGTERM):  # clean up (processes, databases) either way
        signal.signal(sig, interrupted)
    from fake_twilio import FakeTwilio

    from outreach.dispatch.sweeper import BATCH_SIZE

    load_at_start = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    redis_proc = None
    if not args.redis:
        from outreach.runtime.redis_embedded import ensure_embedded_redis

        redis_url, redis_proc = ensure_embedded_redis(tmp / "redis", daemonize=False)
    else:
        redis_url = args.redis
        redis.Redis.from_url(redis_url).ping()
    base_env = {
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench",
        "OUTREACH_INSTANCE_PATH": str(tmp / "instance"),
        "OUTREACH_SEND_RATE": "1000000",
    }
    template_url, template = create_database(args.postgresql)
    databases = [template]
    print(f"bench: template database {template}, Redis {redis_url}, logs {tmp}", flush=True)
    repetitions: list[dict] = []
    noop, comparison = None, {}
    try:
        upgrade = subprocess.run(
            [sys.executable, "-m", "outreach", "db", "upgrade"],
            env={**os.environ, **base_env, "DATABASE_URL": template_url},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if upgrade.returncode != 0:
            tail = "\n".join(upgrade.stderr.splitlines()[-25:])
            raise BenchError(f"bench: `outreach db upgrade` failed\n{tail}")
        t = time.monotonic()
        seed(template_url, args.count)
        print(f"bench: seeded {args.count} check-ins in {time.monotonic() - t:.1f}s", flush=True)
        for rep in range(1, args.repeat + 1):
            log_dir = tmp / f"rep-{rep}"
            log_dir.mkdir()
            code = git_state()
            database_url, name = create_database(args.postgresql, template)
            databases.append(name)
            fake = FakeTwilio().start()
            try:
                env = {**base_env, "DATABASE_URL": database_url, **fake.env()}
                dispatch = dispatch_phase(args, env, database_url, fake, log_dir)
            finally:
                fake.stop()
            drop_database(args.postgresql, name)
            fake = FakeTwilio().start()
            try:
                bare = bare_phase(args, fake, log_dir)
            finally:
                fake.stop()
            ratio = round(dispatch["messages_per_second"] / bare["messages_per_second"], 3)
            repetitions.append({"code": code, "dispatch": dispatch, "bare": bare, "ratio": ratio})
            print(
                f"bench: repetition {rep}/{args.repeat} (code {code['code_commit'] or '?'}"
                f"{'+' + code['uncommitted_sha1'] if code['uncommitted'] else ''}): "
                f"dispatch {dispatch['messages_per_second']} msg/s ({dispatch['seconds']} s, "
                f"load {dispatch['load_average_before'][0]}->{dispatch['load_average_after'][0]}"
                f", workers {dispatch['worker_cpu_ms_per_message']} CPU ms/msg), "
                f"bare twilio {bare['messages_per_second']} msg/s ({bare['seconds']} s, "
                f"load {bare['load_average_before'][0]}->{bare['load_average_after'][0]}, "
                f"client {bare['client_cpu_ms_per_message']} CPU ms/msg), ratio {ratio}",
                flush=True,
            )
        env = {**base_env, "DATABASE_URL": template_url}
        if not args.skip_noop:
            noop = noop_phase(args, env, tmp)
            print(f"bench: no-op {json.dumps(noop)}", flush=True)
        if args.compare_workers:
            rq = [str(Path(sys.executable).parent / "rq"), "worker", "--url", redis_url, "outreach"]
            compare = argparse.Namespace(**{**vars(args), "count": args.compare_count})
            for label, cls in (("SimpleWorker", "rq.SimpleWorker"), ("Worker", "rq.Worker")):
                comparison[label] = noop_phase(compare, env, tmp, [*rq, "-w", cls])
                print(f"bench: no-op with rq worker -w {cls} {json.dumps(comparison[label])}")
    finally:
        for name in databases:
            drop_database(args.postgresql, name)
        redis.Redis.from_url(redis_url).flushdb()
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
    dispatch_rates = [r["dispatch"]["messages_per_second"] for r in repetitions]
    bare_rates = [r["bare"]["messages_per_second"] for r in repetitions]
    medians = {
        "dispatch_messages_per_second": median(dispatch_rates),
        "bare_twilio_messages_per_second": median(bare_rates),
        "ratio_dispatch_to_bare": median([r["ratio"] for r in repetitions]),
        "ratio_of_medians": round(median(dispatch_rates) / median(bare_rates), 3),
        "dispatch_worker_cpu_ms_per_message": median(
            [r["dispatch"]["worker_cpu_ms_per_message"] for r in repetitions]
        ),
        "bare_client_cpu_ms_per_message": median(
            [r["bare"]["client_cpu_ms_per_message"] for r in repetitions]
        ),
    }
    result = {
        "benchmark": "dispatch",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/dispatch.py", *sys.argv[1:]]),
        "code": repetitions[-1]["code"] if repetitions else git_state(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "redis": redis_url if args.redis else "embedded (unix socket)",
            "load_average_at_start": load_at_start,
            "load_average_at_end": load_average(),
        },
        "count": args.count,
        "workers": args.workers,
        "batch_size": BATCH_SIZE,
        "repeat": args.repeat,
        "median": medians,
        "repetitions": repetitions,
        "noop": noop,
        "ratio_median_dispatch_to_noop": (
            round(medians["dispatch_messages_per_second"] / noop["jobs_per_second"], 3)
            if noop
            else None
        ),
        "worker_class_noop": comparison,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"bench: medians over {args.repeat}: dispatch {medians['dispatch_messages_per_second']} "
        f"msg/s, bare twilio loop {medians['bare_twilio_messages_per_second']} msg/s, "
        f"ratio dispatch / bare {medians['ratio_dispatch_to_bare']} (aim >= 0.8); "
        f"wrote {args.output}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--bare-child"]:
        bare_child(json.loads(sys.argv[2]))
    else:
        main()
