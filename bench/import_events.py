"""Benchmark `outreach import-events`: generate a CSV, import it into a fresh database, twice.

    .venv/bin/python bench/import_events.py                      # 100,000 rows, SQLite
    .venv/bin/python bench/import_events.py --rows 20000 \\
        --postgresql postgresql://postgres@127.0.0.1:5432/postgres  # a fresh db, dropped after
    .venv/bin/python bench/import_events.py --rows 5000 --profile  # cProfile the first import

The database gets one active policy (an SMS 20 hours after an install, in a 17:00-20:00
window); 80% of the rows are installs (each plans a check-in), 20% repairs (no policy), and
1% have an invalid phone number. The first import creates everything; the second finds every
event already present. Times are wall-clock, in this process, through the same functions the
command calls (open_csv, import_events).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from outreach.events.importer import COLUMNS  # noqa: E402

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


def _import(app, path: Path, profile: str | None) -> tuple[float, object]:
    from outreach.events.importer import import_events, open_csv, quiet_row_logs
    from outreach.extensions import db

    with app.app_context(), quiet_row_logs():
        started = time.perf_counter()
        source = open_csv(path)
        checked = time.perf_counter() - started
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        report = import_events(source)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats(profile).print_stats(30)
        elapsed = time.perf_counter() - started
        db.session.remove()
    print(f"    checking the file: {checked:.2f} s")
    return elapsed, report


def run(rows: int, database_url: str, instance: Path, profile: str | None) -> None:
    """Generate, migrate, add the policy, import twice, print the figures."""
    from outreach import create_app
    from outreach.models import CheckIn

    env = {
        "DATABASE_URL": database_url,
        "OUTREACH_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench",
        "OUTREACH_TRANSPORT": "outbox",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # never contacted: importing needs no Redis
    }
    _migrate(env)
    csv_path = instance / "events.csv"
    generate(csv_path, rows)
    app = create_app({"ENV": env, "INSTANCE_PATH": str(instance)})
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
    size = csv_path.stat().st_size / 1e6
    print(f"{rows} rows ({size:.1f} MB) into {sa.engine.make_url(database_url).get_backend_name()}")
    for label in ("first import", "second import (all present)"):
        elapsed, report = _import(app, csv_path, profile if label == "first import" else None)
        print(f"  {label}: {elapsed:.1f} s, {rows / elapsed:,.0f} rows/s — {report.summary()}")
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count(CheckIn.id)))
        db.session.remove()
        db.engine.dispose()
    print(f"  check-ins planned: {count}")


def main() -> None:
    """Parse arguments and run on SQLite, or on a fresh PostgreSQL database dropped after."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgresql", metavar="URL", help="server to create a fresh db on")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="cumulative",
        metavar="SORT",
        help="cProfile the first import; print the top 30 by SORT (cumulative, tottime)",
    )
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    try:
        if not args.postgresql:
            run(args.rows, f"sqlite:///{instance / 'bench.db'}", instance, args.profile)
            return
        admin_url = sa.engine.make_url(args.postgresql).set(drivername="postgresql+psycopg")
        name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = admin_url.set(database=name).render_as_string(hide_password=False)
            run(args.rows, url, instance, args.profile)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
