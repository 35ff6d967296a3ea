"""Per-sender rate limit across threads and processes, measured where Twilio would see it."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
import threading
import uuid

import pytest
import redis
from fake_twilio import SEND_AT

from outreach.messaging import send_checkins
from outreach.messaging.ratelimit import RateLimiter, Slots

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMITER = os.path.join(ROOT, "outreach", "messaging", "ratelimit.py")


def _max_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_reservations_are_spaced_evenly_per_key_on_redis_clock(redis_url):
    conn = redis.Redis.from_url(redis_url)
    limiter = RateLimiter(conn, rate_per_second=10)
    key = f"test-{uuid.uuid4().hex}"
    waits = [limiter.reserve(key) for _ in range(5)]
    assert waits[0] == pytest.approx(0, abs=0.02)
    for earlier, later in itertools.pairwise(waits):
        assert later - earlier == pytest.approx(0.1, abs=0.02)
    assert limiter.reserve(key + "-other-sender") == pytest.approx(0, abs=0.02)
    slow = RateLimiter(conn, rate_per_second=0.5)
    slow.reserve(key + "-slow")
    assert slow.reserve(key + "-slow") == pytest.approx(2.0, abs=0.05)
    with pytest.raises(ValueError):
        RateLimiter(conn, rate_per_second=0)


def test_slots_are_reserved_a_block_at_a_time_and_never_overlap_another_senders(redis_url):
    conn = redis.Redis.from_url(redis_url)
    limiter = RateLimiter(conn, rate_per_second=100)
    key = f"test-{uuid.uuid4().hex}"
    frozen = lambda: 0.0  # noqa: E731 - the waits are then the slots' offsets from now
    first, second = Slots(limiter, key, clock=frozen), Slots(limiter, key, clock=frozen)
    assert first.block == 10  # what 100/s lets out in 0.1 s
    first_waits = [first.next(wanted=50) for _ in range(10)]
    second_waits = [second.next(wanted=50) for _ in range(10)]
    assert first_waits == pytest.approx([n / 100 for n in range(10)], abs=0.01)
    assert second_waits == pytest.approx([0.1 + n / 100 for n in range(10)], abs=0.01)
    assert limiter.reserve(key) == pytest.approx(0.2, abs=0.01)  # two blocks, one call each
    few = Slots(limiter, key, clock=frozen)
    few.next(wanted=3)
    assert few.left == 2  # no more slots than sends to make
    assert limiter.reserve(key) == pytest.approx(0.24, abs=0.01)
    conn.close()


def test_threads_sending_check_ins_never_exceed_the_senders_rate(
    make_app, fake_twilio, make_sms_checkin
):
    rate, per_thread, threads = 20, 10, 4
    app = make_app(env=fake_twilio.env(OUTREACH_SEND_RATE=str(rate)))
    with app.app_context():
        ids = [make_sms_checkin(phone=f"+161255501{n:02d}").id for n in range(per_thread * threads)]
    results = []

    def worker(batch):
        with app.app_context():
            results.extend(o.result for o in send_checkins(batch, now=SEND_AT))

    workers = [threading.Thread(target=worker, args=(ids[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    times = [r.at for r in fake_twilio.created_messages()]
    assert results == ["sent"] * len(ids) and len(times) == len(ids)
    # Unlimited, 40 creates arrive within a fraction of a second; limited, they are 50 ms apart.
    assert _max_in_any_second(times) <= rate + 2
    assert max(times) - min(times) >= 0.9 * (len(ids) - 1) / rate


def test_processes_share_one_limit_through_redis(redis_url, fake_twilio):
    rate, per_process, processes = 15, 10, 3
    key = f"test-{uuid.uuid4().hex}"
    url = f"{fake_twilio.base_url}/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    script = textwrap.dedent(
        f"""
        import importlib.util, time, redis, requests
        spec = importlib.util.spec_from_file_location("ratelimit", {LIMITER!r})
        ratelimit = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ratelimit)  # the limiter alone: no app, no Flask
        conn = redis.Redis.from_url({redis_url!r})
        limiter = ratelimit.RateLimiter(conn, {rate})
        session = requests.Session()
        conn.incr({key!r} + ":ready")
        deadline = time.monotonic() + 30
        while int(conn.get({key!r} + ":ready")) < {processes} and time.monotonic() < deadline:
            time.sleep(0.01)  # a start line, so that every process competes from the first send
        for i in range({per_process}):
            limiter.acquire({key!r})
            response = session.post(
                {url!r},
                data={{"To": "+16125550100", "From": "+15017122661", "Body": str(i)}},
                auth=({fake_twilio.account_sid!r}, {fake_twilio.auth_token!r}),
                timeout=10,
            )
            assert response.status_code == 201, response.text
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT) for _ in range(processes)]
    assert [p.wait(timeout=60) for p in procs] == [0] * processes
    times = [r.at for r in fake_twilio.created_messages()]
    assert len(times) == per_process * processes
    assert _max_in_any_second(times) <= rate + 2
    assert max(times) - min(times) >= 0.9 * (len(times) - 1) / rate
