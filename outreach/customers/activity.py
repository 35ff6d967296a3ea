"""Each customer's latest message time (customers.last_message_at) and the conversations list
it orders: customers with messages by their newest message, those without by their last change,
newest first, paged by a (time, id) cursor read from two partial indexes.

`messages_stored` keeps the column in the transaction that stores messages; `recount` computes
it from the messages themselves and `rebuild` rewrites it (the migration's backfill).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from outreach.extensions import db
from outreach.models import Customer, Message
from outreach.models.base import column_int

PAGE = 50
DAMAGED = "this page link is damaged: start again from the first page"


def messages_stored(customer_ids: Iterable[int | None], at: datetime) -> None:
    """Move these customers' latest message time up to `at` (messages stored at `at`)."""
    ids = sorted({i for i in customer_ids if i is not None})
    if not ids:
        return
    db.session.execute(
        sa.update(Customer)
        .where(
            Customer.id.in_(ids),
            sa.or_(Customer.last_message_at.is_(None), Customer.last_message_at < at),
        )
        .values(last_message_at=at, updated_at=Customer.updated_at)
        .execution_options(synchronize_session=False)
    )


def messages_moved(customer_id: int) -> None:
    """Recompute one customer's latest message time (messages moved to it in a merge)."""
    db.session.execute(
        sa.update(Customer)
        .where(Customer.id == customer_id)
        .values(last_message_at=_latest_of(Customer.id), updated_at=Customer.updated_at)
        .execution_options(synchronize_session=False)
    )


def _latest_of(customer_id: sa.ColumnElement) -> sa.ScalarSelect:
    return (
        sa.select(sa.func.max(Message.created_at))
        .where(Message.customer_id == customer_id)
        .scalar_subquery()
    )


def recount() -> dict[int, datetime]:
    """Each customer's latest message time, computed from the messages."""
    return dict(
        db.session.execute(
            sa.select(Message.customer_id, sa.func.max(Message.created_at))
            .where(Message.customer_id.is_not(None))
            .group_by(Message.customer_id)
        ).all()
    )


def rebuild() -> int:
    """Rewrite every customer's latest message time from the messages (commits); how many."""
    count = db.session.execute(
        sa.update(Customer)
        .values(last_message_at=_latest_of(Customer.id), updated_at=Customer.updated_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def _search(q: str) -> sa.ColumnElement[bool] | None:
    q = q.strip()[:100]
    if not q:
        return None
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(
        Customer.name.ilike(like, escape="\\"),
        Customer.phone.like(like, escape="\\"),
        Customer.external_id.ilike(like, escape="\\"),
    )


def encode_cursor(at: datetime, customer_id: int) -> str:
    """The position after (at, id) in the conversations order, for a link."""
    raw = f"{at.isoformat()}|{customer_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (time, id) a conversations link continues after; BadCursor when it was altered."""
    from outreach.customers.service import BadCursor

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, id_text = raw.split("|")
        at = datetime.fromisoformat(at_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(DAMAGED) from None
    if at.tzinfo is None or column_int(id_text) is None:
        raise BadCursor(DAMAGED)
    return at, int(id_text)


def conversation_list(
    q: str = "", cursor: str | None = None, limit: int = PAGE
) -> tuple[list[tuple[Customer, datetime | None]], str | None]:
    """Customers by latest message (or last change), newest first, `limit` after `cursor`;
    each with its latest message time, and the next page's cursor (None on the last)."""
    after = decode_cursor(cursor) if cursor else None
    match = _search(q)
    found: list[tuple[datetime, int, Customer]] = []
    for key, has_message in (
        (Customer.last_message_at, Customer.last_message_at.is_not(None)),
        (Customer.updated_at, Customer.last_message_at.is_(None)),
    ):
        query = sa.select(Customer).where(has_message)
        if match is not None:
            query = query.where(match)
        if after is not None:
            query = query.where(sa.tuple_(key, Customer.id) < after)
        for customer in db.session.scalars(
            query.order_by(key.desc(), Customer.id.desc()).limit(limit + 1)
        ):
            found.append((customer.last_message_at or customer.updated_at, customer.id, customer))
    found.sort(key=lambda row: (row[0], row[1]), reverse=True)
    page = found[:limit]
    rows = [(customer, customer.last_message_at) for _, _, customer in page]
    more = len(found) > limit
    return rows, encode_cursor(page[-1][0], page[-1][1]) if more else None
