"""One service event in (the API and the CSV import share it): validate, upsert, store, plan.

Validation is strict: unknown fields are rejected with a 422 naming them, so a misspelt
optional field is never silently dropped. Optional fields given as null or "" count as unset.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from outreach.errors import ValidationError
from outreach.extensions import db
from outreach.models import CheckIn, Customer, ServiceEvent, User
from outreach.models.base import YEARS_RULE, in_years
from outreach.phones import PhoneError, normalize_phone
from outreach.scheduling.planning import plan_event
from outreach.scheduling.timing import is_zone

log = logging.getLogger(__name__)

MAX_FUTURE = timedelta(days=1)  #: an event may not claim to happen later than this ahead
EVENT_FIELDS = ("external_id", "type", "occurred_at", "customer", "rep", "summary")
CUSTOMER_FIELDS = ("external_id", "name", "phone", "timezone", "email")
REP_FIELDS = ("email", "name")
SOURCES = ("api", "csv", "demo")
MAX_SUMMARY = 4000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class EventData:
    """A validated event payload: plain values, ready to store."""

    external_id: str
    type: str
    occurred_at: datetime
    summary: str | None
    customer: dict[str, Any]  #: Customer column values; optional ones only when given
    rep: dict[str, str] | None  #: {"email", "name"} or None


@dataclass
class IngestResult:
    """The stored event, its check-ins, and whether this call created it."""

    event: ServiceEvent
    checkins: list[CheckIn]
    created: bool


def parse_timestamp(value: Any, field: str) -> datetime:
    """An ISO-8601 timestamp with a UTC offset, in YEARS, as an aware UTC datetime, else
    ValidationError."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("must be an ISO-8601 timestamp with a UTC offset", field=field)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"not an ISO-8601 timestamp: {value[:40]!r}", field=field) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValidationError(
            "must include a UTC offset (e.g. 2024-05-01T17:30:00-05:00 or ...Z)", field=field
        )
    if not in_years(parsed):
        raise ValidationError(f"must be {YEARS_RULE}", field=field)
    return parsed.astimezone(UTC)


def _check_fields(obj: dict, allowed: tuple[str, ...], prefix: str) -> None:
    for key in obj:
        if key not in allowed:
            raise ValidationError(
                f"unknown field (allowed: {', '.join(allowed)})", field=f"{prefix}{key}"
            )


