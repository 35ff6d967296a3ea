"""The rep's list: calls to make and promises to keep, with each customer's context."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from outreach.auth.roles import may_work_on, owner_ids_for
from outreach.company.settings import get_company_settings
from outreach.conversations.followups import NOTE_MAX
from outreach.conversations.promise import business_hours
from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.models import CheckIn, Customer, FollowUp, Policy, Reply, ServiceEvent, User
from outreach.models.followups import OPEN_FOLLOWUP_STATES, PRIORITIES
from outreach.reporting.timeline import latest_replies
from outreach.scheduling import transitions
from outreach.scheduling.checkins import pending_rep_calls
from outreach.scheduling.planning import zone_for_customer
from outreach.scheduling.timing import zone_or_utc

log = logging.getLogger(__name__)

OUTCOMES = {
    "reached": "Reached the customer, all good",
    "voicemail": "Left a voicemail",
    "no_answer": "No answer",
    "issue_found": "Issue found: follow up",
}
HORIZON = timedelta(days=14)  #: how far ahead "upcoming" looks
MAX_ITEMS = 200  #: per kind, so a backlog cannot make the page unbounded
REPLIES_PER_CUSTOMER = 5
#: the list's filters: which items each shows
FILTERS = {"all": "All", "calls": "Calls", "followups": "Follow-ups", "urgent": "Urgent"}
#: what goes out instead when a rep call is not made by its deadline, by fallback channel
FALLBACK_WORDS = {"sms": "a text", "voice": "an automated call", "email": "an e-mail"}


@dataclass
class WorkItem:
    """One row of the list: a rep call to make or a follow-up to keep."""

    kind: str  #: "call" or "followup"
    id: int
    due_at: datetime
    zone: str  #: the customer's zone, for showing times
    customer: Customer
    event: ServiceEvent | None
    checkin: CheckIn | None = None
    followup: FollowUp | None = None
    is_overdue: bool = False
    is_first: bool = False  #: callbacks and urgent follow-ups go to the top
    covering_for: User | None = None  #: the away colleague whose item this is
    replies: list[Reply] = field(default_factory=list)
    promises: list[FollowUp] = field(default_factory=list)  #: open promises to this customer
    deadline_at: datetime | None = None  #: a call: after this, the fallback goes out
    fallback: str | None = None  #: a call: what goes out then ("a text"), None for nothing

    @property
    def is_urgent(self) -> bool:
        """An urgent follow-up, or one of urgent priority."""
        f = self.followup
        return f is not None and (f.kind == "urgent" or f.priority == "urgent")

    def shown_by(self, show: str) -> bool:
        """Whether the list's filter `show` (a FILTERS key) includes this item."""
        if show == "calls":
            return self.kind == "call"
        if show == "followups":
            return self.kind == "followup"
        if show == "urgent":
            return self.is_urgent
        return True


@dataclass(frozen=True)
class DoneItem:
    """Something the user finished today: a call logged or a follow-up kept."""

    kind: str  #: "call" or "followup"
    id: int
    at: datetime
    customer: Customer
    words: str  #: the outcome as a person says it


@dataclass
class Worklist:
    """Today's items (overdue, callbacks, calls due today) first, then the upcoming ones."""

    now: datetime
    zone: str  #: the zone "today" is counted in (the company default)
    today: list[WorkItem]
    upcoming: list[WorkItem]
    start_of_today: datetime | None = None


