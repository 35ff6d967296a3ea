"""Request parsing for the API: JSON bodies, query filters and opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import UnsupportedMediaType

from outreach.errors import OutreachError, ValidationError
from outreach.ingest import parse_timestamp
from outreach.models.base import INT_MAX
from outreach.models.checkins import STATUSES
from outreach.models.policies import CHANNELS

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CHECKIN_FILTERS = (
    "status",
    "channel",
    "customer_id",
    "event_id",
    "rep_id",
    "rep_email",
    "due_after",
    "due_before",
    "cursor",
    "limit",
)


class BadRequest(OutreachError):
    """A request the server cannot read (malformed JSON, a damaged cursor)."""

    status = 400
    code = "bad_request"


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


def json_object(optional: bool = False) -> dict[str, Any]:
    """The JSON body, which must be an object (422 otherwise)."""
    body = json_body(optional=optional)
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object")
    return body


def positive_int(raw: str, name: str) -> int:
    """A query value that must be a positive integer that fits an id (422 naming the parameter
    otherwise)."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= INT_MAX:
        raise ValidationError(f"must be a whole number from 1 to {INT_MAX}", field=name)
    return int(raw)


def _choices(raw: str, allowed: tuple[str, ...], name: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ValidationError(f"must be among {', '.join(allowed)}", field=name)
    return values


@dataclass(frozen=True)
class CheckinQuery:
    """Filters and the page position for the check-in list."""

    statuses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    customer_id: int | None = None
    event_id: int | None = None
    rep_id: int | None = None
    rep_email: str | None = None
    due_after: datetime | None = None  #: inclusive
    due_before: datetime | None = None  #: exclusive
    after: tuple[datetime, int] | None = None  #: (due_at, id) of the last row already seen
    limit: int = DEFAULT_LIMIT


def encode_cursor(due_at: datetime, checkin_id: int) -> str:
    """An opaque cursor for the position after (due_at, id)."""
    raw = json.dumps([due_at.astimezone(UTC).isoformat(), checkin_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (due_at, id) inside a cursor from encode_cursor; 400 when it is damaged."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due_raw, checkin_id = json.loads(raw)
        due_at = datetime.fromisoformat(due_raw)
        if due_at.tzinfo is None or type(checkin_id) is not int or not 1 <= checkin_id <= INT_MAX:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, RecursionError):
        raise BadRequest("not a cursor from this API", field="cursor", code="bad_cursor") from None
    return due_at.astimezone(UTC), checkin_id


def _optional(args: MultiDict[str, str], name: str, parse: Callable[[str, str], Any]) -> Any:
    values = [v for v in args.getlist(name) if v.strip()]
    return parse(",".join(values), name) if values else None


def checkin_query(args: MultiDict[str, str]) -> CheckinQuery:
    """Parse the query string of GET /checkins; unknown parameters are a 422."""
    only_fields(args, CHECKIN_FILTERS, "parameter")
    limit = _optional(args, "limit", positive_int) or DEFAULT_LIMIT
    if limit > MAX_LIMIT:
        raise ValidationError(f"must be at most {MAX_LIMIT}", field="limit")
    return CheckinQuery(
        statuses=_optional(args, "status", lambda v, n: _choices(v, STATUSES, n)) or (),
        channels=_optional(args, "channel", lambda v, n: _choices(v, CHANNELS, n)) or (),
        customer_id=_optional(args, "customer_id", positive_int),
        event_id=_optional(args, "event_id", positive_int),
        rep_id=_optional(args, "rep_id", positive_int),
        rep_email=_optional(args, "rep_email", lambda v, n: v.strip().lower()),
        due_after=_optional(args, "due_after", parse_timestamp),
        due_before=_optional(args, "due_before", parse_timestamp),
        after=_optional(args, "cursor", lambda v, n: decode_cursor(v)),
        limit=limit,
    )


def only_fields(body: Mapping[str, Any], allowed: tuple[str, ...], what: str = "field") -> None:
    """422 naming the first key of body that is not in allowed."""
    for key in body:
        if key not in allowed:
            raise ValidationError(f"unknown {what} (allowed: {', '.join(allowed)})", field=key)


def cancel_reason(body: dict[str, Any]) -> str | None:
    """The optional reason of POST /checkins/<id>/cancel."""
    only_fields(body, ("reason",))
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise ValidationError("must be a string of at most 500 characters", field="reason")
    return (reason.strip() or None) if reason else None


def reschedule_due_at(body: dict[str, Any]) -> datetime:
    """The new due time of POST /checkins/<id>/reschedule."""
    only_fields(body, ("due_at",))
    return parse_timestamp(body.get("due_at"), "due_at")


def policy_list_filter(args: MultiDict[str, str]) -> str | None:
    """The optional event_type of GET /policies; other parameters are a 422."""
    only_fields(args, ("event_type",), "parameter")
    return (args.get("event_type") or "").strip() or None
