"""Follow-ups: keeping them (complete_followup) and the sweep that chases them.

The sweep (sweep_followups, one step of every scheduler pass) does, each step a compare-and-set
on the row committed together with the text it queues, so each happens once even with two
schedulers running:
1. at due: open -> overdue, the owner (or their backup while away) is reminded (reminded_at);
2. followup_grace_hours (wall-clock) after due: -> escalated, the owner's backup and the
   managers are reminded (escalated_at);
3. while open, every reassurance_every_hours (off when unset): "Still on it — Sam" to the
   customer, never in quiet hours, never to an opted-out or wrong number (last_reassured_at);
   with reassure_by_email, to a customer who may get e-mail a short e-mail instead, in the
   owner's name and saying by when (quiet hours do not apply to e-mail);
4. pending texts whose job was lost are handed to the queue again (messaging.texts.flush_texts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from outreach.auth.roles import STAFF, may_work_on
from outreach.conversations.promise import business_hours, first_name, format_when
from outreach.conversations.staff import covering, managers
from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.messaging.emails import enqueue_emails, queue_email
from outreach.messaging.texts import enqueue_texts, flush_texts, queue_text
from outreach.models import (
    CompanySettings,
    Conference,
    Customer,
    FollowUp,
    FollowUpNote,
    Message,
    Reply,
    User,
    utcnow,
)
from outreach.models.followups import OPEN_FOLLOWUP_STATES, PRIORITIES
from outreach.scheduling.consents import opted_out_reason
from outreach.scheduling.planning import company_floor, zone_for_customer
from outreach.scheduling.timing import blocked_reason, local_time, zone_or_utc

log = logging.getLogger(__name__)

NOTE_MAX = 2000  #: characters of a follow-up's or a call's note

SWEEP_LIMIT = 500  #: follow-ups handled per step and pass; the next pass goes on


@dataclass
class SweepResult:
    """What one follow-up sweep did, in counts."""

    reminded: int = 0
    escalated: int = 0
    reassured: int = 0
    texts: int = 0  #: pending texts handed to the queue again

    @property
    def total(self) -> int:
        """Everything the sweep did."""
        return self.reminded + self.escalated + self.reassured + self.texts


def get_company_settings() -> CompanySettings:
    """The settings row, or an unsaved one with the defaults (a sweep never writes settings)."""
    row = db.session.get(CompanySettings, 1)
    if row is not None:
        return row
    defaults = {
        column.key: column.default.arg
        for column in CompanySettings.__table__.columns
        if column.default is not None and not callable(column.default.arg)
    }
    return CompanySettings(**defaults)


def complete_followup(
    followup_id: int, note: str, user: User, now: datetime | None = None
) -> FollowUp:
    """Mark a follow-up kept (done), once, with a note of what was done; the follow-up."""
    now = now or utcnow()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(f"keep the note under {NOTE_MAX} characters", field="note")
    row = db.session.execute(
        sa.select(FollowUp.id, FollowUp.owner_id).where(FollowUp.id == followup_id)
    ).first()
    if row is None or not may_work_on(user, row.owner_id):
        raise NotFound("no such follow-up in your list")
    moved = db.session.execute(
        sa.update(FollowUp)
        .where(FollowUp.id == followup_id, FollowUp.state.in_(OPEN_FOLLOWUP_STATES))
        .values(state="done", done_at=now, outcome_note=note or None, updated_at=now)
    ).rowcount
    if not moved:
        db.session.rollback()
        raise Conflict("this follow-up is already done")
    db.session.commit()
    log.info("follow-up %s done by user %s", followup_id, user.id)
    return db.session.get(FollowUp, followup_id)


REDATE_AHEAD = timedelta(days=366)  #: a follow-up is re-dated at most this far ahead
SENT_SINCE_MAX = 10  #: texts to the customer shown on a card


def _editable(followup_id: int, user: User) -> FollowUp:
    """The follow-up if the user may change it (staff: any; a rep: their own or covered) and
    it is not done yet; NotFound or Conflict otherwise."""
    row = db.session.get(FollowUp, followup_id)
    if row is None or not (user.role in STAFF or may_work_on(user, row.owner_id)):
        raise NotFound("no such follow-up in your list")
    if row.state not in OPEN_FOLLOWUP_STATES:
        raise Conflict("this follow-up is already done; it cannot be changed")
    return row


def _change(row: FollowUp, user: User, kind: str, body: str, now: datetime, **where_values):
    """Compare-and-set the follow-up (still open and, for each `where` column, unchanged since
    read), then record the change in its history and commit; Conflict when someone was first."""
    where = where_values.pop("where")
    moved = db.session.execute(
        sa.update(FollowUp)
        .where(FollowUp.id == row.id, FollowUp.state.in_(OPEN_FOLLOWUP_STATES), *where)
        .values(updated_at=now, **where_values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        db.session.rollback()
        raise Conflict("this follow-up changed or was done meanwhile; look again")
    db.session.add(
        FollowUpNote(followup_id=row.id, user_id=user.id, kind=kind, body=body, created_at=now)
    )
    db.session.commit()
    db.session.expire_all()
    log.info("follow-up %s %s by user %s", row.id, kind, user.id)
    return db.session.get(FollowUp, row.id)


def reassign_followup(
    followup_id: int, owner_id: int | None, user: User, now: datetime | None = None
) -> FollowUp:
    """Give an open follow-up to another active staff member (rep, manager or admin); the
    change goes into its history."""
    now = now or utcnow()
    row = _editable(followup_id, user)
    owner = db.session.get(User, owner_id) if owner_id is not None else None
    if owner is None or not owner.is_active_user:
        raise ValidationError("choose an active person to give it to", field="owner_id")
    if owner.id == row.owner_id:
        raise ValidationError(f"it is already {owner.display_name}'s", field="owner_id")
    before = row.owner.display_name if row.owner else "nobody"
    return _change(
        row,
        user,
        "reassigned",
        f"from {before} to {owner.display_name}",
        now,
        where=[
            FollowUp.owner_id.is_(None)
            if row.owner_id is None
            else FollowUp.owner_id == row.owner_id
        ],
        owner_id=owner.id,
    )


def parse_due(raw: str, zone_name: str, now: datetime) -> datetime:
    """A new due time typed as "2026-03-10T17:30" (a datetime-local field) in the viewer's
    zone, in UTC; not in the past, at most a year ahead; ValidationError otherwise."""
    try:
        local = datetime.fromisoformat((raw or "").strip())
    except ValueError:
        raise ValidationError(
            "give the new date and time, e.g. 2026-03-10 17:30", field="due_at"
        ) from None
    zone = zone_or_utc(zone_name)
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone)
    due = local.astimezone(now.tzinfo)
    if due < now - timedelta(minutes=1):
        raise ValidationError(
            f"that is in the past (it is now {local_time(now, zone_name)})", field="due_at"
        )
    if due > now + REDATE_AHEAD:
        raise ValidationError("choose a time within the next year", field="due_at")
    return due


def redate_followup(
    followup_id: int, raw_due: str, zone_name: str, user: User, now: datetime | None = None
) -> FollowUp:
    """Move an open follow-up's due time (typed in the viewer's zone); an overdue one moved
    into the future is open again and will be reminded again at its new time."""
    now = now or utcnow()
    row = _editable(followup_id, user)
    due = parse_due(raw_due, zone_name, now)
    values: dict = {"due_at": due}
    if row.state == "overdue" and due > now:
        values.update(state="open", reminded_at=None)
    return _change(
        row,
        user,
        "redated",
        f"due {local_time(row.due_at, zone_name)} → {local_time(due, zone_name)}",
        now,
        where=[FollowUp.due_at == row.due_at, FollowUp.state == row.state],
        **values,
    )


def reprioritise_followup(
    followup_id: int, priority: str, user: User, now: datetime | None = None
) -> FollowUp:
    """Change an open follow-up's priority (low, normal, high, urgent)."""
    now = now or utcnow()
    row = _editable(followup_id, user)
    if priority not in PRIORITIES:
        raise ValidationError(f"choose one of {', '.join(PRIORITIES)}", field="priority")
    if priority == row.priority:
        raise ValidationError(f"it is already {priority}", field="priority")
    return _change(
        row,
        user,
        "reprioritised",
        f"{row.priority} → {priority}",
        now,
        where=[FollowUp.priority == row.priority],
        priority=priority,
    )


