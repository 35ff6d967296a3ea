"""One service event in (the API and the CSV import share it): validate, upsert, store, plan.

Validation is EventIn's (the API's document is generated from it): unknown fields are rejected
with a 422 naming them, so a misspelt optional field is never silently dropped. Optional fields
given as null or "" count as unset.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from pydantic import AfterValidator, Field
from pydantic.json_schema import WithJsonSchema
from sqlalchemy.exc import IntegrityError

from outreach.company.phones import normalize_phone
from outreach.errors import ValidationError
from outreach.extensions import db
from outreach.models import CheckIn, Customer, ServiceEvent, User
from outreach.models.customers import EVENT_SOURCES
from outreach.scheduling.planning import plan_event
from outreach.scheduling.timing import is_zone
from outreach.schemas.validation import (
    TIMESTAMP_RULE,
    StrictModel,
    Timestamp,
    optional,
    text,
    validate,
)

log = logging.getLogger(__name__)

MAX_FUTURE = timedelta(days=1)  #: an event may not claim to happen later than this ahead
MAX_SUMMARY = 4000
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("not an e-mail address")
    return value


def _zone(value: str) -> str:
    if not is_zone(value):
        raise ValueError("not an IANA time zone (e.g. America/Chicago)")
    return value


Email = Annotated[
    text(254),
    AfterValidator(_email),
    WithJsonSchema(
        {"type": "string", "format": "email", "maxLength": 254, "pattern": EMAIL_PATTERN}
    ),
]
Phone = Annotated[
    text(40),
    AfterValidator(normalize_phone),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": 40,
            "description": "a mobile number; stored in E.164 (national US numbers are read as "
            "US). Invalid numbers and ones that cannot receive SMS (landline, toll-free) are a "
            "422 naming the field",
            "examples": ["+12025550123"],
        }
    ),
]
Zone = Annotated[
    text(64),
    AfterValidator(_zone),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(available_timezones()),
            "description": "an IANA time zone, e.g. America/Chicago",
        }
    ),
]


class CustomerIn(StrictModel):
    """Upserted by external_id: name and phone are replaced, timezone and email only when
    sent."""

    external_id: text(200)
    name: text(200)
    phone: Phone
    timezone: optional(Zone) = None
    email: optional(Email) = None


class RepIn(StrictModel):
    """A new e-mail creates a user with the rep role; an existing user is used as is."""

    email: Email
    name: optional(text(200)) = None


class EventIn(StrictModel):
    """A service event (Event JSON of SPEC.md)."""

    external_id: text(200) = Field(
        description="your id of the event; posting it again changes nothing"
    )
    type: text(64) = Field(description="matched against the policies' event_type")
    occurred_at: Timestamp = Field(description=f"{TIMESTAMP_RULE}; at most a day in the future")
    customer: CustomerIn
    rep: RepIn | None = None
    summary: optional(text(MAX_SUMMARY)) = None


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


def validate_event(payload: Any, now: datetime) -> EventData:
    """Check an event payload against EventIn; raise ValidationError(field=…)."""
    event = validate(EventIn, payload)
    if event.occurred_at > now + MAX_FUTURE:
        raise ValidationError("must not be more than a day in the future", field="occurred_at")
    customer = event.customer.model_dump(include=event.customer.model_fields_set | {"phone"})
    rep = None
    if event.rep is not None:
        rep = {"email": event.rep.email.lower(), "name": event.rep.name or ""}
    return EventData(
        external_id=event.external_id,
        type=event.type,
        occurred_at=event.occurred_at,
        summary=event.summary,
        customer=customer,
        rep=rep,
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
    if source not in EVENT_SOURCES:
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
