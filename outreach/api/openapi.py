"""The OpenAPI 3.1 description of API v1: request bodies and query parameters are generated from
the models that validate them (outreach.schemas.validation), so they cannot drift; paths,
responses and the response schemas are written here next to the views they describe."""

from __future__ import annotations

from functools import cache
from typing import Any

from outreach.api.parsing import (
    CancelIn,
    CheckinFilters,
    PolicyFilters,
    QueryModel,
    RescheduleIn,
)
from outreach.events.ingest import EventIn
from outreach.models.base import INT_MAX
from outreach.models.checkins import STATUSES
from outreach.models.escalations import ACK_CHANNELS, ESCALATION_REASONS, PAGE_LEVELS, RESOLUTIONS
from outreach.models.followups import FOLLOWUP_KINDS, FOLLOWUP_STATES, PRIORITIES
from outreach.models.messages import CALL_PURPOSES, DIRECTIONS, MESSAGE_KINDS, TRIAGE_CLASSES
from outreach.models.policies import CHANNELS
from outreach.scheduling.policies import PolicyIn
from outreach.schemas.validation import json_schemas

JSON = "application/json"
TIMESTAMP_OUT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"

DESCRIPTION = """\
Other systems push service events in and read the check-in queue and customer timelines.

**Authentication**: every operation except this document needs `Authorization: Bearer <token>`
(`outreach create-token NAME` prints one). A missing, wrong or revoked token is a `401`.

**Requests**: bodies are JSON (`Content-Type: application/json`, else `415`), at most 64 KiB
(else `413`); malformed JSON is a `400`. **Unknown fields are rejected** with a `422` whose
`field` names the first unknown one (e.g. `customer.nickname`), so a misspelt optional field is
never silently dropped; unknown query parameters are rejected the same way. Optional string
fields sent as `null` or `""` count as not sent.

**Times**: requests take ISO-8601 timestamps *with* a UTC offset (`2024-05-01T17:30:00-05:00`
or `...Z`) between 2000-01-01 and 2099-12-31 (UTC); others are a `422` naming the field.
Responses give every time in UTC to the second, as `2024-05-01T22:30:00Z`.

**Numbers and text**: ids run from 1 to 2147483647: a larger one in a path is a `404`, in a
query a `422`. Text must not contain NUL bytes (`\\u0000`), in the body or the query: a `400`
(`bad_request`).

**Errors** are always `{"error": {"code", "message", "field"?}}`. `field` names the offending
body field (dotted path) or query parameter. Codes: `bad_request`, `malformed_json`,
`bad_cursor` (400), `unauthorized` (401), `not_found` (404), `method_not_allowed` (405),
`conflict` (409), `request_entity_too_large` (413), `unsupported_media_type` (415),
`invalid` (422). Bad input never changes anything already stored.
"""


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    nullable = {**schema, "type": [*([kind] if isinstance(kind, str) else kind), "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _obj(properties: dict[str, Any], required: list[str] | None = None, **extra) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        **extra,
    }


STR = {"type": "string"}
INT = {"type": "integer"}
ID = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "pattern": TIMESTAMP_OUT}


def _schemas() -> dict[str, Any]:
    user = _obj({"id": ID, "email": STR, "name": STR})
    return {
        "Error": _obj(
            {
                "error": _obj(
                    {
                        "code": {**STR, "description": "machine-readable, e.g. invalid"},
                        "message": {**STR, "description": "for people"},
                        "field": {
                            **STR,
                            "description": "the body field (dotted path) or query parameter",
                        },
                    },
                    required=["code", "message"],
                )
            }
        ),
        "User": user,
        "Customer": _obj(
            {
                "id": ID,
                "external_id": STR,
                "name": STR,
                "phone": {**STR, "description": "E.164"},
                "email": _nullable(STR),
                "timezone": _nullable(STR),
                "is_opted_out": BOOL,
                "created_at": TIME,
                "updated_at": TIME,
            }
        ),
        "Event": _obj(_event_properties()),
        "CheckIn": _obj(_checkin_properties()),
        "Transition": _obj(
            {
                "from_status": _nullable({"type": "string", "enum": list(STATUSES)}),
                "to_status": {"enum": list(STATUSES)},
                "reason": STR,
                "at": TIME,
            }
        ),
        "CheckInDetail": _obj(
            {
                **_checkin_properties(),
                "transitions": {"type": "array", "items": _ref("Transition")},
            },
            description="A check-in with every status change, oldest first.",
        ),
        "IngestResult": _obj(
            {"event": _ref("Event"), "checkins": {"type": "array", "items": _ref("CheckIn")}}
        ),
        "CheckInPage": _obj(
            {
                "checkins": {"type": "array", "items": _ref("CheckIn")},
                "next_cursor": _nullable(
                    {
                        **STR,
                        "description": "pass as ?cursor= (with the same filters); null "
                        "on the last page",
                    }
                ),
            }
        ),
        **_timeline_schemas(),
        **json_schemas(EventIn, PolicyIn, CancelIn, RescheduleIn),
        "Policy": _policy(),
        "PolicyList": _obj({"policies": {"type": "array", "items": _ref("Policy")}}),
    }


