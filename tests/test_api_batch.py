"""POST /api/v1/events/batch: per-event results in order, limits, auth, idempotency."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from outreach.models import CheckIn, Customer, ServiceEvent, utcnow
from outreach.scheduling.policies import create_policy

URL = "/api/v1/events/batch"


def event(n: int, customer: int | None = None, **overrides) -> dict:
    """A valid event that happened n minutes ago; keyword arguments replace top-level fields."""
    customer = n if customer is None else customer
    data = {
        "external_id": f"ev-{n}",
        "type": "install",
        "occurred_at": (utcnow() - timedelta(minutes=n + 1)).isoformat(),
        "customer": {
            "external_id": f"cu-{customer}",
            "name": f"Customer {customer}",
            "phone": f"+1202555{customer % 10000:04d}",
        },
        "rep": {"email": f"rep{n % 5}@example.com"},
    }
    data.update(overrides)
    return data


def _policy() -> None:
    create_policy(
        {
            "name": "Text",
            "event_type": "install",
            "channel": "sms",
            "delay": "PT2H",
            "template": "Hi {{ customer.name }}",
        }
    )


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_each_event_is_answered_in_order_created_duplicate_or_error(client, auth, db):
    _policy()
    first = client.post("/api/v1/events", json=event(1), headers=auth)
    assert first.status_code == 201
    bad_phone = event(3)
    bad_phone["customer"]["phone"] = "12"
    body = {"events": [event(2), event(1), bad_phone, event(4, customer=2), event(2), {"x": 1}]}

    response = client.post(URL, json=body, headers=auth)

    assert response.status_code == 200
    results = response.json["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4, 5]
    assert [r["status"] for r in results] == [
        "created",
        "duplicate",
        "error",
        "created",
        "duplicate",
        "error",
    ]
    assert (response.json["created"], response.json["duplicate"], response.json["error"]) == (
        2,
        2,
        2,
    )
    assert results[1]["event"] == first.json["event"]
    assert results[1]["checkins"] == first.json["checkins"]
    assert results[4]["event"]["id"] == results[0]["event"]["id"]
    assert results[0]["event"]["customer"]["external_id"] == "cu-2"
    assert results[0]["checkins"][0]["status"] == "scheduled"
    single = client.post("/api/v1/events", json=bad_phone, headers=auth).json
    assert results[2]["error"] == single["error"]
    assert results[2]["error"]["field"] == "customer.phone"
    assert results[5]["error"]["field"] == "x" and results[5]["error"]["code"] == "invalid"
    assert "error" not in results[0] and "event" not in results[2]
    assert _count(db, ServiceEvent) == 3
    assert _count(db, Customer) == 2
    assert _count(db, CheckIn) == 3


def test_posting_the_same_batch_again_changes_nothing(client, auth, db):
    _policy()
    body = {"events": [event(n, customer=n % 3) for n in range(1, 21)]}
    first = client.post(URL, json=body, headers=auth).json
    assert first["created"] == 20
    counts = [_count(db, m) for m in (ServiceEvent, Customer, CheckIn)]

    again = client.post(URL, json=body, headers=auth).json

    assert (again["created"], again["duplicate"], again["error"]) == (0, 20, 0)
    assert [r["event"]["id"] for r in again["results"]] == [
        r["event"]["id"] for r in first["results"]
    ]
    assert [_count(db, m) for m in (ServiceEvent, Customer, CheckIn)] == counts == [20, 3, 20]


def test_a_thousand_events_are_taken_and_a_thousand_and_one_refused(client, auth, db):
    body = {"events": [event(n, customer=n % 50) for n in range(1, 1002)]}
    refused = client.post(URL, json=body, headers=auth)
    assert refused.status_code == 422
    assert refused.json["error"] == {
        "code": "invalid",
        "message": "must have at most 1,000 items, not 1,001",
        "field": "events",
    }
    assert _count(db, ServiceEvent) == 0

    body["events"].pop()
    assert len(json.dumps(body)) > 64 * 1024  # more than any other body may be
    taken = client.post(URL, json=body, headers=auth)
    assert taken.status_code == 200, taken.json
    assert taken.json["created"] == 1000
    assert _count(db, ServiceEvent) == 1000
    assert _count(db, Customer) == 50


def test_a_batch_that_is_not_a_list_of_events_is_refused_whole(client, auth, db):
    for body, field, message in (
        ({"events": []}, "events", "must not be empty"),
        ({"events": {}}, "events", "must be a list"),
        ({}, "events", "is required"),
        ({"events": [event(1)], "more": 1}, "more", "unknown field (allowed: events)"),
    ):
        response = client.post(URL, json=body, headers=auth)
        assert response.status_code == 422, body
        assert response.json["error"] == {"code": "invalid", "message": message, "field": field}
    too_big = json.dumps({"events": [event(1, summary="x" * 4000)] * 1100})
    response = client.post(URL, data=too_big, content_type="application/json", headers=auth)
    assert response.status_code == 413
    assert _count(db, ServiceEvent) == 0


def test_a_batch_needs_a_token(client, db):
    body = {"events": [event(1)]}
    assert client.post(URL, json=body).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.post(URL, json=body, headers=wrong).status_code == 401
    assert _count(db, ServiceEvent) == 0
