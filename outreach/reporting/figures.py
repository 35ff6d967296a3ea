"""Dashboard numbers: today's figures and 30-day series, each one aggregate SQL query over an
index range or the check-in figures rollup (outreach.scheduling.rollup), never a table scan.

Days are counted in the company's default zone. Every series is a GROUP BY over a day index
computed in SQL (a CASE over the day boundaries, exact across DST changes), so the number of
queries never depends on the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from outreach.company.settings import get_company_settings
from outreach.extensions import db
from outreach.models import CheckIn, CheckInFigures, CheckInTransition, FollowUp, Reply, User
from outreach.models.base import UTCDateTime
from outreach.models.checkins import (
    PENDING,
    SETTLED_REP_CALLS_SQL,
    TO_DONE_SQL,
    CheckInStatus,
)
from outreach.models.followups import OPEN_FOLLOWUP_STATES
from outreach.scheduling.timing import zone_or_utc

DAYS = 30
ALARM_CLASSES = ("negative", "urgent")


@dataclass(frozen=True)
class Day:
    """One local day: its date and its bounds in UTC, [start, end)."""

    day: date
    start: datetime
    end: datetime


@dataclass
class DayStats:
    """What happened on one day."""

    day: date
    sent: int = 0  #: check-ins that went out (SMS or voice), each once
    replied: int = 0  #: of those, how many got a reply
    replies: int = 0  #: every reply received that day
    negative: int = 0
    urgent: int = 0
    followups_due: int = 0  #: follow-ups due that day (up to now)
    followups_on_time: int = 0  #: of those, done by their due time
    followups_late: int = 0  #: done, but after their due time
    followups_open: int = 0  #: still not done

    @property
    def reply_rate(self) -> float | None:
        """Replies per check-in sent, in percent (None when nothing went out)."""
        return round(100 * self.replied / self.sent, 1) if self.sent else None

    @property
    def followups_rate(self) -> float | None:
        """Follow-ups kept on time, in percent of those due (None when none were due)."""
        if not self.followups_due:
            return None
        return round(100 * self.followups_on_time / self.followups_due, 1)


@dataclass
class RepCalls:
    """A rep's personal check-in calls over the period: on time, late, missed."""

    rep_id: int | None
    name: str
    on_time: int = 0  #: done before the deadline (or with no deadline)
    late: int = 0  #: done after the deadline
    missed: int = 0  #: not done by the deadline: the system sent the fallback

    @property
    def total(self) -> int:
        """Every call that was due."""
        return self.on_time + self.late + self.missed

    @property
    def on_time_rate(self) -> float | None:
        """Calls made on time, in percent."""
        return round(100 * self.on_time / self.total, 1) if self.total else None


@dataclass
class Snapshot:
    """The state of things right now."""

    followups_open: int = 0
    followups_overdue: int = 0  #: past due and not done (open past due, overdue)
    followups_escalated: int = 0
    due_today: int = 0  #: check-ins still pending that are due before the end of today
    rep_calls_today: int = 0  #: of those, personal calls the reps have to make
    pending: int = 0  #: every scheduled or queued check-in


@dataclass
class Dashboard:
    """Everything the dashboard shows."""

    now: datetime
    zone: str
    days: list[DayStats]
    reps: list[RepCalls]
    snapshot: Snapshot
    totals: DayStats = field(init=False)

    def __post_init__(self) -> None:
        total = DayStats(self.days[0].day if self.days else self.now.date())
        for d in self.days:
            for name in (
                "sent",
                "replied",
                "replies",
                "negative",
                "urgent",
                "followups_due",
                "followups_on_time",
                "followups_late",
                "followups_open",
            ):
                setattr(total, name, getattr(total, name) + getattr(d, name))
        self.totals = total

    @property
    def today(self) -> DayStats:
        """Today's figures (the last day of the series)."""
        return self.days[-1]


def day_bounds(now: datetime, zone_name: str, days: int = DAYS) -> list[Day]:
    """The last `days` local days up to and including today, oldest first, bounds in UTC."""
    tz = zone_or_utc(zone_name)
    today = now.astimezone(tz).date()
    out = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        start = datetime.combine(day, time(0), tzinfo=tz)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        out.append(Day(day, start.astimezone(UTC), end.astimezone(UTC)))
    return out


def _at(value: datetime) -> sa.BindParameter:
    return sa.literal(value, UTCDateTime())


def day_index(column: sa.ColumnElement, bounds: list[Day]) -> sa.Case:
    """SQL for the index of the day a UTC timestamp falls in (NULL outside the bounds)."""
    return sa.case(*((column < _at(d.end), i) for i, d in enumerate(bounds)), else_=None)


def _in_range(column: sa.ColumnElement, bounds: list[Day], until: datetime | None = None):
    end = min(bounds[-1].end, until) if until is not None else bounds[-1].end
    return sa.and_(column >= _at(bounds[0].start), column < _at(end))


def _flag(condition: sa.ColumnElement) -> sa.Case:
    return sa.case((condition, 1), else_=0)


def _sent_and_replied(bounds: list[Day], stats: list[DayStats]) -> None:
    """Check-ins that went out per day, and how many of them got a reply: one query over the
    rollup's 15-minute buckets (a check-in sent again after a carrier retry counts once)."""
    f = CheckInFigures
    inner = (
        sa.select(day_index(f.bucket_start, bounds).label("d"), f.went_out, f.replied)
        .where(_in_range(f.bucket_start, bounds))
        .subquery()
    )
    query = sa.select(inner.c.d, sa.func.sum(inner.c.went_out), sa.func.sum(inner.c.replied))
    for d, sent, replied_count in db.session.execute(query.group_by(inner.c.d)):
        if d is not None:
            stats[d].sent, stats[d].replied = int(sent or 0), int(replied_count or 0)


