"""ISO-8601 durations as policies use them: days on the local calendar, the rest as elapsed time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  #: ten years; anything longer is a typo
_PATTERN = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


@dataclass(frozen=True)
class Duration:
    """A policy duration: whole local-calendar days, then elapsed seconds."""

    days: int = 0
    seconds: int = 0

    def __post_init__(self) -> None:
        if self.days < 0 or self.seconds < 0:
            raise ValueError("a duration cannot be negative")

    @property
    def is_zero(self) -> bool:
        """True for PT0S."""
        return self.days == 0 and self.seconds == 0

    @property
    def nominal_seconds(self) -> int:
        """Length counting a day as 86,400 s: for comparing durations, not for adding them."""
        return self.days * 86400 + self.seconds

    def __str__(self) -> str:
        return format_duration(self)


def parse_duration(text: str) -> Duration:
    """Parse "PT0S", "PT20H", "P2D", "P1DT2H30M", "P1W"; raise ValueError naming the problem."""
    if not isinstance(text, str):
        raise ValueError("expected an ISO-8601 duration string such as PT20H or P2D")
    raw = text.strip().upper()
    if not raw:
        raise ValueError("expected an ISO-8601 duration such as PT20H or P2D, got an empty string")
    if raw.startswith("-"):
        raise ValueError(f"{text!r}: negative durations are not allowed")
    if not raw.startswith("P"):
        raise ValueError(f"{text!r}: an ISO-8601 duration starts with P (e.g. PT20H, P2D)")
    date_part = raw[1:].split("T", 1)[0]
    if "Y" in date_part or "M" in date_part:
        raise ValueError(
            f"{text!r}: years and months are not allowed (their length varies); "
            "use days (D) or weeks (W)"
        )
    if "," in raw or "." in raw:
        raise ValueError(f"{text!r}: fractions are not supported; use a smaller unit")
    match = _PATTERN.fullmatch(raw)
    if not match or raw.endswith("T"):
        raise ValueError(
            f"{text!r}: not an ISO-8601 duration (expected e.g. PT20H, P2D, P1DT2H30M)"
        )
    if raw == "P" or not any(match.groupdict().values()):
        raise ValueError(f"{text!r}: the duration has no amount (write PT0S for zero)")
    parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    days = parts["weeks"] * 7 + parts["days"]
    seconds = parts["hours"] * 3600 + parts["minutes"] * 60 + parts["seconds"]
    if days + seconds // 86400 > MAX_DAYS:
        raise ValueError(f"{text!r}: longer than {MAX_DAYS} days")
    return Duration(days=days, seconds=seconds)


_UNITS = {
    "w": 7 * 86400, "week": 7 * 86400, "weeks": 7 * 86400, "wk": 7 * 86400, "wks": 7 * 86400,
    "d": 86400, "day": 86400, "days": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
}  # fmt: skip
_HUMAN_PART = re.compile(r"(\d+)\s*([a-z]+)")
_HUMAN_GLUE = re.compile(r"[\s,]+|\band\b")
HUMAN_EXAMPLES = "e.g. 20 hours, 2 days, 1 day 4 hours, 90 minutes, 1h30m"


def parse_human_duration(text: str) -> Duration:
    """Parse what a person types ("20 hours", "2 days", "1 day 4 hours", "90 minutes", "1h30m",
    "0") or ISO 8601 ("PT20H"); raise ValueError naming the problem. Weeks and days are
    local-calendar days, hours and less elapsed time, as in ISO 8601."""
    if not isinstance(text, str):
        raise ValueError(f"expected a duration, {HUMAN_EXAMPLES}")
    raw = text.strip().lower()
    if not raw:
        raise ValueError(f"is required ({HUMAN_EXAMPLES})")
    if raw.startswith("p"):
        return parse_duration(raw)
    if raw.startswith("-"):
        raise ValueError(f"{text!r}: negative durations are not allowed")
    if raw in ("0", "none", "no delay", "immediately", "at once"):
        return Duration()
    if re.search(r"\d[.,]\d", raw):
        raise ValueError(f"{text!r}: fractions are not supported; use a smaller unit (90 minutes)")
    days = seconds = 0
    seen: set[int] = set()
    rest = _HUMAN_PART.sub(" ", raw)
    if _HUMAN_GLUE.sub("", rest):
        raise ValueError(f"{text!r}: not a duration ({HUMAN_EXAMPLES})")
    for amount, unit in _HUMAN_PART.findall(raw):
        if unit in ("mo", "month", "months", "y", "yr", "year", "years"):
            raise ValueError(
                f"{text!r}: months and years are not allowed (their length varies); use days"
            )
        if unit not in _UNITS:
            raise ValueError(f"{text!r}: unknown unit {unit!r} ({HUMAN_EXAMPLES})")
        size = _UNITS[unit]
        if size in seen:
            raise ValueError(f"{text!r}: {unit!r} is given twice")
        seen.add(size)
        if len(amount) > 7:
            raise ValueError(f"{text!r}: longer than {MAX_DAYS} days")
        if size >= 86400:
            days += int(amount) * size // 86400
        else:
            seconds += int(amount) * size
    if days + seconds // 86400 > MAX_DAYS:
        raise ValueError(f"{text!r}: longer than {MAX_DAYS} days")
    return Duration(days=days, seconds=seconds)


def describe_duration(value: Duration | str | None, none: str = "—") -> str:
    """A duration in words, as people read it: "20 hours", "2 days", "1 day 4 hours",
    "1 hour 30 minutes", "no delay"; the one formatter for pages and reasons."""
    duration = as_duration(value)
    if duration is None:
        return none
    if duration.is_zero:
        return "no delay"
    parts = []
    weeks, days = divmod(duration.days, 7)
    if weeks and not days:
        parts.append((weeks, "week"))
    else:
        parts.append((duration.days, "day"))
    hours, rest = divmod(duration.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts += [(hours, "hour"), (minutes, "minute"), (seconds, "second")]
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n)


def as_duration(value: Duration | str | None) -> Duration | None:
    """A Duration from a Duration, a string (parsed, once per distinct string) or None."""
    if value is None or isinstance(value, Duration):
        return value
    if isinstance(value, str):
        return _parsed(value)
    return parse_duration(value)


@lru_cache(maxsize=256)
def _parsed(text: str) -> Duration:
    return parse_duration(text)


def format_duration(duration: Duration) -> str:
    """The canonical string: weeks as days, elapsed time as H/M/S, zero as PT0S."""
    if duration.is_zero:
        return "PT0S"
    out = "P"
    if duration.days:
        out += f"{duration.days}D"
    if duration.seconds:
        hours, rest = divmod(duration.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        out += "T"
        out += f"{hours}H" if hours else ""
        out += f"{minutes}M" if minutes else ""
        out += f"{seconds}S" if seconds else ""
    return out


def canonical(text: str | None) -> str | None:
    """Parse and format again: the canonical form of a duration string (None stays None)."""
    return None if text is None else format_duration(parse_duration(text))


def local_instant(day: date, wall: time, zone: ZoneInfo, fold: int = 0) -> datetime:
    """The UTC instant of a local date and wall time (in a DST gap: the moment of the change)."""
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    utc = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == naive:
        return utc
    a = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    b = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return transition_between(min(a, b), max(a, b), zone)


def transition_between(lo: datetime, hi: datetime, zone: ZoneInfo) -> datetime:
    """The first instant in (lo, hi] whose UTC offset differs from lo's (to the second)."""
    before = lo.astimezone(zone).utcoffset()
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
    if hi.astimezone(zone).utcoffset() == before:
        return hi
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(zone).utcoffset() == before:
            lo_s = mid
        else:
            hi_s = mid
    return datetime.fromtimestamp(hi_s, UTC)


def add_duration(instant: datetime, duration: Duration, zone: ZoneInfo, sign: int = 1) -> datetime:
    """instant ± duration: local-calendar days (same wall time), then elapsed time."""
    if instant.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    result = instant.astimezone(UTC)
    if duration.days:
        local = instant.astimezone(zone)
        day = local.date() + timedelta(days=sign * duration.days)
        result = local_instant(day, local.time(), zone, fold=local.fold)
    if duration.seconds:
        result = result + sign * timedelta(seconds=duration.seconds)
    return result
