"""The pure timing engine: delays, send windows, the quiet-hours floor, expiry, time zones.

No database and no clock reads: `now` is always a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.scheduling.durations import (
    Duration,
    add_duration,
    as_duration,
    describe_duration,
    local_instant,
    transition_between,
)

DASH = "\u2013"  #: en dash, as in "Mon\u2013Fri 09:00\u201317:00"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = frozenset(range(7))
LEGAL_START = time(8, 0)  #: 47 CFR 64.1200(c)(1): nothing automated before 08:00 local
LEGAL_END = time(21, 0)  #: … nor from 21:00 local
SEARCH_DAYS = 16  #: how far past the earliest time the engine looks for an allowed instant
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


class WindowError(ValueError):
    """A bad window; `field` is the part that is wrong: start, end or days."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def parse_hhmm(text: object) -> time:
    """Parse "HH:MM" (00:00-23:59) into a time; raise ValueError saying what is wrong."""
    if not isinstance(text, str):
        raise ValueError('expected a time of day as "HH:MM"')
    match = _HHMM.fullmatch(text.strip())
    if not match:
        raise ValueError(f'{text!r} is not a time of day as "HH:MM"')
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text!r} is not a time of day (00:00 to 23:59)")
    return time(hours, minutes)


def parse_days(value: object) -> frozenset[int]:
    """Parse ["mon", …] (or "mon,tue") into weekday numbers (Monday = 0); ValueError if bad."""
    if isinstance(value, str):
        value = [d for d in value.split(",") if d.strip()]
    if not isinstance(value, list | tuple | set | frozenset):
        raise ValueError('expected a list of days such as ["mon", "tue"]')
    days = set()
    for item in value:
        word = item.strip().lower() if isinstance(item, str) else None
        if word not in DAYS and word not in _FULL_DAYS:
            raise ValueError(f"{item!r} is not a day; use {', '.join(DAYS)}")
        days.add(DAYS.index(word[:3]))
    if not days:
        raise ValueError("at least one day is required")
    return frozenset(days)


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


@dataclass(frozen=True)
class Window:
    """Times of day [start, end) on some days of the week, in the customer's local time."""

    start: time
    end: time
    days: frozenset[int] = field(default=ALL_DAYS)

    def __post_init__(self) -> None:
        if not self.days:
            raise WindowError("at least one day is required", "days")
        if not self.end > self.start:
            raise WindowError(
                f"the end {_hhmm(self.end)} must be after the start {_hhmm(self.start)}", "end"
            )

    @classmethod
    def parse(cls, data: object) -> Window:
        """A window from {"start": "HH:MM", "end": "HH:MM", "days": [...]}; days default to all."""
        if not isinstance(data, dict):
            raise WindowError('expected an object {"start", "end", "days"}', "window")
        for key in data:
            if key not in ("start", "end", "days"):
                raise WindowError(f"unknown field {key!r}", str(key))
        parsed = {}
        for key in ("start", "end"):
            if data.get(key) is None:
                raise WindowError(f'"{key}" is required', key)
            try:
                parsed[key] = parse_hhmm(data[key])
            except ValueError as exc:
                raise WindowError(str(exc), key) from None
        try:
            days = parse_days(data["days"]) if data.get("days") is not None else ALL_DAYS
        except ValueError as exc:
            raise WindowError(str(exc), "days") from None
        return cls(parsed["start"], parsed["end"], days)

    @classmethod
    @lru_cache(maxsize=256)
    def from_columns(cls, start: str | None, end: str | None, days: str | None) -> Window | None:
        """The window stored on a policy row (None when it has none); parsed once per distinct
        row values (planning asks for it per check-in)."""
        if not start or not end:
            return None
        return cls(parse_hhmm(start), parse_hhmm(end), parse_days(days) if days else ALL_DAYS)

    def to_json(self) -> dict:
        """{"start": "HH:MM", "end": "HH:MM", "days": ["mon", …]}."""
        return {
            "start": _hhmm(self.start),
            "end": _hhmm(self.end),
            "days": [DAYS[d] for d in sorted(self.days)],
        }

    def days_csv(self) -> str:
        """The days as stored on a policy row: "mon,tue,…"."""
        return ",".join(DAYS[d] for d in sorted(self.days))

    def describe(self) -> str:
        """E.g. "Mon-Fri 09:00-17:00"."""
        return f"{describe_days(self.days)} {_hhmm(self.start)}{DASH}{_hhmm(self.end)}"

    def contains(self, local: datetime) -> bool:
        """Whether a local datetime falls inside the window."""
        return local.weekday() in self.days and self.start <= local.time() < self.end


