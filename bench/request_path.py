"""Benchmark the per-request path under gunicorn against a minimal Flask insert endpoint.

    .venv/bin/python bench/request_path.py                    # 3 repetitions of 1,500 requests
    .venv/bin/python bench/request_path.py --requests 3000 --repeat 5 --clients 8

Three servers, each `gunicorn -w 4` as docs/operations.md recommends, on fresh PostgreSQL
databases (created on the server of --postgresql, dropped after):

- Outreach with one active SMS policy for installs: `POST /api/v1/events` (a new customer, a
  known rep, the check-in planned) and the signed inbound SMS webhook (a reply from a customer
  whose check-in was texted, triaged and acted on; an acknowledgement queued in Redis);
- the baseline: a minimal Flask + Flask-SQLAlchemy app whose one endpoint parses the same JSON
  and inserts a customer and an event (two tables, one commit).

Each repetition sends --requests API events, the same number of baseline requests and of
signed webhooks, from --clients threads with keep-alive connections, in --slices turns (a
slice of each kind in turn, so that a change of load on the shared machine falls on all three
alike; a kind's rate is its requests over the time spent sending them). The signatures and
bodies are made before the clock starts. Prints req/s and p50 of each, the ratios to the
baseline, the medians and the load average; writes bench/results/request_path.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from dispatch import create_database, drop_database, git_state, load_average  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "request_path.json"
WORKERS = 4


def baseline_app():
    """The baseline: one endpoint inserting a customer and an event from the event JSON."""
    from flask import Flask, jsonify, request
    from flask_sqlalchemy import SQLAlchemy

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BASELINE_DATABASE_URL"]
    db = SQLAlchemy(app)

    class Customer(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        external_id = db.Column(db.String(200), unique=True)
        name = db.Column(db.String(200))
        phone = db.Column(db.String(20))

    class Event(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        external_id = db.Column(db.String(200), unique=True)
        type = db.Column(db.String(64))
        occurred_at = db.Column(db.DateTime(timezone=True))
        customer_id = db.Column(db.ForeignKey(Customer.id))
        customer = db.relationship(Customer)

    @app.post("/events")
    def events():
        data = request.get_json()
        customer = Customer(
            external_id=data["customer"]["external_id"],
            name=data["customer"]["name"],
            phone=data["customer"]["phone"],
        )
        event = Event(
            external_id=data["external_id"],
            type=data["type"],
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            customer=customer,
        )
        db.session.add(event)
        db.session.commit()
        return jsonify(id=event.id, customer_id=customer.id), 201

    return app


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app_spec: str, env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--chdir", str(ROOT), app_spec],
        env={**os.environ, **env, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn {app_spec} exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn {app_spec} did not start")


def _send(
    port: int, requests: list[tuple[str, bytes, dict]], clients: int
) -> tuple[float, list[float]]:
    """Send the requests from `clients` threads with keep-alive connections; the elapsed time
    and each request's latency in seconds; all must be 2xx."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    parts = [requests[n::clients] for n in range(clients)]

    def run(part) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        try:
            for path, body, headers in part:
                started = time.perf_counter()
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                if response.status >= 300:
                    failures.append(f"{path}: {response.status}")
        except OSError as exc:
            failures.append(f"{path}: {exc}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(part,)) for part in parts]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[:3]}")
    return elapsed, latencies


