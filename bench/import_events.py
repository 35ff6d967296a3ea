"""Benchmark `outreach import-events` against a bare COPY of the same rows, interleaved.

    .venv/bin/python bench/import_events.py                  # 20,000 rows, 3 repetitions
    .venv/bin/python bench/import_events.py --rows 100000 --repeat 3
    .venv/bin/python bench/import_events.py --rows 5000 --repeat 1 --profile tottime

A CSV of --rows events is written once (over the last 30 days; ~rows/5 customers, 25 reps; 80%
installs, 20% repairs, 1% with an invalid phone number). A template PostgreSQL database is
migrated once with one active policy (an SMS 20 hours after an install, 17:00-20:00). Each
repetition then copies the template twice (CREATE DATABASE ... TEMPLATE) and times, one after
the other: the import (open_csv + import_events, what the command runs: validation, upserts,
planning, a check-in per install) and the baseline, the same events and customers put in with
two COPYs and nothing else (no validation, no planning, no check-ins). A second import of the
file into the first copy (every event present) is timed too. Prints rows/s of both and their
ratio per repetition and the medians, with the load average, and the CPU the import took in
this process and in its PostgreSQL backend (/proc: the server must be on this machine); writes
bench/results/import_events.json.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import os
import platform
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from dispatch import (  # noqa: E402
    backend_cpu,
    create_database,
    drop_database,
    git_state,
    load_average,
    self_cpu,
)

from outreach.events.importer import COLUMNS  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "import_events.json"

AREA_CODES = ("212", "303", "312", "415", "602", "617", "713", "808", "206", "305")
ZONES = ("", "", "America/Chicago", "America/New_York", "America/Denver")


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write a CSV of `rows` events over the last 30 days; ~20,000 distinct customers."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(rows):
            customer = rng.randrange(max(rows // 5, 1))
            phone = f"+1{AREA_CODES[customer % 10]}555{100 + customer % 100:04d}"
            if rng.random() < 0.01:
                phone = "555-12"
            occurred = now - timedelta(minutes=rng.randrange(30 * 24 * 60))
            rep = customer % 25
            writer.writerow(
                [
                    f"bench-{n}",
                    "install" if rng.random() < 0.8 else "repair",
                    occurred.isoformat(timespec="seconds"),
                    f"cust-{customer}",
                    f"Customer {customer}",
                    phone,
                    ZONES[customer % len(ZONES)],
                    f"c{customer}@example.net" if customer % 3 == 0 else "",
                    f"rep{rep}@example.com",
                    f"Rep {rep}",
                    "Water heater install" if n % 2 else "",
                ]
            )


def _migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "outreach", "db", "upgrade"],
        env={**os.environ, **env},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def _import(app, url: str, path: Path, profile: str | None) -> tuple[float, object, dict]:
    """Time one import; also the CPU it took here and in its PostgreSQL backend (/proc)."""
    from outreach.events.importer import import_events, open_csv, quiet_row_logs
    from outreach.extensions import db

    watcher = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with app.app_context(), quiet_row_logs():
        backends, cpu = backend_cpu(watcher), self_cpu()
        started = time.perf_counter()
        source = open_csv(path)
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        report = import_events(source)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        cpu = self_cpu() - cpu
        after = backend_cpu(watcher)
        if profiler:
            pstats.Stats(profiler).sort_stats(profile).print_stats(30)
        db.session.remove()
        db.engine.dispose()
    watcher.dispose()
    server = sum(seconds - backends.get(pid, 0.0) for pid, seconds in after.items())
    return elapsed, report, {"process": round(cpu, 2), "postgresql": round(server, 2)}


def _baseline(url: str, path: Path) -> tuple[float, int]:
    """The same customers and events with two COPYs (customers, then events by their ids)."""
    engine = sa.create_engine(url)
    raw = engine.raw_connection()
    started = time.perf_counter()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r["customer_phone"].startswith("+")]
        now = datetime.now(UTC)
        customers = {}
        for r in rows:
            customers[r["customer_external_id"]] = (
                r["customer_external_id"],
                r["customer_name"],
                r["customer_phone"],
                r["customer_timezone"] or None,
                r["customer_email"] or None,
            )
        cur = raw.cursor()
        columns = "external_id, name, phone, timezone, email, is_opted_out, is_wrong_number, "
        columns += "is_happy, created_at, updated_at"
        with cur.copy(f"COPY customers ({columns}) FROM STDIN") as copy:
            for values in customers.values():
                copy.write_row((*values, False, False, False, now, now))
        cur.execute("SELECT external_id, id FROM customers")
        ids = dict(cur.fetchall())
        columns = "external_id, type, occurred_at, customer_id, summary, source, created_at"
        with cur.copy(f"COPY service_events ({columns}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(
                    (
                        r["external_id"],
                        r["type"],
                        r["occurred_at"],
                        ids[r["customer_external_id"]],
                        r["summary"] or None,
                        "csv",
                        now,
                    )
                )
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - started, len(rows)


def _template(base_url: str, rows: int, instance: Path) -> tuple[str, str]:
    """A migrated database with the policy, to copy for each run; its URL and name."""
    from outreach import create_app

    url, name = create_database(base_url)
    _migrate(_env(url, instance))
    app = create_app({"ENV": _env(url, instance), "INSTANCE_PATH": str(instance)})
    with app.app_context():
        from outreach.extensions import db
        from outreach.scheduling.policies import create_policy

        create_policy(
            {
                "name": "Install: evening text",
                "event_type": "install",
                "channel": "sms",
                "delay": "PT20H",
                "window": {"start": "17:00", "end": "20:00"},
                "template": "Hi {{ customer.first_name }}, how is the install holding up?",
            }
        )
        db.session.remove()
        db.engine.dispose()
    return url, name


def _env(url: str, instance: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "OUTREACH_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench",
        "OUTREACH_TRANSPORT": "outbox",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never contacted: importing needs no Redis
    }


def _checkins(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM checkins")).scalar_one()
    engine.dispose()
    return count


def repetition(base_url: str, template: str, csv_path: Path, instance: Path, profile) -> dict:
    """One import and one baseline, each into a fresh copy of the template."""
    from outreach import create_app

    rows = sum(1 for _ in csv_path.open()) - 1
    out: dict = {"load_before": load_average()}
    url, name = create_database(base_url, template)
    try:
        app = create_app({"ENV": _env(url, instance), "INSTANCE_PATH": str(instance)})
        elapsed, report, cpu = _import(app, url, csv_path, profile)
        out["import"] = {
            "seconds": round(elapsed, 2),
            "rows_per_s": round(rows / elapsed),
            "summary": report.summary(),
            "checkins": _checkins(url),
            "cpu_seconds": cpu,
        }
        again, report, _ = _import(app, url, csv_path, None)
        out["second_import"] = {
            "seconds": round(again, 2),
            "rows_per_s": round(rows / again),
            "summary": report.summary(),
        }
    finally:
        drop_database(base_url, name)
    out["load_between"] = load_average()
    url, name = create_database(base_url, template)
    try:
        seconds, stored = _baseline(url, csv_path)
        out["baseline"] = {
            "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "events": stored,
        }
    finally:
        drop_database(base_url, name)
    out["load_after"] = load_average()
    out["ratio"] = round(out["import"]["rows_per_s"] / out["baseline"]["rows_per_s"], 3)
    return out


def main() -> None:
    """Generate the file and the template, run the repetitions, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="cumulative",
        metavar="SORT",
        help="cProfile the first import; print the top 30 by SORT (cumulative, tottime)",
    )
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    csv_path = instance / "events.csv"
    generate(csv_path, args.rows)
    print(f"{args.rows} rows ({csv_path.stat().st_size / 1e6:.1f} MB), load {load_average()}")
    _, template = _template(args.postgresql, args.rows, instance)
    runs = []
    try:
        for n in range(args.repeat):
            run = repetition(args.postgresql, template, csv_path, instance, args.profile)
            runs.append(run)
            print(
                f"  {n + 1}: import {run['import']['rows_per_s']:,} rows/s "
                f"({run['import']['seconds']} s; {run['import']['summary']}; "
                f"{run['import']['checkins']} check-ins; CPU: "
                f"{run['import']['cpu_seconds']['process']} s here, "
                f"{run['import']['cpu_seconds']['postgresql']} s PostgreSQL), "
                "second import "
                f"{run['second_import']['rows_per_s']:,} rows/s, COPY baseline "
                f"{run['baseline']['rows_per_s']:,} rows/s, ratio {run['ratio']}, "
                f"load {run['load_before']} -> {run['load_after']}",
                flush=True,
            )
    finally:
        drop_database(args.postgresql, template)
        shutil.rmtree(instance, ignore_errors=True)
    medians = {
        "import_rows_per_s": statistics.median(r["import"]["rows_per_s"] for r in runs),
        "second_import_rows_per_s": statistics.median(
            r["second_import"]["rows_per_s"] for r in runs
        ),
        "baseline_rows_per_s": statistics.median(r["baseline"]["rows_per_s"] for r in runs),
        "ratio": statistics.median(r["ratio"] for r in runs),
    }
    print(f"  median: {json.dumps(medians)}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "rows": args.rows,
                "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
                "code": git_state(),
                "runs": runs,
                "median": medians,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
