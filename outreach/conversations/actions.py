"""What each triage class does: flags on the customer, follow-ups with a promise, the fire alarm.

Defaults (DEFAULT_ACTIONS) can be changed per class through CompanySettings.triage_actions, a
JSON object such as {"negative": {"priority": "normal", "due": "4h"}}; the fields are followup,
priority, due ("next_business_day", "today" or "<n>h" business hours), alert_managers and
acknowledge. Fixed behaviour: positive marks the customer happy (a thank-you only when
CompanySettings.send_thank_you), wrong_number flags the number and cancels what is pending,
opt-out/opt-in/help follow consent.py. None of these functions commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from outreach.conversations import consent
from outreach.conversations.promise import (
    DUE_RULE,
    BusinessHours,
    acknowledgement,
    first_name,
    format_when,
)
from outreach.errors import ValidationError
from outreach.extensions import db
from outreach.messaging.texts import queue_text
from outreach.models import CheckIn, CompanySettings, Customer, FollowUp, Reply, ServiceEvent, User
from outreach.models.followups import PRIORITIES
from outreach.scheduling.planning import zone_for_customer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClassAction:
    """What a triage class does: a follow-up (kind, priority, due rule), the fire alarm, and
    whether the customer is told who will get back to them and when."""

    followup: bool = False
    kind: str = "issue"
    priority: str = "normal"
    due: str = "next_business_day"
    alert_managers: bool = False
    acknowledge: bool = False
    verb: str = "call you"  #: "Sam will <verb> by Tue 5 pm"
    label: str = ""  #: the start of the follow-up's title


DEFAULT_ACTIONS: dict[str, ClassAction] = {
    "negative": ClassAction(
        True, "issue", "high", "next_business_day", acknowledge=True, label="Unhappy"
    ),
    "urgent": ClassAction(
        True, "urgent", "urgent", "2h", alert_managers=True, acknowledge=True, label="URGENT"
    ),
    "callback_requested": ClassAction(
        True, "callback", "high", "today", acknowledge=True, label="Call back"
    ),
    "question": ClassAction(
        True,
        "issue",
        "normal",
        "next_business_day",
        acknowledge=True,
        verb="get back to you",
        label="Question",
    ),
}
EDITABLE = ("followup", "priority", "due", "alert_managers", "acknowledge")
_BOOLEANS = ("followup", "alert_managers", "acknowledge")


def validate_actions(data: Any) -> dict[str, dict[str, Any]]:
    """Check overrides for CompanySettings.triage_actions; ValidationError names the field."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationError("expected an object of class → settings", field="triage_actions")
    clean: dict[str, dict[str, Any]] = {}
    for triage_class, values in data.items():
        where = f"triage_actions.{triage_class}"
        if triage_class not in DEFAULT_ACTIONS:
            raise ValidationError(
                f"only {', '.join(DEFAULT_ACTIONS)} can be changed", field="triage_actions"
            )
        if not isinstance(values, dict):
            raise ValidationError("expected an object", field=where)
        for name, value in values.items():
            if name not in EDITABLE:
                raise ValidationError(f"one of {', '.join(EDITABLE)}", field=f"{where}.{name}")
            if name in _BOOLEANS and not isinstance(value, bool):
                raise ValidationError("expected true or false", field=f"{where}.{name}")
            if name == "priority" and value not in PRIORITIES:
                raise ValidationError(f"one of {', '.join(PRIORITIES)}", field=f"{where}.{name}")
            if name == "due" and not (isinstance(value, str) and DUE_RULE.match(value)):
                raise ValidationError(
                    'expected "next_business_day", "today" or hours like "2h"',
                    field=f"{where}.{name}",
                )
        clean[triage_class] = dict(values)
    return clean


def actions_for(settings: CompanySettings) -> dict[str, ClassAction]:
    """The defaults with the company's overrides applied (bad stored overrides are ignored)."""
    try:
        overrides = validate_actions(settings.triage_actions)
    except ValidationError as exc:
        log.warning("company triage_actions ignored: %s (%s)", exc.message, exc.field)
        overrides = {}
    known = {f.name for f in fields(ClassAction)}
    return {
        name: replace(action, **{k: v for k, v in overrides.get(name, {}).items() if k in known})
        for name, action in DEFAULT_ACTIONS.items()
    }


def business_hours(settings: CompanySettings) -> BusinessHours:
    """The company's business hours (Mon-Fri, business_start to business_end, default zone)."""
    return BusinessHours.from_settings(
        settings.default_timezone, settings.business_start, settings.business_end
    )


# -- who is responsible ----------------------------------------------------------------------


def _usable(user: User | None) -> bool:
    return user is not None and user.is_active_user and not user.is_away


def covering(user: User | None) -> User | None:
    """The user, or their backup while the user is away (or deactivated) and a backup is set."""
    if user is None or _usable(user):
        return user
    if user.backup is not None and user.backup.is_active_user:
        return user.backup
    return user if user.is_active_user else None


def managers() -> list[User]:
    """Active managers (the admins when there is no manager), by id."""
    for role in ("manager", "admin"):
        found = list(
            db.session.scalars(
                sa.select(User)
                .where(User.role == role, User.is_active_user.is_(True))
                .order_by(User.id)
            )
        )
        if found:
            return found
    return []