def _stats(count: int, elapsed: float, latencies: list[float]) -> dict:
    """req/s, p50 and p95 in ms."""
    latencies = sorted(latencies)
    return {
        "requests": count,
        "req_per_s": round(count / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
    }


def _load(port: int, requests: list[tuple[str, bytes, dict]], clients: int) -> dict:
    """Send the requests (see _send); req/s, p50 and p95 in ms."""
    return _stats(len(requests), *_send(port, requests, clients))


def _interleaved(kinds: dict[str, tuple[int, list]], clients: int, slices: int) -> dict:
    """Send each kind's requests ({kind: (port, requests)}) in `slices` turns, the kinds one
    after the other within a turn, so that a change of load on the machine falls on every kind
    alike; per kind its req/s (its requests over the time spent sending them), p50 and p95."""
    spent = {kind: [0.0, []] for kind in kinds}
    for turn in range(slices):
        for kind, (port, requests) in kinds.items():
            elapsed, latencies = _send(port, requests[turn::slices], clients)
            spent[kind][0] += elapsed
            spent[kind][1].extend(latencies)
    return {
        kind: _stats(len(kinds[kind][1]), elapsed, latencies)
        for kind, (elapsed, latencies) in spent.items()
    }


def _event(tag: str, n: int) -> dict:
    return {
        "external_id": f"{tag}-{n}",
        "type": "install",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "customer": {
            "external_id": f"{tag}-c-{n}",
            "name": f"Customer {n}",
            "phone": f"+1312{5550000 + n % 10000:07d}",
        },
        "rep": {"email": "rep@example.com", "name": "Rep"},
    }


def _events(tag: str, count: int, token: str | None) -> list[tuple[str, bytes, dict]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    path = "/api/v1/events" if token else "/events"
    return [(path, json.dumps(_event(tag, n)).encode(), headers) for n in range(count)]


def _prepare(env: dict[str, str], customers: int) -> tuple[str, list[str]]:
    """The policy, an API token and `customers` customers each with a check-in just texted."""
    from outreach import create_app
    from outreach.auth.accounts import create_token
    from outreach.events.ingest import ingest_events
    from outreach.extensions import db
    from outreach.models import CheckIn, Message, utcnow
    from outreach.scheduling.policies import create_policy

    app = create_app({"ENV": env, "INSTANCE_PATH": env["OUTREACH_INSTANCE_PATH"]})
    with app.app_context():
        create_policy(
            {
                "name": "Install text",
                "event_type": "install",
                "channel": "sms",
                "delay": "PT0S",
                "template": "Hi {{ customer.name }}, how did it go?",
            }
        )
        _, token = create_token("bench")
        now = utcnow()
        outcomes = ingest_events([_event("seed", n) for n in range(customers)], "api", now)
        phones = []
        for outcome in outcomes:
            checkin = outcome.checkins[0]
            db.session.execute(
                sa.update(CheckIn).where(CheckIn.id == checkin.id).values(status="sent")
            )
            db.session.add(
                Message(
                    direction="outbound",
                    kind="checkin",
                    checkin_id=checkin.id,
                    customer_id=outcome.event.customer_id,
                    to_number=outcome.event.customer.phone,
                    body="Hi, how did it go?",
                    status="sent",
                    created_at=now,
                    updated_at=now,
                )
            )
            phones.append(outcome.event.customer.phone)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return token, phones


def _webhooks(env: dict[str, str], tag: str, phones: list[str], count: int) -> list:
    from outreach import create_app
    from outreach.messaging.signatures import sign

    app = create_app({"ENV": env, "INSTANCE_PATH": env["OUTREACH_INSTANCE_PATH"]})
    path = "/twilio/sms/inbound"
    out = []
    with app.app_context():
        for n in range(count):
            params = {
                "MessageSid": f"SM{tag}{n:0{32 - len(tag)}d}",  # 34 characters, unique
                "AccountSid": "AC" + "0" * 32,
                "From": phones[n % len(phones)],
                "To": "+15005550006",
                "Body": "All good, thanks! The water heater works great.",
                "NumMedia": "0",
                "NumSegments": "1",
            }
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign(path, params),
            }
            out.append((path, urllib.parse.urlencode(params).encode(), headers))
    return out


def _profile(
    prefix: str, server: subprocess.Popen, port: int, clients: int, what: str, requests: list
) -> None:
    """Send `requests` while py-spy samples every gunicorn worker; raw folded stacks to a file."""
    import signal

    out = f"{prefix}-{what}.txt"
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "-p",
            str(server.pid),
            "--subprocesses",
            "-f",
            "raw",
            "-o",
            out,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2)  # attached
    result = _load(port, requests, clients)
    spy.send_signal(signal.SIGINT)
    spy.wait(timeout=60)
    print(json.dumps({"profiled": what, "file": out, **result}), flush=True)