def describe_days(days: frozenset[int]) -> str:
    """ "every day", "Mon-Fri", "Sat, Sun" or "Mon, Wed, Fri"."""
    if days == ALL_DAYS:
        return "every day"
    names = [d.capitalize() for d in DAYS]
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{names[run[0]]}{DASH}{names[run[-1]]}")
        else:
            parts.extend(names[d] for d in run)
    return ", ".join(parts)


@dataclass(frozen=True)
class Floor:
    """The quiet-hours floor: automated contact only in [start, end) local time, every day."""

    start: time = LEGAL_START
    end: time = LEGAL_END

    def __post_init__(self) -> None:
        if not self.end > self.start:
            raise ValueError("the end of the sending hours must be after their start")

    def describe(self) -> str:
        """The quiet hours, e.g. "21:00-08:00"."""
        return f"{_hhmm(self.end)}{DASH}{_hhmm(self.start)}"

    def contains(self, local: datetime) -> bool:
        """Whether a local datetime is outside quiet hours."""
        return self.start <= local.time() < self.end


DEFAULT_FLOOR = Floor()
#: no quiet hours at all (e-mail: it waits in the inbox); a policy's window still applies
NO_FLOOR = Floor(time(0, 0), time.max)


def make_floor(sending_starts: str, sending_ends: str) -> Floor:
    """A floor from company settings ("08:00", "21:00"); ValueError if looser than the law's."""
    start, end = parse_hhmm(sending_starts), parse_hhmm(sending_ends)
    if start < LEGAL_START or end > LEGAL_END:
        raise ValueError(
            f"quiet hours may only be stricter than {DEFAULT_FLOOR.describe()} "
            f"(sending between {_hhmm(LEGAL_START)} and {_hhmm(LEGAL_END)} at most)"
        )
    return Floor(start, end)


@lru_cache(maxsize=64)
def floor_from_settings(quiet_end: str | None, quiet_start: str | None) -> Floor:
    """The floor for stored settings, clamped to 08:00-21:00 (the legal floor if unusable).

    quiet_end is when sending may start, quiet_start when it must stop.
    """
    try:
        start = max(parse_hhmm(quiet_end or ""), LEGAL_START)
        end = min(parse_hhmm(quiet_start or ""), LEGAL_END)
        return Floor(start, end)
    except ValueError:
        return DEFAULT_FLOOR


@lru_cache(maxsize=512)
def load_zone(name: str | ZoneInfo) -> ZoneInfo:
    """The ZoneInfo for an IANA name (a ZoneInfo as it is); ValueError when there is no such
    zone."""
    if isinstance(name, ZoneInfo):
        return name
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a time zone name is required")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. America/Chicago)") from None


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The ZoneInfo for an IANA name, UTC when it is missing or unknown (for showing times)."""
    try:
        return load_zone(name or "")
    except ValueError:
        return load_zone("UTC")


def is_zone(name: str | None) -> bool:
    """Whether name is a known IANA time zone."""
    try:
        load_zone(name or "")
    except ValueError:
        return False
    return True


def customer_zone(
    record_zone: str | None, phone: str | None, company_default: str | None
) -> tuple[str, str]:
    """The customer's zone and where it came from: ("…", "record"|"phone"|"company"|"utc")."""
    from outreach.company.phones import zone_for_phone

    if record_zone and is_zone(record_zone):
        return record_zone.strip(), "record"
    by_phone = zone_for_phone(phone) if phone else None
    if by_phone and is_zone(by_phone):
        return by_phone, "phone"
    if company_default and is_zone(company_default):
        return company_default.strip(), "company"
    return "UTC", "utc"


