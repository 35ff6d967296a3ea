"""Benchmark the pages people live in at two sizes: do they stay flat in the data's size?

    .venv/bin/python bench/pages.py                          # 10,000 then 1,000,000 check-ins
    .venv/bin/python bench/pages.py --sizes 10000,100000 --repeat 50 --rounds 5

For each size: a fresh PostgreSQL database (created on the server of --postgresql, migrated
with `outreach db upgrade`, dropped afterwards) filled by COPY: 100,000 customers, 25 reps,
five policies (four SMS, one rep call), size/4 events and `size` check-ins due over 400 days
(the past 90 % delivered, answered, failed or canceled with their transitions, ~3.4 per
check-in; the future 10 % scheduled; one in twenty a rep call), a message per check-in that
went out, a reply per answered one, a follow-up per ten replies, and for the first rep ~150
calls and ~50 follow-ups due in the coming week (~200 items on /rep). Then `outreach
rebuild-figures` (timed) and VACUUM ANALYZE (what autovacuum does to a table that has settled).
Every size filled first, the sizes are then measured in turns, --rounds rounds alternating
which goes first (both see the same load), each round through the Flask test client of a
fresh app, --repeat/--rounds times each after 5 warm-ups: the
dashboard, the attention list, the queue, messages (first page and page 50), follow-ups, the
customer directory (first page and page 50), conversations (first page and page 50), opt-outs,
and /rep as the first rep (--pages picks some). Prints p50/p95 per page and size and the p95
ratio largest/smallest (flat: near 1), with the load average; writes bench/results/pages.json
(with --pages, pages-<names>.json).
"""

from __future__ import annotations

import argparse
import json
import os
import re
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

RESULTS = ROOT / "bench" / "results" / "pages.json"
CUSTOMERS, REPS, SMS_POLICIES = 100_000, 25, 4
PAST = ("delivered", "answered", "delivered", "failed", "canceled")
CLASSES = ("positive", "positive", "neutral", "negative", "urgent", "question")
FOLLOWUP_STATES = ("done", "done", "open", "overdue", "done")
REP_CALLS, REP_FOLLOWUPS = 150, 50  #: the first rep's items due in the coming week
PAGES = (
    "dashboard",
    "attention",
    "queue",
    "messages",
    "messages_page_50",
    "followups",
    "customers",
    "customers_page_50",
    "conversations",
    "conversations_page_50",
    "optouts",
    "rep",
)


def _transitions(status: str, due: datetime) -> list[tuple]:
    """(from, to, at) of a check-in's life up to `status`."""
    steps = [(None, "scheduled", due - timedelta(hours=20))]
    if status == "scheduled":
        return steps
    if status in ("canceled", "done", "missed"):
        return [*steps, ("scheduled", status, due)]
    steps.append(("scheduled", "sending", due))
    if status == "failed":
        return [*steps, ("sending", "failed", due + timedelta(seconds=2))]
    steps.append(("sending", "sent", due + timedelta(seconds=1)))
    if status == "answered":
        return [*steps, ("sent", "answered", due + timedelta(hours=1))]
    return [*steps, ("sent", status, due + timedelta(seconds=20))]


