"""The OpenAPI document: valid, complete, and true to what the API really answers."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import url_for
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from outreach.api.openapi import spec
from outreach.models import Call, CallStatusEvent, FollowUp, Message, Reply, utcnow

ROOT = "urn:outreach:openapi"
PREFIX = "/api/v1"


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class Contract:
    """Checks real responses against the document's response schemas."""

    def __init__(self) -> None:
        self.doc = spec()
        self.registry = Registry().with_resource(
            ROOT, Resource.from_contents(self.doc, default_specification=DRAFT202012)
        )
        self.seen: set[tuple[str, str, str]] = set()

    def response(self, path: str, method: str, status: int) -> dict:
        operation = self.doc["paths"][path][method]
        assert str(status) in operation["responses"], f"{method} {path}: {status} undocumented"
        response = operation["responses"][str(status)]
        if "$ref" in response:
            response = self.doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        return response

    def check(self, path: str, method: str, response) -> None:
        """Validate one real response against the documented one for its status."""
        documented = self.response(path, method, response.status_code)
        self.seen.add((path, method, str(response.status_code)))
        if "content" not in documented:
            assert response.data == b""
            return
        assert response.mimetype == "application/json"
        for header in documented.get("headers", {}):
            assert header in response.headers, header
        status = str(response.status_code)
        schema = {
            "$ref": f"{ROOT}#/"
            + _pointer("paths", path, method, "responses", status, "content", "application/json")
            + "/schema"
        }
        if "$ref" in self.doc["paths"][path][method]["responses"][status]:
            name = self.doc["paths"][path][method]["responses"][status]["$ref"].rsplit("/", 1)[1]
            schema = {
                "$ref": f"{ROOT}#/"
                + _pointer("components", "responses", name, "content", "application/json")
                + "/schema"
            }
        Draft202012Validator(schema, registry=self.registry).validate(response.json)

    def request_errors(self, schema_name: str, body: dict) -> list[str]:
        """Why a request body does not match the document's schema (empty when it does)."""
        validator = Draft202012Validator(
            {"$ref": f"{ROOT}#/components/schemas/{schema_name}"}, registry=self.registry
        )
        return [e.message for e in validator.iter_errors(body)]


@pytest.fixture
def contract():
    return Contract()


def test_the_document_is_valid_openapi_3_1():
    document = spec()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }


def test_the_document_is_served_publicly_at_its_endpoint(app, client):
    with app.test_request_context():
        assert url_for("api.openapi") == "/api/v1/openapi.json"
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json == json.loads(json.dumps(spec()))


def test_every_api_route_is_documented_and_every_documented_path_exists(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in spec()["paths"].items() for method in item}
    assert routes == documented


def test_every_operation_documents_its_errors_and_authentication():
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            public = operation.get("security") == []
            assert public == (path == "/openapi.json"), path
            if not public:
                assert "401" in responses, (path, method)
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= set(responses), (path, method)
            if "{" in path:
                assert "404" in responses, (path, method)


def _event(external_id: str) -> dict:
    return {
        "external_id": external_id,
        "type": "install",
        "occurred_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "customer": {
            "external_id": "cu-1",
            "name": "Ada",
            "phone": "+12025550123",
            "timezone": "America/New_York",
            "email": "ada@example.com",
        },
        "rep": {"email": "rep@example.com", "name": "Rep"},
        "summary": "Installed",
    }


