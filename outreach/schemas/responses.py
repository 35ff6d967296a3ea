"""Response shapes of API v1 as pydantic models: the serializers build them and the OpenAPI
document's response schemas are generated from them, so the two cannot drift.

Every field is required (a missing value is an explicit null); unknown fields are refused;
every time is written in UTC to the second, as 2024-05-01T22:30:00Z.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, Union

import pydantic
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.json_schema import WithJsonSchema

from outreach.models.base import INT_MAX
from outreach.models.checkins import STATUSES
from outreach.models.customers import EVENT_SOURCES
from outreach.models.escalations import ACK_CHANNELS, ESCALATION_REASONS, PAGE_LEVELS, RESOLUTIONS
from outreach.models.followups import FOLLOWUP_KINDS, FOLLOWUP_STATES, PRIORITIES
from outreach.models.messages import (
    CALL_PURPOSES,
    DIRECTIONS,
    EMAIL_KINDS,
    MESSAGE_KINDS,
    TRIAGE_CLASSES,
)
from outreach.models.policies import CHANNELS
from outreach.models.settings import DAY_KEYS

TIMESTAMP_OUT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def utc_text(value: datetime) -> str:
    """A time as 2024-05-01T22:30:00Z (UTC, whole seconds)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


#: a time we answer with: UTC to the second, with a "Z"
Time = Annotated[
    datetime,
    PlainSerializer(utc_text, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIMESTAMP_OUT}),
]
Id = Annotated[int, Field(ge=1, le=INT_MAX)]
Status = Literal[tuple(s.value for s in STATUSES)]
#: an ISO-8601 duration as stored, canonical (PT20H, P2D, P1DT2H)
Duration = Annotated[str, Field(description="ISO-8601 duration, e.g. PT20H, P2D, P1DT2H")]


class Shape(BaseModel):
    """A response shape: every field given, nothing else."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class ErrorDetail(Shape):
    """What went wrong."""

    code: str = Field(description="machine-readable, e.g. invalid")
    message: str = Field(description="for people")
    field: Annotated[
        str | None,
        WithJsonSchema(
            {"type": "string", "description": "the body field (dotted path) or query parameter"}
        ),
    ] = None


class Error(Shape):
    """Every error: {"error": {"code", "message", "field"?}} (field only when one is at fault)."""

    error: ErrorDetail


class User(Shape):
    """A rep, owner or staff member."""

    id: Id
    email: str
    name: str


class Customer(Shape):
    """A customer."""

    id: Id
    external_id: str
    name: str
    phone: str = Field(description="E.164")
    email: str | None
    timezone: str | None
    is_opted_out: bool
    created_at: Time
    updated_at: Time


class EventFields(Shape):
    """A service event, as a customer's timeline shows it."""

    id: Id
    external_id: str
    type: str
    occurred_at: Time
    summary: str | None
    source: Literal[EVENT_SOURCES]
    rep: User | None
    created_at: Time


class Event(EventFields):
    """A service event with its customer and rep."""

    customer: Customer


class Transition(Shape):
    """One status change of a check-in."""

    from_status: Status | None
    to_status: Status
    reason: str
    at: Time


class CheckIn(Shape):
    """A check-in."""

    id: Id
    event_id: Id
    customer_id: Id
    policy_id: Id
    rep_id: Id | None
    fallback_of_id: Id | None = Field(description="the missed rep call it replaces")
    channel: Literal[CHANNELS]
    status: Status
    status_reason: str
    due_at: Time
    timing_reason: str = Field(description="why due_at is what it is")
    earliest_at: Time = Field(description="event time plus the policy's delay")
    expires_at: Time | None
    deadline_at: Time | None
    timezone: str = Field(description="the customer zone used for timing")
    attempts: Annotated[int, Field(ge=0)]
    outcome: str | None
    outcome_note: str | None
    created_at: Time
    updated_at: Time


class CheckInDetail(CheckIn):
    """A check-in with every status change, oldest first."""

    transitions: list[Transition]


class IngestResult(Shape):
    """The answer to POST /events: the event and the check-ins planned for it."""

    event: Event
    checkins: list[CheckIn]


BATCH_STATUSES = ("created", "duplicate", "error")


class BatchItem(Shape):
    """One event of a batch, at its place in the request: created or duplicate with the event
    and its check-ins (a duplicate's are the original's), or error with what POST /events
    would have answered (`field` is the path inside that event)."""

    index: int = Field(ge=0, description="the event's place in the request, from 0")
    status: Literal[BATCH_STATUSES]
    event: Event | None = None
    checkins: list[CheckIn] | None = None
    error: ErrorDetail | None = None


class BatchResult(Shape):
    """The answer to POST /events/batch: one result per event, in order, and the counts."""

    results: list[BatchItem]
    created: int = Field(ge=0)
    duplicate: int = Field(ge=0)
    error: int = Field(ge=0)


class CheckInPage(Shape):
    """One page of the check-in queue."""

    checkins: list[CheckIn]
    next_cursor: str | None = Field(
        description="pass as ?cursor= (with the same filters); null on the last page"
    )


class MessageStatus(Shape):
    """A status callback received for a message."""

    status: str
    error_code: int | None
    is_applied: bool = Field(description="false for a duplicate or out-of-order callback")
    at: Time


class Message(Shape):
    """An SMS in or out, with every status callback received for it."""

    id: Id
    direction: Literal[DIRECTIONS]
    kind: Literal[MESSAGE_KINDS]
    checkin_id: Id | None
    to_number: str
    from_number: str | None
    body: str
    twilio_sid: str | None
    status: str
    error_code: int | None
    num_segments: int | None
    created_at: Time
    status_events: list[MessageStatus]