def fill(url: str, size: int) -> dict:
    """COPY the data set in; returns seconds spent and counts."""
    started = time.perf_counter()
    engine = sa.create_engine(url)
    now = datetime.now(UTC)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for n in range(REPS):
            cur.execute(
                "INSERT INTO users (id, email, name, role, phone, is_active_user, is_away,"
                " session_version, created_at) VALUES (%s, %s, %s, 'rep', %s, true, false, 0, %s)",
                (n + 1, f"rep{n}@bench.example", f"Rep {n}", f"+1415444{n:04d}", now),
            )
        for n in range(SMS_POLICIES + 1):
            channel = "sms" if n < SMS_POLICIES else "rep_call"
            cur.execute(
                "INSERT INTO policies (id, name, event_type, channel, delay, template,"
                " skip_if_answered, is_active, is_deleted, created_at, updated_at)"
                " VALUES (%s, %s, 'install', %s, 'PT0S', 'Hi', false, true, false, %s, %s)",
                (n + 1, f"policy {n}", channel, now, now),
            )
        with cur.copy(
            "COPY customers (id, external_id, name, phone, timezone, is_opted_out,"
            " is_wrong_number, is_happy, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(CUSTOMERS):
                phone = f"+1415{i:07d}"
                name = f"Customer {i * 7919 % CUSTOMERS:06d}"
                copy.write_row(
                    (i + 1, f"c{i}", name, phone, "UTC", i % 500 == 0, False, False, now, now)
                )
        events = size // SMS_POLICIES
        with cur.copy(
            "COPY service_events (id, external_id, type, occurred_at, customer_id, rep_id, source,"
            " created_at) FROM STDIN"
        ) as copy:
            for i in range(events + REP_CALLS):
                rep = i % REPS + 1
                copy.write_row((i + 1, f"e{i}", "install", now, i % CUSTOMERS + 1, rep, "api", now))
        span = 400 * 86_400
        checkin_rows, transition_rows, message_rows, reply_rows, followup_rows = [], [], [], [], []
        for i in range(events * SMS_POLICIES):
            event = i // SMS_POLICIES
            due = now + timedelta(seconds=(i * 7919 % size) * span // size - span * 9 // 10)
            rep_call = i % 20 == 7
            status = "scheduled" if due > now else PAST[i % len(PAST)]
            if rep_call and status != "scheduled":
                status = ("done", "done", "missed")[i % 3]
            channel = "rep_call" if rep_call else "sms"
            policy = SMS_POLICIES + 1 if rep_call else i % SMS_POLICIES + 1
            customer = event % CUSTOMERS + 1
            rep = event % REPS + 1
            deadline = due + timedelta(hours=4) if rep_call else None
            checkin_rows.append(
                (i + 1, event + 1, customer, policy, rep, channel, status, due, deadline)
            )
            for old, new, at in _transitions(status, due):
                transition_rows.append((i + 1, old, new, at))
            if status in ("delivered", "answered", "failed"):
                message_rows.append((i + 1, customer, status, due))
            if status == "answered":
                reply_rows.append((i + 1, customer, CLASSES[i % len(CLASSES)], due))
                if len(reply_rows) % 10 == 0:
                    state = FOLLOWUP_STATES[i % len(FOLLOWUP_STATES)]
                    followup_rows.append((customer, i + 1, rep, state, due + timedelta(days=1)))
        first = events * SMS_POLICIES
        for n in range(REP_CALLS):  # the first rep's calls due this coming week
            due = now + timedelta(hours=1 + n)
            checkin_rows.append(
                (first + n + 1, events + n + 1, n + 1, SMS_POLICIES + 1, 1, "rep_call",
                 "scheduled", due, due + timedelta(hours=4))
            )  # fmt: skip
            transition_rows.append((first + n + 1, None, "scheduled", now))
        for n in range(REP_FOLLOWUPS):
            followup_rows.append((n + 1, None, 1, "open", now + timedelta(hours=2 + 3 * n)))
        with cur.copy(
            "COPY checkins (id, event_id, customer_id, policy_id, rep_id, channel, status,"
            " status_reason, due_at, deadline_at, timing_reason, earliest_at, timezone, attempts,"
            " created_at, updated_at) FROM STDIN"
        ) as copy:
            for cid, event, customer, policy, rep, channel, status, due, deadline in checkin_rows:
                copy.write_row(
                    (cid, event, customer, policy, rep, channel, status, "bench", due, deadline,
                     "bench", due, "UTC", 0, now, now)
                )  # fmt: skip
        with cur.copy(
            "COPY checkin_transitions (checkin_id, from_status, to_status, reason, created_at)"
            " FROM STDIN"
        ) as copy:
            for cid, old, new, at in transition_rows:
                copy.write_row((cid, old, new, "bench", at))
        with cur.copy(
            "COPY messages (direction, kind, checkin_id, customer_id, to_number, body, twilio_sid,"
            " status, is_flagged, created_at, updated_at) FROM STDIN"
        ) as copy:
            for cid, customer, status, at in message_rows:
                copy.write_row(
                    ("outbound", "checkin", cid, customer, f"+1415{customer - 1:07d}",
                     "Hi, how did the install go?", f"SM{cid:032x}", status, False, at, at)
                )  # fmt: skip
        with cur.copy(
            "COPY replies (checkin_id, customer_id, source, text, triage_class, is_unsolicited,"
            " created_at) FROM STDIN"
        ) as copy:
            for cid, customer, triage_class, at in reply_rows:
                replied_at = at + timedelta(hours=1)
                copy.write_row((cid, customer, "sms", "ok", triage_class, False, replied_at))
        with cur.copy(
            "COPY followups (customer_id, checkin_id, owner_id, kind, priority, state, title,"
            " due_at, done_at, created_at, updated_at) FROM STDIN"
        ) as copy:
            for customer, cid, owner, state, due in followup_rows:
                done = due - timedelta(hours=2) if state == "done" else None
                copy.write_row(
                    (customer, cid, owner, "issue", "normal", state, "Check the thermostat",
                     due, done, now, now)
                )  # fmt: skip
        top = max(size + REP_CALLS, CUSTOMERS) + 1
        for table in ("users", "policies", "customers", "service_events", "checkins"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {top})")
        raw.commit()
        counts = {
            "rows_transitions": len(transition_rows),
            "rows_messages": len(message_rows),
            "rows_replies": len(reply_rows),
            "rows_followups": len(followup_rows),
        }
    finally:
        raw.close()
        engine.dispose()
    return {"fill_s": round(time.perf_counter() - started, 1), **counts}


def vacuum(url: str) -> None:
    """VACUUM ANALYZE every table (outside a transaction)."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def _after(html: str, name: str) -> str | None:
    """The value of the `name` query parameter of the page's "next" link."""
    found = re.search(rf'href="[^"]*[?&]{name}=([^"&]+)', html)
    return found.group(1) if found else None


def _walk(client, url: str, name: str, pages: int) -> str:
    """The URL of page `pages` of a list paged by `name`, walked through its next links."""
    current = url
    for _ in range(pages - 1):
        html = client.get(current).get_data(as_text=True)
        value = _after(html, name)
        assert value, (current, "no next link")
        current = f"{url}{'&' if '?' in url else '?'}{name}={value}"
    return current


def _times(client, url: str, repeat: int) -> list[float]:
    """`repeat` GET times of url in ms (after 5 warm-ups), each answered 200."""
    for _ in range(5):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.data[:300])
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def summary(times: list[float]) -> dict:
    """p50/p95 in ms, as bench/list_pages.py's timed() gives them."""
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
    }


