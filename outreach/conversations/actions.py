"""What each triage class does: flags on the customer, follow-ups with a promise, the fire alarm.

An urgent reply (when its `alert_managers` is on, the default) pulls the fire alarm
(escalation.pull_alarm: the rep or the person on call is paged at once, then the backup, then
the managers) and gets one follow-up, due within CompanySettings.callback_minutes, owned by the
first person paged; the customer is told exactly that. A needs_review reply waits on the
manager's attention list; one that is a probable opt-out also pauses the customer's
automated sends (paused.hold_for_review). Every other problem gets one follow-up due by its
business-hours rule.

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
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from outreach.conversations.escalation import LEVEL_NAMES, Alarm, open_review, pull_alarm
from outreach.conversations.paused import hold_for_review
from outreach.conversations.promise import (
    DUE_RULE,
    acknowledgement,
    business_hours,
    first_name,
    format_when,
    promise_record,
    urgent_acknowledgement,
)
from outreach.conversations.staff import managers, responsible
from outreach.customers import consent
from outreach.errors import ValidationError
from outreach.extensions import db
from outreach.messaging.texts import queue_text
from outreach.models import (
    CheckIn,
    CompanySettings,
    Customer,
    Escalation,
    FollowUp,
    Page,
    Reply,
    User,
)
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
ALERT_WORDS_MAX = 160  #: the customer's words quoted in a manager's alert text
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


# -- acting on a reply -----------------------------------------------------------------------


@dataclass
class ActionOutcome:
    """What acting on one reply did: the answer for the customer (the caller queues it as a
    text in reply to the customer's message, or speaks it on a call), the follow-up, the
    escalation (the fire alarm, or a reply waiting for review), texts queued."""

    answer: str | None = None
    answer_kind: str | None = None  #: acknowledgement or help
    followups: list[FollowUp] = field(default_factory=list)
    texts: list[int] = field(default_factory=list)  #: pending Message ids to enqueue
    canceled: list[int] = field(default_factory=list)  #: check-ins canceled
    escalation: Escalation | None = None


def _title(action: ClassAction, reply: Reply) -> str:
    """The follow-up's title: the class and the customer's own words (the evidence when the
    reply has no words, e.g. a keypad digit)."""
    words = " ".join((reply.text or "").split())
    if any(ch.isalpha() for ch in words):
        return f'{action.label}: "{words}"'[:300]
    return f"{action.label}: {reply.evidence or reply.triage_class}"[:300]


def _alert_text(customer: Customer, reply: Reply, followup: FollowUp, when: str) -> str:
    """The managers' alert in words: who wrote what, and whose follow-up is due when."""
    words = " ".join((reply.text or "").split())
    if any(ch.isalpha() for ch in words):
        said = f"wrote “{words[:ALERT_WORDS_MAX]}{'…' if len(words) > ALERT_WORDS_MAX else ''}”"
    else:
        said = f"answered {words or reply.evidence or 'without words'}"
    owner = db.session.get(User, followup.owner_id) if followup.owner_id else None
    whose = f"{owner.display_name}'s follow-up" if owner else "A follow-up nobody owns yet"
    return f"Alert: {customer.name} {said}. {whose} is due {when}."


def act_on_reply(
    reply: Reply,
    customer: Customer,
    checkin: CheckIn | None,
    settings: CompanySettings,
    now: datetime,
    *,
    probable_opt_out: bool = False,
) -> ActionOutcome:
    """Do what the reply's triage class calls for; the caller commits, then enqueues texts.
    `probable_opt_out` (triage's flag on a needs_review reply) pauses automated sends."""
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
    if triage_class == "needs_review":
        review = hold_for_review if probable_opt_out else open_review
        outcome.escalation = review(reply, customer, now)
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
    alarm = None
    if triage_class == "urgent" and action.alert_managers:
        alarm = pull_alarm(reply, customer, checkin, settings, now)
        outcome.escalation = alarm.escalation
        outcome.texts.extend(alarm.texts)
    if not action.followup:
        return outcome
    _open_followup(action, reply, customer, checkin, settings, now, outcome, may_text, alarm)
    return outcome


def acknowledgement_for(
    followup: FollowUp,
    owner: User | None,
    action: ClassAction,
    customer: Customer,
    settings: CompanySettings,
    first_page: Page | None,
) -> str:
    """What the customer is told: for an urgent reply whose alarm paged someone, a call within
    the minutes the chain keeps ("our on-call technician" after hours); otherwise who calls
    back by when, in the customer's zone."""
    if first_page is not None:
        minutes = max(1, round((followup.due_at - followup.created_at).total_seconds() / 60))
        paged = first_page.user
        who = first_name(paged.name if paged else "")
        if first_page.level == "on_call" or not who:
            who = "our on-call technician"
        return urgent_acknowledgement(who, minutes)
    zone, _ = zone_for_customer(customer, settings.default_timezone)
    return acknowledgement(
        first_name(owner.name) if owner else "", action.verb, followup.due_at, zone
    )


def _open_followup(
    action: ClassAction,
    reply: Reply,
    customer: Customer,
    checkin: CheckIn | None,
    settings: CompanySettings,
    now: datetime,
    outcome: ActionOutcome,
    may_text: bool,
    alarm: Alarm | None,
) -> None:
    """One follow-up for the problem, carrying the customer's words; its promise is who calls
    back by when (what the customer is told is the acknowledgement, a text of its own)."""
    hours = business_hours(settings)
    first_page = alarm.escalation.pages[0] if alarm is not None and alarm.first else None
    if first_page is not None:
        owner = alarm.first
        minutes = settings.callback_minutes
        due_at = now + timedelta(minutes=minutes)
        who = f"{owner.display_name} ({LEVEL_NAMES[first_page.level]})"
        if first_page.level == "on_call":
            who = f"The on-call technician ({owner.display_name})"
        promise = promise_record(who, "call you", due_at, hours.zone, within=minutes)
    else:
        due_at = hours.due(action.due, now)
        owner = responsible(customer, checkin)
        who = owner.display_name if owner else "nobody (no rep or manager)"
        promise = promise_record(who, action.verb, due_at, hours.zone)
    followup = FollowUp(
        customer_id=customer.id,
        checkin_id=checkin.id if checkin else None,
        reply_id=reply.id,
        owner_id=owner.id if owner else None,
        kind=action.kind,
        priority=action.priority,
        state="open",
        title=_title(action, reply),
        promise=promise,
        due_at=due_at,
        created_at=now,
        updated_at=now,
    )
    db.session.add(followup)
    db.session.flush()
    outcome.followups.append(followup)
    if alarm is not None:
        alarm.escalation.followup_id = followup.id
    elif action.alert_managers:
        _alert_managers(customer, reply, checkin, followup, hours, now, outcome)
    if action.acknowledge and may_text:
        outcome.answer = acknowledgement_for(
            followup, owner, action, customer, settings, first_page
        )
        outcome.answer_kind = "acknowledgement"
    log.info(
        "reply %s (%s): follow-up %s due %s%s",
        reply.id,
        reply.triage_class,
        followup.id,
        due_at.isoformat(),
        f", escalation {alarm.escalation.id}" if alarm is not None else "",
    )


def _alert_managers(
    customer: Customer,
    reply: Reply,
    checkin: CheckIn | None,
    followup: FollowUp,
    hours,
    now: datetime,
    outcome: ActionOutcome,
) -> None:
    """A class set to alert managers (other than urgent, which pages): a text to each."""
    when = format_when(followup.due_at, hours.zone)
    for manager in managers():
        if not manager.phone:
            continue
        text = queue_text(
            manager.phone,
            _alert_text(customer, reply, followup, when),
            "manager_alert",
            customer_id=customer.id,
            user_id=manager.id,
            checkin_id=checkin.id if checkin else None,
            now=now,
        )
        outcome.texts.append(text.id)
    log.warning(
        "reply %s: follow-up %s, %d manager texts", reply.id, followup.id, len(outcome.texts)
    )


def spoken_answer(reply: Reply, settings: CompanySettings) -> str | None:
    """The acknowledgement for a reply already acted on (a voice result posted again)."""
    followup = db.session.scalar(
        sa.select(FollowUp).where(FollowUp.reply_id == reply.id).order_by(FollowUp.id).limit(1)
    )
    action = actions_for(settings).get(reply.triage_class or "")
    if followup is None or action is None or not action.acknowledge or reply.customer_id is None:
        return None
    first_page = db.session.scalar(
        sa.select(Page).where(Page.reply_id == reply.id).order_by(Page.id).limit(1)
    )
    customer = db.session.get(Customer, reply.customer_id)
    return acknowledgement_for(followup, followup.owner, action, customer, settings, first_page)