@dataclass(frozen=True)
class Timing:
    """When a check-in is due, and why."""

    due_at: datetime | None  #: UTC; None when suppressed
    earliest_at: datetime  #: max(event + delay, now), UTC
    expires_at: datetime | None  #: the latest useful time, UTC
    suppressed: str | None  #: "expired" or "no_allowed_time"; None when due
    reason: str  #: a sentence a person can read
    candidate_at: datetime | None = None  #: the first allowed instant, even when past expiry

    @property
    def planned_at(self) -> datetime:
        """A time to store on a row even when suppressed: due, else the candidate, else earliest."""
        return self.due_at or self.candidate_at or self.earliest_at


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC)


def local_time(value: datetime | None, zone_name: str | None, fmt: str = "%a %d %b %H:%M") -> str:
    """A UTC time as text in a zone, with the zone's abbreviation ("Tue 03 Nov 18:30 CST")."""
    if value is None:
        return ""
    try:
        local = value.astimezone(zone_or_utc(zone_name))
    except OverflowError:  # a stored time at the calendar's edge (year 1 or 9999): shown in UTC
        local = value.astimezone(UTC)
    return f"{local.strftime(fmt)} {local.tzname()}"


def format_local(instant: datetime, zone: str | ZoneInfo) -> str:
    """An instant as the customer reads it, e.g. "Mon 09:00" (the zone is not included)."""
    local = instant.astimezone(load_zone(zone))
    return f"{DAYS[local.weekday()].capitalize()} {local:%H:%M}"


def blocked_reason(
    instant: datetime, window: Window | None, zone: str | ZoneInfo, floor: Floor = DEFAULT_FLOOR
) -> str | None:
    """Why nothing may go out at instant (outside the window, quiet hours), or None if allowed."""
    local = _aware(instant, "instant").astimezone(load_zone(zone))
    problems = []
    if window is not None and not window.contains(local):
        problems.append(f"outside the window ({window.describe()})")
    if not floor.contains(local):
        problems.append(f"inside quiet hours ({floor.describe()})")
    return " and ".join(problems) or None


def first_allowed(
    earliest: datetime, window: Window | None, zone: str | ZoneInfo, floor: Floor = DEFAULT_FLOOR
) -> datetime | None:
    """The first instant >= earliest inside the window and the floor, DST-correct, or None.

    None when there is no such instant within SEARCH_DAYS days (a window inside quiet hours).
    Candidates are earliest, each day's start (both folds) and each clock change; the first
    one whose local time is allowed wins, so an ambiguous or skipped hour never yields a time
    outside the window.
    """
    tz = load_zone(zone)
    earliest = _aware(earliest, "earliest")
    start = max(window.start, floor.start) if window else floor.start
    end = min(window.end, floor.end) if window else floor.end
    if start >= end:
        return None

    days = window.days if window else ALL_DAYS

    def allowed(t: datetime) -> bool:
        local = t.astimezone(tz)
        return local.weekday() in days and start <= local.time() < end

    if allowed(earliest):
        return earliest
    first_day = earliest.astimezone(tz).date() - timedelta(days=1)
    best: datetime | None = None
    found_on: int | None = None
    for offset in range(SEARCH_DAYS + 1):
        if found_on is not None and offset > found_on + 1:
            break  # a later day's candidates all come after this one's
        for t in _day_candidates(first_day + timedelta(days=offset), start, tz):
            if t >= earliest and allowed(t):
                best = t if best is None else min(best, t)
                found_on = offset if found_on is None else found_on
                break
    return best


@lru_cache(maxsize=4096)
def _day_candidates(day: date, start: time, zone: ZoneInfo) -> tuple[datetime, ...]:
    """The instants of a day that can be the first allowed one, sorted: its start (both folds)
    and its clock change. Pure, so computed once per day, start and zone (an import plans
    thousands of check-ins over a few weeks)."""
    candidates = {local_instant(day, start, zone, fold) for fold in (0, 1)}
    candidates.update(_transitions_on(day, zone))
    return tuple(sorted(candidates))


def _transitions_on(day: date, zone: ZoneInfo) -> list[datetime]:
    lo = local_instant(day, time(0), zone)
    hi = local_instant(day + timedelta(days=1), time(0), zone)
    if lo.astimezone(zone).utcoffset() == hi.astimezone(zone).utcoffset():
        return []
    return [transition_between(lo, hi, zone)]


