"""Request parsing for the API: JSON bodies, the query and body models."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, ClassVar

from flask import request
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import WithJsonSchema
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import UnsupportedMediaType

from outreach.errors import BadRequest, ValidationError
from outreach.models.base import INT_MAX
from outreach.models.checkins import STATUSES
from outreach.models.policies import CHANNELS
from outreach.reporting.checkin_list import DEFAULT_LIMIT, CheckinQuery, decode_cursor
from outreach.reporting.checkin_list import encode_cursor as encode_cursor
from outreach.schemas.validation import TIMESTAMP_RULE, StrictModel, Timestamp, validate

MAX_LIMIT = 200
MAX_REASON = 500
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"


def json_body(optional: bool = False) -> Any:
    """The request's JSON body: 415 unless application/json, 400 when malformed."""
    data = request.get_data(cache=True)
    if optional and not data.strip():
        return {}
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"malformed JSON: {exc}"[:200], code="malformed_json") from None


def _query_id(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= INT_MAX:
        raise ValueError(f"must be a whole number from 1 to {INT_MAX}")
    return int(raw)


def _choices(allowed: tuple[str, ...]) -> Any:
    def parse(raw: Any) -> tuple[str, ...]:
        values = tuple(v.strip() for v in str(raw).split(",") if v.strip())
        if not values or any(v not in allowed for v in values):
            raise ValueError(f"must be among {', '.join(allowed)}")
        return values

    schema = {"type": "array", "items": {"enum": list(allowed)}, "minItems": 1}
    return Annotated[tuple[str, ...], BeforeValidator(parse), WithJsonSchema(schema)]


#: what encode_cursor writes (a damaged one is a 400, by decode_cursor)
Cursor = Annotated[str, WithJsonSchema({"type": "string", "pattern": CURSOR_PATTERN})]
#: an id in the query string: digits only, 1..INT_MAX
QueryId = Annotated[
    int,
    BeforeValidator(_query_id),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": INT_MAX}),
]


class QueryModel(StrictModel):
    """Query parameters: strings in, typed values out; unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")
    unknown: ClassVar[str] = "parameter"


class CheckinFilters(QueryModel):
    """The query of GET /checkins: filters (combined with AND), the cursor and the page size."""

    status: _choices(STATUSES) = Field((), description="one status or several, comma-separated")
    channel: _choices(CHANNELS) = Field((), description="one channel or several, comma-separated")
    customer_id: QueryId | None = Field(None, description="the customer's id")
    event_id: QueryId | None = Field(None, description="the service event's id")
    rep_id: QueryId | None = Field(None, description="the rep's user id")
    rep_email: Annotated[str, AfterValidator(str.lower)] | None = Field(
        None, description="the rep's e-mail"
    )
    due_after: Timestamp | None = Field(
        None, description=f"due_at at or after this time: {TIMESTAMP_RULE}"
    )
    due_before: Timestamp | None = Field(
        None, description=f"due_at before this time: {TIMESTAMP_RULE}"
    )
    cursor: Cursor | None = Field(
        None, description="next_cursor of the previous page; repeat the same filters"
    )
    limit: Annotated[
        QueryId,
        Field(le=MAX_LIMIT),
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    ] = Field(DEFAULT_LIMIT, description="page size")


class PolicyFilters(QueryModel):
    """The query of GET /policies."""

    event_type: str | None = Field(None, description="only policies for this event type")


class CancelIn(StrictModel):
    """The optional body of POST /checkins/<id>/cancel."""

    reason: (
        Annotated[str, Field(max_length=MAX_REASON), AfterValidator(lambda v: v.strip() or None)]
        | None
    ) = None


class RescheduleIn(StrictModel):
    """The body of POST /checkins/<id>/reschedule."""

    due_at: Timestamp = Field(description=f"the new due time, not in the past: {TIMESTAMP_RULE}")


def query(model: type[QueryModel], args: MultiDict[str, str]) -> Any:
    """args as model: a parameter given several times counts as its values joined by commas;
    blank values count as not given."""
    data = {}
    for name in args:
        values = ",".join(v.strip() for v in args.getlist(name) if v.strip())
        if values or name not in model.model_fields:
            data[name] = values
    return validate(model, data)


def json_object(optional: bool = False) -> dict[str, Any]:
    """The JSON body, which must be an object (422 otherwise)."""
    body = json_body(optional=optional)
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object")
    return body


def checkin_query(args: MultiDict[str, str]) -> CheckinQuery:
    """Parse the query string of GET /checkins (CheckinFilters); a damaged cursor is a 400."""
    filters = query(CheckinFilters, args)
    return CheckinQuery(
        statuses=filters.status,
        channels=filters.channel,
        customer_id=filters.customer_id,
        event_id=filters.event_id,
        rep_id=filters.rep_id,
        rep_email=filters.rep_email,
        due_after=filters.due_after,
        due_before=filters.due_before,
        after=decode_cursor(filters.cursor) if filters.cursor else None,
        limit=filters.limit,
    )


def cancel_reason(body: dict[str, Any]) -> str | None:
    """The optional reason of POST /checkins/<id>/cancel."""
    return validate(CancelIn, body).reason


def reschedule_due_at(body: dict[str, Any]) -> datetime:
    """The new due time of POST /checkins/<id>/reschedule."""
    return validate(RescheduleIn, body).due_at


def policy_list_filter(args: MultiDict[str, str]) -> str | None:
    """The optional event_type of GET /policies; other parameters are a 422."""
    return query(PolicyFilters, args).event_type