POLICY = {
    "name": "Text",
    "event_type": "install",
    "channel": "sms",
    "delay": "PT2H",
    "window": {"start": "09:00", "end": "20:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
    "template": "Hi {{ customer.name }}",
}


def test_request_schemas_accept_what_the_api_accepts_and_refuse_unknown_fields(contract):
    assert contract.request_errors("EventIn", _event("ev-1")) == []
    assert contract.request_errors("PolicyIn", POLICY) == []
    assert contract.request_errors("EventIn", {**_event("ev-1"), "colour": "red"})
    nested = _event("ev-1")
    nested["customer"]["nickname"] = "A"
    assert contract.request_errors("EventIn", nested)
    assert contract.request_errors("RescheduleIn", {"due_at": "2030-01-01T00:00:00Z"}) == []


def test_real_responses_match_the_documented_schemas(client, auth, db, contract):
    ok = contract.check
    p = "/policies/{policy_id}"
    c = "/checkins/{checkin_id}"
    ok("/openapi.json", "get", client.get(f"{PREFIX}/openapi.json"))

    sms = client.post(f"{PREFIX}/policies", json=POLICY, headers=auth)
    ok("/policies", "post", sms)
    rep_call = {**POLICY, "name": "Call", "channel": "rep_call", "window": None}
    rep_call |= {"deadline": "PT4H", "fallback_policy_id": sms.json["id"]}
    ok("/policies", "post", client.post(f"{PREFIX}/policies", json=rep_call, headers=auth))
    ok("/policies", "get", client.get(f"{PREFIX}/policies", headers=auth))
    ok(p, "get", client.get(f"{PREFIX}/policies/{sms.json['id']}", headers=auth))
    ok(p, "put", client.put(f"{PREFIX}/policies/{sms.json['id']}", json=POLICY, headers=auth))
    ok(p, "delete", client.delete(f"{PREFIX}/policies/{sms.json['id']}", headers=auth))
    bad_policy = {**POLICY, "delay": "soon"}
    ok("/policies", "post", client.post(f"{PREFIX}/policies", json=bad_policy, headers=auth))
    ok(p, "get", client.get(f"{PREFIX}/policies/999", headers=auth))
    ok("/policies", "get", client.get(f"{PREFIX}/policies?bogus=1", headers=auth))
    spare = client.post(f"{PREFIX}/policies", json={**POLICY, "name": "Spare"}, headers=auth)
    ok(p, "delete", client.delete(f"{PREFIX}/policies/{spare.json['id']}", headers=auth))

    events = f"{PREFIX}/events"
    first = client.post(events, json=_event("ev-1"), headers=auth)
    ok("/events", "post", first)
    ok("/events", "post", client.post(events, json=_event("ev-1"), headers=auth))
    ok("/events", "post", client.post(events, json=_event("ev-2")))
    ok(
        "/events",
        "post",
        client.post(events, data="{", content_type="application/json", headers=auth),
    )
    ok("/events", "post", client.post(events, data="x", content_type="text/plain", headers=auth))
    ok("/events", "post", client.post(events, json={**_event("ev-3"), "x": 1}, headers=auth))
    big = {**_event("ev-4"), "summary": "x" * 70_000}
    ok("/events", "post", client.post(events, json=big, headers=auth))
    for n in range(2, 5):
        client.post(events, json=_event(f"ev-{n}"), headers=auth)

    page = client.get(f"{PREFIX}/checkins?limit=2", headers=auth)
    assert page.json["next_cursor"]
    ok("/checkins", "get", page)
    last = client.get(f"{PREFIX}/checkins?limit=200", headers=auth)
    assert last.json["next_cursor"] is None
    ok("/checkins", "get", last)
    ok("/checkins", "get", client.get(f"{PREFIX}/checkins?status=nope", headers=auth))
    ok("/checkins", "get", client.get(f"{PREFIX}/checkins?cursor=nope", headers=auth))

    ids = [row["id"] for row in last.json["checkins"]]
    ok(c, "get", client.get(f"{PREFIX}/checkins/{ids[0]}", headers=auth))
    ok(c, "get", client.get(f"{PREFIX}/checkins/999", headers=auth))
    cancel, reschedule = c + "/cancel", c + "/reschedule"
    ok(cancel, "post", client.post(f"{PREFIX}/checkins/{ids[0]}/cancel", headers=auth))
    ok(cancel, "post", client.post(f"{PREFIX}/checkins/{ids[0]}/cancel", headers=auth))
    ok(cancel, "post", client.post(f"{PREFIX}/checkins/999/cancel", headers=auth))
    zone = ZoneInfo("America/New_York")
    day = utcnow().astimezone(zone).date() + timedelta(days=2)
    when = datetime(day.year, day.month, day.day, 15, 0, tzinfo=zone).isoformat()
    url = f"{PREFIX}/checkins/{ids[1]}/reschedule"
    ok(reschedule, "post", client.post(url, json={"due_at": when}, headers=auth))
    past = {"due_at": "2020-01-01T00:00:00Z"}
    ok(reschedule, "post", client.post(url, json=past, headers=auth))
    done = f"{PREFIX}/checkins/{ids[0]}/reschedule"
    ok(reschedule, "post", client.post(done, json={"due_at": when}, headers=auth))

    customer_id = first.json["event"]["customer"]["id"]
    _conversation(db, customer_id, ids[1])
    timeline = client.get(f"{PREFIX}/customers/{customer_id}/timeline", headers=auth)
    assert {item["kind"] for item in timeline.json["items"]} == {
        "event",
        "checkin",
        "message",
        "call",
        "reply",
        "followup",
    }
    ok("/customers/{customer_id}/timeline", "get", timeline)
    missing = client.get(f"{PREFIX}/customers/999/timeline", headers=auth)
    ok("/customers/{customer_id}/timeline", "get", missing)

    statuses = {status for _, _, status in contract.seen}
    assert {"200", "201", "204", "400", "401", "404", "409", "413", "415", "422"} <= statuses


def _conversation(db, customer_id: int, checkin_id: int) -> None:
    message = Message(
        direction="outbound",
        kind="checkin",
        checkin_id=checkin_id,
        customer_id=customer_id,
        to_number="+12025550123",
        body="How did it go?",
        twilio_sid="SM" + "0" * 32,
        status="delivered",
    )
    call = Call(purpose="voice_checkin", customer_id=customer_id, to_number="+12025550123")
    db.session.add_all([message, call])
    db.session.flush()
    db.session.add(CallStatusEvent(call_id=call.id, twilio_sid="CA1", status="completed"))
    reply = Reply(customer_id=customer_id, message_id=message.id, source="sms", text="5", rating=5)
    db.session.add(reply)
    db.session.flush()
    due = utcnow() + timedelta(days=1)
    db.session.add(FollowUp(customer_id=customer_id, reply_id=reply.id, title="x", due_at=due))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 1


def test_a_response_that_breaks_the_schema_is_caught(contract, client):
    class Fake:
        status_code = 200
        mimetype = "application/json"
        headers: dict = {}
        json = {"checkins": [{"id": "not-an-int"}], "next_cursor": None}

    with pytest.raises(SchemaError):
        contract.check("/checkins", "get", Fake())
