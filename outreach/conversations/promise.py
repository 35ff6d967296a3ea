"""The promise: a follow-up's due time counted in business hours, and the words that name it.

Pure: no database, no clock. Business hours are the company's, one range per weekday
(CompanySettings.business_week, e.g. Mon-Fri 08:00-18:00, Sat 09:00-13:00, Sun closed; Monday
to Friday 09:00-17:00 unless set), in the company's default zone; the customer reads the time in
their own zone ("Thanks — Sam will call you by Tue 5 pm").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from outreach.models.settings import DAY_KEYS, default_week
from outreach.scheduling.timing import load_zone, zone_or_utc

BUSINESS_DAYS = frozenset(range(5))  #: Monday to Friday
DUE_RULE = re.compile(r"^(next_business_day|today|(\d{1,3})h)$")
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SEARCH_DAYS = 14
TODAY_MIN_LEFT = timedelta(hours=1)  #: "today" needs this much business time left, else +2 h
Range = tuple[time, time]


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours for each weekday (Monday first; None: closed) in one zone."""

    zone: ZoneInfo
    week: tuple[Range | None, ...]

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("business hours need the seven weekdays")
        for hours in self.week:
            if hours is not None and not hours[1] > hours[0]:
                raise ValueError("business hours must end after they start")
        if not self.days:
            raise ValueError("at least one business day is needed")

    @classmethod
    def uniform(
        cls, zone: ZoneInfo, start: time, end: time, days: frozenset[int] = BUSINESS_DAYS
    ) -> BusinessHours:
        """The same hours on each of `days` (Monday to Friday unless given)."""
        return cls(zone, tuple((start, end) if d in days else None for d in range(7)))

    @classmethod
    def from_settings(cls, zone: str, week: dict[str, Any] | None) -> BusinessHours:
        """Business hours from the stored settings: {"mon": ["08:00", "18:00"], …}, a day left
        out being closed (a day that is unusable is closed; Monday to Friday 09:00-17:00 when
        no day is usable)."""
        tz = zone_or_utc(zone)
        stored = week if isinstance(week, dict) else {}
        days = tuple(_range(stored.get(key)) for key in DAY_KEYS)
        if not any(days):
            days = tuple(_range(default_week().get(key)) for key in DAY_KEYS)
        return cls(tz, days)

    @property
    def days(self) -> frozenset[int]:
        """The weekdays (Monday 0) that have business hours."""
        return frozenset(d for d, hours in enumerate(self.week) if hours is not None)

    def hours_on(self, day: date) -> Range | None:
        """A local date's opening and closing wall times; None when closed that day."""
        return self.week[day.weekday()]

    @property
    def first_opening(self) -> time:
        """Monday's opening (the on-call handover), else the earliest opening of the week."""
        if self.week[0] is not None:
            return self.week[0][0]
        return min(hours[0] for hours in self.week if hours is not None)

    def closing_wall(self, day: date) -> time:
        """When business ends on a local date: its closing, else the latest of the week."""
        hours = self.hours_on(day)
        if hours is not None:
            return hours[1]
        return max(h[1] for h in self.week if h is not None)

    def describe(self) -> str:
        """The week in words: "Mon-Fri 08:00-18:00, Sat 09:00-13:00, Sun closed"."""
        groups: list[list] = []
        for day, hours in enumerate(self.week):
            if groups and groups[-1][2] == hours:
                groups[-1][1] = day
            else:
                groups.append([day, day, hours])
        parts = []
        for first, last, hours in groups:
            days = _DAY_NAMES[first] + (f"-{_DAY_NAMES[last]}" if last > first else "")
            when = f"{hours[0]:%H:%M}-{hours[1]:%H:%M}" if hours else "closed"
            parts.append(f"{days} {when}")
        return ", ".join(parts)

    def is_open(self, instant: datetime) -> bool:
        """Whether `instant` falls inside business hours."""
        local = instant.astimezone(self.zone)
        if local.weekday() not in self.days:
            return False
        return self.opening(local.date()) <= local < self.closing(local.date())

    def _at(self, day: date, wall: time) -> datetime:
        return datetime.combine(day, wall, tzinfo=self.zone)

    def opening(self, day: date) -> datetime:
        """When business opens on a local business day."""
        return self._at(day, self._open_on(day)[0])

    def closing(self, day: date) -> datetime:
        """When business closes on a local business day."""
        return self._at(day, self._open_on(day)[1])

    def _open_on(self, day: date) -> Range:
        hours = self.hours_on(day)
        if hours is None:
            raise ValueError(f"closed on {_DAY_NAMES[day.weekday()]}")
        return hours

    def next_open(self, instant: datetime) -> datetime:
        """The first instant at or after `instant` inside business hours (UTC)."""
        local = instant.astimezone(self.zone)
        day = local.date()
        for offset in range(_SEARCH_DAYS):
            current = day + timedelta(days=offset)
            if current.weekday() not in self.days:
                continue
            opens, closes = self.opening(current), self.closing(current)
            if offset == 0 and local >= closes:
                continue
            return max(opens, local).astimezone(UTC)
        raise ValueError("no business day within two weeks")

    def add_hours(self, instant: datetime, hours: float) -> datetime:
        """`hours` of business time after `instant` (counting starts at the next opening)."""
        left = timedelta(hours=hours)
        at = self.next_open(instant).astimezone(self.zone)
        while True:
            available = self.closing(at.date()) - at
            if left <= available:
                return (at + left).astimezone(UTC)
            left -= available
            at = self.next_open(self.closing(at.date())).astimezone(self.zone)

    def end_of_next_business_day(self, instant: datetime) -> datetime:
        """Closing time of the first business day after the local date of `instant`."""
        day = instant.astimezone(self.zone).date()
        for offset in range(1, _SEARCH_DAYS + 1):
            current = day + timedelta(days=offset)
            if current.weekday() in self.days:
                return self.closing(current).astimezone(UTC)
        raise ValueError("no business day within two weeks")

    def end_of_today(self, instant: datetime) -> datetime:
        """Today's closing when enough of today's business hours is left, else 2 business hours
        from now (a call task "today" that arrives in the evening is due next morning)."""
        local = instant.astimezone(self.zone)
        if local.weekday() in self.days:
            closes = self.closing(local.date())
            if closes - max(local, self.opening(local.date())) >= TODAY_MIN_LEFT:
                return closes.astimezone(UTC)
        return self.add_hours(instant, 2)

    def due(self, rule: str, now: datetime) -> datetime:
        """The due time for a rule: "next_business_day", "today" or "<n>h" (business hours)."""
        found = DUE_RULE.match(rule or "")
        if not found:
            raise ValueError(f"unknown due rule {rule!r}")
        if rule == "next_business_day":
            return self.end_of_next_business_day(now)
        if rule == "today":
            return self.end_of_today(now)
        return self.add_hours(now, int(found.group(2)))


