"""The ingestion service: validation, customer and rep upserts, idempotency, planning."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from outreach.errors import ValidationError
from outreach.events import ingest
from outreach.events.ingest import ingest_event, validate_event
from outreach.models import CheckIn, CheckInTransition, Customer, ServiceEvent, User
from outreach.scheduling.policies import create_policy
from outreach.schemas.validation import parse_timestamp

NOW = datetime(2024, 5, 1, 15, 0, tzinfo=UTC)


def payload(**overrides) -> dict:
    """A valid event; keyword arguments replace top-level fields."""
    data = {
        "external_id": "ev-1",
        "type": "install",
        "occurred_at": "2024-05-01T09:30:00-05:00",
        "customer": {
            "external_id": "cu-1",
            "name": "Ada Lovelace",
            "phone": "(202) 555-0123",
            "timezone": "America/New_York",
            "email": "ada@example.com",
        },
        "rep": {"email": "Rep.One@Example.com", "name": "Rep One"},
        "summary": "Water heater installed",
    }
    data.update(overrides)
    return data


def with_customer(**fields) -> dict:
    """A valid event whose customer has some fields replaced (None removes a field)."""
    data = payload()
    for key, value in fields.items():
        if value is None:
            data["customer"].pop(key)
        else:
            data["customer"][key] = value
    return data


@pytest.fixture
def sms_policy(app):
    return create_policy(
        {
            "name": "Evening text",
            "event_type": "install",
            "channel": "sms",
            "delay": "PT2H",
            "template": "Hi {{ customer.name }}, how did it go?",
        }
    )


def counts(db) -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (ServiceEvent, Customer, User, CheckIn, CheckInTransition)
    }


def test_an_event_is_stored_with_its_customer_rep_and_planned_checkins(db, sms_policy):
    result = ingest_event(payload(), source="api", now=NOW)

    assert result.created is True
    event = result.event
    assert (event.external_id, event.type, event.source) == ("ev-1", "install", "api")
    assert event.occurred_at == datetime(2024, 5, 1, 14, 30, tzinfo=UTC)
    assert event.customer.phone == "+12025550123"
    assert event.customer.timezone == "America/New_York"
    assert event.rep.email == "rep.one@example.com"
    assert event.rep.role == "rep"
    assert [c.policy_id for c in result.checkins] == [sms_policy.id]
    assert result.checkins[0].event_id == event.id
    assert counts(db)["checkins"] == 1


def test_the_same_external_id_again_returns_the_original_and_changes_nothing(db, sms_policy):
    first = ingest_event(payload(), source="api", now=NOW)
    before = counts(db)

    changed = payload(type="repair", customer={**payload()["customer"], "name": "Someone Else"})
    again = ingest_event(changed, source="csv", now=NOW + timedelta(hours=1))

    assert again.created is False
    assert again.event.id == first.event.id
    assert [c.id for c in again.checkins] == [c.id for c in first.checkins]
    assert counts(db) == before
    assert db.session.get(Customer, first.event.customer_id).name == "Ada Lovelace"
    assert db.session.get(ServiceEvent, first.event.id).type == "install"


def test_a_duplicate_that_slips_past_the_first_check_is_caught_by_the_unique_constraint(
    db, sms_policy, monkeypatch
):
    first = ingest_event(payload(), source="api", now=NOW)
    before = counts(db)
    lookups = []
    real_lookup = ingest._by

    def racing_lookup(model, column, keys):
        if model is not ServiceEvent:
            return real_lookup(model, column, keys)
        lookups.append(keys)
        return {} if len(lookups) == 1 else real_lookup(model, column, keys)

    monkeypatch.setattr(ingest, "_by", racing_lookup)
    again = ingest_event(payload(summary="changed"), source="api", now=NOW)

    assert len(lookups) == 2  # the fast check missed it; the constraint caught it
    assert again.created is False
    assert again.event.id == first.event.id
    assert again.event.summary == "Water heater installed"
    assert counts(db) == before


def test_customers_are_upserted_by_external_id(db, sms_policy):
    ingest_event(payload(), source="api", now=NOW)
    second = with_customer(
        name="Ada King", phone="+1 617 555 1234", timezone="America/Chicago", email="ak@example.com"
    )
    second["external_id"] = "ev-2"
    result = ingest_event(second, source="api", now=NOW)

    customers = db.session.scalars(sa.select(Customer)).all()
    assert len(customers) == 1
    customer = customers[0]
    assert result.event.customer_id == customer.id
    assert (customer.name, customer.phone, customer.timezone, customer.email) == (
        "Ada King",
        "+16175551234",
        "America/Chicago",
        "ak@example.com",
    )


def test_an_omitted_timezone_or_email_keeps_the_stored_one(db, sms_policy):
    ingest_event(payload(), source="api", now=NOW)
    second = with_customer(timezone=None, email=None)
    second["external_id"] = "ev-2"
    ingest_event(second, source="api", now=NOW)

    customer = db.session.scalar(sa.select(Customer))
    assert (customer.timezone, customer.email) == ("America/New_York", "ada@example.com")


def test_an_existing_user_is_the_rep_without_changing_their_role(db, sms_policy):
    manager = User(email="rep.one@example.com", role="manager", name="Boss")
    db.session.add(manager)
    db.session.commit()

    result = ingest_event(payload(), source="api", now=NOW)

    assert result.event.rep_id == manager.id
    assert db.session.get(User, manager.id).role == "manager"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_the_rep_is_optional(db, sms_policy):
    data = payload()
    del data["rep"]
    result = ingest_event(data, source="api", now=NOW)
    assert result.event.rep_id is None


def test_optional_fields_given_as_null_or_empty_count_as_unset(db, sms_policy):
    data = payload(summary="", rep=None)
    data["customer"].update(timezone="", email=None)
    result = ingest_event(data, source="csv", now=NOW)

    assert result.event.summary is None
    assert result.event.rep_id is None
    assert result.event.customer.timezone is None
    assert result.event.customer.email is None


def test_an_event_with_no_matching_policy_is_stored_without_checkins(db, sms_policy):
    result = ingest_event(payload(type="delivery"), source="api", now=NOW)
    assert result.created is True
    assert result.checkins == []


BAD_PAYLOADS = [
    pytest.param(with_customer(phone="12"), "customer.phone", id="invalid-phone"),
    pytest.param(with_customer(phone="+18005550199"), "customer.phone", id="toll-free-phone"),
    pytest.param(with_customer(phone="+442079460000"), "customer.phone", id="uk-landline"),
    pytest.param(with_customer(phone=None), "customer.phone", id="missing-phone"),
    pytest.param(with_customer(timezone="Mars/Olympus_Mons"), "customer.timezone", id="bad-zone"),
    pytest.param(with_customer(timezone="../../etc/passwd"), "customer.timezone", id="zone-path"),
    pytest.param(with_customer(name=""), "customer.name", id="empty-name"),
    pytest.param(with_customer(external_id=7), "customer.external_id", id="numeric-customer-id"),
    pytest.param(with_customer(email="not-an-address"), "customer.email", id="bad-email"),
    pytest.param(with_customer(nickname="Ada"), "customer.nickname", id="unknown-customer-field"),
    pytest.param(payload(occurred_at="2024-05-01T09:30:00"), "occurred_at", id="no-offset"),
    pytest.param(payload(occurred_at="2024-05-01"), "occurred_at", id="date-only"),
    pytest.param(payload(occurred_at="yesterday"), "occurred_at", id="not-a-time"),
    pytest.param(payload(occurred_at="2024-05-03T15:00:00Z"), "occurred_at", id="two-days-ahead"),
    pytest.param(payload(occurred_at="0001-01-01T00:00:00+05:00"), "occurred_at", id="overflow"),
    pytest.param(payload(occurred_at=None), "occurred_at", id="missing-time"),
    pytest.param(payload(external_id=""), "external_id", id="empty-external-id"),
    pytest.param(payload(external_id="x" * 201), "external_id", id="long-external-id"),
    pytest.param(payload(type=["install"]), "type", id="list-type"),
    pytest.param(payload(customer="cu-1"), "customer", id="customer-not-object"),
    pytest.param(payload(customer=None), "customer", id="missing-customer"),
    pytest.param(payload(rep={"name": "No Email"}), "rep.email", id="rep-without-email"),
    pytest.param(payload(rep={"email": "x@y.z", "phone": "1"}), "rep.phone", id="unknown-rep"),
    pytest.param(payload(nickname="x"), "nickname", id="unknown-top-level-field"),
    pytest.param(payload(summary={"text": "x"}), "summary", id="summary-not-string"),
]


@pytest.mark.parametrize(("data", "field"), BAD_PAYLOADS)
def test_bad_input_is_refused_naming_the_field(data, field):
    with pytest.raises(ValidationError) as info:
        validate_event(copy.deepcopy(data), NOW)
    assert info.value.field == field
    assert info.value.status == 422
    assert info.value.message


def test_bad_input_stores_nothing_and_leaves_earlier_rows_intact(db, sms_policy):
    ingest_event(payload(external_id="ev-0"), source="api", now=NOW)
    before = counts(db)
    for case in BAD_PAYLOADS:
        data, field = case.values
        with pytest.raises(ValidationError) as info:
            ingest_event(copy.deepcopy(data), source="api", now=NOW)
        assert info.value.field == field, case.id
        assert counts(db) == before, case.id
    db.session.expire_all()
    customer = db.session.scalar(sa.select(Customer))
    assert (customer.name, customer.phone) == ("Ada Lovelace", "+12025550123")
    assert db.session.scalar(sa.select(ServiceEvent)).external_id == "ev-0"


def test_a_body_that_is_not_an_object_is_refused():
    with pytest.raises(ValidationError):
        validate_event(["ev-1"], NOW)


def test_occurred_at_up_to_a_day_ahead_is_accepted():
    almost = (NOW + timedelta(hours=23, minutes=59)).isoformat()
    assert validate_event(payload(occurred_at=almost), NOW).occurred_at > NOW
    with pytest.raises(ValidationError):
        validate_event(payload(occurred_at=(NOW + timedelta(days=1, seconds=1)).isoformat()), NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T17:30:00Z", datetime(2024, 5, 1, 17, 30, tzinfo=UTC)),
        ("2024-05-01T17:30:00-05:00", datetime(2024, 5, 1, 22, 30, tzinfo=UTC)),
        (" 2024-05-01T17:30:00.250+02:00 ", datetime(2024, 5, 1, 15, 30, 0, 250000, tzinfo=UTC)),
    ],
)
def test_timestamps_with_an_offset_are_read_as_utc(text, expected):
    assert parse_timestamp(text) == expected


def test_an_unknown_source_is_a_programming_error(db):
    with pytest.raises(ValueError, match="source"):
        ingest_event(payload(), source="fax", now=NOW)