def _replies(bounds: list[Day], stats: list[DayStats]) -> None:
    """Replies per day and class: one query."""
    inner = (
        sa.select(day_index(Reply.created_at, bounds).label("d"), Reply.triage_class)
        .where(_in_range(Reply.created_at, bounds))
        .subquery()
    )
    query = sa.select(inner.c.d, inner.c.triage_class, sa.func.count()).group_by(
        inner.c.d, inner.c.triage_class
    )
    for d, triage_class, count in db.session.execute(query):
        if d is None:
            continue
        stats[d].replies += count
        if triage_class in ALARM_CLASSES:
            setattr(stats[d], triage_class, getattr(stats[d], triage_class) + count)


def _followups(bounds: list[Day], stats: list[DayStats], now: datetime) -> None:
    """Follow-ups due per day (up to now): kept on time, done late, still open; one query."""
    f = FollowUp
    done = f.state == "done"
    inner = (
        sa.select(
            day_index(f.due_at, bounds).label("d"),
            _flag(sa.and_(done, f.done_at <= f.due_at)).label("on_time"),
            _flag(sa.and_(done, f.done_at > f.due_at)).label("late"),
            _flag(f.state != "done").label("still_open"),
        )
        .where(_in_range(f.due_at, bounds, until=now))
        .subquery()
    )
    query = sa.select(
        inner.c.d,
        sa.func.count(),
        sa.func.sum(inner.c.on_time),
        sa.func.sum(inner.c.late),
        sa.func.sum(inner.c.still_open),
    ).group_by(inner.c.d)
    for d, due, on_time, late, still_open in db.session.execute(query):
        if d is None:
            continue
        row = stats[d]
        row.followups_due, row.followups_on_time = due, int(on_time or 0)
        row.followups_late, row.followups_open = int(late or 0), int(still_open or 0)


def rep_calls(start: datetime, now: datetime) -> list[RepCalls]:
    """Personal check-in calls due in [start, now] per rep: on time, late or missed (a call
    made before it came due counts too); one query, each call's done time (its first
    transition to done) looked up once."""
    t = CheckInTransition
    calls = (
        sa.select(
            CheckIn.rep_id,
            CheckIn.status,
            CheckIn.due_at,
            CheckIn.deadline_at,
            sa.func.min(t.created_at).label("done_at"),
        )
        .outerjoin(t, sa.and_(t.checkin_id == CheckIn.id, sa.text(TO_DONE_SQL)))
        .where(sa.text(SETTLED_REP_CALLS_SQL), CheckIn.due_at >= _at(start))
        .group_by(CheckIn.id, CheckIn.rep_id, CheckIn.status, CheckIn.due_at, CheckIn.deadline_at)
        .subquery()
    )
    done = calls.c.status == CheckInStatus.DONE
    on_time = sa.and_(
        done, sa.or_(calls.c.deadline_at.is_(None), calls.c.done_at <= calls.c.deadline_at)
    )
    query = (
        sa.select(
            calls.c.rep_id,
            User.name,
            User.email,
            sa.func.sum(_flag(on_time)),
            sa.func.sum(_flag(sa.and_(done, calls.c.done_at > calls.c.deadline_at))),
            sa.func.sum(
                _flag(sa.and_(calls.c.status == CheckInStatus.MISSED, calls.c.due_at <= _at(now)))
            ),
        )
        .outerjoin(User, User.id == calls.c.rep_id)
        .group_by(calls.c.rep_id, User.name, User.email)
    )
    rows = [
        RepCalls(rep_id, name or email or "no rep", int(on or 0), int(late or 0), int(miss or 0))
        for rep_id, name, email, on, late, miss in db.session.execute(query)
    ]
    rows.sort(key=lambda r: (-(r.missed + r.late), r.name.lower()))
    return rows


def snapshot(now: datetime, end_of_today: datetime) -> Snapshot:
    """Open, overdue and escalated follow-ups and today's pending check-ins: three queries,
    each read from an index (the pending count from (status, due_at, id) alone)."""
    f = FollowUp
    overdue = sa.or_(f.state == "overdue", sa.and_(f.state == "open", f.due_at < _at(now)))
    followups = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.sum(_flag(overdue)),
            sa.func.sum(_flag(f.state == "escalated")),
        ).where(f.state.in_(OPEN_FOLLOWUP_STATES))
    ).one()
    pending = db.session.scalar(
        sa.select(sa.func.count()).select_from(CheckIn).where(CheckIn.status.in_(PENDING))
    )
    today = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(_flag(CheckIn.channel == "rep_call"))).where(
            CheckIn.status.in_(PENDING), CheckIn.due_at < _at(end_of_today)
        )
    ).one()
    return Snapshot(
        followups_open=followups[0] or 0,
        followups_overdue=int(followups[1] or 0),
        followups_escalated=int(followups[2] or 0),
        pending=pending or 0,
        due_today=int(today[0] or 0),
        rep_calls_today=int(today[1] or 0),
    )


def build_dashboard(now: datetime, days: int = DAYS) -> Dashboard:
    """Today's numbers, the series over the last `days` days, and calls per rep."""
    zone_name = get_company_settings().default_timezone
    bounds = day_bounds(now, zone_name, days)
    stats = [DayStats(d.day) for d in bounds]
    _sent_and_replied(bounds, stats)
    _replies(bounds, stats)
    _followups(bounds, stats, now)
    return Dashboard(
        now=now,
        zone=zone_name,
        days=stats,
        reps=rep_calls(bounds[0].start, now),
        snapshot=snapshot(now, bounds[-1].end),
    )
