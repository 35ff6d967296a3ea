"""Planning: the check-ins an event gets, one per matching policy, each with its timing reason."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from outreach.company.settings import get_company_settings
from outreach.extensions import db
from outreach.models import CheckIn, CompanySettings, Customer, Policy, ServiceEvent
from outreach.models.checkins import CheckInStatus
from outreach.scheduling.consents import opted_out_reason
from outreach.scheduling.durations import add_duration, describe_duration, parse_duration
from outreach.scheduling.frequency import cap_conflict
from outreach.scheduling.timing import (
    NO_FLOOR,
    Floor,
    Timing,
    compute_due,
    customer_zone,
    floor_from_settings,
    format_local,
    load_zone,
)
from outreach.scheduling.transitions import record_initial

log = logging.getLogger(__name__)


#: channels quiet hours do not apply to (an e-mail waits in the inbox; send windows still do)
NO_QUIET_HOURS = ("email",)


def company_floor(settings: CompanySettings, channel: str | None = None) -> Floor:
    """The quiet-hours floor from the company settings (never looser than 08:00-21:00); none
    for a channel quiet hours do not apply to (e-mail)."""
    if channel in NO_QUIET_HOURS:
        return NO_FLOOR
    return floor_from_settings(settings.quiet_end, settings.quiet_start)


def zone_for_customer(customer: Customer, default_zone: str) -> tuple[str, str]:
    """The customer's zone and its source: the record, else the phone, else the company's
    default (`default_zone`), as the record says now."""
    return customer_zone(customer.timezone, customer.phone, default_zone)


def _active(event_type: str) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        Policy.event_type == event_type,
        Policy.is_active.is_(True),
        Policy.is_deleted.is_(False),
    )


def _fallback_targets(event_type: str) -> sa.Select:
    return sa.select(Policy.fallback_policy_id).where(
        *_active(event_type),
        Policy.channel == "rep_call",
        Policy.fallback_policy_id.is_not(None),
    )


def _policies(*conditions: sa.ColumnElement[bool]) -> list[Policy]:
    return list(db.session.scalars(sa.select(Policy).where(*conditions).order_by(Policy.id)))


def active_policies(event_type: str) -> list[Policy]:
    """Active, live policies of an event type by id, a rep call's fallback included."""
    return _policies(*_active(event_type))


def policies_for(event_type: str) -> list[Policy]:
    """Active, live policies of an event type, minus those that are only a rep call's fallback."""
    return _policies(*_active(event_type), Policy.id.not_in(_fallback_targets(event_type)))


def _status(customer: Customer, policy: Policy, timing: Timing, zone: str) -> tuple[str, str]:
    blocked = opted_out_reason(customer, policy.channel)
    if blocked:
        return CheckInStatus.SUPPRESSED, f"suppressed: {blocked}"
    if timing.suppressed:
        return CheckInStatus.SUPPRESSED, timing.reason
    if policy.frequency_cap:
        other = cap_conflict(
            customer.id, policy.channel, timing.planned_at, policy.frequency_cap, zone, pending=True
        )
        if other is not None:
            cap = describe_duration(policy.frequency_cap)
            return CheckInStatus.SUPPRESSED, (
                f"suppressed: frequency cap: check-in {other.id} on {policy.channel} is "
                f"{other.status} for {format_local(other.due_at, zone)}, "
                f"within {cap}"
            )
    return CheckInStatus.SCHEDULED, timing.reason


def _insert(values: dict) -> int | None:
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else pg_insert
    return db.session.scalar(
        insert(CheckIn)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event_id", "policy_id"])
        .returning(CheckIn.id)
    )


def _plan_one(
    event: ServiceEvent,
    policy: Policy,
    settings: CompanySettings,
    now: datetime,
    fallback_of: CheckIn | None = None,
) -> CheckIn | None:
    from outreach.scheduling.policies import policy_window

    customer = event.customer
    zone, _source = zone_for_customer(customer, settings.default_timezone)
    timing = compute_due(
        event.occurred_at,
        policy.delay,
        policy_window(policy),
        policy.expire_after,
        zone,
        now,
        company_floor(settings, policy.channel),
        expires_at=fallback_of.expires_at if fallback_of is not None else None,
    )
    if fallback_of is not None:
        timing = replace(
            timing, reason=f"{timing.reason} (fallback for missed rep call {fallback_of.id})"
        )
    status, reason = _status(customer, policy, timing, zone)
    deadline_at = None
    if policy.channel == "rep_call" and policy.deadline:
        deadline_at = add_duration(
            timing.planned_at, parse_duration(policy.deadline), load_zone(zone)
        )
    new_id = _insert(
        {
            "event_id": event.id,
            "customer_id": customer.id,
            "policy_id": policy.id,
            "rep_id": event.rep_id,
            "fallback_of_id": fallback_of.id if fallback_of is not None else None,
            "channel": policy.channel,
            "status": status,
            "status_reason": reason,
            "due_at": timing.planned_at,
            "timing_reason": timing.reason,
            "earliest_at": timing.earliest_at,
            "expires_at": timing.expires_at,
            "deadline_at": deadline_at,
            "timezone": zone,
        }
    )
    if new_id is None:
        return None
    checkin = db.session.get(CheckIn, new_id)
    record_initial(checkin)
    db.session.flush()
    log.info(
        "check-in %s planned for event %s (policy %s): %s", new_id, event.id, policy.id, status
    )
    return checkin


def plan_event(event: ServiceEvent, now: datetime) -> list[CheckIn]:
    """Plan one check-in per active policy of the event's type; adds and flushes, never commits.

    Returns the check-ins created by this call: a policy already planned for the event (the
    unique event/policy pair) is skipped, so planning twice creates nothing.
    """
    settings = get_company_settings()
    planned = []
    for policy in policies_for(event.type):
        checkin = _plan_one(event, policy, settings, now)
        if checkin is not None:
            planned.append(checkin)
    return planned


def plan_fallback(checkin: CheckIn, now: datetime) -> CheckIn | None:
    """The fallback check-in for a missed rep call; adds and flushes, never commits.

    Returns the existing one when it was planned already, None when the rep call's policy has
    no live, active fallback policy.
    """
    policy = checkin.policy
    if checkin.channel != "rep_call" or policy.fallback_policy_id is None:
        return None
    fallback = db.session.get(Policy, policy.fallback_policy_id)
    if fallback is None or fallback.is_deleted or not fallback.is_active:
        return None
    created = _plan_one(checkin.event, fallback, get_company_settings(), now, fallback_of=checkin)
    if created is not None:
        return created
    return db.session.scalar(
        sa.select(CheckIn).where(
            CheckIn.event_id == checkin.event_id, CheckIn.policy_id == fallback.id
        )
    )
