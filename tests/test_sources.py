"""Inbound event sources: /hooks/<slug> signed per source, mapped by its field mapping and
ingested like an API event; the shipped mappings against recorded sample payloads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from outreach.errors import ValidationError
from outreach.events.mapping import apply_mapping, check_mapping, parse_mapping
from outreach.events.presets import PRESETS
from outreach.events.sources import SourceInput, create_source, reveal_secret
from outreach.models import CheckIn, Customer, EventSource, ServiceEvent, User, utcnow
from outreach.scheduling.policies import create_policy

DATA = Path(__file__).parent / "data" / "sources"
SECRET = "s3cret-shared-with-the-tool-0123456789"
SAMPLES = {
    "zendesk": "zendesk_ticket_solved.json",
    "hubspot": "hubspot_deal_closed.json",
    "jobber": "jobber_job_completed.json",
}


def sample(key: str) -> dict:
    return json.loads((DATA / SAMPLES[key]).read_text())


def make_source(key: str, slug: str | None = None, **overrides) -> EventSource:
    preset = PRESETS[key]
    values = {
        "name": preset.label,
        "slug": slug or key,
        "signature_header": preset.signature_header,
        "signature_encoding": preset.signature_encoding,
        "timestamp_header": preset.timestamp_header,
        "tolerance_seconds": 300,
        "mapping": json.dumps(preset.mapping),
        "secret": SECRET,
        **overrides,
    }
    source, _ = create_source(SourceInput(**values))
    return source


def sign(source: EventSource, body: bytes, stamp: str = "", secret: str = SECRET) -> dict:
    digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    value = (
        base64.b64encode(digest).decode() if source.signature_encoding == "base64" else digest.hex()
    )
    headers = {source.signature_header: value, "Content-Type": "application/json"}
    if source.timestamp_header:
        headers[source.timestamp_header] = stamp
    return headers


def post(client, source: EventSource, payload, *, stamp: str | None = None, **kwargs):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if stamp is None and source.timestamp_header:
        stamp = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = kwargs.pop("headers", None) or sign(source, body, stamp or "")
    return client.post(f"/hooks/{source.slug}", data=body, headers=headers)


def fresh(key: str) -> dict:
    """The sample with its times moved to an hour ago, so planning has something to plan."""
    data = sample(key)
    hour_ago = utcnow() - timedelta(hours=1)
    iso = hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ")
    if key == "zendesk":
        data["ticket"]["solved_at"] = data["ticket"]["updated_at"] = iso
    elif key == "hubspot":
        data["properties"]["closedate"]["value"] = str(int(hour_ago.timestamp() * 1000))
    else:
        data["data"]["job"]["completedAt"] = data["occurredAt"] = iso
    return data


@pytest.fixture
def policies(app):
    for event_type in ("ticket_solved", "deal_closed", "job_completed"):
        create_policy(
            {
                "name": f"Text after {event_type}",
                "event_type": event_type,
                "channel": "sms",
                "delay": "PT2H",
                "template": "Hi {{ customer.name }}, how did it go?",
            }
        )


def count(model) -> int:
    from outreach.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# -- the shipped mappings ------------------------------------------------------------------


EXPECTED = {
    "zendesk": {
        "external_id": "35436",
        "type": "ticket_solved",
        "occurred_at": "2024-05-02T14:03:10Z",
        "summary": "Water heater leaking at the base",
        "customer": {
            "external_id": "4918720551",
            "name": "Grace Hopper",
            "phone": "+1 (202) 555-0143",
            "email": "grace.hopper@example.com",
            "timezone": "America/New_York",
        },
        "rep": {"email": "sam.rivera@acme-plumbing.example", "name": "Sam Rivera"},
    },
    "hubspot": {
        "external_id": "18094311234",
        "type": "deal_closed",
        "occurred_at": "2024-05-02T14:03:11.000Z",
        "summary": "Kitchen remodel - Lovelace",
        "customer": {
            "external_id": "751",
            "name": "Ada Lovelace",
            "phone": "(202) 555-0170",
            "email": "ada@example.com",
        },
        "rep": {"email": "jo.baker@acme-remodel.example"},
    },
    "jobber": {
        "external_id": "Z2lkOi8vSm9iYmVyL0pvYi85ODc2NTQz",
        "type": "job_completed",
        "occurred_at": "2024-05-02T16:44:51-07:00",
        "summary": "1842 - Furnace tune-up",
        "customer": {
            "external_id": "Z2lkOi8vSm9iYmVyL0NsaWVudC81NTUxMg==",
            "name": "Katherine Johnson",
            "phone": "206-555-0188",
            "email": "kjohnson@example.com",
            "timezone": "America/Los_Angeles",
        },
        "rep": {"email": "lee.park@northwind-hvac.example", "name": "Lee Park"},
    },
}


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_each_shipped_mapping_turns_its_sample_payload_into_the_event(key):
    mapped = apply_mapping(check_mapping(PRESETS[key].mapping), sample(key))

    assert mapped.errors == {}
    assert mapped.event == EXPECTED[key]


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_each_shipped_source_stores_the_event_and_plans_a_checkin(app, db, policies, key):
    source = make_source(key)

    response = post(app.test_client(), source, fresh(key))

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    event = db.session.get(ServiceEvent, body["event_id"])
    assert event.external_id == f"{key}:{EXPECTED[key]['external_id']}"
    assert (event.type, event.source) == (EXPECTED[key]["type"], "webhook")
    assert event.customer.name == EXPECTED[key]["customer"]["name"]
    assert event.customer.phone.startswith("+1")
    assert event.rep.email == EXPECTED[key]["rep"]["email"]
    checkins = db.session.scalars(sa.select(CheckIn).where(CheckIn.event_id == event.id)).all()
    assert [c.id for c in checkins] == body["checkins"]
    assert len(checkins) == 1 and checkins[0].status == "scheduled"
    assert checkins[0].due_at > utcnow()
    db.session.refresh(source)
    assert source.received_count == 1 and source.last_received_at is not None


def test_a_retried_webhook_creates_nothing_new(app, db, policies):
    source = make_source("jobber")
    client = app.test_client()
    payload = fresh("jobber")

    first = post(client, source, payload)
    again = post(client, source, payload)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["event_id"] == first.get_json()["event_id"]
    assert again.get_json()["created"] is False
    assert again.get_json()["checkins"] == first.get_json()["checkins"]
    assert (count(ServiceEvent), count(CheckIn), count(Customer)) == (1, 1, 1)
    db.session.refresh(source)
    assert source.received_count == 1


def test_two_sources_with_the_same_id_are_two_events(app, db, policies):
    jobber = make_source("jobber")
    other = make_source("jobber", slug="servicetitan")
    client = app.test_client()
    payload = fresh("jobber")

    assert post(client, jobber, payload).status_code == 201
    assert post(client, other, payload).status_code == 201
    assert count(ServiceEvent) == 2


def test_a_payload_the_mapping_does_not_select_is_ignored(app, db, policies):
    source = make_source("zendesk")
    payload = fresh("zendesk")
    payload["ticket"]["status"] = "open"

    response = post(app.test_client(), source, payload)

    assert response.status_code == 200
    assert "ticket.status" in response.get_json()["ignored"]
    assert count(ServiceEvent) == 0


# -- signatures ----------------------------------------------------------------------------


def test_a_good_hex_signature_is_accepted(app, db, policies):
    source = make_source("hubspot")
    assert post(app.test_client(), source, fresh("hubspot")).status_code == 201


def test_a_sha256_prefixed_signature_is_accepted(app, db, policies):
    source = make_source("hubspot")
    body = json.dumps(fresh("hubspot")).encode()
    headers = sign(source, body)
    headers[source.signature_header] = "sha256=" + headers[source.signature_header]
    assert post(app.test_client(), source, body, headers=headers).status_code == 201


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_a_missing_signature_is_refused_and_nothing_is_stored(app, db, policies, key):
    source = make_source(key)
    body = json.dumps(fresh(key)).encode()

    response = post(app.test_client(), source, body, headers={"Content-Type": "application/json"})

    assert response.status_code == 403
    assert source.signature_header in response.get_json()["error"]["message"]
    assert count(ServiceEvent) == 0


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_a_wrong_signature_is_refused(app, db, policies, key):
    source = make_source(key)
    body = json.dumps(fresh(key)).encode()
    stamp = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    forged = sign(source, body, stamp, secret="not-the-secret-at-all-0000")
    tampered = sign(source, body, stamp)
    client = app.test_client()

    assert post(client, source, body, headers=forged).status_code == 403
    assert post(client, source, body + b" ", headers=tampered).status_code == 403
    assert count(ServiceEvent) == 0


def test_a_replayed_zendesk_request_is_refused(app, db, policies):
    source = make_source("zendesk")
    body = json.dumps(fresh("zendesk")).encode()
    old = (utcnow() - timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
    client = app.test_client()

    replayed = post(client, source, body, headers=sign(source, body, old))
    swapped = sign(source, body, old)
    swapped[source.timestamp_header] = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    restamped = post(client, source, body, headers=swapped)

    assert replayed.status_code == 403
    assert "replayed" in replayed.get_json()["error"]["message"]
    assert restamped.status_code == 403  # a new time does not match the old signature
    assert count(ServiceEvent) == 0
    recent = (utcnow() - timedelta(minutes=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert post(client, source, body, headers=sign(source, body, recent)).status_code == 201


def test_a_turned_off_source_refuses_and_an_unknown_one_is_404(app, db, policies):
    source = make_source("jobber", is_active=False)
    client = app.test_client()

    assert post(client, source, fresh("jobber")).status_code == 403
    unsigned = client.post(f"/hooks/{source.slug}", data=b"{}")
    assert unsigned.status_code == 403
    assert source.name not in unsigned.get_json()["error"]["message"]
    unknown = client.post("/hooks/nope", data=b"{}", headers={"X-Signature": "00"})
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["code"] == "not_found"


# -- bad payloads and mappings -------------------------------------------------------------


def test_a_payload_missing_a_mapped_field_is_a_422_naming_it(app, db, policies):
    source = make_source("jobber")
    payload = fresh("jobber")
    del payload["data"]["job"]["client"]["phones"]
    payload["data"]["job"]["client"]["firstName"] = {"nested": True}

    response = post(app.test_client(), source, payload)

    assert response.status_code == 422
    body = response.get_json()
    assert body["errors"]["customer.phone"] == (
        "no value at data.job.client.phones.0.number or data.job.client.phone in the payload"
    )
    assert (
        body["errors"]["customer.name"]
        == "data.job.client.firstName is an object, not text or a number"
    )
    assert body["error"]["field"] in body["errors"]
    assert (count(ServiceEvent), count(Customer), count(User)) == (0, 0, 0)


def test_a_mapped_value_the_event_refuses_is_a_422_naming_the_field(app, db, policies):
    source = make_source("zendesk")
    payload = fresh("zendesk")
    payload["ticket"]["requester"]["phone"] = "not a phone"

    response = post(app.test_client(), source, payload)

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "customer.phone"
    assert list(response.get_json()["errors"]) == ["customer.phone"]
    assert (count(ServiceEvent), count(Customer), count(User)) == (0, 0, 0)


@pytest.mark.parametrize("body", [b"", b"{not json", b"\xff\xfe", b"[1, 2", b"[" * 60000])
def test_a_body_that_is_not_json_is_a_422_naming_the_body(app, db, body):
    source = make_source("hubspot")

    response = post(app.test_client(), source, body)

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "body"
    assert list(response.get_json()["errors"]) == ["body"]


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        ("[]", "mapping"),
        ('{"fields": []}', "mapping.fields"),
        ('{"fields": {"colour": "x"}}', "fields.colour"),
        ('{"fields": {"type": {"const": "x"}}}', "fields.external_id"),
        ('{"fields": {"external_id": {"eval": "1+1"}}}', "fields.external_id"),
        ('{"fields": {"external_id": {"path": "a..b"}}}', "fields.external_id"),
        ('{"fields": {"external_id": {"path": "a", "as": "python"}}}', "fields.external_id"),
        ('{"fields": {"external_id": {"first": []}}}', "fields.external_id"),
        ('{"fields": {}, "only_when": [{"path": "a", "matches": ".*"}]}', "only_when.0"),
        ("{'fields': 1}", "mapping"),
        ('{"fields": {"external_id": {"path": "a", "default": true}}}', "fields.external_id"),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_place(mapping, field):
    with pytest.raises(ValidationError) as caught:
        parse_mapping(mapping)
    assert caught.value.field == field


def test_paths_pointers_defaults_and_epoch_times(app):
    mapping = check_mapping(
        {
            "fields": {
                "external_id": "/a.b/0",
                "type": {"path": "missing", "default": "visit"},
                "occurred_at": {"path": "t", "as": "epoch_s"},
                "customer.external_id": "items.-1.id",
                "customer.name": {"path": "name", "as": "upper"},
                "customer.phone": {"first": ["none", {"const": 2025550123}]},
            }
        }
    )
    payload = {"a.b": ["x1"], "t": 1714658591, "items": [{"id": 1}, {"id": 2.0}], "name": "Jo"}

    assert apply_mapping(mapping, payload).event == {
        "external_id": "x1",
        "type": "visit",
        "occurred_at": "2024-05-02T14:03:11.000Z",
        "customer": {"external_id": "2", "name": "JO", "phone": "2025550123"},
    }


def test_the_secret_is_stored_encrypted_and_a_new_source_can_get_a_random_one(app, db):
    source = make_source("jobber")
    made_up_source, made_up = create_source(
        SourceInput(
            name="Other",
            slug="other",
            signature_header="X-Signature",
            signature_encoding="hex",
            timestamp_header="",
            tolerance_seconds=None,
            mapping=json.dumps(PRESETS["jobber"].mapping),
        )
    )

    assert SECRET not in source.secret_encrypted
    assert reveal_secret(source) == SECRET
    assert made_up and len(made_up) >= 32 and reveal_secret(made_up_source) == made_up


def test_unix_timestamps_are_read_in_seconds_or_milliseconds(app, db, policies):
    source = make_source("zendesk")
    body = json.dumps(fresh("zendesk")).encode()
    now = datetime.now(UTC)
    client = app.test_client()

    seconds = str(int(now.timestamp()))
    assert post(client, source, body, headers=sign(source, body, seconds)).status_code == 201
    millis = str(int(now.timestamp() * 1000))
    assert post(client, source, body, headers=sign(source, body, millis)).status_code == 200
    bad = sign(source, body, "yesterday")
    assert post(client, source, body, headers=bad).status_code == 403


def test_hostile_values_are_refused_with_the_field_never_a_500(app, db, policies):
    source = make_source("jobber")
    client = app.test_client()
    payload = fresh("jobber")
    payload["data"]["job"]["client"]["lastName"] = "Jo\u0000hnson"
    nul = post(client, source, payload)
    payload = fresh("jobber")
    payload["data"]["job"]["title"] = "x" * 5000
    long = post(client, source, payload)
    huge = post(client, source, b'{"a": "' + b"x" * 70000 + b'"}')

    assert (nul.status_code, nul.get_json()["error"]["field"]) == (422, "customer.name")
    assert (long.status_code, long.get_json()["error"]["field"]) == (422, "summary")
    assert huge.status_code == 413 and huge.is_json
    assert count(ServiceEvent) == 0


def test_a_hex_signature_in_upper_case_is_accepted(app, db, policies):
    source = make_source("hubspot")
    body = json.dumps(fresh("hubspot")).encode()
    headers = sign(source, body)
    headers[source.signature_header] = headers[source.signature_header].upper()

    assert post(app.test_client(), source, body, headers=headers).status_code == 201


def test_the_signature_is_checked_over_the_bytes_as_sent(app, db, policies):
    source = make_source("jobber")
    payload = fresh("jobber")
    payload["data"]["job"]["client"]["firstName"] = "Zoë"
    body = json.dumps(payload, ensure_ascii=False, indent=3).encode()
    reserialised = json.dumps(json.loads(body)).encode()
    client = app.test_client()

    refused = post(client, source, body, headers=sign(source, reserialised))
    accepted = post(client, source, body, headers=sign(source, body))

    assert (refused.status_code, accepted.status_code) == (403, 201)
    assert db.session.scalar(sa.select(Customer.name)) == "Zoë Johnson"


def test_the_zendesk_trigger_body_in_the_docs_maps_to_an_event(app, db, policies):
    docs = (Path(__file__).parents[1] / "docs" / "sources.md").read_text()
    template = docs.split('```json\n{"ticket": {')[1].split("```")[0]
    values = {
        "ticket.id": "35437",
        "ticket.title": 'Leak "under" the sink',
        "ticket.status": "Solved",
        "ticket.updated_at_with_timestamp": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ticket.requester.id": "4918720551",
        "ticket.requester.name": "Grace Hopper",
        "ticket.requester.email": "grace.hopper@example.com",
        "ticket.requester.phone": "+1 (202) 555-0143",
        "ticket.assignee.name": "",
        "ticket.assignee.email": "",
    }
    body = '{"ticket": {' + template
    for name, value in values.items():
        body = body.replace("{{" + name + "}}", json.dumps(value)[1:-1])
    assert "{{" not in body

    response = post(app.test_client(), make_source("zendesk"), body.encode())

    assert response.status_code == 201, response.get_json()
    event = db.session.get(ServiceEvent, response.get_json()["event_id"])
    assert (event.external_id, event.summary) == ("zendesk:35437", 'Leak "under" the sink')
    assert event.customer.phone == "+12025550143"


def test_refused_requests_are_logged_with_the_source_and_fields_never_the_values(
    app, db, policies, caplog
):
    source = make_source("zendesk")
    client = app.test_client()
    payload = fresh("zendesk")
    payload["ticket"]["requester"]["phone"] = "not a phone 555"
    body = json.dumps(payload).encode()
    stamp = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")

    with caplog.at_level(logging.INFO, logger="outreach.events.sources"):
        forged = post(client, source, body, headers=sign(source, body, stamp, secret="x" * 20))
        wrong = post(client, source, body, stamp=stamp)

    assert (forged.status_code, wrong.status_code) == (403, 422)
    lines = [r.getMessage() for r in caplog.records]
    assert f"event source {source.id}: refused: wrong signature in {source.signature_header}" in (
        lines
    )
    assert f"event source {source.id}: payload refused (customer.phone)" in lines
    assert not any("555" in line or "Grace" in line for line in lines)


def test_the_hubspot_body_in_the_docs_maps_to_an_event(app):
    from outreach.events.sources import preview

    docs = (Path(__file__).parents[1] / "docs" / "sources.md").read_text()
    body = '{"objectId"' + docs.split('```json\n{"objectId"')[1].split("```")[0]

    shown = preview(json.dumps(PRESETS["hubspot"].mapping), body, "hubspot", utcnow())

    assert shown.errors == {}
    assert shown.event["external_id"] == "hubspot:18094311234"
    assert shown.event["customer"]["phone"] == "+12025550170"
    assert shown.event["occurred_at"].startswith("2024-05-02T14:03:11")
