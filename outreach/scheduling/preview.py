"""Preview of a schedule: when each step of an event type's sequence would go out, and why.

The same timing engine as planning (compute_due, the company's quiet hours, the customer's zone),
applied to a sample event without storing anything: each active policy of the type as planned
when the event arrives, and each rep call's fallback as planned when the rep misses the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from outreach.company.settings import get_company_settings
from outreach.extensions import db
from outreach.models import Policy
from outreach.scheduling.durations import add_duration, parse_duration
from outreach.scheduling.planning import active_policies, company_floor
from outreach.scheduling.policies import policy_window, validate_policy
from outreach.scheduling.timing import Timing, compute_due, load_zone


@dataclass(frozen=True)
class PreviewStep:
    """One step of the sequence for the sample event."""

    policy: Policy
    timing: Timing
    deadline_at: datetime | None = None  #: rep_call: after this the fallback fires
    fallback_of: Policy | None = None  #: set on a fallback step: the rep call it replaces


def event_types() -> list[str]:
    """The event types that have a live policy, alphabetically."""
    return list(
        db.session.scalars(
            sa.select(Policy.event_type)
            .where(Policy.is_deleted.is_(False))
            .distinct()
            .order_by(Policy.event_type)
        )
    )


def preview_sequence(event_type: str, event_at: datetime, zone: str) -> list[PreviewStep]:
    """The steps an event of this type at event_at would get for a customer in zone, planned
    as if the event had just arrived (now = event_at); nothing is stored."""
    company = get_company_settings()
    tz = load_zone(zone)
    policies = active_policies(event_type)
    by_id = {p.id: p for p in policies}
    fallback_ids = {
        p.fallback_policy_id for p in policies if p.channel == "rep_call" and p.fallback_policy_id
    }
    steps: list[PreviewStep] = []
    for policy in policies:
        if policy.id not in fallback_ids:
            steps += _plan(policy, _fallback(policy, by_id), event_at, tz, company)
    return steps


#: the sample customers of a draft schedule's preview: a name and an IANA zone
SAMPLE_CUSTOMERS = (
    ("Ana, New York", "America/New_York"),
    ("Ben, Los Angeles", "America/Los_Angeles"),
    ("Carmen, Madrid", "Europe/Madrid"),
)


def preview_draft(
    data: dict, event_at: datetime, samples=SAMPLE_CUSTOMERS
) -> list[tuple[str, str, list[PreviewStep]]]:
    """A schedule not yet saved (Policy JSON, ISO 8601; ValidationError if invalid) planned
    for each sample customer as if its event happened at event_at; nothing is stored:
    (name, zone, steps) per customer."""
    company = get_company_settings()
    draft = Policy(**validate_policy(data))
    fallback = _fallback(draft, {})
    return [
        (name, zone, _plan(draft, fallback, event_at, load_zone(zone), company))
        for name, zone in samples
    ]


def _plan(policy: Policy, fallback: Policy | None, event_at: datetime, tz, company) -> list:
    """Planning's own steps for one policy (and its fallback) for an event arriving now."""
    floor = company_floor(company, policy.channel)
    timing = compute_due(
        event_at, policy.delay, policy_window(policy), policy.expire_after, tz, event_at, floor
    )
    deadline_at = None
    if policy.channel == "rep_call" and policy.deadline and timing.planned_at is not None:
        deadline_at = add_duration(timing.planned_at, parse_duration(policy.deadline), tz)
    steps = [PreviewStep(policy, timing, deadline_at)]
    if fallback is not None and deadline_at is not None:
        fallback_timing = compute_due(
            event_at,
            fallback.delay,
            policy_window(fallback),
            fallback.expire_after,
            tz,
            deadline_at,
            company_floor(company, fallback.channel),
            expires_at=timing.expires_at,
        )
        steps.append(PreviewStep(fallback, fallback_timing, fallback_of=policy))
    return steps


def _fallback(policy: Policy, by_id: dict[int, Policy]) -> Policy | None:
    if policy.channel != "rep_call" or policy.fallback_policy_id is None:
        return None
    fallback = by_id.get(policy.fallback_policy_id) or db.session.get(
        Policy, policy.fallback_policy_id
    )
    if fallback is None or fallback.is_deleted or not fallback.is_active:
        return None
    return fallback
