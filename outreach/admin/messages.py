"""/admin/messages: every SMS in and out, with its status history and errors in words."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request, url_for
from sqlalchemy.orm import selectinload

from outreach.admin import bp
from outreach.company.settings import get_company_settings
from outreach.extensions import db
from outreach.messaging.errors import describe_twilio_error
from outreach.models import Customer, Message, User
from outreach.models.base import column_int
from outreach.models.messages import DIRECTIONS, MESSAGE_KINDS

PAGE = 50
STATUSES = (
    "pending",
    "sending",
    "queued",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "received",
    "canceled",
    "read",
)


def _int(value: str | None) -> int | None:
    return column_int(value) if value else None


def list_messages(filters: dict, before: int | None, limit: int = PAGE) -> tuple[list, bool]:
    """Messages newest first (by id) matching the filters, with their status events loaded."""
    query = sa.select(Message).options(selectinload(Message.status_events))
    if filters.get("direction"):
        query = query.where(Message.direction == filters["direction"])
    if filters.get("kind"):
        query = query.where(Message.kind == filters["kind"])
    if filters.get("status"):
        query = query.where(Message.status == filters["status"])
    if filters.get("customer_id"):
        query = query.where(Message.customer_id == filters["customer_id"])
    if filters.get("errors_only"):
        query = query.where(Message.error_code.is_not(None))
    if before is not None:
        query = query.where(Message.id < before)
    rows = list(db.session.scalars(query.order_by(Message.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def users_by_id(ids) -> dict[int, User]:
    """The users with these ids, in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def customers_by_id(ids) -> dict[int, Customer]:
    """The customers with these ids, in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(sa.select(Customer).where(Customer.id.in_(ids)))}


@bp.get("/messages")
def messages():
    """Every message, newest first, with its status callbacks and error codes explained."""
    args = request.args
    filters = {
        "direction": args.get("direction") if args.get("direction") in DIRECTIONS else None,
        "kind": args.get("kind") if args.get("kind") in MESSAGE_KINDS else None,
        "status": args.get("status") if args.get("status") in STATUSES else None,
        "customer_id": _int(args.get("customer_id")),
        "errors_only": args.get("errors_only") == "1",
    }
    rows, more = list_messages(filters, _int(args.get("before")))
    next_url = None
    if more:
        kept = {k: v for k, v in filters.items() if v}
        next_url = url_for("admin.messages", before=rows[-1].id, **kept)
    return render_template(
        "admin/messages.html",
        rows=rows,
        customers=customers_by_id(m.customer_id for m in rows),
        people=users_by_id(m.user_id for m in rows),
        filters=filters,
        directions=DIRECTIONS,
        kinds=MESSAGE_KINDS,
        statuses=STATUSES,
        describe=describe_twilio_error,
        next_url=next_url,
        company_zone=get_company_settings().default_timezone,
    )
