"""POST /api/v1/events over HTTP: auth, content negotiation, bad input, idempotency, races."""

from __future__ import annotations

import http.client
import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from outreach.auth.accounts import create_token
from outreach.models import (
    ApiToken,
    CheckIn,
    CheckInTransition,
    Customer,
    ServiceEvent,
    User,
    utcnow,
)
from outreach.scheduling.policies import create_policy

URL = "/api/v1/events"


def payload(external_id: str = "ev-1", **overrides) -> dict:
    """A valid event that happened an hour ago; keyword arguments replace top-level fields."""
    data = {
        "external_id": external_id,
        "type": "install",
        "occurred_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "customer": {
            "external_id": "cu-1",
            "name": "Ada Lovelace",
            "phone": "+12025550123",
            "timezone": "America/New_York",
        },
        "rep": {"email": "rep@example.com"},
        "summary": "Water heater installed",
    }
    data.update(overrides)
    return data


def customer(**fields) -> dict:
    """payload() with customer fields replaced."""
    data = payload("ev-bad")
    data["customer"].update(fields)
    return data


@pytest.fixture
def policies(app):
    for channel, delay in (("sms", "PT2H"), ("rep_call", "PT1H")):
        create_policy(
            {
                "name": f"{channel} check-in",
                "event_type": "install",
                "channel": channel,
                "delay": delay,
                "template": "Hi {{ customer.name }}",
            }
        )


def snapshot(db) -> dict:
    """Row counts and every stored event and customer, to prove nothing changed."""
    db.session.expire_all()
    tables = (ServiceEvent, Customer, User, CheckIn, CheckInTransition)
    return {
        "counts": {
            m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in tables
        },
        "events": db.session.execute(
            sa.select(ServiceEvent.external_id, ServiceEvent.type, ServiceEvent.summary)
        ).all(),
        "customers": db.session.execute(
            sa.select(Customer.name, Customer.phone, Customer.timezone)
        ).all(),
    }


def test_a_new_event_is_201_with_the_event_and_its_planned_checkins(client, auth, policies):
    response = client.post(URL, json=payload(), headers=auth)

    assert response.status_code == 201
    body = response.json
    assert body["event"]["external_id"] == "ev-1"
    assert body["event"]["customer"]["phone"] == "+12025550123"
    assert body["event"]["rep"]["email"] == "rep@example.com"
    assert body["event"]["occurred_at"].endswith("Z")
    assert sorted(c["channel"] for c in body["checkins"]) == ["rep_call", "sms"]
    assert all(c["event_id"] == body["event"]["id"] for c in body["checkins"])


def test_posting_the_same_external_id_again_is_200_with_the_original_body(
    client, auth, policies, db
):
    first = client.post(URL, json=payload(), headers=auth)
    before = snapshot(db)

    second = client.post(URL, json=payload(summary="something else"), headers=auth)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json == first.json
    assert snapshot(db) == before


def test_a_missing_token_is_401_with_a_bearer_challenge(client, db):
    before = snapshot(db)
    response = client.post(URL, json=payload())
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(db) == before


def test_a_wrong_token_is_401_and_stores_nothing(client, db, api_token):
    before = snapshot(db)
    for header in ("Bearer otk_wrong", "Basic dXNlcjpwYXNz", "Bearer ", "otk_no_scheme"):
        response = client.post(URL, json=payload(), headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"]["code"] == "unauthorized", header
    assert snapshot(db) == before


def test_a_revoked_token_is_401(client, db):
    row, token = create_token("old")
    row.revoked_at = utcnow()
    db.session.commit()
    response = client.post(URL, json=payload(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_a_good_token_records_when_it_was_last_used(client, auth, db, policies):
    client.post(URL, json=payload(), headers=auth)
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_the_openapi_document_needs_no_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(customer(phone="555"), "customer.phone", id="invalid-phone"),
        pytest.param(customer(phone="+18005550199"), "customer.phone", id="toll-free-phone"),
        pytest.param(customer(phone="+33142685300"), "customer.phone", id="french-landline"),
        pytest.param(customer(timezone="Europe/Atlantis"), "customer.timezone", id="unknown-zone"),
        pytest.param(
            payload("ev-bad", occurred_at="2024-05-01T09:30:00"), "occurred_at", id="no-offset"
        ),
        pytest.param(
            payload("ev-bad", occurred_at=(utcnow() + timedelta(days=2)).isoformat()),
            "occurred_at",
            id="two-days-ahead",
        ),
        pytest.param(payload("ev-bad", colour="blue"), "colour", id="unknown-field"),
        pytest.param(customer(nickname="Ada"), "customer.nickname", id="unknown-nested-field"),
        pytest.param({**payload(), "external_id": None}, "external_id", id="no-external-id"),
    ],
)
def test_bad_events_are_422_naming_the_field_and_change_nothing(
    client, auth, db, policies, data, field
):
    assert client.post(URL, json=payload("ev-0"), headers=auth).status_code == 201
    before = snapshot(db)

    response = client.post(URL, json=data, headers=auth)

    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert response.json["error"]["field"] == field
    assert response.json["error"]["message"]
    assert snapshot(db) == before


def test_a_body_over_64_kib_is_a_json_413(client, auth, db, policies):
    client.post(URL, json=payload("ev-0"), headers=auth)
    before = snapshot(db)
    big = payload(summary="x" * (70 * 1024))

    response = client.post(URL, data=json.dumps(big), content_type="application/json", headers=auth)

    assert response.status_code == 413
    assert response.mimetype == "application/json"
    assert response.json["error"]["code"] == "request_entity_too_large"
    assert snapshot(db) == before


def test_a_body_that_is_not_sent_as_json_is_415(client, auth, db):
    before = snapshot(db)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {**auth, **({"Content-Type": content_type} if content_type else {})}
        response = client.post(URL, data=json.dumps(payload()), headers=headers)
        assert response.status_code == 415, content_type
        assert response.json["error"]["code"] == "unsupported_media_type", content_type
    assert snapshot(db) == before


def test_malformed_json_is_400(client, auth, db):
    before = snapshot(db)
    bodies = {
        "truncated": b'{"external_id": "ev-1",',
        "not-utf8": b"\xff\xfe\x00garbage",
        "deeply-nested": b"[" * 5000 + b"]" * 5000,
        "empty": b"",
    }
    for case, raw in bodies.items():
        response = client.post(URL, data=raw, content_type="application/json", headers=auth)
        assert response.status_code == 400, case
        assert response.json["error"]["code"] == "malformed_json", case
    assert snapshot(db) == before


def test_json_that_is_not_an_object_is_422(client, auth):
    response = client.post(URL, json=[payload()], headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"


def test_get_on_the_events_collection_is_a_json_405(client, auth):
    response = client.get(URL, headers=auth)
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def _post(port: int, body: bytes, token: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            URL,
            body=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_concurrent_duplicate_posts_create_one_event_and_all_get_the_same_body(
    app, db, api_token, policies
):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    body = json.dumps(payload("ev-race")).encode()
    start = threading.Barrier(10)
    results: list[tuple[int, dict]] = []

    def post() -> None:
        start.wait(timeout=30)
        results.append(_post(server.port, body, api_token))

    try:
        threads = [threading.Thread(target=post) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.shutdown()
        serving.join(timeout=10)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 9 + [201], results
    assert len({json.dumps(body, sort_keys=True) for _, body in results}) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceEvent)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1