class Email(Shape):
    """An e-mail in or out: a check-in attempt, a staff e-mail, a reply by e-mail."""

    id: Id
    direction: Literal[DIRECTIONS]
    kind: Literal[EMAIL_KINDS]
    checkin_id: Id | None
    to_address: str
    from_address: str | None
    subject: str
    body: str
    message_id: str | None = Field(description="the Message-ID header")
    status: str
    error_message: str | None
    created_at: Time


class CallStatus(Shape):
    """A status callback received for a call."""

    status: str
    at: Time


class Call(Shape):
    """A call with its status callbacks."""

    id: Id
    direction: Literal[DIRECTIONS]
    purpose: Literal[CALL_PURPOSES]
    checkin_id: Id | None
    user_id: Id | None
    twilio_sid: str | None
    status: str
    answered_by: str | None
    duration_seconds: int | None
    outcome: str | None
    error_code: int | None
    created_at: Time
    status_events: list[CallStatus]


class Reply(Shape):
    """What the customer said, with its triage."""

    id: Id
    source: Literal["sms", "voice", "email"]
    checkin_id: Id | None
    message_id: Id | None
    call_id: Id | None
    email_id: Id | None
    text: str
    rating: Annotated[int, Field(ge=1, le=5)] | None
    triage_class: Literal[TRIAGE_CLASSES] | None
    evidence: str | None
    is_unsolicited: bool
    created_at: Time


class FollowUp(Shape):
    """A follow-up promise."""

    id: Id
    kind: Literal[FOLLOWUP_KINDS]
    priority: Literal[PRIORITIES]
    state: Literal[FOLLOWUP_STATES]
    title: str
    promise: str | None
    owner: User | None
    checkin_id: Id | None
    reply_id: Id | None
    due_at: Time
    done_at: Time | None
    outcome_note: str | None
    created_at: Time


class Page(Shape):
    """One SMS page to a staff member about an urgent reply, and whether they took it."""

    id: Id
    reply_id: Id
    level: Literal[PAGE_LEVELS]
    user: User | None
    message_id: Id | None
    sent_at: Time
    acked_at: Time | None
    acked_via: Literal[ACK_CHANNELS] | None


class Ack(Shape):
    """Who took an urgent (or needs-review) reply, how and when; how a probable opt-out ended."""

    escalation_id: Id
    reply_id: Id
    reason: Literal[ESCALATION_REASONS]
    followup_id: Id | None
    acked_by: User | None
    acked_via: Literal[ACK_CHANNELS] | None
    acked_at: Time
    resolution: Literal[RESOLUTIONS] | None


class Merge(Shape):
    """A duplicate customer merged into this one: who it was, who merged it, what moved."""

    id: Id
    merged_customer_id: Id
    merged_external_id: str
    merged_name: str
    merged_phone: str
    merged_by: User | None
    moved: dict[str, int] = Field(description="rows moved to this customer, per table")
    created_at: Time


AT = (
    "occurred_at for events, due_at for check-ins, sent_at for pages, acked_at for acks, "
    "created_at otherwise"
)
#: what each kind of timeline item carries
TIMELINE_KINDS: dict[str, type[Shape]] = {
    "event": EventFields,
    "checkin": CheckInDetail,
    "message": Message,
    "email": Email,
    "call": Call,
    "reply": Reply,
    "followup": FollowUp,
    "page": Page,
    "ack": Ack,
    "merge": Merge,
}


def _timeline_item(kind: str, model: type[Shape]) -> type[Shape]:
    return pydantic.create_model(
        f"Timeline{kind.capitalize()}",
        __base__=Shape,
        __doc__=f"A timeline item: a {model.__name__} and when it happened.",
        __module__=__name__,
        kind=(Literal[kind], ...),
        at=(Time, Field(description=AT)),
        **{kind: (model, ...)},
    )


#: the shape of each timeline item, by kind: TimelineEvent, TimelineCheckin…
TIMELINE_ITEMS: dict[str, type[Shape]] = {
    kind: _timeline_item(kind, model) for kind, model in TIMELINE_KINDS.items()
}
TimelineItem = Annotated[Union[tuple(TIMELINE_ITEMS.values())], Field(discriminator="kind")]  # noqa: UP007


class Timeline(Shape):
    """A customer and everything that happened with them."""

    customer: Customer
    items: list[TimelineItem] = Field(
        description="oldest first; ties: event, checkin, message, email, call, reply, followup, "
        "page, ack, merge"
    )


class PolicyWindow(Shape):
    """When a policy's check-ins may go out, in the customer's local time."""

    start: Annotated[str, Field(pattern=HHMM, description="local time of day, HH:MM")]
    end: Annotated[str, Field(pattern=HHMM, description="local time of day, HH:MM")]
    days: list[Literal[DAY_KEYS]] = Field(min_length=1)


class Policy(Shape):
    """A policy (schedule): the Policy JSON of a request, with its id and times."""

    id: Id
    name: str
    event_type: str = Field(description="events of this type get this check-in")
    channel: Literal[CHANNELS]
    delay: Duration
    window: PolicyWindow | None
    template: str
    subject: str | None = Field(description="email only: the subject template")
    expire_after: Duration | None
    frequency_cap: Duration | None
    deadline: Duration | None
    fallback_policy_id: Id | None
    skip_if_answered: bool
    active: bool
    created_at: Time
    updated_at: Time


class PolicyList(Shape):
    """Every live policy, by id."""

    policies: list[Policy]