def main() -> None:
    """Start the servers, run the repetitions interleaved, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--slices",
        type=int,
        default=6,
        help="each repetition sends API events, baseline and webhooks in this many turns, "
        "interleaved (1: all of one kind, then the next)",
    )
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument(
        "--py-spy",
        metavar="PREFIX",
        help="after the warm-up, profile Outreach's workers with py-spy while it serves "
        "--requests API events and webhooks (PREFIX-api.txt, PREFIX-webhook.txt, raw folded "
        "stacks); then the repetitions as usual",
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    outreach_url, outreach_db = create_database(args.postgresql)
    baseline_url, baseline_db = create_database(args.postgresql)
    port, base_port = _port(), _port()
    env = {
        "DATABASE_URL": outreach_url,
        "REDIS_URL": args.redis,
        "SECRET_KEY": "bench",
        "OUTREACH_TRANSPORT": "outbox",
        "OUTREACH_INSTANCE_PATH": str(tmp / "instance"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    servers = []
    runs = []
    try:
        subprocess.run(
            [sys.executable, "-m", "outreach", "db", "upgrade"],
            env={**os.environ, **env},
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        token, phones = _prepare(env, customers=500)
        servers.append(_serve("wsgi:app", env, port, tmp / "outreach.log"))
        base_env = {"BASELINE_DATABASE_URL": baseline_url}
        os.environ.update(base_env)
        baseline = baseline_app()
        with baseline.app_context():
            baseline.extensions["sqlalchemy"].create_all()
            baseline.extensions["sqlalchemy"].engine.dispose()
        servers.append(_serve("request_path:baseline_app()", base_env, base_port, tmp / "b.log"))
        warm = args.clients * WORKERS * 5
        _load(port, _events("warm", warm, token), args.clients)
        _load(base_port, _events("warm", warm, None), args.clients)
        _load(port, _webhooks(env, "warm", phones, warm), args.clients)
        if args.py_spy:
            _profile(
                args.py_spy,
                servers[0],
                port,
                args.clients,
                "api",
                _events("spy", args.requests, token),
            )
            _profile(
                args.py_spy,
                servers[0],
                port,
                args.clients,
                "webhook",
                _webhooks(env, "spy", phones, args.requests),
            )
        for rep in range(args.repeat):
            api_requests = _events(f"r{rep}", args.requests, token)
            base_requests = _events(f"r{rep}", args.requests, None)
            hooks = _webhooks(env, f"r{rep}", phones, args.requests)
            run = {"load_before": load_average()}
            kinds = {
                "api_events": (port, api_requests),
                "baseline": (base_port, base_requests),
                "webhook": (port, hooks),
            }
            run.update(_interleaved(kinds, args.clients, args.slices))
            run["load_after"] = load_average()
            base = run["baseline"]["req_per_s"]
            run["ratio_api"] = round(run["api_events"]["req_per_s"] / base, 3)
            run["ratio_webhook"] = round(run["webhook"]["req_per_s"] / base, 3)
            runs.append(run)
            print(json.dumps({"repetition": rep + 1, **run}), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        drop_database(args.postgresql, outreach_db)
        drop_database(args.postgresql, baseline_db)
    if not runs:  # --repeat 0: a profile only
        return
    medians = {
        key: statistics.median(r[key] for r in runs) for key in ("ratio_api", "ratio_webhook")
    }
    for what in ("api_events", "baseline", "webhook"):
        medians[f"{what}_req_per_s"] = statistics.median(r[what]["req_per_s"] for r in runs)
        medians[f"{what}_p50_ms"] = statistics.median(r[what]["p50_ms"] for r in runs)
    print(json.dumps({"median": medians}), flush=True)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "requests": args.requests,
                "clients": args.clients,
                "slices": args.slices,
                "gunicorn_workers": WORKERS,
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