def compute_due(
    event_at: datetime,
    delay: Duration | str,
    window: Window | None,
    expire_after: Duration | str | None,
    zone: str | ZoneInfo,
    now: datetime,
    floor: Floor = DEFAULT_FLOOR,
    expires_at: datetime | None = None,
) -> Timing:
    """When a check-in is due, and why: pure, DST-correct, never inside quiet hours.

    The first instant >= max(event + delay, now) inside the window and the floor, in the
    customer's zone; suppressed "expired" when that is after event + expire_after (or after
    the instant expires_at, used when expire_after is None), "no_allowed_time" when the
    window and the floor never meet.
    """
    tz = load_zone(zone)
    zone_name = str(tz.key)
    event_at, now = _aware(event_at, "event_at"), _aware(now, "now")
    delay_d = as_duration(delay) or Duration()
    expire_d = as_duration(expire_after)
    target = add_duration(event_at, delay_d, tz)
    earliest = max(target, now)
    if expire_d is not None:
        expires_at = add_duration(event_at, expire_d, tz)
    elif expires_at is not None:
        expires_at = _aware(expires_at, "expires_at")
    candidate = first_allowed(earliest, window, tz, floor)
    basis = f"event + {describe_duration(delay_d)}"
    if target < now:
        basis = f"now ({basis} was {format_local(target, tz)})"

    if expires_at is not None and earliest > expires_at:
        if target > expires_at:
            why = f"{basis} ({format_local(target, tz)}) is after"
        else:
            why = "it is already past"
        reason = (
            f"suppressed: expired — {why} the latest useful time "
            f"{format_local(expires_at, tz)} {zone_name}"
        )
        return Timing(None, earliest, expires_at, "expired", reason, candidate)
    why = basis if target >= now else f"now; event + {describe_duration(delay_d)} was past"
    return _placed(
        earliest,
        candidate,
        expires_at,
        window,
        tz,
        floor,
        search=f"within {SEARCH_DAYS} days of",
        due_why=basis,
        moved_why=why,
    )


def _placed(
    start: datetime,
    candidate: datetime | None,
    expires_at: datetime | None,
    window: Window | None,
    tz: ZoneInfo,
    floor: Floor,
    *,
    search: str,
    due_why: str,
    moved_why: str,
) -> Timing:
    """Timing for candidate, the first allowed time from start: suppressed when there is none or
    it is after expires_at, else due then, with why (due_why, or moved_why and what blocked
    start)."""
    zone_name = str(tz.key)
    if candidate is None:
        rules = f"the window ({window.describe()}) and " if window else ""
        reason = (
            f"suppressed: no allowed time — {rules}quiet hours ({floor.describe()}) leave "
            f"no time to send {search} {format_local(start, tz)} {zone_name}"
        )
        return Timing(None, start, expires_at, "no_allowed_time", reason, None)
    if expires_at is not None and candidate > expires_at:
        reason = (
            f"suppressed: expired — the first allowed time {format_local(candidate, tz)} is after "
            f"the latest useful time {format_local(expires_at, tz)} {zone_name}"
        )
        return Timing(None, start, expires_at, "expired", reason, candidate)
    if candidate == start:
        reason = f"due {format_local(candidate, tz)} {zone_name}: {due_why}"
    else:
        blocked = blocked_reason(start, window, tz, floor)
        reason = (
            f"moved from {format_local(start, tz)} ({moved_why}) to "
            f"{format_local(candidate, tz)} {zone_name}: {blocked}"
        )
    return Timing(candidate, start, expires_at, None, reason, candidate)


def reschedule_due(
    requested_at: datetime,
    window: Window | None,
    expire_after_at: datetime | None,
    zone: str | ZoneInfo,
    now: datetime,
    floor: Floor = DEFAULT_FLOOR,
) -> Timing:
    """Timing for a requested time: the window and floor re-applied; ValueError if it is past."""
    tz = load_zone(zone)
    zone_name = str(tz.key)
    requested_at, now = _aware(requested_at, "requested_at"), _aware(now, "now")
    if requested_at < now:
        raise ValueError(
            f"the requested time {format_local(requested_at, tz)} {zone_name} is in the past"
        )
    expires_at = _aware(expire_after_at, "expire_after_at") if expire_after_at else None
    candidate = first_allowed(requested_at, window, tz, floor)
    return _placed(
        requested_at,
        candidate,
        expires_at,
        window,
        tz,
        floor,
        search="after",
        due_why="rescheduled on request",
        moved_why="requested",
    )
