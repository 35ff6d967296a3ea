"""A private iCalendar (.ics) feed per rep: upcoming rep calls and open follow-ups."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from outreach.auth.accounts import hash_token
from outreach.auth.roles import owner_ids_for
from outreach.extensions import db
from outreach.models import CheckIn, FollowUp, User
from outreach.models.followups import OPEN_FOLLOWUP_STATES
from outreach.scheduling.checkins import pending_rep_calls

log = logging.getLogger(__name__)

FEED_TOKEN_PREFIX = "cal_"
FEED_PAST = timedelta(days=7)  #: overdue items stay visible this long
FEED_AHEAD = timedelta(days=60)
FEED_MAX = 500
CALL_LENGTH = timedelta(minutes=15)
FOLLOWUP_LENGTH = timedelta(minutes=30)
REFRESH = timedelta(minutes=15)  #: how often calendar apps are asked to fetch the feed again
_PRIORITY = {"urgent": 1, "high": 3, "normal": 5, "low": 9}  #: RFC 5545 PRIORITY


def create_feed_token(user: User) -> str:
    """Give the user a new feed token (any old one stops working); returned only this once."""
    token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.calendar_token_hash = hash_token(token)
    db.session.commit()
    log.info("calendar feed token created for user %s", user.id)
    return token


def revoke_feed_token(user: User) -> None:
    """Stop the user's feed: its URL answers 404 from now on."""
    user.calendar_token_hash = None
    db.session.commit()
    log.info("calendar feed token revoked for user %s", user.id)


def user_for_feed_token(token: str) -> User | None:
    """The active user whose feed token this is, or None."""
    if not token.startswith(FEED_TOKEN_PREFIX) or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(User).where(
            User.calendar_token_hash == hash_token(token), User.is_active_user.is_(True)
        )
    )


@dataclass(frozen=True)
class CalendarEvent:
    """One VEVENT."""

    uid: str
    start: datetime
    duration: timedelta
    summary: str
    description: str
    priority: int = 0
    modified: datetime | None = None


def feed_events(user: User, now: datetime, host: str) -> list[CalendarEvent]:
    """The user's upcoming rep calls and open follow-ups (and those due in the past week)."""
    owners = owner_ids_for(user)
    since, until = now - FEED_PAST, now + FEED_AHEAD
    checkins = db.session.scalars(
        pending_rep_calls(owners).where(CheckIn.due_at.between(since, until)).limit(FEED_MAX)
    ).all()
    followups = db.session.scalars(
        sa.select(FollowUp)
        .where(
            FollowUp.state.in_(OPEN_FOLLOWUP_STATES),
            FollowUp.owner_id.in_(owners),
            FollowUp.due_at.between(since, until),
        )
        .options(joinedload(FollowUp.customer))
        .order_by(FollowUp.due_at)
        .limit(FEED_MAX)
    ).all()
    events = []
    for c in checkins:
        lines = [f"Check-in call after the {c.event.type} on {c.event.occurred_at:%Y-%m-%d}."]
        if c.event.summary:
            lines.append(c.event.summary)
        lines.append("Log the outcome on your Outreach page.")
        events.append(
            CalendarEvent(
                uid=f"checkin-{c.id}@{host}",
                start=c.due_at,
                duration=CALL_LENGTH,
                summary=f"Call {c.customer.name} ({c.event.type})",
                description="\n".join(lines),
                modified=c.updated_at,
            )
        )
    for f in followups:
        lines = [f.title]
        if f.promise:
            lines.append(f"Promised: {f.promise}")
        events.append(
            CalendarEvent(
                uid=f"followup-{f.id}@{host}",
                start=f.due_at,
                duration=FOLLOWUP_LENGTH,
                summary=f"Follow up: {f.customer.name} ({f.kind})",
                description="\n".join(lines),
                priority=_PRIORITY.get(f.priority, 0),
                modified=f.updated_at,
            )
        )
    return sorted(events, key=lambda e: (e.start, e.uid))


def clean_text(value: str) -> str:
    """Text fit for a TEXT value: line ends made LF, control characters other than newline and
    tab dropped (RFC 5545 3.3.11 allows none); icalendar escapes the rest."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in value if c in "\n\t" or (ord(c) >= 32 and c != "\x7f"))


def _event(e: CalendarEvent, now: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", clean_text(e.uid))
    event.add("dtstamp", _utc(now))
    event.add("dtstart", _utc(e.start))
    event.add("duration", e.duration)
    event.add("summary", clean_text(e.summary))
    event.add("description", clean_text(e.description))
    if e.priority:
        event.add("priority", e.priority)
    if e.modified:
        event.add("last-modified", _utc(e.modified))
    event.add("transp", "OPAQUE")
    return event


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def render_ics(events: list[CalendarEvent], now: datetime, name: str) -> str:
    """The iCalendar text of a feed (icalendar: escaped, folded at 75 octets, CRLF line ends),
    times in UTC."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Outreach//Rep calls and follow-ups//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", icalendar.vText(clean_text(name)))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for e in events:
        calendar.add_component(_event(e, now))
    return calendar.to_ical().decode()


def feed_for(user: User, now: datetime, host: str) -> str:
    """The user's whole feed as iCalendar text."""
    return render_ics(feed_events(user, now, host), now, f"Outreach: {user.display_name}")