def _checkin_properties() -> dict[str, Any]:
    return {
        "id": ID,
        "event_id": ID,
        "customer_id": ID,
        "policy_id": ID,
        "rep_id": _nullable(ID),
        "fallback_of_id": _nullable({**ID, "description": "the missed rep call it replaces"}),
        "channel": {"enum": list(CHANNELS)},
        "status": {"enum": list(STATUSES)},
        "status_reason": STR,
        "due_at": TIME,
        "timing_reason": {**STR, "description": "why due_at is what it is"},
        "earliest_at": {**TIME, "description": "event time plus the policy's delay"},
        "expires_at": _nullable(TIME),
        "deadline_at": _nullable(TIME),
        "timezone": {**STR, "description": "the customer zone used for timing"},
        "attempts": {**INT, "minimum": 0},
        "outcome": _nullable(STR),
        "outcome_note": _nullable(STR),
        "created_at": TIME,
        "updated_at": TIME,
    }


def _timeline_schemas() -> dict[str, Any]:
    event = {k: v for k, v in _event_properties().items() if k != "customer"}
    kinds = {
        "event": _obj(event),
        "checkin": _ref("CheckInDetail"),
        "message": _obj(
            {
                "id": ID,
                "direction": {"enum": list(DIRECTIONS)},
                "kind": {"enum": list(MESSAGE_KINDS)},
                "checkin_id": _nullable(ID),
                "to_number": STR,
                "from_number": _nullable(STR),
                "body": STR,
                "twilio_sid": _nullable(STR),
                "status": STR,
                "error_code": _nullable(INT),
                "num_segments": _nullable(INT),
                "created_at": TIME,
                "status_events": {
                    "type": "array",
                    "items": _obj(
                        {
                            "status": STR,
                            "error_code": _nullable(INT),
                            "is_applied": {
                                **BOOL,
                                "description": "false for a duplicate or out-of-order callback",
                            },
                            "at": TIME,
                        }
                    ),
                },
            }
        ),
        "call": _obj(
            {
                "id": ID,
                "direction": {"enum": list(DIRECTIONS)},
                "purpose": {"enum": list(CALL_PURPOSES)},
                "checkin_id": _nullable(ID),
                "user_id": _nullable(ID),
                "twilio_sid": _nullable(STR),
                "status": STR,
                "answered_by": _nullable(STR),
                "duration_seconds": _nullable(INT),
                "outcome": _nullable(STR),
                "error_code": _nullable(INT),
                "created_at": TIME,
                "status_events": {"type": "array", "items": _obj({"status": STR, "at": TIME})},
            }
        ),
        "reply": _obj(
            {
                "id": ID,
                "source": {"enum": ["sms", "voice"]},
                "checkin_id": _nullable(ID),
                "message_id": _nullable(ID),
                "call_id": _nullable(ID),
                "text": STR,
                "rating": _nullable({**INT, "minimum": 1, "maximum": 5}),
                "triage_class": _nullable({"type": "string", "enum": list(TRIAGE_CLASSES)}),
                "evidence": _nullable(STR),
                "is_unsolicited": BOOL,
                "created_at": TIME,
            }
        ),
        "followup": _obj(
            {
                "id": ID,
                "kind": {"enum": list(FOLLOWUP_KINDS)},
                "priority": {"enum": list(PRIORITIES)},
                "state": {"enum": list(FOLLOWUP_STATES)},
                "title": STR,
                "promise": _nullable(STR),
                "owner": _nullable(_ref("User")),
                "checkin_id": _nullable(ID),
                "reply_id": _nullable(ID),
                "due_at": TIME,
                "done_at": _nullable(TIME),
                "outcome_note": _nullable(STR),
                "created_at": TIME,
            }
        ),
        "page": _obj(
            {
                "id": ID,
                "reply_id": ID,
                "level": {"enum": list(PAGE_LEVELS)},
                "user": _nullable(_ref("User")),
                "message_id": _nullable(ID),
                "sent_at": TIME,
                "acked_at": _nullable(TIME),
                "acked_via": _nullable({"type": "string", "enum": list(ACK_CHANNELS)}),
            }
        ),
        "ack": _obj(
            {
                "escalation_id": ID,
                "reply_id": ID,
                "reason": {"enum": list(ESCALATION_REASONS)},
                "followup_id": _nullable(ID),
                "acked_by": _nullable(_ref("User")),
                "acked_via": _nullable({"type": "string", "enum": list(ACK_CHANNELS)}),
                "acked_at": TIME,
                "resolution": _nullable({"type": "string", "enum": list(RESOLUTIONS)}),
            }
        ),
        "merge": _obj(
            {
                "id": ID,
                "merged_customer_id": ID,
                "merged_external_id": STR,
                "merged_name": STR,
                "merged_phone": STR,
                "merged_by": _nullable(_ref("User")),
                "moved": {
                    "type": "object",
                    "additionalProperties": INT,
                    "description": "rows moved to this customer, per table",
                },
                "created_at": TIME,
            }
        ),
    }
    items = {
        f"Timeline{kind.capitalize()}": _obj(
            {
                "kind": {"const": kind},
                "at": {
                    **TIME,
                    "description": "occurred_at for events, due_at for check-ins, sent_at "
                    "for pages, acked_at for acks, created_at otherwise",
                },
                kind: schema,
            }
        )
        for kind, schema in kinds.items()
    }
    return {
        **items,
        "TimelineItem": {
            "oneOf": [_ref(name) for name in items],
            "discriminator": {
                "propertyName": "kind",
                "mapping": {
                    kind: f"#/components/schemas/Timeline{kind.capitalize()}" for kind in kinds
                },
            },
        },
        "Timeline": _obj(
            {
                "customer": _ref("Customer"),
                "items": {
                    "type": "array",
                    "items": _ref("TimelineItem"),
                    "description": "oldest first; ties: event, checkin, message, call, reply, "
                    "followup, page, ack, merge",
                },
            }
        ),
    }


