"""A customer's timeline: events, check-ins, messages, calls, replies, follow-ups, pages (the
fire alarm) and who took them, and duplicates merged into the customer, in order.

A fixed number of queries whatever the history's size (one per kind and per eager-loaded
relation); the API and the admin pages both render it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from outreach.customers.service import get_customer
from outreach.extensions import db
from outreach.models import (
    Call,
    CallStatusEvent,
    CheckIn,
    Customer,
    CustomerMerge,
    Email,
    Escalation,
    FollowUp,
    FollowUpNote,
    Message,
    Page,
    Reply,
    ServiceEvent,
)

#: also the tie-break order; "page": one SMS page to a staff member (its text is shown with
#: it, not as a message of its own), "ack": someone took an escalation, "merge": a duplicate
#: customer folded into this one
KINDS = (
    "event",
    "checkin",
    "message",
    "email",
    "call",
    "reply",
    "followup",
    "page",
    "ack",
    "merge",
)


@dataclass(frozen=True)
class TimelineItem:
    """One thing that happened: its kind, when, and the row."""

    kind: str
    at: datetime
    row: Any


@dataclass
class Timeline:
    """A customer and their history, oldest first."""

    customer: Customer
    items: list[TimelineItem]
    call_status_events: dict[int, list[CallStatusEvent]] = field(default_factory=dict)
    #: reply id -> its escalation (pages and who took it), to show with the reply
    escalations: dict[int, Escalation] = field(default_factory=dict)


def _rows(stmt: sa.Select) -> list[Any]:
    return list(db.session.scalars(stmt))


def customer_timeline(customer_id: int) -> Timeline:
    """Everything that happened with a customer, ordered by time; NotFound when unknown."""
    customer = get_customer(customer_id)
    by_customer = {
        "event": _rows(
            sa.select(ServiceEvent)
            .where(ServiceEvent.customer_id == customer_id)
            .options(selectinload(ServiceEvent.rep))
        ),
        "checkin": _rows(
            sa.select(CheckIn)
            .where(CheckIn.customer_id == customer_id)
            .options(selectinload(CheckIn.transitions))
        ),
        "message": _rows(
            sa.select(Message)
            .where(Message.customer_id == customer_id, Message.kind != "page")
            .options(selectinload(Message.status_events))
        ),
        "call": _rows(
            sa.select(Call)
            .where(Call.customer_id == customer_id)
            .options(selectinload(Call.user), selectinload(Call.conference))
        ),
        "email": _rows(sa.select(Email).where(Email.customer_id == customer_id)),
        "reply": _rows(sa.select(Reply).where(Reply.customer_id == customer_id)),
        "followup": _rows(
            sa.select(FollowUp)
            .where(FollowUp.customer_id == customer_id)
            .options(
                selectinload(FollowUp.owner),
                selectinload(FollowUp.notes).joinedload(FollowUpNote.user),
            )
        ),
    }
    escalations = _rows(
        sa.select(Escalation)
        .where(Escalation.customer_id == customer_id)
        .options(
            selectinload(Escalation.pages).options(joinedload(Page.user), joinedload(Page.message)),
            joinedload(Escalation.acked_by),
        )
    )
    by_customer["page"] = [p for e in escalations for p in e.pages]
    by_customer["ack"] = [e for e in escalations if e.acked_at is not None]
    by_customer["merge"] = _rows(
        sa.select(CustomerMerge)
        .where(CustomerMerge.customer_id == customer_id)
        .options(joinedload(CustomerMerge.user))
    )
    items = [
        TimelineItem(kind, _when(kind, row), row)
        for kind, rows in by_customer.items()
        for row in rows
    ]
    items.sort(key=lambda item: (item.at, KINDS.index(item.kind), item.row.id))
    return Timeline(
        customer,
        items,
        _call_status_events([c.id for c in by_customer["call"]]),
        {e.reply_id: e for e in escalations},
    )


def latest_replies(customer_ids: set[int] | list[int], per_customer: int) -> list[Reply]:
    """Each customer's newest `per_customer` replies, oldest first, in one query."""
    if not customer_ids:
        return []
    ranked = (
        sa.select(
            Reply.id,
            sa.func.row_number()
            .over(
                partition_by=Reply.customer_id, order_by=(Reply.created_at.desc(), Reply.id.desc())
            )
            .label("n"),
        )
        .where(Reply.customer_id.in_(list(customer_ids)))
        .subquery()
    )
    return db.session.scalars(
        sa.select(Reply)
        .join(ranked, ranked.c.id == Reply.id)
        .where(ranked.c.n <= per_customer)
        .order_by(Reply.created_at, Reply.id)
    ).all()


def _when(kind: str, row: Any) -> datetime:
    if kind == "event":
        return row.occurred_at
    if kind == "checkin":
        return row.due_at
    if kind == "page":
        return row.sent_at
    if kind == "ack":
        return row.acked_at
    return row.created_at


def _call_status_events(call_ids: list[int]) -> dict[int, list[CallStatusEvent]]:
    grouped: dict[int, list[CallStatusEvent]] = defaultdict(list)
    if call_ids:
        stmt = (
            sa.select(CallStatusEvent)
            .where(CallStatusEvent.call_id.in_(call_ids))
            .order_by(CallStatusEvent.id)
        )
        for row in db.session.scalars(stmt):
            grouped[row.call_id].append(row)
    return dict(grouped)
