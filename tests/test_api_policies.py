"""Policies over the API: create, read, replace, delete, with the admin form's validation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from outreach.models import Policy

URL = "/api/v1/policies"


def policy(**overrides) -> dict:
    data = {
        "name": "Evening text",
        "event_type": "install",
        "channel": "sms",
        "delay": "PT20H",
        "window": {"start": "17:00", "end": "20:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
        "template": "Hi {{ customer.name }}, how did the {{ event.type }} go?",
        "expire_after": "P2D",
    }
    data.update(overrides)
    return data


def stored(db) -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(Policy.id, Policy.name, Policy.delay, Policy.window_start, Policy.is_deleted)
    ).all()


def test_a_policy_is_created_read_and_listed(client, auth):
    created = client.post(URL, json=policy(), headers=auth)
    assert created.status_code == 201
    body = created.json
    assert created.headers["Location"].endswith(f"{URL}/{body['id']}")
    assert body["window"] == policy()["window"]
    assert body["delay"] == "PT20H"
    assert body["active"] is True
    assert body["created_at"].endswith("Z")

    assert client.get(f"{URL}/{body['id']}", headers=auth).json == body
    assert client.get(URL, headers=auth).json == {"policies": [body]}


def test_the_list_filters_by_event_type(client, auth):
    client.post(URL, json=policy(), headers=auth)
    repair = client.post(URL, json=policy(event_type="repair"), headers=auth).json
    response = client.get(URL, query_string={"event_type": "repair"}, headers=auth)
    assert response.json == {"policies": [repair]}


def test_put_replaces_the_policy_and_a_get_answer_can_be_put_back(client, auth, db):
    body = client.post(URL, json=policy(), headers=auth).json
    changed = {**body, "name": "Next-day text", "delay": "P1D", "window": None}

    response = client.put(f"{URL}/{body['id']}", json=changed, headers=auth)

    assert response.status_code == 200
    assert response.json["name"] == "Next-day text"
    assert response.json["delay"] == "P1D"
    assert response.json["window"] is None
    assert stored(db) == [(body["id"], "Next-day text", "P1D", None, False)]


def test_delete_hides_the_policy(client, auth):
    body = client.post(URL, json=policy(), headers=auth).json
    response = client.delete(f"{URL}/{body['id']}", headers=auth)
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"{URL}/{body['id']}", headers=auth).status_code == 404
    assert client.get(URL, headers=auth).json == {"policies": []}


def test_deleting_a_policy_another_falls_back_to_is_409(client, auth, db):
    sms = client.post(URL, json=policy(), headers=auth).json
    client.post(
        URL,
        json=policy(
            name="Rep call",
            channel="rep_call",
            delay="PT1H",
            window=None,
            deadline="PT4H",
            fallback_policy_id=sms["id"],
        ),
        headers=auth,
    )
    before = stored(db)
    response = client.delete(f"{URL}/{sms['id']}", headers=auth)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"
    assert stored(db) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"delay": "20 hours"}, "delay", id="bad-duration"),
        pytest.param({"delay": "P1M"}, "delay", id="months"),
        pytest.param({"expire_after": "PT1H"}, "expire_after", id="expiry-before-delay"),
        pytest.param({"window": {"start": "25:00", "end": "20:00"}}, "window.start", id="hour-25"),
        pytest.param({"window": {"start": "18:00", "end": "09:00"}}, "window.end", id="backwards"),
        pytest.param(
            {"window": {"start": "09:00", "end": "17:00", "days": ["funday"]}},
            "window.days",
            id="bad-day",
        ),
        pytest.param({"template": "Hi {{ customer.name"}, "template", id="template-syntax"),
        pytest.param({"channel": "fax"}, "channel", id="bad-channel"),
        pytest.param({"name": ""}, "name", id="empty-name"),
        pytest.param({"colour": "blue"}, "colour", id="unknown-field"),
    ],
)
def test_an_invalid_policy_is_422_naming_the_field_and_changes_nothing(
    client, auth, db, overrides, field
):
    existing = client.post(URL, json=policy(), headers=auth).json
    before = stored(db)

    created = client.post(URL, json=policy(**overrides), headers=auth)
    replaced = client.put(f"{URL}/{existing['id']}", json=policy(**overrides), headers=auth)

    for response in (created, replaced):
        assert response.status_code == 422
        assert response.json["error"]["code"] == "invalid"
        assert response.json["error"]["field"] == field
    assert stored(db) == before


def test_a_policy_body_must_be_a_json_object(client, auth, db):
    assert client.post(URL, data="name=x", headers=auth).status_code == 415
    assert client.post(URL, json=["x"], headers=auth).status_code == 422
    assert stored(db) == []


def test_an_unknown_policy_is_404(client, auth):
    for method in (client.get, client.put, client.delete):
        response = method(f"{URL}/404", json=policy(), headers=auth)
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"


def test_an_unknown_list_parameter_is_422(client, auth):
    response = client.get(URL, query_string={"type": "install"}, headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["field"] == "type"