def _event_properties() -> dict[str, Any]:
    return {
        "id": ID,
        "external_id": STR,
        "type": STR,
        "occurred_at": TIME,
        "summary": _nullable(STR),
        "source": {"enum": ["api", "csv", "demo"]},
        "customer": _ref("Customer"),
        "rep": _nullable(_ref("User")),
        "created_at": TIME,
    }


def _policy() -> dict[str, Any]:
    fields = json_schemas(PolicyIn)["PolicyIn"]["properties"]
    fields = {k: v for k, v in fields.items() if not v.get("readOnly")}
    return _obj({"id": ID, **fields, "created_at": TIME, "updated_at": TIME})


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


def _responses() -> dict[str, Any]:
    return {
        "BadRequest": _error(
            "Malformed JSON (malformed_json), a damaged cursor (bad_cursor) or a NUL byte in "
            "the request (bad_request)"
        ),
        "Unauthorized": {
            **_error("No API token, or a wrong or revoked one"),
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        },
        "NotFound": _error("No such resource"),
        "Conflict": _error("The resource's state forbids this (e.g. the check-in is final)"),
        "TooLarge": _error("The body is larger than 64 KiB"),
        "UnsupportedMediaType": _error("The body is not sent as application/json"),
        "Invalid": _error("Well-formed but invalid input; `field` names what is wrong"),
    }


