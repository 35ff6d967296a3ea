"""Benchmark the check-in lists at two sizes: are their pages flat in the table's size?

    .venv/bin/python bench/list_pages.py                          # 10,000 then 1,000,000
    .venv/bin/python bench/list_pages.py --sizes 10000,200000 --repeat 100

For each size: a fresh PostgreSQL database (created on the server of --postgresql, migrated
with `outreach db upgrade`, dropped afterwards) filled by COPY with `size` check-ins (four SMS
policies, size/4 events, 1,000 customers; due times spread over 400 days, the past 90 %
delivered, answered, failed or canceled, the future 10 % scheduled), then ANALYZE. Then,
through the Flask test client of one app, --repeat times each (after 5 warm-up requests):
`GET /api/v1/checkins?limit=50` (first page), the same with the cursor of page 50 (walked once
from the first page) and `GET /admin/queue` signed in as an admin (the "upcoming" view, 50
rows). Prints p50/p95 per size and the ratio largest/smallest (flat in size: near 1), with the
load average before and after; writes bench/results/list_pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
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
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch import create_database, drop_database, load_average  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "list_pages.json"
PAST = ("delivered", "answered", "delivered", "failed", "canceled")
CUSTOMERS, POLICIES = 1_000, 4
FLAGS = (False, False, False)  #: is_opted_out, is_wrong_number, is_happy


def fill(url: str, size: int) -> float:
    """COPY `size` check-ins (and their policies, events, customers) in; ANALYZE; seconds."""
    started = time.perf_counter()
    engine = sa.create_engine(url)
    now = datetime.now(UTC)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for n in range(POLICIES):
            cur.execute(
                "INSERT INTO policies (id, name, event_type, channel, delay, template,"
                " skip_if_answered, is_active, is_deleted, created_at, updated_at)"
                " VALUES (%s, %s, 'install', 'sms', 'PT0S', 'Hi', false, true, false, %s, %s)",
                (n + 1, f"policy {n}", now, now),
            )
        with cur.copy(
            "COPY customers (id, external_id, name, phone, timezone, is_opted_out,"
            " is_wrong_number, is_happy, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(CUSTOMERS):
                phone = f"+1415555{i:04d}"
                copy.write_row((i + 1, f"c{i}", f"Customer {i}", phone, "UTC", *FLAGS, now, now))
        events = size // POLICIES
        with cur.copy(
            "COPY service_events (id, external_id, type, occurred_at, customer_id, source,"
            " created_at) FROM STDIN"
        ) as copy:
            for i in range(events):
                copy.write_row((i + 1, f"e{i}", "install", now, i % CUSTOMERS + 1, "api", now))
        span = 400 * 86_400
        with cur.copy(
            "COPY checkins (id, event_id, customer_id, policy_id, channel, status, status_reason,"
            " due_at, timing_reason, earliest_at, timezone, attempts, created_at, updated_at)"
            " FROM STDIN"
        ) as copy:
            for i in range(events * POLICIES):
                event = i // POLICIES
                due = now + timedelta(seconds=(i * 7919 % size) * span // size - span * 9 // 10)
                status = "scheduled" if due > now else PAST[i % len(PAST)]
                ids = (i + 1, event + 1, event % CUSTOMERS + 1, i % POLICIES + 1)
                texts = ("bench", due, "bench", due, "UTC", 0, now, now)
                copy.write_row((*ids, "sms", status, *texts))
        for table in ("policies", "customers", "service_events", "checkins"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {size + 1})")
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - started


def timed(client, url: str, repeat: int, **kwargs) -> dict:
    """p50/p95 in ms of `repeat` GETs of url (after 5 warm-ups), each answered 200."""
    for _ in range(5):
        response = client.get(url, **kwargs)
        assert response.status_code == 200, (url, response.status_code, response.data[:300])
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
    }


def measure(url: str, redis_url: str, repeat: int) -> dict:
    """Time the three pages on the app over this database."""
    from web_helpers import make_user, sign_in

    from outreach import create_app
    from outreach.auth.accounts import create_token
    from outreach.extensions import db

    os.environ.update(DATABASE_URL=url, REDIS_URL=redis_url, SECRET_KEY="bench")
    app = create_app()
    with app.app_context():
        _, token = create_token("bench")
        admin = make_user("admin")
        api = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        first = "/api/v1/checkins?limit=50"
        cursor_url = first
        for _ in range(49):
            cursor = api.get(cursor_url, headers=headers).get_json()["next_cursor"]
            cursor_url = f"{first}&cursor={cursor}"
        page = app.test_client()
        sign_in(page, admin)
        result = {
            "api_first_page": timed(api, first, repeat, headers=headers),
            "api_page_50": timed(api, cursor_url, repeat, headers=headers),
            "admin_queue": timed(page, "/admin/queue", repeat),
        }
        db.session.remove()
        db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", help="check-in counts, smallest first")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["OUTREACH_INSTANCE_PATH"] = str(Path(tmp) / "instance")
        for size in sizes:
            url, name = create_database(args.postgresql)
            try:
                env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": args.redis}
                env["SECRET_KEY"] = "bench"
                subprocess.run(
                    [sys.executable, "-m", "outreach", "db", "upgrade"],
                    env=env,
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
                seconds = fill(url, size)
                before = load_average()
                result = measure(url, args.redis, args.repeat)
                runs[size] = {
                    "fill_s": round(seconds, 1),
                    "load_before": before,
                    "load_after": load_average(),
                    **result,
                }
                print(json.dumps({"size": size, **runs[size]}), flush=True)
            finally:
                drop_database(args.postgresql, name)
    small, large = runs[sizes[0]], runs[sizes[-1]]
    ratios = {
        page: round(large[page]["p95_ms"] / small[page]["p95_ms"], 2)
        for page in ("api_first_page", "api_page_50", "admin_queue")
    }
    print(json.dumps({"p95_ratio_largest_to_smallest": ratios}), flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"runs": runs, "p95_ratio": ratios}, indent=2) + "\n")


if __name__ == "__main__":
    main()