def build_worklist(user: User, now: datetime, *, with_context: bool = True) -> Worklist:
    """The user's worklist, in a fixed number of queries whatever the number of rows; without
    context, attach_context() adds replies and promises to the items a page shows."""
    company = get_company_settings()
    today_zone = company.default_timezone
    local_now = now.astimezone(zone_or_utc(today_zone))
    start_of_today = datetime.combine(local_now.date(), time(0), tzinfo=zone_or_utc(today_zone))
    end_of_today = datetime.combine(
        local_now.date() + timedelta(days=1), time(0), tzinfo=zone_or_utc(today_zone)
    )
    horizon = now + HORIZON
    owners = owner_ids_for(user)

    checkins = db.session.scalars(
        pending_rep_calls(owners)
        .where(CheckIn.due_at < horizon)
        .options(
            joinedload(CheckIn.rep),
            joinedload(CheckIn.policy).joinedload(Policy.fallback_policy),
        )
        .limit(MAX_ITEMS)
    ).all()
    followups = db.session.scalars(
        sa.select(FollowUp)
        .where(FollowUp.state.in_(OPEN_FOLLOWUP_STATES), FollowUp.owner_id.in_(owners))
        .options(joinedload(FollowUp.customer), joinedload(FollowUp.owner))
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(MAX_ITEMS)
    ).all()

    items: list[WorkItem] = []
    for c in checkins:
        items.append(
            WorkItem(
                kind="call",
                id=c.id,
                due_at=c.due_at,
                zone=c.timezone,
                customer=c.customer,
                event=c.event,
                checkin=c,
                is_overdue=c.due_at < now,
                covering_for=c.rep if c.rep_id != user.id else None,
                deadline_at=c.deadline_at,
                fallback=_fallback_words(c.policy),
            )
        )
    events = _events_of(followups)
    for f in followups:
        items.append(
            WorkItem(
                kind="followup",
                id=f.id,
                due_at=f.due_at,
                zone=zone_for_customer(f.customer, company.default_timezone)[0],
                customer=f.customer,
                event=events.get(f.checkin_id) if f.checkin_id else None,
                followup=f,
                is_overdue=f.due_at < now or f.state != "open",
                is_first=f.kind in ("callback", "urgent"),
                covering_for=f.owner if f.owner_id != user.id else None,
            )
        )
    if with_context:
        attach_context(items)

    today = [i for i in items if i.is_first or i.is_overdue or i.due_at < end_of_today]
    upcoming = [i for i in items if i not in today]
    today.sort(key=lambda i: (not i.is_first, not i.is_overdue, i.due_at, i.kind, i.id))
    upcoming.sort(key=lambda i: (i.due_at, i.kind, i.id))
    return Worklist(
        now=now, zone=today_zone, today=today, upcoming=upcoming, start_of_today=start_of_today
    )


def _fallback_words(policy: Policy | None) -> str | None:
    fallback = policy.fallback_policy if policy is not None else None
    if fallback is None or fallback.is_deleted or not fallback.is_active:
        return None
    return FALLBACK_WORDS.get(fallback.channel, "a check-in")


def done_since(user: User, since: datetime, limit: int = MAX_ITEMS) -> list[DoneItem]:
    """Calls logged and follow-ups kept on the user's list since `since`, newest first."""
    owners = owner_ids_for(user)
    calls = db.session.scalars(
        sa.select(CheckIn)
        .where(
            CheckIn.channel == "rep_call",
            CheckIn.status == "done",
            CheckIn.rep_id.in_(owners),
            CheckIn.updated_at >= since,
        )
        .options(joinedload(CheckIn.customer))
        .order_by(CheckIn.updated_at.desc(), CheckIn.id.desc())
        .limit(limit)
    ).all()
    kept = db.session.scalars(
        sa.select(FollowUp)
        .where(FollowUp.state == "done", FollowUp.owner_id.in_(owners), FollowUp.done_at >= since)
        .options(joinedload(FollowUp.customer))
        .order_by(FollowUp.done_at.desc(), FollowUp.id.desc())
        .limit(limit)
    ).all()
    done = [
        DoneItem("call", c.id, c.updated_at, c.customer, OUTCOMES.get(c.outcome or "", "Done"))
        for c in calls
    ]
    done += [
        DoneItem("followup", f.id, f.done_at, f.customer, f.outcome_note or "Kept") for f in kept
    ]
    done.sort(key=lambda d: (d.at, d.id), reverse=True)
    return done[:limit]


def _events_of(followups: list[FollowUp]) -> dict[int, ServiceEvent]:
    """The service event behind each follow-up's check-in, in one query."""
    ids = {f.checkin_id for f in followups if f.checkin_id}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(CheckIn.id.label("checkin_id"), ServiceEvent)
        .join(ServiceEvent, CheckIn.event_id == ServiceEvent.id)
        .where(CheckIn.id.in_(ids))
    )
    return {row.checkin_id: row.ServiceEvent for row in rows}


