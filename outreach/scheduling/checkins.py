"""Check-in services for the API and pages: cancel, reschedule, and the send-time re-check."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from outreach.company.settings import get_company_settings
from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.models import (
    CheckIn,
    CheckInTransition,
    CompanySettings,
    Customer,
    Reply,
)
from outreach.models.checkins import PENDING, UNSETTLED, CheckInStatus
from outreach.scheduling import transitions
from outreach.scheduling.consents import opted_out_reason
from outreach.scheduling.durations import add_duration, describe_duration, parse_duration
from outreach.scheduling.frequency import cap_conflict
from outreach.scheduling.planning import company_floor, zone_for_customer
from outreach.scheduling.policies import policy_window
from outreach.scheduling.timing import (
    blocked_reason,
    format_local,
    load_zone,
    reschedule_due,
)

log = logging.getLogger(__name__)


def pending_rep_calls(owner_ids: Collection[int]) -> sa.Select:
    """The rep calls these users still have to make, with customer and event, by due time."""
    return (
        sa.select(CheckIn)
        .where(
            CheckIn.channel == "rep_call",
            CheckIn.status.in_(PENDING),
            CheckIn.rep_id.in_(owner_ids),
        )
        .options(joinedload(CheckIn.customer), joinedload(CheckIn.event))
        .order_by(CheckIn.due_at, CheckIn.id)
    )


def get_checkin(checkin_id: int) -> CheckIn:
    """A check-in; NotFound when there is none."""
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None:
        raise NotFound(f"no check-in with id {checkin_id}")
    return checkin


UNDO_WINDOW = timedelta(minutes=10)  #: how long a cancel from the queue can be undone
PAUSED = "automated texts paused"  #: the start of paused_reason's answer


def paused_reason(customer: Customer) -> str | None:
    """Why the customer's automated check-ins are held (a probable opt-out waits for a
    person), or None. Held, not suppressed: they go out once a person chooses to keep texting."""
    if getattr(customer, "paused_at", None) is None:
        return None
    return f"{PAUSED}: a probable opt-out waits for a manager"


def cancel_checkin(checkin_id: int, reason: str) -> CheckIn:
    """Cancel a scheduled or queued check-in; Conflict (409) when it is past that; commits."""
    checkin = get_checkin(checkin_id)
    reason = (reason or "").strip() or "canceled"
    if not transitions.cancel(checkin_id, f"canceled: {reason}"):
        db.session.rollback()
        checkin = get_checkin(checkin_id)
        raise Conflict(
            f"check-in {checkin_id} is {checkin.status}; only a scheduled or queued "
            "check-in can be canceled"
        )
    db.session.commit()
    log.info("check-in %s canceled", checkin_id)
    return checkin


def undo_cancel_checkin(checkin_id: int, now: datetime) -> CheckIn:
    """Put back a check-in canceled moments ago (within UNDO_WINDOW), at its time or the next
    allowed one; Conflict when it was not just canceled or its time has run out; commits."""
    checkin = get_checkin(checkin_id)
    last = db.session.scalar(
        sa.select(CheckInTransition)
        .where(CheckInTransition.checkin_id == checkin_id)
        .order_by(CheckInTransition.created_at.desc(), CheckInTransition.id.desc())
        .limit(1)
    )
    if (
        checkin.status != CheckInStatus.CANCELED
        or last is None
        or last.to_status != CheckInStatus.CANCELED
        or last.created_at < now - UNDO_WINDOW
    ):
        raise Conflict("this cancel can no longer be undone: plan a new check-in instead")
    floor = company_floor(get_company_settings())
    timing = reschedule_due(
        max(checkin.due_at, now),
        policy_window(checkin.policy),
        checkin.expires_at,
        checkin.timezone,
        now,
        floor,
    )
    if timing.due_at is None:
        raise Conflict(f"too late to put it back: {timing.reason.removeprefix('suppressed: ')}")
    if not transitions.undo_cancel(checkin_id, timing.due_at, f"cancel undone; {timing.reason}"):
        db.session.rollback()
        raise Conflict("this cancel can no longer be undone: it changed meanwhile")
    db.session.commit()
    log.info("check-in %s: cancel undone", checkin_id)
    return get_checkin(checkin_id)


def reschedule_checkin(checkin_id: int, when: datetime, now: datetime) -> CheckIn:
    """Move a pending check-in to `when`, re-applying its window and quiet hours; commits.

    ValidationError (field due_at) for a time in the past or after expiry; Conflict when the
    check-in is no longer scheduled or queued.
    """
    checkin = get_checkin(checkin_id)
    if not isinstance(when, datetime) or when.tzinfo is None:
        raise ValidationError("due_at needs a date, a time and a UTC offset", field="due_at")
    if checkin.status not in PENDING:
        raise Conflict(
            f"check-in {checkin_id} is {checkin.status}; only a scheduled or queued "
            "check-in can be rescheduled"
        )
    policy = checkin.policy
    floor = company_floor(get_company_settings(), checkin.channel)
    try:
        timing = reschedule_due(
            when, policy_window(policy), checkin.expires_at, checkin.timezone, now, floor
        )
    except ValueError as exc:
        raise ValidationError(str(exc), field="due_at") from None
    if timing.due_at is None:
        raise ValidationError(timing.reason.removeprefix("suppressed: "), field="due_at")
    deadline_at = None
    if checkin.channel == "rep_call" and policy.deadline:
        zone = load_zone(checkin.timezone)
        deadline_at = add_duration(timing.due_at, parse_duration(policy.deadline), zone)
    if not transitions.reschedule(checkin_id, timing.due_at, timing.reason, deadline_at):
        db.session.rollback()
        checkin = get_checkin(checkin_id)
        raise Conflict(
            f"check-in {checkin_id} is {checkin.status}; it can no longer be rescheduled"
        )
    db.session.commit()
    log.info("check-in %s rescheduled", checkin_id)
    return get_checkin(checkin_id)


def _answered_earlier(checkin: CheckIn) -> int | None:
    siblings = sa.select(CheckIn.id).where(
        CheckIn.event_id == checkin.event_id, CheckIn.id != checkin.id
    )
    answered = db.session.scalar(
        sa.select(CheckIn.id)
        .where(CheckIn.id.in_(siblings), CheckIn.status == CheckInStatus.ANSWERED)
        .order_by(CheckIn.id)
        .limit(1)
    )
    if answered is not None:
        return answered
    return db.session.scalar(
        sa.select(Reply.checkin_id)
        .where(Reply.checkin_id.in_(siblings))
        .order_by(Reply.id)
        .limit(1)
    )


def sendable_now(
    checkin: CheckIn,
    now: datetime,
    consents: Mapping[int, str] | None = None,
    company: CompanySettings | None = None,
) -> str | None:
    """Why the check-in must not go out now (SPEC rule 3), or None when it may.

    A batch passes its pre-loaded facts: `consents` (latest_consents of its customers on the
    check-in's channel) and `company` (the settings row); left None, they are queried.

    Checks, in order: its status (canceled or already handled), consent (opted out, wrong
    number), a pause (paused_reason: the engine holds it rather than suppress it), an answer
    earlier in the sequence (when the policy skips answered customers), the frequency cap
    (another check-in on the channel went out within it), expiry, and the send window with the
    quiet-hours floor in the customer's zone.
    """
    if checkin.status not in UNSETTLED:
        return checkin.status
    blocked = opted_out_reason(checkin.customer, checkin.channel, consents)
    if blocked:
        return blocked
    paused = paused_reason(checkin.customer)
    if paused:
        return paused
    policy = checkin.policy
    if policy.skip_if_answered:
        earlier = _answered_earlier(checkin)
        if earlier is not None:
            return f"answered earlier in the sequence (check-in {earlier})"
    if policy.frequency_cap:
        other = cap_conflict(
            checkin.customer_id,
            checkin.channel,
            now,
            policy.frequency_cap,
            checkin.timezone,
            checkin.id,
        )
        if other is not None:
            cap = describe_duration(policy.frequency_cap)
            return f"frequency cap: check-in {other.id} on {checkin.channel} went out within {cap}"
    company = company or get_company_settings()
    zone = zone_for_customer(checkin.customer, company.default_timezone)[0]
    if checkin.expires_at is not None and now > checkin.expires_at:
        return (
            f"expired: the latest useful time {format_local(checkin.expires_at, zone)}"
            f" {zone} has passed"
        )
    return blocked_reason(now, policy_window(policy), zone, company_floor(company, checkin.channel))
