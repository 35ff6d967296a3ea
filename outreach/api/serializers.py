"""Rows to JSON for the API; every time is ISO-8601 UTC to the second with a "Z"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from outreach.events.ingest import IngestResult
from outreach.models import (
    Call,
    CallStatusEvent,
    CheckIn,
    CheckInTransition,
    Customer,
    CustomerMerge,
    Escalation,
    FollowUp,
    Message,
    MessageStatusEvent,
    Page,
    Policy,
    Reply,
    ServiceEvent,
    User,
)
from outreach.reporting.timeline import Timeline, TimelineItem
from outreach.scheduling.policies import policy_to_json


def iso(value: datetime | None) -> str | None:
    """A time as 2024-05-01T22:30:00Z (UTC, whole seconds), or None."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def user_json(user: User | None) -> dict[str, Any] | None:
    """A rep or owner as the API shows it."""
    if user is None:
        return None
    return {"id": user.id, "email": user.email, "name": user.name}


def customer_json(customer: Customer) -> dict[str, Any]:
    """A customer."""
    return {
        "id": customer.id,
        "external_id": customer.external_id,
        "name": customer.name,
        "phone": customer.phone,
        "email": customer.email,
        "timezone": customer.timezone,
        "is_opted_out": customer.is_opted_out,
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
    }


def event_json(event: ServiceEvent) -> dict[str, Any]:
    """A service event with its customer and rep."""
    return {
        "id": event.id,
        "external_id": event.external_id,
        "type": event.type,
        "occurred_at": iso(event.occurred_at),
        "summary": event.summary,
        "source": event.source,
        "customer": customer_json(event.customer),
        "rep": user_json(event.rep),
        "created_at": iso(event.created_at),
    }


def transition_json(transition: CheckInTransition) -> dict[str, Any]:
    """One status change of a check-in."""
    return {
        "from_status": transition.from_status,
        "to_status": transition.to_status,
        "reason": transition.reason,
        "at": iso(transition.created_at),
    }


def checkin_json(checkin: CheckIn, transitions: bool = False) -> dict[str, Any]:
    """A check-in; with its transition log when transitions is true."""
    data = {
        "id": checkin.id,
        "event_id": checkin.event_id,
        "customer_id": checkin.customer_id,
        "policy_id": checkin.policy_id,
        "rep_id": checkin.rep_id,
        "fallback_of_id": checkin.fallback_of_id,
        "channel": checkin.channel,
        "status": checkin.status,
        "status_reason": checkin.status_reason,
        "due_at": iso(checkin.due_at),
        "timing_reason": checkin.timing_reason,
        "earliest_at": iso(checkin.earliest_at),
        "expires_at": iso(checkin.expires_at),
        "deadline_at": iso(checkin.deadline_at),
        "timezone": checkin.timezone,
        "attempts": checkin.attempts,
        "outcome": checkin.outcome,
        "outcome_note": checkin.outcome_note,
        "created_at": iso(checkin.created_at),
        "updated_at": iso(checkin.updated_at),
    }
    if transitions:
        data["transitions"] = [transition_json(t) for t in checkin.transitions]
    return data


def ingest_json(result: IngestResult) -> dict[str, Any]:
    """The answer to POST /events."""
    return {
        "event": event_json(result.event),
        "checkins": [checkin_json(c) for c in result.checkins],
    }


def _message_status_json(row: MessageStatusEvent) -> dict[str, Any]:
    return {
        "status": row.status,
        "error_code": row.error_code,
        "is_applied": row.is_applied,
        "at": iso(row.received_at),
    }


def message_json(message: Message) -> dict[str, Any]:
    """An SMS in or out, with every status callback received for it."""
    return {
        "id": message.id,
        "direction": message.direction,
        "kind": message.kind,
        "checkin_id": message.checkin_id,
        "to_number": message.to_number,
        "from_number": message.from_number,
        "body": message.body,
        "twilio_sid": message.twilio_sid,
        "status": message.status,
        "error_code": message.error_code,
        "num_segments": message.num_segments,
        "created_at": iso(message.created_at),
        "status_events": [_message_status_json(s) for s in message.status_events],
    }


def _call_status_json(row: CallStatusEvent) -> dict[str, Any]:
    return {"status": row.status, "at": iso(row.received_at)}