def add_followup_note(
    followup_id: int, body: str, user: User, now: datetime | None = None
) -> FollowUpNote:
    """A note on a follow-up, with its author and time (on a done one too: what happened
    after)."""
    now = now or utcnow()
    body = (body or "").strip()
    if not body:
        raise ValidationError("write the note first", field="body")
    if len(body) > NOTE_MAX:
        raise ValidationError(f"keep the note under {NOTE_MAX} characters", field="body")
    row = db.session.get(FollowUp, followup_id)
    if row is None or not (user.role in STAFF or may_work_on(user, row.owner_id)):
        raise NotFound("no such follow-up in your list")
    note = FollowUpNote(followup_id=row.id, user_id=user.id, kind="note", body=body, created_at=now)
    db.session.add(note)
    db.session.commit()
    log.info("follow-up %s note %s by user %s", row.id, note.id, user.id)
    return note


def note_three_way_call(conference: Conference, text: str, now: datetime | None = None) -> None:
    """A three-way call started from a follow-up ended: its outcome goes into the follow-up's
    history, written as the rep who started it; commits."""
    if conference.followup_id is None or db.session.get(FollowUp, conference.followup_id) is None:
        return
    note = FollowUpNote(
        followup_id=conference.followup_id,
        user_id=conference.user_id,
        kind="note",
        body=text[:NOTE_MAX],
        created_at=now or utcnow(),
    )
    db.session.add(note)
    db.session.commit()
    log.info("follow-up %s: three-way call %s noted", conference.followup_id, conference.id)