def measure(url: str, redis_url: str, repeat: int, pages: tuple[str, ...] = PAGES) -> dict:
    """Times in ms of these pages (all by default) on the app over this database, and /rep's
    size in KB."""
    from web_helpers import make_user, sign_in

    from outreach import create_app
    from outreach.company.settings import get_company_settings
    from outreach.extensions import db
    from outreach.models import User

    os.environ.update(DATABASE_URL=url, REDIS_URL=redis_url, SECRET_KEY="bench")
    app = create_app()
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
        admin = admin or make_user("admin", email="bench-admin@example.com")
        # a business has its settings row (the first settings form saves it); without it every
        # page inserted the defaults and rolled them back, two statements more than served
        get_company_settings()
        db.session.commit()
        rep = db.session.get(User, 1)
        page, rep_client = app.test_client(), app.test_client()
        sign_in(page, admin)
        sign_in(rep_client, rep)
        db.session.remove()
    # each request in its own app context, as when served: no session or signed-in user shared
    urls = {
        "dashboard": "/admin/dashboard",
        "attention": "/admin",
        "queue": "/admin/queue",
        "messages": "/admin/messages",
        "messages_page_50": lambda: _walk(page, "/admin/messages", "before", 50),
        "followups": "/admin/followups",
        "customers": "/admin/customers",
        "customers_page_50": lambda: _walk(page, "/admin/customers", "after", 50),
        "conversations": "/admin/conversations",
        "conversations_page_50": lambda: _walk(page, "/admin/conversations", "after", 50),
        "optouts": "/admin/optouts",
    }
    result: dict = {
        name: _times(page, target() if callable(target) else target, repeat)
        for name, target in urls.items()
        if name in pages
    }
    if "rep" in pages:
        first = rep_client.get("/rep")
        main_part = first.data[first.data.find(b"<main") :][:1500]
        assert first.status_code == 200 and b"Log the outcome" in first.data, main_part
        result["rep"] = _times(rep_client, "/rep", repeat)
        result["rep_html_kb"] = round(len(first.data) / 1024)
    with app.app_context():
        db.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", help="check-in counts, smallest first")
    parser.add_argument("--repeat", type=int, default=100, help="requests per page and size")
    parser.add_argument("--rounds", type=int, default=5, help="the repeats split into rounds")
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--pages", default=",".join(PAGES), help="which pages, comma-separated")
    parser.add_argument("--keep", action="store_true", help="keep the last database, print it")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pages = tuple(p for p in PAGES if p in args.pages.split(","))
    runs: dict[int, dict] = {}
    databases: dict[int, tuple[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["OUTREACH_INSTANCE_PATH"] = str(Path(tmp) / "instance")
        try:
            for size in sizes:  # every database filled first, then measured in turns
                url, name = create_database(args.postgresql)
                databases[size] = (url, name)
                env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": args.redis}
                env["SECRET_KEY"] = "bench"
                outreach = [sys.executable, "-m", "outreach"]
                run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True}
                subprocess.run([*outreach, "db", "upgrade"], **run)
                filled = fill(url, size)
                started = time.perf_counter()
                subprocess.run([*outreach, "rebuild-figures"], **run)
                filled["rebuild_figures_s"] = round(time.perf_counter() - started, 1)
                vacuum(url)
                runs[size] = filled
                print(json.dumps({"size": size, **filled}), flush=True)
            # the sizes interleaved, round by round (in turn first), so both see the same load
            times: dict[int, dict[str, list[float]]] = {size: {} for size in sizes}
            loads = []
            per_round = max(1, args.repeat // args.rounds)
            for n in range(args.rounds):
                for size in sizes if n % 2 == 0 else sizes[::-1]:
                    loads.append(load_average()[0])
                    result = measure(databases[size][0], args.redis, per_round, pages)
                    runs[size]["rep_html_kb"] = result.pop("rep_html_kb", None)
                    for page, samples in result.items():
                        times[size].setdefault(page, []).extend(samples)
            loads.append(load_average()[0])
            for size in sizes:
                runs[size]["load_1min_during"] = [min(loads), max(loads)]
                runs[size].update({page: summary(times[size][page]) for page in pages})
                print(json.dumps({"size": size, **runs[size]}), flush=True)
        finally:
            for size, (url, name) in databases.items():
                if args.keep and size == sizes[-1]:
                    print(f"kept {url}", flush=True)
                else:
                    drop_database(args.postgresql, name)
    small, large = runs[sizes[0]], runs[sizes[-1]]  # (equal sizes: the same run)
    ratios = {page: round(large[page]["p95_ms"] / small[page]["p95_ms"], 2) for page in pages}
    print(json.dumps({"p95_ratio_largest_to_smallest": ratios}), flush=True)
    results = RESULTS if pages == PAGES else RESULTS.with_name(f"pages-{'-'.join(pages)}.json")
    results.parent.mkdir(exist_ok=True)
    results.write_text(json.dumps({"runs": runs, "p95_ratio": ratios}, indent=2) + "\n")


if __name__ == "__main__":
    main()