def business_hours(settings) -> BusinessHours:
    """The company's business hours from its settings row (business_week, in the default
    zone)."""
    return BusinessHours.from_settings(settings.default_timezone, settings.business_week)


def _range(value: Any) -> Range | None:
    """A stored day's ["08:00", "18:00"] as wall times; None when closed or unusable."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    try:
        start, end = time.fromisoformat(value[0]), time.fromisoformat(value[1])
    except (TypeError, ValueError):
        return None
    return (start, end) if end > start else None


def format_when(instant: datetime, zone: str | ZoneInfo) -> str:
    """A time as a customer reads it: "Tue 5 pm", "Wed 10:30 am"."""
    tz = load_zone(zone)
    local = instant.astimezone(tz)
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{_DAY_NAMES[local.weekday()]} {hour}{minutes} {'am' if local.hour < 12 else 'pm'}"


def first_name(name: str | None) -> str:
    """The first word of a person's name ("Sam Rivera" → "Sam"); empty when there is none."""
    words = (name or "").split()
    return words[0] if words else ""


def acknowledgement(who: str, verb: str, due_at: datetime, zone: str | ZoneInfo) -> str:
    """The promise as the customer reads it: "Thanks — Sam will call you by Tue 5 pm"."""
    who = who or "our team"
    return f"Thanks — {who} will {verb} by {format_when(due_at, zone)}."


def urgent_acknowledgement(who: str, minutes: int) -> str:
    """The promise for an urgent reply: "Thanks — Sam will call you within 30 minutes."."""
    return f"Thanks — {who or 'our team'} will call you within {minutes} minutes."


def promise_record(
    who: str, verb: str, due_at: datetime, zone: ZoneInfo, within: int | None = None
) -> str:
    """The promise as stored on a follow-up, for staff: who does what by when, with the zone
    ("Sam Rivera will call the customer by Wed 5 pm CDT")."""
    local = due_at.astimezone(zone)
    deed = verb.replace("you", "the customer")
    minutes = f" within {within} minutes," if within else ""
    return f"{who} will {deed}{minutes} by {format_when(due_at, zone)} {local.tzname()}"