@dataclass
class CardContext:
    """What a follow-up card shows besides the row: the reply that opened it (the customer's
    own words), its history and the texts sent to the customer since."""

    replies: dict[int, Reply]
    notes: dict[int, list[FollowUpNote]]
    sent_since: dict[int, list[Message]]


def card_context(followups: list[FollowUp]) -> CardContext:
    """For each follow-up, its history (oldest first) and the texts sent to its customer's
    phone since it was opened (newest SENT_SINCE_MAX, oldest first); three queries."""
    ids = [f.id for f in followups]
    notes: dict[int, list[FollowUpNote]] = {i: [] for i in ids}
    sent: dict[int, list[Message]] = {i: [] for i in ids}
    if not ids:
        return CardContext({}, notes, sent)
    reply_ids = {f.reply_id for f in followups if f.reply_id is not None}
    by_id = (
        {r.id: r for r in db.session.scalars(sa.select(Reply).where(Reply.id.in_(reply_ids)))}
        if reply_ids
        else {}
    )
    replies = {f.id: by_id[f.reply_id] for f in followups if f.reply_id in by_id}
    for note in db.session.scalars(
        sa.select(FollowUpNote)
        .where(FollowUpNote.followup_id.in_(ids))
        .options(joinedload(FollowUpNote.user))
        .order_by(FollowUpNote.created_at, FollowUpNote.id)
    ):
        notes[note.followup_id].append(note)
    customers = {f.customer_id for f in followups}
    since = min(f.created_at for f in followups)
    messages = list(
        db.session.scalars(
            sa.select(Message)
            .join(Customer, Customer.id == Message.customer_id)
            .where(
                Message.customer_id.in_(customers),
                Message.direction == "outbound",
                Message.to_number == Customer.phone,
                Message.created_at >= since,
            )
            .order_by(Message.created_at, Message.id)
        )
    )
    for f in followups:
        mine = [
            m for m in messages if m.customer_id == f.customer_id and m.created_at >= f.created_at
        ]
        sent[f.id] = mine[-SENT_SINCE_MAX:]
    return CardContext(replies, notes, sent)


