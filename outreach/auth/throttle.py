"""Sign-in throttling in Redis: waits that double per address, per account and per both.

Nothing here locks an account. Each scope keeps a counter of wrong passwords that forgets one
failure every `drain` seconds; while it holds more than `free` failures, the next attempt in
that scope must wait FIRST_WAIT * 2^(failures - free - 1), at most MAX_WAIT, after the last
failure. The scopes (docs/roles.md, "Sign-in"):

- PAIR: one account from one address, the guesser's own backoff; a success clears it.
- ADDRESS: one address, any account: password spraying.
- ACCOUNT: one account, any address: a guesser with many addresses. Addresses that signed in
  to the account in the last KNOWN_FOR are exempt, so the real user is not kept out.

Accounts are keyed by a hash of the e-mail as typed (normalised), known or not, so throttling
behaves the same for an unknown e-mail; IPv6 addresses by their /64.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import timedelta

import redis

from outreach.errors import OutreachError

FIRST_WAIT = 1.0  #: seconds to wait after the first failure over a scope's allowance
MAX_WAIT = 15 * 60.0  #: the longest wait
KNOWN_FOR = timedelta(days=30)  #: how long a successful address stays exempt from ACCOUNT
KEY_PREFIX = "outreach:signin:"


@dataclass(frozen=True)
class Scope:
    """A kind of counter: how many failures are free and how fast they are forgotten."""

    name: str
    free: int  #: failures allowed before any wait
    drain: float  #: seconds until one failure is forgotten (the long-run rate of guesses)


PAIR = Scope("pair", free=5, drain=10 * 60.0)
ADDRESS = Scope("address", free=30, drain=3 * 60.0)
ACCOUNT = Scope("account", free=50, drain=5 * 60.0)
SCOPES = (PAIR, ADDRESS, ACCOUNT)


class SignInThrottled(OutreachError):
    """Too many wrong passwords here lately: wait `retry_after` seconds before trying again."""

    status = 429
    code = "sign_in_throttled"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"Too many sign-in attempts. Wait {_duration(retry_after)} and try again. "
            "Nothing is locked: the wait grows only while wrong passwords keep coming."
        )


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


#: Count one failure in each key, forgetting what drained since its last failure.
#: KEYS: the counters; ARGV[1]: now (epoch seconds); ARGV[1 + i]: KEYS[i]'s drain seconds.
#: A counter is a hash {level, last}; it expires (real time) once it has drained to nothing.
_FAILED = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local drain = tonumber(ARGV[i + 1])
  local stored = redis.call('HMGET', key, 'level', 'last')
  local level = tonumber(stored[1]) or 0
  local last = tonumber(stored[2]) or now
  level = math.max(0, level - math.max(0, now - last) / drain) + 1
  redis.call('HSET', key, 'level', tostring(level), 'last', tostring(now))
  redis.call('EXPIRE', key, math.ceil(level * drain + tonumber(ARGV[#ARGV])))
end
return #KEYS
"""


def account_key(email: str) -> str:
    """The account part of a key: a hash of the normalised e-mail (no address in Redis)."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]


def address_key(address: str | None) -> str:
    """The client part of a key: an IPv4 address, an IPv6 /64 network, or "unknown"."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def wait_after(scope: Scope, level: float) -> float:
    """Seconds to wait after a failure that left this scope's counter at `level`."""
    over = math.floor(level + 0.5) - scope.free
    if over <= 0:
        return 0.0
    return min(FIRST_WAIT * 2 ** min(over - 1, 40), MAX_WAIT)


class Throttle:
    """Sign-in counters on one Redis, shared by every web process."""

    def __init__(self, conn: redis.Redis) -> None:
        self.conn = conn
        self._failed = conn.register_script(_FAILED)

    def _keys(self, account: str, address: str) -> dict[Scope, str]:
        return {
            PAIR: f"{KEY_PREFIX}pair:{account}:{address}",
            ADDRESS: f"{KEY_PREFIX}address:{address}",
            ACCOUNT: f"{KEY_PREFIX}account:{account}",
        }

    def _known(self, account: str) -> str:
        return f"{KEY_PREFIX}known:{account}"

    def check(self, email: str, address: str | None, now: float) -> None:
        """Raise SignInThrottled when an attempt on this account from this address must wait."""
        account, client = account_key(email), address_key(address)
        keys = self._keys(account, client)
        pipe = self.conn.pipeline(transaction=False)
        for key in keys.values():
            pipe.hmget(key, "level", "last")
        pipe.hget(self._known(account), client)
        *counters, known_at = pipe.execute()
        known = known_at is not None and now - float(known_at) < KNOWN_FOR.total_seconds()
        retry = 0.0
        for scope, (level, last) in zip(keys, counters, strict=True):
            if level is None or last is None or (scope is ACCOUNT and known):
                continue
            retry = max(retry, float(last) + wait_after(scope, float(level)) - now)
        if retry > 0:
            raise SignInThrottled(max(1, math.ceil(retry)))

    def failed(self, email: str, address: str | None, now: float) -> None:
        """Count a wrong password (or an unknown or deactivated account) in every scope."""
        keys = self._keys(account_key(email), address_key(address))
        self._failed(
            keys=list(keys.values()),
            args=[repr(now), *(repr(scope.drain) for scope in keys), repr(MAX_WAIT)],
        )

    def succeeded(self, email: str, address: str | None, now: float) -> None:
        """A right password: clear this account's and address's own backoff and remember the
        address, which the ACCOUNT scope then lets through. The ADDRESS and ACCOUNT counters
        only drain: one account the guesser owns must not wipe them."""
        account, client = account_key(email), address_key(address)
        known = self._known(account)
        pipe = self.conn.pipeline(transaction=True)
        pipe.delete(self._keys(account, client)[PAIR])
        pipe.hset(known, client, repr(now))
        pipe.expire(known, int(KNOWN_FOR.total_seconds()))
        pipe.execute()
