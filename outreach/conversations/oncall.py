"""The on-call rotation: who answers urgent replies outside business hours, week by week.

CompanySettings.on_call_user_ids is the rotation in order; the first person's week began on
CompanySettings.on_call_start (a Monday), then each next person takes a week, round and round.
A week runs from Monday at the opening of business (Monday's hours, else the week's earliest
opening, company zone) to the next Monday's opening. Someone away or deactivated is covered by
their backup, else the next person in the rotation. Pure given the rows: the clock is an argument.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from outreach.conversations.promise import BusinessHours
from outreach.conversations.staff import covering, usable
from outreach.extensions import db
from outreach.models import CompanySettings, User

log = logging.getLogger(__name__)

ANCHOR = date(2024, 1, 1)  #: a Monday: the rotation's start while none is stored
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Shift:
    """One person's week on call: from `starts_at` to `ends_at` (UTC)."""

    user: User
    starts_at: datetime
    ends_at: datetime


def monday_of(day: date) -> date:
    """The Monday of the week a date is in."""
    return day - timedelta(days=day.weekday())


def handover(day: date, hours: BusinessHours) -> datetime:
    """The moment a week on call starts: the Monday's opening of business, as UTC."""
    wall = hours.first_opening
    return datetime.combine(monday_of(day), wall, tzinfo=hours.zone).astimezone(UTC)


def week_index(now: datetime, start: date | None, hours: BusinessHours) -> int:
    """Whole on-call weeks from the rotation's start to `now` (negative before it)."""
    begins = handover(start or ANCHOR, hours)
    local_now = now.astimezone(hours.zone).replace(tzinfo=None)
    local_begins = begins.astimezone(hours.zone).replace(tzinfo=None)
    return (local_now - local_begins) // WEEK


def rotation(settings: CompanySettings) -> list[User]:
    """The rotation's people in order (unknown ids dropped; deactivated people kept, so the
    weeks do not shift when someone leaves)."""
    ids = [i for i in (settings.on_call_user_ids or []) if isinstance(i, int)]
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def shift_start(now: datetime, settings: CompanySettings, hours: BusinessHours) -> datetime:
    """When the current on-call week began (UTC)."""
    weeks = week_index(now, settings.on_call_start, hours)
    begins = handover(settings.on_call_start or ANCHOR, hours).astimezone(hours.zone)
    local = begins.replace(tzinfo=None) + weeks * WEEK
    return local.replace(tzinfo=hours.zone).astimezone(UTC)


def scheduled(now: datetime, settings: CompanySettings, hours: BusinessHours) -> User | None:
    """Whose week it is by the rotation, whether or not they can answer."""
    people = rotation(settings)
    if not people:
        return None
    return people[week_index(now, settings.on_call_start, hours) % len(people)]


def on_call(now: datetime, settings: CompanySettings, hours: BusinessHours) -> User | None:
    """Who answers now: the person whose week it is, their backup while they are away, else
    the next person in the rotation who can."""
    people = rotation(settings)
    if not people:
        return None
    first = week_index(now, settings.on_call_start, hours) % len(people)
    for offset in range(len(people)):
        person = people[(first + offset) % len(people)]
        cover = covering(person)
        if usable(cover):
            return cover
    return None


def upcoming(
    now: datetime, settings: CompanySettings, hours: BusinessHours, weeks: int = 4
) -> list[Shift]:
    """This week's and the next weeks' shifts by the rotation, for the settings page."""
    people = rotation(settings)
    if not people:
        return []
    begins = shift_start(now, settings, hours).astimezone(hours.zone).replace(tzinfo=None)
    first = week_index(now, settings.on_call_start, hours)
    shifts = []
    for n in range(weeks):
        start = (begins + n * WEEK).replace(tzinfo=hours.zone).astimezone(UTC)
        end = (begins + (n + 1) * WEEK).replace(tzinfo=hours.zone).astimezone(UTC)
        shifts.append(Shift(people[(first + n) % len(people)], start, end))
    return shifts


# -- the settings page's service ----------------------------------------------------------

ESCALATION_MINUTES = (1, 120)
CALLBACK_MINUTES = (5, 480)
REPAGE_ROUNDS = (0, 5)
ROTATION_MAX = 12


def current_order(now: datetime, settings: CompanySettings, hours: BusinessHours) -> list[User]:
    """The rotation as the settings page shows it: this week's person first."""
    people = rotation(settings)
    if not people:
        return []
    first = week_index(now, settings.on_call_start, hours) % len(people)
    return people[first:] + people[:first]


def save_alarm_settings(
    escalation_minutes: int | None,
    callback_minutes: int | None,
    rotation_ids: list[int],
    now: datetime,
    actor_id: int | None = None,
    repage_rounds: int | None = None,
) -> CompanySettings:
    """Store the fire alarm's minutes, its re-page rounds (unchanged when None) and the on-call
    rotation (this week's person first); all or nothing, ValidationError naming the field. The
    weeks restart from this week only when the rotation changed."""
    from outreach.company.settings import get_company_settings
    from outreach.conversations.promise import business_hours
    from outreach.errors import ValidationError

    low, high = ESCALATION_MINUTES
    if escalation_minutes is None or not low <= escalation_minutes <= high:
        raise ValidationError(f"between {low} and {high} minutes", field="escalation_minutes")
    low, high = CALLBACK_MINUTES
    if callback_minutes is None or not low <= callback_minutes <= high:
        raise ValidationError(f"between {low} and {high} minutes", field="callback_minutes")
    if callback_minutes < 2 * escalation_minutes:
        raise ValidationError(
            f"the managers are paged {2 * escalation_minutes} minutes after an urgent reply; "
            "promise the customer at least that long",
            field="callback_minutes",
        )
    low, high = REPAGE_ROUNDS
    if repage_rounds is not None and not low <= repage_rounds <= high:
        raise ValidationError(f"between {low} and {high} rounds", field="repage_rounds")
    if len(rotation_ids) != len(set(rotation_ids)):
        raise ValidationError("name each person once", field="rotation")
    if len(rotation_ids) > ROTATION_MAX:
        raise ValidationError(f"at most {ROTATION_MAX} people", field="rotation")
    people = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(rotation_ids)))}
    for user_id in rotation_ids:
        user = people.get(user_id)
        if user is None or not user.is_active_user:
            raise ValidationError("choose active users", field="rotation")
        if not user.phone:
            raise ValidationError(
                f"{user.display_name} has no mobile phone to be paged on; add one first",
                field="rotation",
            )
    settings = get_company_settings()
    hours = business_hours(settings)
    if [u.id for u in current_order(now, settings, hours)] != rotation_ids:
        settings.on_call_user_ids = rotation_ids or None
        this_week = shift_start(now, settings, hours).astimezone(hours.zone).date()
        settings.on_call_start = this_week if rotation_ids else None
    settings.escalation_minutes = escalation_minutes
    settings.callback_minutes = callback_minutes
    if repage_rounds is not None:
        settings.repage_rounds = repage_rounds
    db.session.commit()
    log.info("fire alarm settings changed by user %s", actor_id)
    return settings
