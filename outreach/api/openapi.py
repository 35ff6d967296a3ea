"""The OpenAPI 3.1 description of API v1. Written here: paths and operations (summaries, status
codes, which errors). Generated: every schema, from the pydantic models that validate requests
(outreach.schemas.validation and the models built on it) and that build responses
(outreach.schemas.responses), so the document cannot drift from what the API does."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from outreach.api.parsing import (
    CancelIn,
    CheckinFilters,
    PolicyFilters,
    QueryModel,
    RescheduleIn,
)
from outreach.events.ingest import EventIn
from outreach.models.base import INT_MAX
from outreach.scheduling.policies import PolicyIn
from outreach.schemas import responses as out
from outreach.schemas.events import MAX_BATCH, MAX_BATCH_BYTES, EventBatchIn
from outreach.schemas.validation import json_schemas

JSON = "application/json"

DESCRIPTION = """\
Other systems push service events in and read the check-in queue and customer timelines.

**Authentication**: every operation except this document needs `Authorization: Bearer <token>`
(`outreach create-token NAME` prints one). A missing, wrong or revoked token is a `401`.

**Requests**: bodies are JSON (`Content-Type: application/json`, else `415`), at most 64 KiB
(a batch of events: 4 MiB; else `413`); malformed JSON is a `400`. **Unknown fields are
rejected** with a `422` whose `field` names the first unknown one (e.g. `customer.nickname`),
so a misspelt optional field is never silently dropped; unknown query parameters are rejected
the same way. Optional string fields sent as `null` or `""` count as not sent.

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


@dataclass(frozen=True)
class Schema:
    """A model's schema in the document: validation of a request or the shape of a response."""

    model: type[BaseModel]
    mode: str

    def ref(self) -> dict[str, str]:
        """The $ref that points at the model's schema under components/schemas."""
        return {"$ref": f"#/components/schemas/{self.model.__name__}"}


def request(model: type[BaseModel]) -> Schema:
    """A request body, as its model validates it."""
    return Schema(model, "validation")


def response(model: type[out.Shape]) -> Schema:
    """A response body, as its model serialises it."""
    return Schema(model, "serialization")


def _resolve(node: Any, used: set[Schema]) -> Any:
    """node with every Schema replaced by its $ref; each one is added to used."""
    if isinstance(node, Schema):
        used.add(node)
        return node.ref()
    if isinstance(node, dict):
        return {key: _resolve(value, used) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(value, used) for value in node]
    return node


def _components(used: set[Schema]) -> dict[str, Any]:
    """The schemas of every model used and of every model they use, by name (one name each)."""
    schemas: dict[str, Any] = {}
    for mode in ("validation", "serialization"):
        models = sorted((s.model for s in used if s.mode == mode), key=lambda m: m.__name__)
        for name, schema in json_schemas(*models, mode=mode).items():
            if schemas.get(name, schema) != schema:
                raise RuntimeError(f"two different schemas are both called {name}")
            schemas[name] = schema
    return dict(sorted(schemas.items()))


ID = {"type": "integer", "minimum": 1, "maximum": INT_MAX}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": response(out.Error)}}}


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
        "TooLarge": _error("The body is larger than 64 KiB (a batch of events: 4 MiB)"),
        "UnsupportedMediaType": _error("The body is not sent as application/json"),
        "Invalid": _error("Well-formed but invalid input; `field` names what is wrong"),
    }


def _ok(description: str, model: type[out.Shape], status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": {JSON: {"schema": response(model)}}}}


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


def _body(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": request(model)}}}


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
                "requestBody": _body(EventIn),
                "responses": {
                    **_ok("Created, with the planned check-ins", out.IngestResult, "201"),
                    **_ok("Already stored: the original event and its check-ins", out.IngestResult),
                    **_errors(*BODY_ERRORS),
                },
            }
        },
        "/events/batch": {
            "post": {
                "operationId": "createEvents",
                "summary": "Ingest up to 1,000 service events",
                "description": "Each event is handled as POST /events would handle it (the same "
                "validation, upserts, idempotency and planning), stored a few hundred at a "
                "time: the answer lists, in the request's order, each event as created, "
                "duplicate or error (with the error POST /events would give, `field` being the "
                "path inside that event). A bad event does not stop the others. The body may "
                f"be up to {MAX_BATCH_BYTES // (1024 * 1024)} MiB; more than {MAX_BATCH:,} "
                'events, none, or a body that is not `{"events": [...]}` is a 422 and '
                "stores nothing.",
                "requestBody": _body(EventBatchIn),
                "responses": {
                    **_ok("Each event's result", out.BatchResult),
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
                "responses": {
                    **_ok("One page", out.CheckInPage),
                    **_errors("BadRequest", "Invalid"),
                },
            }
        },
        "/checkins/{checkin_id}": {
            "get": {
                "operationId": "getCheckin",
                "summary": "One check-in with its transition log",
                "parameters": [checkin_id],
                "responses": {**_ok("The check-in", out.CheckInDetail), **_errors("NotFound")},
            }
        },
        "/checkins/{checkin_id}/cancel": {
            "post": {
                "operationId": "cancelCheckin",
                "summary": "Cancel a check-in that has not gone out",
                "description": "The body is optional. 409 when the check-in is already final "
                "or being sent.",
                "parameters": [checkin_id],
                "requestBody": _body(CancelIn, required=False),
                "responses": {
                    **_ok("Canceled", out.CheckInDetail),
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
                "requestBody": _body(RescheduleIn),
                "responses": {
                    **_ok("Rescheduled", out.CheckInDetail),
                    **_errors("NotFound", "Conflict", *BODY_ERRORS),
                },
            }
        },
        "/customers/{customer_id}/timeline": {
            "get": {
                "operationId": "customerTimeline",
                "summary": "Everything that happened with a customer, in time order",
                "parameters": [_path_id("customer_id", "customer")],
                "responses": {**_ok("The timeline", out.Timeline), **_errors("NotFound")},
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
                "responses": {**_ok("The policies", out.PolicyList), **_errors("Invalid")},
            },
            "post": {
                "operationId": "createPolicy",
                "summary": "Create a policy",
                "requestBody": _body(PolicyIn),
                "responses": {
                    "201": {
                        "description": "Created",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                        "content": {JSON: {"schema": response(out.Policy)}},
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
                "responses": {**_ok("The policy", out.Policy), **_errors("NotFound")},
            },
            "put": {
                "operationId": "updatePolicy",
                "summary": "Replace a policy",
                "parameters": [policy_id],
                "requestBody": _body(PolicyIn),
                "responses": {
                    **_ok("The updated policy", out.Policy),
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
    used: set[Schema] = set()
    paths = _resolve(_paths(), used)
    responses = _resolve(_responses(), used)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Outreach API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a token from `outreach create-token NAME`",
                }
            },
            "schemas": _components(used),
            "responses": responses,
        },
    }
