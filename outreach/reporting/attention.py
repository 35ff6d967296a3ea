"""The manager's attention list: urgent and needs-review replies nobody has taken yet, who has
been paged for each and for how long, what was taken lately, and the counts of the other lists
that want a manager (overdue and escalated follow-ups, missed rep calls).

A fixed number of queries whatever the list's length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from outreach.company.settings import get_company_settings
from outreach.extensions import db
from outreach.models import CheckIn, Customer, Escalation, FollowUp, Message, Page, Reply
from outreach.scheduling.planning import zone_for_customer
from outreach.triage import unreadable

TAKEN_SINCE = timedelta(hours=24)  #: "taken lately" looks back this far
LIST_MAX = 200
MISSED_SINCE = timedelta(days=7)


@dataclass
class Item:
    """One reply on the list, with what a manager needs to act on it."""

    escalation: Escalation
    reply: Reply
    customer: Customer | None
    customer_zone: str | None  #: the customer's own zone (None for an unknown number)
    number: str | None  #: whom to call: the customer's phone, or the unknown sender's
    pages: list[Page]
    waited: timedelta  #: from the reply to now, or to when it was taken
    #: what happens at escalation.next_at if nobody takes it: a level of the plan is paged,
    #: "repage" (the person on call and the managers again) or "unanswered"; None: nothing
    next_level: str | None
    next_round: int = 0  #: with "repage": which round it will be
    rounds: int = 0  #: re-page rounds the company allows

    @property
    def unreadable(self) -> bool:
        """Sends paused because the classifier could not read the reply's words."""
        return self.escalation.reason == "probable_opt_out" and unreadable(self.reply.evidence)


@dataclass
class Counts:
    """The other lists that want a manager, by their size."""

    followups_open: int = 0
    followups_overdue: int = 0
    followups_escalated: int = 0
    missed_calls: int = 0  #: rep calls missed in the last 7 days
    unanswered: int = 0  #: urgent replies nobody took after every page and re-page


@dataclass
class Attention:
    """Everything the attention page shows."""

    now: datetime
    waiting: list[Item] = field(default_factory=list)
    taken: list[Item] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


def _escalations(*criteria, order) -> list[Escalation]:
    return list(
        db.session.scalars(
            sa.select(Escalation)
            .where(*criteria)
            .options(
                joinedload(Escalation.reply),
                joinedload(Escalation.customer),
                joinedload(Escalation.acked_by),
                selectinload(Escalation.pages).joinedload(Page.user),
            )
            .order_by(*order)
            .limit(LIST_MAX)
        ).unique()
    )


def _senders(rows: list[Escalation]) -> dict[int, str]:
    ids = [e.reply.message_id for e in rows if e.customer is None and e.reply.message_id]
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(Message.id, Message.from_number).where(Message.id.in_(ids)))
    )


def _items(rows: list[Escalation], now: datetime) -> list[Item]:
    settings = get_company_settings()
    senders = _senders(rows)
    items = []
    for e in rows:
        zone = zone_for_customer(e.customer, settings.default_timezone)[0] if e.customer else None
        number = e.customer.phone if e.customer else senders.get(e.reply.message_id)
        end = e.acked_at or now
        item = Item(e, e.reply, e.customer, zone, number, list(e.pages), end - e.created_at, None)
        item.next_level, item.next_round = _following(e, settings.repage_rounds)
        item.rounds = settings.repage_rounds
        items.append(item)
    return items


def _following(e: Escalation, rounds: int) -> tuple[str | None, int]:
    plan = e.plan or []
    if e.next_at is None or e.acked_at is not None:
        return None, 0
    if e.step < len(plan):
        return plan[e.step][0], 0
    if e.repaged < rounds:
        return "repage", e.repaged + 1
    return "unanswered", 0


def _counts(now: datetime) -> Counts:
    open_states = ("open", "overdue", "escalated")
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(FollowUp.state.in_(open_states)),
            sa.func.count().filter(
                sa.or_(
                    FollowUp.state == "overdue",
                    sa.and_(FollowUp.state == "open", FollowUp.due_at < now),
                )
            ),
            sa.func.count().filter(FollowUp.state == "escalated"),
        )
    ).one()
    missed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CheckIn)
        .where(CheckIn.status == "missed", CheckIn.due_at >= now - MISSED_SINCE)
    )
    return Counts(row[0], row[1], row[2], missed or 0, unanswered_count())


def unanswered_count() -> int:
    """Urgent replies nobody took after every page and re-page (still waiting)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Escalation)
        .where(Escalation.unanswered_at.is_not(None), Escalation.acked_at.is_(None))
    )


def build_attention(now: datetime) -> Attention:
    """Replies waiting for someone (oldest first), those taken in the last day (newest first),
    and the counts behind the tiles."""
    waiting = _escalations(Escalation.acked_at.is_(None), order=(Escalation.created_at,))
    taken = _escalations(
        Escalation.acked_at >= now - TAKEN_SINCE,
        order=(Escalation.acked_at.desc(), Escalation.id.desc()),
    )
    return Attention(now, _items(waiting, now), _items(taken, now), _counts(now))