def _move(followup_id: int, old_states: tuple[str, ...], unset: sa.Column, **values) -> bool:
    """Compare-and-set: only when the state is one of old_states and `unset` is still NULL."""
    return (
        db.session.execute(
            sa.update(FollowUp)
            .where(FollowUp.id == followup_id, FollowUp.state.in_(old_states), unset.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _due_rows(*criteria) -> list[FollowUp]:
    return list(
        db.session.scalars(
            sa.select(FollowUp)
            .where(*criteria)
            .options(joinedload(FollowUp.customer), joinedload(FollowUp.owner))
            .order_by(FollowUp.due_at, FollowUp.id)
            .limit(SWEEP_LIMIT)
        ).unique()
    )


def remind_due(now: datetime) -> tuple[int, list[int]]:
    """Open follow-ups at or past due become overdue and their owner is reminded, once."""
    hours = business_hours(get_company_settings())
    done, texts = 0, []
    for f in _due_rows(FollowUp.state == "open", FollowUp.due_at <= now):
        if not _move(f.id, ("open",), FollowUp.reminded_at, state="overdue", reminded_at=now):
            db.session.rollback()
            continue
        who = covering(f.owner)
        if who is not None and who.phone:
            body = (
                f"Reminder: your follow-up with {f.customer.name} was due "
                f"{format_when(f.due_at, hours.zone)}: {f.title}"
            )
            texts.append(_queue(who, f, body, "followup_reminder", now))
        db.session.commit()
        done += 1
        log.info("follow-up %s overdue; owner %s reminded", f.id, who.id if who else None)
    return done, texts


def escalate_overdue(now: datetime, grace_hours: int) -> tuple[int, list[int]]:
    """Follow-ups still open `grace_hours` after due are escalated to the backup and managers."""
    hours = business_hours(get_company_settings())
    cutoff = now - timedelta(hours=grace_hours)
    done, texts = 0, []
    rows = _due_rows(
        FollowUp.state.in_(("open", "overdue")),
        FollowUp.due_at <= cutoff,
        FollowUp.escalated_at.is_(None),
    )
    for f in rows:
        if not _move(
            f.id,
            ("open", "overdue"),
            FollowUp.escalated_at,
            state="escalated",
            escalated_at=now,
            reminded_at=sa.func.coalesce(FollowUp.reminded_at, now),
        ):
            db.session.rollback()
            continue
        owner = f.owner
        recipients: dict[int, User] = {}
        if owner is not None and owner.backup is not None and owner.backup.is_active_user:
            recipients[owner.backup.id] = owner.backup
        for manager in managers():
            recipients.setdefault(manager.id, manager)
        whose = f"{owner.display_name}'s follow-up" if owner else "a follow-up nobody owns"
        body = (
            f"Overdue: {whose} with {f.customer.name}, "
            f"due {format_when(f.due_at, hours.zone)}: {f.title}"
        )
        for user in recipients.values():
            if user.phone and (owner is None or user.id != owner.id):
                texts.append(_queue(user, f, body, "followup_reminder", now))
        db.session.commit()
        done += 1
        log.warning("follow-up %s escalated to %s", f.id, sorted(recipients))
    return done, texts


def reassure_customers(now: datetime, every_hours: int | None) -> tuple[int, list[int]]:
    """While a follow-up stays open, "Still on it — Sam" to the customer every `every_hours`
    hours, inside the quiet-hours floor, never to an opted-out, wrong or paused number; one per
    customer per pass."""
    if not every_hours or every_hours <= 0:
        return 0, []
    settings = get_company_settings()
    floor = company_floor(settings)
    cutoff = now - timedelta(hours=every_hours)
    last = sa.func.coalesce(FollowUp.last_reassured_at, FollowUp.created_at)
    rows = list(
        db.session.scalars(
            sa.select(FollowUp)
            .join(Customer, Customer.id == FollowUp.customer_id)
            .where(
                FollowUp.state.in_(OPEN_FOLLOWUP_STATES),
                last <= cutoff,
                Customer.is_opted_out.is_(False),
                Customer.is_wrong_number.is_(False),
                Customer.paused_at.is_(None),
            )
            .options(joinedload(FollowUp.customer), joinedload(FollowUp.owner))
            .order_by(FollowUp.customer_id, FollowUp.due_at, FollowUp.id)
            .limit(SWEEP_LIMIT)
        ).unique()
    )
    done, texts, emails, seen = 0, [], [], set()
    for f in rows:
        customer = f.customer
        zone, _ = zone_for_customer(customer, settings.default_timezone)
        by_email = settings.reassure_by_email and opted_out_reason(customer, "email") is None
        if not by_email and blocked_reason(now, None, zone, floor):
            continue
        moved = db.session.execute(
            sa.update(FollowUp)
            .where(
                FollowUp.id == f.id,
                FollowUp.state.in_(OPEN_FOLLOWUP_STATES),
                FollowUp.last_reassured_at.is_(None)
                if f.last_reassured_at is None
                else FollowUp.last_reassured_at == f.last_reassured_at,
            )
            .values(last_reassured_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not moved:
            db.session.rollback()
            continue
        if customer.id not in seen:
            seen.add(customer.id)
            keeper = covering(f.owner)
            who = first_name(keeper.name if keeper else "") or "our team"
            if by_email:
                emails.append(_reassurance_email(f, customer, keeper, settings, zone, now).id)
                done += 1
                db.session.commit()
                continue
            message = queue_text(
                customer.phone,
                f"Still on it — {who}, {settings.name}",
                "reassurance",
                customer_id=customer.id,
                checkin_id=f.checkin_id,
                now=now,
            )
            texts.append(message.id)
            done += 1
        db.session.commit()
    enqueue_emails(emails)
    return done, texts


def _reassurance_email(
    f: FollowUp, customer: Customer, keeper: User | None, settings, zone: str, now: datetime
):
    """A short e-mail in the owner's name: the issue is still on their radar, and by when."""
    owner = (keeper.name if keeper else "") or f"the {settings.name} team"
    by_when = format_when(max(f.due_at, now), zone)
    body = (
        f"Hi {first_name(customer.name) or 'there'},\n\n"
        f"thank you for your patience. Your issue is still on my radar and I will get back to "
        f"you by {by_when}.\n\n{owner}\n{settings.name}"
    )
    return queue_email(
        customer.email,
        f"Still on it — {settings.name}",
        body,
        "reassurance",
        customer_id=customer.id,
        checkin_id=f.checkin_id,
        now=now,
    )


def _queue(user: User, f: FollowUp, body: str, kind: str, now: datetime) -> int:
    return queue_text(
        user.phone, body, kind, customer_id=f.customer_id, user_id=user.id, now=now
    ).id


def sweep_followups(now: datetime | None = None) -> SweepResult:
    """One pass over follow-ups: reminders at due, escalations after the grace period,
    reassurance while open, and lost texts handed on again; each step at most once per row."""
    now = now or utcnow()
    db.session.commit()
    settings = get_company_settings()
    grace, every = settings.followup_grace_hours, settings.reassurance_every_hours
    db.session.commit()
    result = SweepResult()
    result.reminded, reminders = remind_due(now)
    enqueue_texts(reminders)
    result.escalated, escalations = escalate_overdue(now, grace)
    enqueue_texts(escalations)
    result.reassured, reassurances = reassure_customers(now, every)
    enqueue_texts(reassurances)
    result.texts = flush_texts(now)
    return result
