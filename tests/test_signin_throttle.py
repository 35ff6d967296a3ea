"""Sign-in throttling: waits per address, per account and per both, on a real Redis and an
injected clock; nobody can lock an account."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from web_helpers import isolated_client, make_user

from outreach.auth.services import SignInRefused, authenticate
from outreach.auth.throttle import (
    ACCOUNT,
    ADDRESS,
    MAX_WAIT,
    PAIR,
    SCOPES,
    SignInThrottled,
    Throttle,
    address_key,
    wait_after,
)
from outreach.runtime.queues import get_redis

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ATTACKER, REAL_USER = "203.0.113.66", "198.51.100.7"


def attempt(email: str, password: str, at: float, address: str = ATTACKER) -> str | int:
    """ "ok", "refused", or the seconds the throttle asks to wait; `at`: seconds after T0."""
    try:
        authenticate(email, password, T0 + timedelta(seconds=at), address)
    except SignInThrottled as exc:
        return exc.retry_after
    except SignInRefused:
        return "refused"
    return "ok"


def test_spraying_from_one_address_is_throttled_across_accounts(app, db):
    users = [make_user("rep") for _ in range(ADDRESS.free + 1)]
    emails = [u.email for u in users]
    assert [attempt(email, "Winter2026!", 0) for email in emails] == ["refused"] * len(emails)
    assert attempt("one.more@example.com", "Winter2026!", 0) == 1  # a new account: still waits
    assert attempt(users[0].email, PASSWORD, 0) == 1  # even a right password from there waits
    assert attempt("one.more@example.com", "Winter2026!", 1) == "refused"
    assert attempt("and.another@example.com", "Winter2026!", 1) == 2  # the wait doubles
    assert attempt(users[0].email, PASSWORD, 0, address=REAL_USER) == "ok"  # elsewhere: fine


def test_hammering_an_account_from_one_address_does_not_keep_the_real_user_out(app, db):
    rep = make_user("rep")
    at, guesses, waits = 0.0, 0, []
    while guesses < 15:  # the attacker waits exactly as long as told, then guesses again
        result = attempt(rep.email, "guess", at)
        if result == "refused":
            guesses += 1
        else:
            waits.append(result)
            at += result
    assert waits[:6] == [1, 2, 4, 8, 16, 32]
    assert max(waits) >= 128
    assert isinstance(attempt(rep.email, PASSWORD, at), int)  # from the attacker's address
    assert attempt(rep.email, PASSWORD, at, address=REAL_USER) == "ok"


def test_a_success_resets_the_wait_for_that_account_and_address(app, db):
    rep = make_user("rep")
    for _ in range(PAIR.free + 1):
        assert attempt(rep.email, "typo", 0) == "refused"
    assert attempt(rep.email, "typo", 0) == 1
    assert attempt(rep.email, "typo", 1) == "refused"
    assert attempt(rep.email, "typo", 1) == 2
    assert attempt(rep.email, PASSWORD, 3) == "ok"
    for _ in range(PAIR.free + 1):
        assert attempt(rep.email, "typo", 3) == "refused"
    assert attempt(rep.email, "typo", 3) == 1  # counting started again from nothing


def test_the_wait_never_exceeds_fifteen_minutes(app, db):
    rep = make_user("rep")
    throttle = Throttle(get_redis())
    for _ in range(40):  # a burst of guesses that all got past the check at once
        throttle.failed(rep.email, ATTACKER, T0.timestamp())
    assert attempt(rep.email, "guess", 0) == MAX_WAIT
    assert attempt(rep.email, PASSWORD, MAX_WAIT - 1) == 1
    assert attempt(rep.email, PASSWORD, MAX_WAIT) == "ok"


def test_failures_are_forgotten_one_per_drain_interval(app, db):
    rep, other = make_user("rep"), make_user("rep")
    throttle = Throttle(get_redis())
    for user in (rep, other):
        for _ in range(PAIR.free + 7):  # a burst that got past the check at once
            throttle.failed(user.email, f"192.0.2.{user.id}", T0.timestamp())
    assert attempt(rep.email, "guess", 64, address=f"192.0.2.{rep.id}") == "refused"
    assert attempt(rep.email, "guess", 64, address=f"192.0.2.{rep.id}") == 128
    three_drained = 3 * PAIR.drain
    assert attempt(other.email, "guess", three_drained, address=f"192.0.2.{other.id}") == "refused"
    assert attempt(other.email, "guess", three_drained, address=f"192.0.2.{other.id}") == 16


def test_an_unknown_email_is_throttled_exactly_like_a_real_one(app, db):
    rep = make_user("rep")
    sequences = []
    for email in (rep.email, "nobody@example.com"):
        get_redis().flushdb()
        sequences.append([attempt(email, "guess", 0) for _ in range(PAIR.free + 3)])
    assert sequences[0] == sequences[1] == ["refused"] * (PAIR.free + 1) + [1, 1]


def test_many_addresses_on_one_account_slow_new_addresses_but_not_known_ones(app, db):
    rep = make_user("rep")
    assert attempt(rep.email, PASSWORD, 0, address=REAL_USER) == "ok"  # a known address
    for n in range(ACCOUNT.free + 1):  # a botnet: one guess each from many addresses
        assert attempt(rep.email, "guess", 1, address=f"10.9.{n // 200}.{n % 200}") == "refused"
    assert attempt(rep.email, PASSWORD, 1, address=REAL_USER) == "ok"  # known: no wait
    assert attempt(rep.email, PASSWORD, 1, address="192.0.2.200") == 1  # new: waits a little
    assert attempt(rep.email, PASSWORD, 2, address="192.0.2.200") == "ok"


def test_no_account_is_ever_locked(app, db):
    admin = make_user("admin")
    assert attempt(admin.email, PASSWORD, 0, address=REAL_USER) == "ok"
    at, waits = 1.0, []
    for n in range(300):  # a long attack from 50 addresses, each waiting as told
        result = attempt(admin.email, "guess", at, address=f"10.1.{n % 50}.1")
        if isinstance(result, int):
            waits.append(result)
        at += result if isinstance(result, int) else 0.5
    assert max(waits) >= 60
    assert attempt(admin.email, PASSWORD, at, address=REAL_USER) == "ok"
    result = attempt(admin.email, PASSWORD, at, address="192.0.2.50")
    if result != "ok":
        assert result <= MAX_WAIT
        assert attempt(admin.email, PASSWORD, at + result, address="192.0.2.50") == "ok"


def test_too_many_attempts_answer_429_with_retry_after_and_a_clear_message(app, db):
    rep = make_user("rep")
    throttle = Throttle(get_redis())
    for _ in range(PAIR.free + 5):
        throttle.failed(rep.email, "127.0.0.1", time.time())
    client = isolated_client(app)
    response = client.post("/login", data={"email": rep.email, "password": PASSWORD})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 16
    html = response.get_data(as_text=True)
    assert "Too many sign-in attempts. Wait" in html and "Nothing is locked" in html
    assert client.get("/rep").status_code == 302  # not signed in
    other = isolated_client(app)
    other.environ_base["REMOTE_ADDR"] = REAL_USER
    assert other.post("/login", data={"email": rep.email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("trust", ["0", "1"])
def test_a_forwarded_address_counts_only_when_the_proxy_is_trusted(make_app, trust):
    app = make_app(env={"OUTREACH_TRUST_PROXY": trust})
    with app.app_context():
        rep = make_user("rep")
        throttle = Throttle(get_redis())
        for address in ("127.0.0.1", "203.0.113.9"):
            for _ in range(PAIR.free + 5):
                throttle.failed(rep.email, address, time.time())
        client = isolated_client(app)

        def status(forwarded_for: str) -> int:
            return client.post(
                "/login",
                data={"email": rep.email, "password": PASSWORD},
                headers={"X-Forwarded-For": forwarded_for},
            ).status_code

        # untrusted: the header is ignored, so forging it escapes nothing
        assert status("192.0.2.1") == (302 if trust == "1" else 429)
        client.post("/logout")
        assert status("203.0.113.9") == 429


def test_while_redis_is_down_sign_in_still_works_unthrottled(make_app, caplog):
    app = make_app(env={"REDIS_URL": "redis://127.0.0.1:1/12"})
    with app.app_context():
        rep = make_user("rep")
        with caplog.at_level(logging.ERROR, logger="outreach"):
            assert attempt(rep.email, "guess", 0) == "refused"
            assert attempt(rep.email, PASSWORD, 0) == "ok"
        assert "sign-in throttling unavailable: ConnectionError" in caplog.text


def test_redis_and_logs_hold_no_email_or_address(app, db, caplog):
    rep = make_user("rep")
    with caplog.at_level(logging.INFO, logger="outreach"):
        for _ in range(PAIR.free + 2):
            attempt(rep.email, "guess", 0)
        attempt(rep.email, PASSWORD, 60)
    stored = b" ".join(get_redis().keys("outreach:signin:*")).decode()
    assert "outreach:signin:address:" in stored and "outreach:signin:known:" in stored
    assert "@" not in stored and "example" not in stored
    assert "@" not in caplog.text and ATTACKER not in caplog.text
    assert f"user {rep.id}" in caplog.text


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("not an address", "unknown"),
        (None, "unknown"),
    ],
)
def test_addresses_are_keyed_by_ipv4_or_ipv6_64(address, key):
    assert address_key(address) == key


def test_the_wait_is_free_then_doubles_then_caps():
    assert [wait_after(PAIR, n) for n in range(PAIR.free + 1)] == [0.0] * (PAIR.free + 1)
    assert [wait_after(PAIR, PAIR.free + n) for n in (1, 2, 3, 11, 500)] == [
        1.0,
        2.0,
        4.0,
        MAX_WAIT,
        MAX_WAIT,
    ]


def test_counters_expire_from_redis_once_drained(app, db):
    throttle = Throttle(get_redis())
    throttle.failed("x@example.com", ATTACKER, time.time())
    conn: redis.Redis = get_redis()
    ttls = {k.decode().split(":")[2]: conn.ttl(k) for k in conn.keys("outreach:signin:*")}
    assert set(ttls) == {scope.name for scope in SCOPES}
    for scope in SCOPES:
        assert scope.drain < ttls[scope.name] <= scope.drain + MAX_WAIT
