"""Planning: the check-ins an event gets, one per matching policy, each with its timing reason."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from outreach.company.cache import Frozen, cached, company_settings
from outreach.company.settings import get_company_settings
from outreach.extensions import db, insert_many
from outreach.models import (
    CheckIn,
    CheckInTransition,
    CompanySettings,
    Customer,
    Policy,
    ServiceEvent,
)
from outreach.models.base import upsert_insert
from outreach.models.checkins import CheckInStatus
from outreach.scheduling.consents import latest_consents, opted_out_reason
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


def company_floor(settings: CompanySettings | Frozen, channel: str | None = None) -> Floor:
    """The quiet-hours floor from the company settings (never looser than 08:00-21:00); none
    for a channel quiet hours do not apply to (e-mail)."""
    if channel in NO_QUIET_HOURS:
        return NO_FLOOR
    return floor_from_settings(settings.quiet_end, settings.quiet_start)


def zone_for_customer(customer: Customer | CustomerFacts, default_zone: str) -> tuple[str, str]:
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


def planning_policies(event_type: str) -> tuple[Frozen, ...]:
    """policies_for(event_type) as read-only copies kept by the process until a policy changes
    (outreach.company.cache)."""
    return cached(
        ("policies", event_type), lambda: tuple(Frozen.of(p) for p in policies_for(event_type))
    )


def _status(
    customer: Customer | CustomerFacts,
    policy: Policy | Frozen,
    timing: Timing,
    zone: str,
    consents: Mapping[int, str] | None = None,
) -> tuple[str, str]:
    blocked = opted_out_reason(customer, policy.channel, consents)
    if blocked:
        return CheckInStatus.SUPPRESSED, f"suppressed: {blocked}"
    if timing.suppressed:
        return CheckInStatus.SUPPRESSED, timing.reason
    if policy.frequency_cap:
        db.session.flush()
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
    return db.session.scalar(
        upsert_insert(CheckIn)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event_id", "policy_id"])
        .returning(CheckIn.id)
    )


def _plan_values(
    event: ServiceEvent,
    policy: Policy | Frozen,
    settings: CompanySettings | Frozen,
    now: datetime,
    fallback_of: CheckIn | None = None,
    consents: Mapping[int, str] | None = None,
    customer: Customer | CustomerFacts | None = None,
) -> dict[str, Any]:
    """The planning rules: the column values of the check-in `policy` gives `event` (timing,
    quiet hours, consent, frequency cap, deadline), without the row's ids."""
    from outreach.scheduling.policies import policy_window

    customer = customer or event.customer
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
    status, reason = _status(customer, policy, timing, zone, consents)
    deadline_at = None
    if policy.channel == "rep_call" and policy.deadline:
        deadline_at = add_duration(
            timing.planned_at, parse_duration(policy.deadline), load_zone(zone)
        )
    return {
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


def _plan_one(
    event: ServiceEvent,
    policy: Policy,
    settings: CompanySettings,
    now: datetime,
    fallback_of: CheckIn | None = None,
) -> CheckIn | None:
    """Plan one check-in of a stored event, unless the event/policy pair is planned already."""
    values = _plan_values(event, policy, settings, now, fallback_of)
    new_id = _insert(
        {
            "event_id": event.id,
            "customer_id": event.customer.id,
            "policy_id": policy.id,
            "rep_id": event.rep_id,
            "fallback_of_id": fallback_of.id if fallback_of is not None else None,
            **values,
        }
    )
    if new_id is None:
        return None
    checkin = db.session.get(CheckIn, new_id)
    record_initial(checkin)
    db.session.flush()
    log.info(
        "check-in %s planned for event %s (policy %s): %s",
        new_id,
        event.id,
        policy.id,
        values["status"],
    )
    return checkin


def plan_event(event: ServiceEvent, now: datetime) -> list[CheckIn]:
    """Plan one check-in per active policy of a stored event's type; adds and flushes, never
    commits.

    Returns the check-ins created by this call: a policy already planned for the event (the
    unique event/policy pair) is skipped, so planning twice creates nothing.
    """
    settings = company_settings()
    planned = []
    for policy in planning_policies(event.type):
        checkin = _plan_one(event, policy, settings, now)
        if checkin is not None:
            planned.append(checkin)
    return planned


@dataclass(frozen=True)
class CustomerFacts:
    """What planning and sending read of a customer, as plain values at one moment (a chunk
    may change the customer); duck-types Customer for opted_out_reason, paused_reason and
    zone_for_customer."""

    id: int
    phone: str
    timezone: str | None
    is_opted_out: bool
    is_wrong_number: bool
    paused_at: datetime | None = None
    email: str | None = None


@dataclass(frozen=True)
class EventFacts:
    """What planning reads of a stored event, as plain values (duck-types ServiceEvent for
    _plan_values)."""

    id: int
    type: str
    occurred_at: datetime
    rep_id: int | None


class ChunkPlanner:
    """Plans the check-ins of new events a chunk at a time, with the same rules as plan_event:
    the company settings, each event type's policies and the consents of the chunk's stored
    customers are loaded once, and the check-ins and their first transitions are inserted a
    table at a time. With objects=False plan() gives the check-ins' ids, nothing loaded."""

    def __init__(
        self, now: datetime, customer_ids: Collection[int] = (), objects: bool = True
    ) -> None:
        self.now = now
        self.objects = objects
        self.settings = company_settings()
        self._policies: dict[str, tuple[Frozen, ...]] = {}
        self._customer_ids = sorted(set(customer_ids))
        self._consents: dict[str, dict[int, str]] = {}

    def policies(self, event_type: str) -> tuple[Frozen, ...]:
        """planning_policies(event_type), looked up once per chunk."""
        if event_type not in self._policies:
            self._policies[event_type] = planning_policies(event_type)
        return self._policies[event_type]

    def consents(self, channel: str) -> dict[int, str]:
        """latest_consents of the chunk's stored customers on a channel, loaded once."""
        if channel not in self._consents:
            self._consents[channel] = latest_consents(self._customer_ids, channel)
        return self._consents[channel]

    def plan(
        self, events: list[tuple[ServiceEvent | EventFacts, CustomerFacts]]
    ) -> list[list[CheckIn]] | list[list[int]]:
        """The check-ins of each new (stored, not yet planned) event, in order, as objects or
        ids; never commits. A frequency-capped policy first writes what is planned so far, so
        that the cap sees it as it would one event at a time."""
        planned: list[list[Any]] = [[] for _ in events]
        rows: list[tuple[int, dict[str, Any]]] = []
        for index, (event, customer) in enumerate(events):
            for policy in self.policies(event.type):
                if policy.frequency_cap:
                    _write_planned(rows, planned, self.objects)
                values = _plan_values(
                    event,
                    policy,
                    self.settings,
                    self.now,
                    consents=self.consents(policy.channel),
                    customer=customer,
                )
                row = {
                    "event_id": event.id,
                    "customer_id": customer.id,
                    "policy_id": policy.id,
                    "rep_id": event.rep_id,
                    **values,
                }
                rows.append((index, row))
        _write_planned(rows, planned, self.objects)
        return planned


def _write_planned(
    rows: list[tuple[int, dict[str, Any]]], planned: list[list[Any]], objects: bool
) -> None:
    """Insert planned check-ins with their first transitions; each (loaded, or its id) joins
    its event's list."""
    if not rows:
        return
    values = [row for _, row in rows]
    if objects:
        inserted = insert_many(CheckIn, values, CheckIn).scalars()
        by_pair = {(c.event_id, c.policy_id): c for c in inserted}
    else:
        inserted = insert_many(CheckIn, values, CheckIn.id, CheckIn.event_id, CheckIn.policy_id)
        by_pair = {(event_id, policy_id): id_ for id_, event_id, policy_id in inserted}
    checkins = [by_pair[row["event_id"], row["policy_id"]] for row in values]
    ids = [c.id for c in checkins] if objects else checkins
    insert_many(
        CheckInTransition,
        [
            {
                "checkin_id": checkin_id,
                "from_status": None,
                "to_status": row["status"],
                "reason": row["status_reason"],
            }
            for checkin_id, row in zip(ids, values, strict=True)
        ],
    )
    for (index, row), checkin, checkin_id in zip(rows, checkins, ids, strict=True):
        planned[index].append(checkin)
        log.info(
            "check-in %s planned for event %s (policy %s): %s",
            checkin_id,
            row["event_id"],
            row["policy_id"],
            row["status"],
        )
    rows.clear()


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