def _object(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise ValidationError("must be a JSON object", field=field)
    return value


def _text(obj: dict, key: str, prefix: str, max_len: int, required: bool = True) -> str | None:
    field = f"{prefix}{key}"
    value = obj.get(key)
    if value is None or (not required and value == ""):
        if required:
            raise ValidationError("is required", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError("must be a string", field=field)
    value = value.strip()
    if not value:
        raise ValidationError("must not be empty", field=field)
    if "\x00" in value:
        raise ValidationError("must not contain NUL bytes (\\u0000)", field=field)
    if len(value) > max_len:
        raise ValidationError(f"must be at most {max_len} characters", field=field)
    return value


def _email(obj: dict, key: str, prefix: str, required: bool) -> str | None:
    value = _text(obj, key, prefix, 254, required=required)
    if value is not None and not _EMAIL.match(value):
        raise ValidationError("not an e-mail address", field=f"{prefix}{key}")
    return value


def _customer(value: Any) -> dict[str, Any]:
    obj = _object(value, "customer")
    _check_fields(obj, CUSTOMER_FIELDS, "customer.")
    data: dict[str, Any] = {
        "external_id": _text(obj, "external_id", "customer.", 200),
        "name": _text(obj, "name", "customer.", 200),
    }
    phone = _text(obj, "phone", "customer.", 40)
    try:
        data["phone"] = normalize_phone(phone)
    except PhoneError as exc:
        raise ValidationError(str(exc), field="customer.phone") from None
    if "timezone" in obj:
        zone = _text(obj, "timezone", "customer.", 64, required=False)
        if zone is not None and not is_zone(zone):
            raise ValidationError(
                "not an IANA time zone (e.g. America/Chicago)", field="customer.timezone"
            )
        data["timezone"] = zone
    if "email" in obj:
        data["email"] = _email(obj, "email", "customer.", required=False)
    return data


def _rep(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    obj = _object(value, "rep")
    _check_fields(obj, REP_FIELDS, "rep.")
    email = _email(obj, "email", "rep.", required=True)
    return {"email": email.lower(), "name": _text(obj, "name", "rep.", 200, required=False) or ""}


def validate_event(payload: Any, now: datetime) -> EventData:
    """Check an event payload against the Event JSON of SPEC.md; raise ValidationError(field=…)."""
    obj = _object(payload, None)
    _check_fields(obj, EVENT_FIELDS, "")
    external_id = _text(obj, "external_id", "", 200)
    event_type = _text(obj, "type", "", 64)
    occurred_at = parse_timestamp(obj.get("occurred_at"), "occurred_at")
    if occurred_at > now + MAX_FUTURE:
        raise ValidationError("must not be more than a day in the future", field="occurred_at")
    return EventData(
        external_id=external_id,
        type=event_type,
        occurred_at=occurred_at,
        summary=_text(obj, "summary", "", MAX_SUMMARY, required=False),
        customer=_customer(obj.get("customer")),
        rep=_rep(obj.get("rep")),
    )


def _event_by_external_id(external_id: str) -> ServiceEvent | None:
    return db.session.scalar(sa.select(ServiceEvent).where(ServiceEvent.external_id == external_id))


def _insert_or_load(model: type, key: sa.ColumnElement[bool], values: dict[str, Any]):
    row = db.session.scalar(sa.select(model).where(key))
    if row is not None:
        return row, False
    try:
        with db.session.begin_nested():
            row = model(**values)
            db.session.add(row)
        return row, True
    except IntegrityError:
        row = db.session.scalar(sa.select(model).where(key))
        if row is None:
            raise
        return row, False


def _upsert_rep(rep: dict[str, str] | None) -> User | None:
    if rep is None:
        return None
    user, created = _insert_or_load(User, User.email == rep["email"], {**rep, "role": "rep"})
    if created:
        log.info("created rep user %s from an event", user.id)
    return user


def _upsert_customer(values: dict[str, Any]) -> Customer:
    customer, created = _insert_or_load(
        Customer, Customer.external_id == values["external_id"], values
    )
    if not created:
        for key, value in values.items():
            setattr(customer, key, value)
    return customer


def _begin_write() -> None:
    """On SQLite take the write lock first (BEGIN IMMEDIATE): a deferred transaction that reads
    and then writes fails at once with "database is locked" when another writer got in between."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _original(event: ServiceEvent) -> IngestResult:
    checkins = list(
        db.session.scalars(
            sa.select(CheckIn).where(CheckIn.event_id == event.id).order_by(CheckIn.id)
        )
    )
    db.session.commit()
    return IngestResult(event=event, checkins=checkins, created=False)


def ingest_event(payload: Any, source: str, now: datetime) -> IngestResult:
    """Validate and store one event, upsert its customer and rep, plan check-ins; commits.

    Idempotent on external_id: a second call (even a concurrent one) returns the stored event
    and its check-ins with created=False and changes nothing.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    data = validate_event(payload, now)
    existing = _event_by_external_id(data.external_id)
    if existing is not None:
        return _original(existing)
    _begin_write()
    try:
        with db.session.begin_nested():
            event = ServiceEvent(
                external_id=data.external_id,
                type=data.type,
                occurred_at=data.occurred_at,
                summary=data.summary,
                source=source,
                customer=_upsert_customer(data.customer),
                rep=_upsert_rep(data.rep),
            )
            db.session.add(event)
            db.session.flush()
            checkins = plan_event(event, now)
    except IntegrityError:
        db.session.rollback()
        existing = _event_by_external_id(data.external_id)
        if existing is None:
            raise
        log.info("event %s posted again concurrently; returning the original", existing.id)
        return _original(existing)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    log.info("stored event %s (%s) with %d check-ins", event.id, source, len(checkins))
    return IngestResult(event=event, checkins=checkins, created=True)
