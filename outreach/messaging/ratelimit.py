"""Per-sender send rate, shared by every process through Redis (a reserving GCRA limiter)."""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

#: Reserve the next free slots for a key, on Redis' own clock so every process agrees.
#: KEYS[1]: the key; ARGV[1]: the interval between sends in microseconds; ARGV[2]: how many
#: consecutive slots. Returns the microseconds to wait before the first reserved slot.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local after = slot + interval * tonumber(ARGV[2] or '1')
redis.call('SET', KEYS[1], string.format('%d', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return slot - now
"""

KEY_PREFIX = "outreach:ratelimit:"


class RateLimiter:
    """At most `rate_per_second` acquisitions per key per second, evenly spaced, across
    every process sharing the Redis; acquire() reserves the next slot and sleeps until it."""

    def __init__(
        self,
        conn: redis.Redis,
        rate_per_second: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.conn = conn
        self.rate = rate_per_second
        self.interval_us = max(1, round(1_000_000 / rate_per_second))
        self._reserve = conn.register_script(_RESERVE)
        self._sleep = sleep

    def reserve(self, key: str, count: int = 1) -> float:
        """Reserve the next `count` slots for key, one interval apart; returns the seconds to
        wait until the first."""
        wait_us = self._reserve(keys=[KEY_PREFIX + key], args=[self.interval_us, count])
        return max(int(wait_us), 0) / 1_000_000

    def acquire(self, key: str) -> float:
        """Wait for this key's next slot; returns the seconds waited."""
        wait = self.reserve(key)
        if wait > 0:
            self._sleep(wait)
        return wait


class Slots:
    """Send slots of one key reserved a block at a time: one Redis round trip per block
    instead of per send. A block is what the rate lets out in BLOCK_SECONDS (1 to BLOCK_MAX
    slots); slots left when the sender stops are simply not used.

    A slot is spent only within LATE_SECONDS of its time (the sender checks just before it
    sends). A sender that stalls (a slow commit, a busy machine) gives up the slots it slept
    through and reserves anew, instead of sending them back to back when it wakes."""

    BLOCK_SECONDS = 0.1
    BLOCK_MAX = 20
    LATE_SECONDS = 0.1

    def __init__(self, limiter: RateLimiter, key: str, clock: Callable[[], float] = time.monotonic):
        self.limiter, self.key, self.clock = limiter, key, clock
        self.block = max(1, min(self.BLOCK_MAX, int(limiter.rate * self.BLOCK_SECONDS)))
        self.first = 0.0
        self.left = 0
        self.used = 0

    def next(self, wanted: int = 1) -> float:
        """Seconds to wait until the next reserved slot; reserves a block of at most `wanted`
        slots (the sends still to make) when none is left or the next one has gone stale."""
        if self.left == 0 or self._late(self.used):
            count = max(1, min(self.block, wanted))
            wait = self.limiter.reserve(self.key, count)
            self.first = self.clock() + wait  # read after the round trip: late, never early
            self.left, self.used = count, 0
        self.left -= 1
        self.used += 1
        return max(0.0, self._at(self.used - 1) - self.clock())

    def on_time(self) -> bool:
        """Whether the slot last handed out may still be spent (not more than LATE_SECONDS
        past); a sender checks just before it sends and takes a new slot when not."""
        return self.used > 0 and not self._late(self.used - 1)

    def _at(self, n: int) -> float:
        return self.first + n * self.limiter.interval_us / 1_000_000

    def _late(self, n: int) -> bool:
        return self.clock() - self._at(n) > self.LATE_SECONDS


def sender_limiter(app=None) -> RateLimiter:
    """The app's limiter at settings.send_rate_per_second (one per app and process)."""
    from flask import current_app

    from outreach.runtime.queues import get_redis

    app = app or current_app._get_current_object()
    limiter = app.extensions.get("outreach.ratelimit")
    if limiter is None:
        rate = app.extensions["settings"].send_rate_per_second
        limiter = RateLimiter(get_redis(app), rate)
        app.extensions["outreach.ratelimit"] = limiter
    return limiter