def _ok(description: str, schema: str, status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": {JSON: {"schema": _ref(schema)}}}}


def _errors(*names: str) -> dict[str, Any]:
    status = {
        "BadRequest": "400",
        "Unauthorized": "401",
        "NotFound": "404",
        "Conflict": "409",
        "TooLarge": "413",
        "UnsupportedMediaType": "415",
        "Invalid": "422",
    }
    names = ("Unauthorized", *names)
    return {status[n]: {"$ref": f"#/components/responses/{n}"} for n in names}


BODY_ERRORS = ("BadRequest", "TooLarge", "UnsupportedMediaType", "Invalid")


def _body(schema: str, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": _ref(schema)}}}


def _path_id(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"the {what}'s id",
        "schema": ID,
    }


def _parameters(model: type[QueryModel]) -> list[dict[str, Any]]:
    """The query parameters of an operation, from the model that parses them."""
    parameters = []
    for name, schema in json_schemas(model)[model.__name__]["properties"].items():
        schema = dict(schema)
        description = schema.pop("description", "")
        if "anyOf" in schema:  # X | None: absent is null, a query value is never null
            [schema] = [s for s in schema.pop("anyOf") if s.get("type") != "null"]
        if not schema.get("default"):
            schema.pop("default", None)
        parameter = {"name": name, "in": "query", "required": False, "schema": schema}
        parameter["description"] = description
        if schema.get("type") == "array":  # ?status=a,b
            parameter |= {"style": "form", "explode": False}
        parameters.append(parameter)
    return parameters


def _paths() -> dict[str, Any]:
    checkin_id = _path_id("checkin_id", "check-in")
    return {
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/events": {
            "post": {
                "operationId": "createEvent",
                "summary": "Ingest one service event",
                "description": "Upserts the customer (by external_id) and the rep (by e-mail), "
                "stores the event and plans its check-ins from the active policies for its "
                "type. Posting an external_id that is already stored answers 200 with the "
                "stored event and its check-ins and changes nothing, even when the two posts "
                "race (enforced by a unique constraint).",
                "requestBody": _body("EventIn"),
                "responses": {
                    **_ok("Created, with the planned check-ins", "IngestResult", "201"),
                    **_ok("Already stored: the original event and its check-ins", "IngestResult"),
                    **_errors(*BODY_ERRORS),
                },
            }
        },
        "/checkins": {
            "get": {
                "operationId": "listCheckins",
                "summary": "The check-in queue",
                "description": "Ordered by (due_at, id). Filters combine with AND. Bad values "
                "are a 422 naming the parameter; a damaged cursor is a 400.",
                "parameters": _parameters(CheckinFilters),
                "responses": {**_ok("One page", "CheckInPage"), **_errors("BadRequest", "Invalid")},
            }
        },
        "/checkins/{checkin_id}": {
            "get": {
                "operationId": "getCheckin",
                "summary": "One check-in with its transition log",
                "parameters": [checkin_id],
                "responses": {**_ok("The check-in", "CheckInDetail"), **_errors("NotFound")},
            }
        },
        "/checkins/{checkin_id}/cancel": {
            "post": {
                "operationId": "cancelCheckin",
                "summary": "Cancel a check-in that has not gone out",
                "description": "The body is optional. 409 when the check-in is already final "
                "or being sent.",
                "parameters": [checkin_id],
                "requestBody": _body("CancelIn", required=False),
                "responses": {
                    **_ok("Canceled", "CheckInDetail"),
                    **_errors("NotFound", "Conflict", *BODY_ERRORS),
                },
            }
        },
        "/checkins/{checkin_id}/reschedule": {
            "post": {
                "operationId": "rescheduleCheckin",
                "summary": "Move a pending check-in to another time",
                "description": "A time in the past is a 422; a final check-in is a 409.",
                "parameters": [checkin_id],
                "requestBody": _body("RescheduleIn"),
                "responses": {
                    **_ok("Rescheduled", "CheckInDetail"),
                    **_errors("NotFound", "Conflict", *BODY_ERRORS),
                },
            }
        },
        "/customers/{customer_id}/timeline": {
            "get": {
                "operationId": "customerTimeline",
                "summary": "Everything that happened with a customer, in time order",
                "parameters": [_path_id("customer_id", "customer")],
                "responses": {**_ok("The timeline", "Timeline"), **_errors("NotFound")},
            }
        },
        **_policy_paths(),
    }


def _policy_paths() -> dict[str, Any]:
    policy_id = _path_id("policy_id", "policy")
    return {
        "/policies": {
            "get": {
                "operationId": "listPolicies",
                "summary": "Every policy (schedule), by id",
                "parameters": _parameters(PolicyFilters),
                "responses": {**_ok("The policies", "PolicyList"), **_errors("Invalid")},
            },
            "post": {
                "operationId": "createPolicy",
                "summary": "Create a policy",
                "requestBody": _body("PolicyIn"),
                "responses": {
                    "201": {
                        "description": "Created",
                        "headers": {"Location": {"schema": STR}},
                        "content": {JSON: {"schema": _ref("Policy")}},
                    },
                    **_errors(*BODY_ERRORS),
                },
            },
        },
        "/policies/{policy_id}": {
            "get": {
                "operationId": "getPolicy",
                "summary": "One policy",
                "parameters": [policy_id],
                "responses": {**_ok("The policy", "Policy"), **_errors("NotFound")},
            },
            "put": {
                "operationId": "updatePolicy",
                "summary": "Replace a policy",
                "parameters": [policy_id],
                "requestBody": _body("PolicyIn"),
                "responses": {
                    **_ok("The updated policy", "Policy"),
                    **_errors("NotFound", *BODY_ERRORS),
                },
            },
            "delete": {
                "operationId": "deletePolicy",
                "summary": "Delete a policy",
                "description": "Check-ins it already planned keep it. 409 while another "
                "policy uses it as its fallback.",
                "parameters": [policy_id],
                "responses": {
                    "204": {"description": "Deleted"},
                    **_errors("NotFound", "Conflict"),
                },
            },
        },
    }


@cache
def spec() -> dict:
    """The OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Outreach API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a token from `outreach create-token NAME`",
                }
            },
            "schemas": _schemas(),
            "responses": _responses(),
        },
    }