def call_json(call: Call, status_events: list[CallStatusEvent]) -> dict[str, Any]:
    """A call with its status callbacks."""
    return {
        "id": call.id,
        "direction": call.direction,
        "purpose": call.purpose,
        "checkin_id": call.checkin_id,
        "user_id": call.user_id,
        "twilio_sid": call.twilio_sid,
        "status": call.status,
        "answered_by": call.answered_by,
        "duration_seconds": call.duration_seconds,
        "outcome": call.outcome,
        "error_code": call.error_code,
        "created_at": iso(call.created_at),
        "status_events": [_call_status_json(s) for s in status_events],
    }


def reply_json(reply: Reply) -> dict[str, Any]:
    """What the customer said, with its triage."""
    return {
        "id": reply.id,
        "source": reply.source,
        "checkin_id": reply.checkin_id,
        "message_id": reply.message_id,
        "call_id": reply.call_id,
        "text": reply.text,
        "rating": reply.rating,
        "triage_class": reply.triage_class,
        "evidence": reply.evidence,
        "is_unsolicited": reply.is_unsolicited,
        "created_at": iso(reply.created_at),
    }


def followup_json(followup: FollowUp) -> dict[str, Any]:
    """A follow-up promise."""
    return {
        "id": followup.id,
        "kind": followup.kind,
        "priority": followup.priority,
        "state": followup.state,
        "title": followup.title,
        "promise": followup.promise,
        "owner": user_json(followup.owner),
        "checkin_id": followup.checkin_id,
        "reply_id": followup.reply_id,
        "due_at": iso(followup.due_at),
        "done_at": iso(followup.done_at),
        "outcome_note": followup.outcome_note,
        "created_at": iso(followup.created_at),
    }


def page_json(page: Page) -> dict[str, Any]:
    """One SMS page to a staff member about an urgent reply, and whether they took it."""
    return {
        "id": page.id,
        "reply_id": page.reply_id,
        "level": page.level,
        "user": user_json(page.user),
        "message_id": page.message_id,
        "sent_at": iso(page.sent_at),
        "acked_at": iso(page.acked_at),
        "acked_via": page.acked_via,
    }


def ack_json(escalation: Escalation) -> dict[str, Any]:
    """Who took an urgent (or needs-review) reply, how and when; how a probable opt-out ended."""
    return {
        "escalation_id": escalation.id,
        "reply_id": escalation.reply_id,
        "reason": escalation.reason,
        "followup_id": escalation.followup_id,
        "acked_by": user_json(escalation.acked_by),
        "acked_via": escalation.acked_via,
        "acked_at": iso(escalation.acked_at),
        "resolution": escalation.resolution,
    }


def merge_json(merge: CustomerMerge) -> dict[str, Any]:
    """A duplicate customer merged into this one: who it was, who merged it, what moved."""
    return {
        "id": merge.id,
        "merged_customer_id": merge.merged_customer_id,
        "merged_external_id": merge.merged_external_id,
        "merged_name": merge.merged_name,
        "merged_phone": merge.merged_phone,
        "merged_by": user_json(merge.user),
        "moved": dict(merge.moved or {}),
        "created_at": iso(merge.created_at),
    }


def policy_json(policy: Policy) -> dict[str, Any]:
    """Policy JSON (scheduling.policies.policy_to_json) with this API's timestamp format."""
    return {
        **policy_to_json(policy),
        "created_at": iso(policy.created_at),
        "updated_at": iso(policy.updated_at),
    }


def _item_json(timeline: Timeline, item: TimelineItem) -> dict[str, Any]:
    row = item.row
    if item.kind == "event":
        data = {k: v for k, v in event_json(row).items() if k != "customer"}
    elif item.kind == "checkin":
        data = checkin_json(row, transitions=True)
    elif item.kind == "message":
        data = message_json(row)
    elif item.kind == "call":
        data = call_json(row, timeline.call_status_events.get(row.id, []))
    elif item.kind == "reply":
        data = reply_json(row)
    elif item.kind == "page":
        data = page_json(row)
    elif item.kind == "ack":
        data = ack_json(row)
    elif item.kind == "merge":
        data = merge_json(row)
    else:
        data = followup_json(row)
    return {"kind": item.kind, "at": iso(item.at), item.kind: data}


def timeline_json(timeline: Timeline) -> dict[str, Any]:
    """A customer and everything that happened with them, oldest first."""
    return {
        "customer": customer_json(timeline.customer),
        "items": [_item_json(timeline, item) for item in timeline.items],
    }