def event_rep(customer: Customer, checkin: CheckIn | None) -> User | None:
    """The rep of the check-in's event, else of the customer's latest event."""
    if checkin is not None:
        return checkin.event.rep or checkin.rep
    event = db.session.scalar(
        sa.select(ServiceEvent)
        .where(ServiceEvent.customer_id == customer.id, ServiceEvent.rep_id.is_not(None))
        .order_by(ServiceEvent.occurred_at.desc(), ServiceEvent.id.desc())
        .limit(1)
    )
    return event.rep if event else None


def responsible(customer: Customer, checkin: CheckIn | None) -> User | None:
    """Who owns a follow-up: the event's rep (their backup while away), else the first manager."""
    owner = covering(event_rep(customer, checkin))
    if owner is None:
        staff = managers()
        owner = staff[0] if staff else None
    return owner


# -- acting on a reply -----------------------------------------------------------------------


@dataclass
class ActionOutcome:
    """What acting on one reply did: the answer for the customer (the caller queues it as a
    text in reply to the customer's message, or speaks it on a call), follow-ups, texts queued."""

    answer: str | None = None
    answer_kind: str | None = None  #: acknowledgement or help
    followups: list[FollowUp] = field(default_factory=list)
    texts: list[int] = field(default_factory=list)  #: pending Message ids to enqueue
    canceled: list[int] = field(default_factory=list)  #: check-ins canceled


def _title(action: ClassAction, reply: Reply) -> str:
    return f"{action.label}: {reply.evidence or reply.triage_class}"[:300]


def _alert_text(customer: Customer, reply: Reply, followup: FollowUp, when: str) -> str:
    return (
        f"URGENT reply from customer #{customer.id} {customer.name}: {reply.evidence}. "
        f"Follow-up #{followup.id} due {when}."
    )


def act_on_reply(
    reply: Reply,
    customer: Customer,
    checkin: CheckIn | None,
    settings: CompanySettings,
    now: datetime,
) -> ActionOutcome:
    """Do what the reply's triage class calls for; the caller commits, then enqueues texts."""
    outcome = ActionOutcome()
    triage_class = reply.triage_class or "neutral"
    evidence = reply.evidence or ""
    if triage_class == "opt_out":
        source = consent.consent_source(evidence, reply.source)
        outcome.canceled = consent.opt_out(customer, source, evidence, now)
        return outcome
    if triage_class == "opt_in":
        consent.opt_in(customer, consent.consent_source(evidence, reply.source), evidence, now)
        return outcome
    if triage_class == "help":
        outcome.answer, outcome.answer_kind = consent.help_text(settings), "help"
        return outcome
    if triage_class == "wrong_number":
        outcome.canceled = consent.mark_wrong_number(customer)
        return outcome
    may_text = not customer.is_opted_out and not customer.is_wrong_number
    if triage_class == "positive":
        customer.is_happy = True
        if settings.send_thank_you and may_text:
            outcome.answer = f"Thank you! We're glad to hear it. — {settings.name}"
            outcome.answer_kind = "acknowledgement"
        return outcome
    action = actions_for(settings).get(triage_class)
    if action is None:
        return outcome
    customer.is_happy = False
    if not action.followup:
        return outcome
    _open_followups(action, reply, customer, checkin, settings, now, outcome, may_text)
    return outcome


def _open_followups(
    action: ClassAction,
    reply: Reply,
    customer: Customer,
    checkin: CheckIn | None,
    settings: CompanySettings,
    now: datetime,
    outcome: ActionOutcome,
    may_text: bool,
) -> None:
    hours = business_hours(settings)
    due_at = hours.due(action.due, now)
    owner = responsible(customer, checkin)
    zone, _ = zone_for_customer(customer, settings)
    promise = acknowledgement(first_name(owner.name) if owner else "", action.verb, due_at, zone)
    base = {
        "customer_id": customer.id,
        "checkin_id": checkin.id if checkin else None,
        "reply_id": reply.id,
        "kind": action.kind,
        "priority": action.priority,
        "state": "open",
        "title": _title(action, reply),
        "due_at": due_at,
        "created_at": now,
        "updated_at": now,
    }
    rep_followup = FollowUp(owner_id=owner.id if owner else None, promise=promise, **base)
    db.session.add(rep_followup)
    outcome.followups.append(rep_followup)
    if action.alert_managers:
        staff = [m for m in managers() if owner is None or m.id != owner.id]
        for manager in staff:
            extra = FollowUp(owner_id=manager.id, promise=promise, **base)
            db.session.add(extra)
            outcome.followups.append(extra)
    db.session.flush()
    if action.alert_managers:
        when = format_when(due_at, hours.zone)
        for manager in managers():
            if not manager.phone:
                continue
            text = queue_text(
                manager.phone,
                _alert_text(customer, reply, rep_followup, when),
                "manager_alert",
                customer_id=customer.id,
                user_id=manager.id,
                checkin_id=checkin.id if checkin else None,
                now=now,
            )
            outcome.texts.append(text.id)
        log.warning(
            "fire alarm: reply %s of customer %s, follow-up %s, %d manager texts",
            reply.id,
            customer.id,
            rep_followup.id,
            len(outcome.texts),
        )
    if action.acknowledge and may_text:
        outcome.answer, outcome.answer_kind = promise, "acknowledgement"
    log.info(
        "reply %s (%s): follow-ups %s due %s",
        reply.id,
        reply.triage_class,
        [f.id for f in outcome.followups],
        due_at.isoformat(),
    )
