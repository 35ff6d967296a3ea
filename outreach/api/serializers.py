"""Rows to JSON for the API, through the response shapes of outreach.schemas.responses (which
also generate the OpenAPI document's response schemas)."""

from __future__ import annotations

from typing import Any, TypeVar

from outreach.errors import error_body
from outreach.events.ingest import IngestResult, Outcome
from outreach.models import (
    Call,
    CallStatusEvent,
    CheckIn,
    CustomerMerge,
    Escalation,
    Message,
    Policy,
)
from outreach.reporting.timeline import Timeline, TimelineItem
from outreach.scheduling.policies import policy_to_json
from outreach.schemas import responses as out

S = TypeVar("S", bound=out.Shape)


def shape(model: type[S], row: Any, **given: Any) -> S:
    """model from row's attributes of the same names, with given values instead of some."""
    fields = {name: getattr(row, name) for name in model.model_fields if name not in given}
    return model.model_validate({**fields, **given})


def _transitions(checkin: CheckIn) -> list[out.Transition]:
    return [shape(out.Transition, t, at=t.created_at) for t in checkin.transitions]


def _checkin_detail(checkin: CheckIn) -> out.CheckInDetail:
    return shape(out.CheckInDetail, checkin, transitions=_transitions(checkin))


def checkin_json(checkin: CheckIn, transitions: bool = False) -> dict[str, Any]:
    """A check-in; with its transition log when transitions is true."""
    if transitions:
        return _checkin_detail(checkin).model_dump(mode="json")
    return shape(out.CheckIn, checkin).model_dump(mode="json")


def checkin_page_json(rows: list[CheckIn], next_cursor: str | None) -> dict[str, Any]:
    """One page of the check-in queue."""
    checkins = [shape(out.CheckIn, c) for c in rows]
    return out.CheckInPage(checkins=checkins, next_cursor=next_cursor).model_dump(mode="json")


def ingest_json(result: IngestResult) -> dict[str, Any]:
    """The answer to POST /events."""
    answer = out.IngestResult(
        event=shape(out.Event, result.event),
        checkins=[shape(out.CheckIn, c) for c in result.checkins],
    )
    return answer.model_dump(mode="json")


def batch_json(outcomes: list[Outcome]) -> dict[str, Any]:
    """The answer to POST /events/batch: per event, in order, created, duplicate or error."""
    items = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, IngestResult):
            item = out.BatchItem(
                index=index,
                status="created" if outcome.created else "duplicate",
                event=shape(out.Event, outcome.event),
                checkins=[shape(out.CheckIn, c) for c in outcome.checkins],
            )
        else:
            error = error_body(outcome.code, outcome.message, outcome.field)["error"]
            item = out.BatchItem(index=index, status="error", error=out.ErrorDetail(**error))
        items.append(item)
    counts = {s: sum(1 for i in items if i.status == s) for s in out.BATCH_STATUSES}
    return out.BatchResult(results=items, **counts).model_dump(mode="json", exclude_unset=True)


def _message(message: Message) -> out.Message:
    events = [shape(out.MessageStatus, s, at=s.received_at) for s in message.status_events]
    return shape(out.Message, message, status_events=events)


def _call(call: Call, status_events: list[CallStatusEvent]) -> out.Call:
    events = [shape(out.CallStatus, s, at=s.received_at) for s in status_events]
    return shape(out.Call, call, status_events=events)


def _ack(escalation: Escalation) -> out.Ack:
    return shape(out.Ack, escalation, escalation_id=escalation.id)


def _merge(merge: CustomerMerge) -> out.Merge:
    return shape(out.Merge, merge, merged_by=merge.user, moved=dict(merge.moved or {}))


def _item(timeline: Timeline, item: TimelineItem) -> out.Shape:
    row = item.row
    data: Any
    if item.kind == "checkin":
        data = _checkin_detail(row)
    elif item.kind == "message":
        data = _message(row)
    elif item.kind == "call":
        data = _call(row, timeline.call_status_events.get(row.id, []))
    elif item.kind == "ack":
        data = _ack(row)
    elif item.kind == "merge":
        data = _merge(row)
    else:
        data = shape(out.TIMELINE_KINDS[item.kind], row)
    return out.TIMELINE_ITEMS[item.kind](kind=item.kind, at=item.at, **{item.kind: data})


def timeline_json(timeline: Timeline) -> dict[str, Any]:
    """A customer and everything that happened with them, oldest first."""
    answer = out.Timeline(
        customer=shape(out.Customer, timeline.customer),
        items=[_item(timeline, item) for item in timeline.items],
    )
    return answer.model_dump(mode="json")


def _policy(policy: Policy) -> out.Policy:
    times = {"created_at": policy.created_at, "updated_at": policy.updated_at}
    return out.Policy.model_validate({**policy_to_json(policy), **times})


def policy_json(policy: Policy) -> dict[str, Any]:
    """A policy: scheduling.policies.policy_to_json with this API's timestamp format."""
    return _policy(policy).model_dump(mode="json")


def policy_list_json(policies: list[Policy]) -> dict[str, Any]:
    """Every policy given, in order."""
    return out.PolicyList(policies=[_policy(p) for p in policies]).model_dump(mode="json")
