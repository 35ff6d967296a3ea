"""Read-side queries of the API: the check-in queue, filtered, in keyset pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from outreach.api.parsing import CheckinQuery
from outreach.errors import NotFound
from outreach.extensions import db
from outreach.models import CheckIn, User


def list_checkins(query: CheckinQuery) -> tuple[list[CheckIn], bool]:
    """One page of check-ins ordered by (due_at, id) after query.after; and whether more follow."""
    stmt = sa.select(CheckIn)
    if query.statuses:
        stmt = stmt.where(CheckIn.status.in_(query.statuses))
    if query.channels:
        stmt = stmt.where(CheckIn.channel.in_(query.channels))
    if query.customer_id is not None:
        stmt = stmt.where(CheckIn.customer_id == query.customer_id)
    if query.event_id is not None:
        stmt = stmt.where(CheckIn.event_id == query.event_id)
    if query.rep_id is not None:
        stmt = stmt.where(CheckIn.rep_id == query.rep_id)
    if query.rep_email is not None:
        stmt = stmt.join(User, CheckIn.rep_id == User.id).where(User.email == query.rep_email)
    if query.due_after is not None:
        stmt = stmt.where(CheckIn.due_at >= query.due_after)
    if query.due_before is not None:
        stmt = stmt.where(CheckIn.due_at < query.due_before)
    if query.after is not None:
        due_at, last_id = query.after
        stmt = stmt.where(sa.tuple_(CheckIn.due_at, CheckIn.id) > (due_at, last_id))
    rows = list(
        db.session.scalars(stmt.order_by(CheckIn.due_at, CheckIn.id).limit(query.limit + 1))
    )
    return rows[: query.limit], len(rows) > query.limit


def get_checkin(checkin_id: int) -> CheckIn:
    """A check-in with its transition log; NotFound when there is none."""
    checkin = db.session.scalar(
        sa.select(CheckIn)
        .where(CheckIn.id == checkin_id)
        .options(selectinload(CheckIn.transitions))
    )
    if checkin is None:
        raise NotFound(f"no check-in {checkin_id}")
    return checkin