def attach_context(items: list[WorkItem]) -> None:
    """Each customer's latest replies and open promises, in two queries for all items."""
    customer_ids = {i.customer.id for i in items}
    if not customer_ids:
        return
    replies = latest_replies(customer_ids, REPLIES_PER_CUSTOMER)
    promises = db.session.scalars(
        sa.select(FollowUp)
        .where(FollowUp.customer_id.in_(customer_ids), FollowUp.state.in_(OPEN_FOLLOWUP_STATES))
        .order_by(FollowUp.due_at, FollowUp.id)
    ).all()
    replies_by: dict[int, list[Reply]] = defaultdict(list)
    for r in replies:
        replies_by[r.customer_id].append(r)
    promises_by: dict[int, list[FollowUp]] = defaultdict(list)
    for p in promises:
        promises_by[p.customer_id].append(p)
    for item in items:
        item.replies = replies_by.get(item.customer.id, [])
        item.promises = [
            p
            for p in promises_by.get(item.customer.id, [])
            if p.id != item.id or item.kind != "followup"
        ]


@dataclass(frozen=True)
class OutcomeInput:
    """What the rep logs after a call."""

    outcome: str
    note: str = ""
    followup_due: date | None = None  #: "issue found": when the rep will get back to them
    promise: str = ""  #: "issue found": what the customer was told
    priority: str = "normal"


def _followup_due_at(due: date, zone_name: str, closes: time, now: datetime) -> datetime:
    """The end of business on a date in the customer's zone (end of that day if already past)."""
    tz = zone_or_utc(zone_name)
    due_at = datetime.combine(due, closes, tzinfo=tz)
    if due_at <= now:
        due_at = datetime.combine(due, time(23, 59), tzinfo=tz)
    return due_at


def log_call_outcome(checkin_id: int, user: User, data: OutcomeInput, now: datetime) -> CheckIn:
    """Record a rep call's outcome: the check-in is done; "issue found" opens a follow-up."""
    checkin = db.session.scalar(
        sa.select(CheckIn)
        .where(CheckIn.id == checkin_id, CheckIn.channel == "rep_call")
        .options(joinedload(CheckIn.customer))
    )
    if checkin is None or not may_work_on(user, checkin.rep_id):
        raise NotFound("no such call in your list")
    if data.outcome not in OUTCOMES:
        raise ValidationError("choose what happened on the call", field="outcome")
    note = (data.note or "").strip()
    promise = (data.promise or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"keep the note under {NOTE_MAX} characters", field="note")
    if len(promise) > NOTE_MAX:
        raise ValidationError(f"keep the promise under {NOTE_MAX} characters", field="promise")
    due_at = None
    if data.outcome == "issue_found":
        if not note:
            raise ValidationError("describe the issue", field="note")
        if data.followup_due is None:
            raise ValidationError("give the date you will get back to them", field="followup_due")
        if data.priority not in PRIORITIES:
            raise ValidationError("choose a priority", field="priority")
        local_today = now.astimezone(zone_or_utc(checkin.timezone)).date()
        if data.followup_due < local_today:
            raise ValidationError("the date is in the past", field="followup_due")
        if data.followup_due > local_today + timedelta(days=365):
            raise ValidationError("the date is more than a year away", field="followup_due")
        closes = business_hours(get_company_settings()).closing_wall(data.followup_due)
        due_at = _followup_due_at(data.followup_due, checkin.timezone, closes, now)

    reason = f"call logged by {user.display_name}: {OUTCOMES[data.outcome].lower()}"
    if not transitions.mark_done(
        checkin.id, reason=reason, outcome=data.outcome, note=note or None
    ):
        db.session.rollback()
        raise Conflict("this call is no longer waiting: it was logged or handled already")
    if due_at is not None:
        title = note.splitlines()[0][:300]
        db.session.add(
            FollowUp(
                customer_id=checkin.customer_id,
                checkin_id=checkin.id,
                owner_id=user.id,
                kind="issue",
                priority=data.priority,
                title=title,
                promise=promise or None,
                due_at=due_at,
                outcome_note=None,
            )
        )
    db.session.commit()
    log.info("check-in %s logged %s by user %s", checkin.id, data.outcome, user.id)
    return checkin
