"""The check-in queue as a list: filters, keyset pages in (due_at, id) order and the opaque
cursors between them. The API's GET /checkins and the admin queue page both read it."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from outreach.errors import BadRequest
from outreach.extensions import db
from outreach.models import CheckIn, User
from outreach.models.base import INT_MAX

DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class CheckinQuery:
    """Filters and the page position for the check-in list."""

    statuses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    customer_id: int | None = None
    event_id: int | None = None
    rep_id: int | None = None
    rep_email: str | None = None
    due_after: datetime | None = None  #: inclusive
    due_before: datetime | None = None  #: exclusive
    after: tuple[datetime, int] | None = None  #: (due_at, id) of the last row already seen
    limit: int = DEFAULT_LIMIT


def encode_cursor(due_at: datetime, checkin_id: int) -> str:
    """An opaque cursor for the position after (due_at, id)."""
    raw = json.dumps([due_at.astimezone(UTC).isoformat(), checkin_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (due_at, id) inside a cursor from encode_cursor; BadRequest when it is damaged."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due_raw, checkin_id = json.loads(raw)
        due_at = datetime.fromisoformat(due_raw)
        if due_at.tzinfo is None or type(checkin_id) is not int or not 1 <= checkin_id <= INT_MAX:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, RecursionError):
        raise BadRequest("not a cursor from this API", field="cursor", code="bad_cursor") from None
    return due_at.astimezone(UTC), checkin_id


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


def next_cursor(rows: list[CheckIn], more: bool) -> str | None:
    """The cursor of the page after rows (a page from list_checkins), or None on the last one."""
    return encode_cursor(rows[-1].due_at, rows[-1].id) if more else None
