"""The frequency cap: at most one contact per customer and channel within a policy's cap.

One rule for planning and for the send-time re-check. Another check-in on the channel counts
when it contacted the customer (CONTACTED: a send started, or the rep logged the call) within
the cap before `at`, timed by when that happened; while planning, a pending one counts too,
timed by its due_at, within the cap either side (it will go out then). At send time pending
ones do not count: whichever is due first goes, and the later one meets it here.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from outreach.extensions import db
from outreach.models import CheckIn, CheckInTransition
from outreach.models.checkins import CONTACTED, PENDING, CheckInStatus
from outreach.scheduling.durations import add_duration, parse_duration
from outreach.scheduling.timing import load_zone

#: the transitions that contact the customer: a send starts, a rep logs the call
CONTACT_MOMENTS = (CheckInStatus.SENDING, CheckInStatus.DONE)


def cap_conflict(
    customer_id: int,
    channel: str,
    at: datetime,
    cap: str,
    zone: str,
    exclude_id: int | None = None,
    pending: bool = False,
) -> CheckIn | None:
    """The first other check-in on the channel within `cap` of `at` (or None); `pending`
    counts check-ins still planned (planning) besides those that contacted the customer."""
    duration = parse_duration(cap)
    tz = load_zone(zone)
    since = add_duration(at, duration, tz, sign=-1)
    contacted = sa.and_(
        CheckIn.status.in_(CONTACTED),
        sa.exists().where(
            CheckInTransition.checkin_id == CheckIn.id,
            CheckInTransition.to_status.in_(CONTACT_MOMENTS),
            CheckInTransition.created_at > since,
        ),
    )
    counts = contacted
    if pending:
        until = add_duration(at, duration, tz)
        planned = sa.and_(
            CheckIn.status.in_(PENDING), CheckIn.due_at > since, CheckIn.due_at < until
        )
        counts = sa.or_(planned, contacted)
    query = (
        sa.select(CheckIn)
        .where(CheckIn.customer_id == customer_id, CheckIn.channel == channel, counts)
        .order_by(CheckIn.due_at, CheckIn.id)
        .limit(1)
    )
    if exclude_id is not None:
        query = query.where(CheckIn.id != exclude_id)
    return db.session.scalar(query)
