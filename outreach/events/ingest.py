"""One service event in (the API and the CSV import share it): validate, upsert, store, plan.

Validation is EventIn's (the API's document is generated from it): unknown fields are rejected
with a 422 naming them, so a misspelt optional field is never silently dropped. Optional fields
given as null or "" count as unset.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from pydantic import AfterValidator, Field
from pydantic.json_schema import WithJsonSchema
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from outreach.company.phones import normalize_phone
from outreach.errors import OutreachError, ValidationError
from outreach.extensions import commit_keeping_loaded, db, insert_many, is_in
from outreach.models import CheckIn, Customer, ServiceEvent, User
from outreach.models.customers import EVENT_SOURCES
from outreach.scheduling.planning import ChunkPlanner, CustomerFacts, EventFacts
from outreach.scheduling.timing import is_zone
from outreach.schemas.events import EventBatchIn
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


@dataclass(frozen=True)
class StoredEvent:
    """What ingest_events(objects=False) says of an event (the CSV import): ids, no loaded
    objects. `checkin_ids` are the check-ins planned for it when this outcome is the one that
    created it, else none (ids of stored check-ins are not looked up)."""

    event_id: int
    customer_id: int
    checkin_ids: tuple[int, ...]
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


CHUNK = 500  #: events stored per transaction by ingest_events
RETRIES = 3  #: attempts of a single event that keeps meeting concurrent writers

Outcome = IngestResult | OutreachError  #: what became of one payload
Stored = IngestResult | StoredEvent  #: a stored payload, with loaded objects or ids

#: what a chunk reads of a stored customer (objects=False): what an event may change and what
#: planning reads
CUSTOMER_COLUMNS = (
    "id",
    "external_id",
    "name",
    "phone",
    "timezone",
    "email",
    "is_opted_out",
    "is_wrong_number",
    "paused_at",
)
UPDATABLE = ("name", "phone", "timezone", "email")  #: the customer columns an event may change


class IngestStopped(Exception):
    """An unexpected error (its __cause__) stopped ingest_events at payload `index`; `outcomes`
    are those of the payloads before it, which are stored."""

    def __init__(self, index: int, outcomes: list[Outcome | None]) -> None:
        super().__init__(f"ingest stopped at payload {index}")
        self.index = index
        self.outcomes = outcomes


def _begin_write() -> None:
    """On SQLite take the write lock first (BEGIN IMMEDIATE): a deferred transaction that reads
    and then writes fails at once with "database is locked" when another writer got in between."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _by(model: type, column: sa.ColumnElement, keys: set[str]) -> dict[str, Any]:
    """The loaded objects of `model` whose `column` is one of `keys`, by that column."""
    if not keys:
        return {}
    query = sa.select(model).where(is_in(column, keys))
    rows = db.session.scalars(query.execution_options(populate_existing=True))
    return {getattr(row, column.key): row for row in rows}


def _lookup(
    model: type, column: sa.ColumnElement, keys: set[str], columns: tuple[str, ...], objects: bool
) -> dict[str, Any]:
    """_by, or (objects=False) rows of `columns` only, by `column`."""
    if objects:
        return _by(model, column, keys)
    if not keys:
        return {}
    query = sa.select(*(getattr(model, name) for name in columns))
    rows = db.session.execute(query.where(is_in(column, keys)))
    return {getattr(row, column.key): row for row in rows}


def _checkins_of(events: list[ServiceEvent]) -> dict[ServiceEvent, list[CheckIn]]:
    found: dict[int, list[CheckIn]] = {event.id: [] for event in events}
    if found:
        query = sa.select(CheckIn).where(is_in(CheckIn.event_id, found)).order_by(CheckIn.id)
        for checkin in db.session.scalars(query):
            found[checkin.event_id].append(checkin)
    return {event: found[event.id] for event in events}


def _store_chunk(
    items: list[EventData], source: str, now: datetime, objects: bool = True
) -> list[Stored]:
    """Store a chunk in one transaction: stored events, customers and reps looked up with one
    query each, new rows inserted a table at a time, check-ins planned per chunk; commits.
    IntegrityError (with the transaction rolled back) when another writer stored one of the
    rows meanwhile."""
    _begin_write()
    try:
        results = _write_chunk(items, source, now, objects)
    except BaseException:
        db.session.rollback()
        raise
    commit_keeping_loaded()
    for result in results:
        if result.created:
            log.info(
                "stored event %s (%s) with %d check-ins",
                result.event.id if isinstance(result, IngestResult) else result.event_id,
                source,
                len(result.checkins if isinstance(result, IngestResult) else result.checkin_ids),
            )
    return results


def _inserted(model: type, rows: list[dict[str, Any]], key: str, objects: bool) -> dict[Any, Any]:
    """Insert rows (one statement) and return them by `key`, a unique column of theirs: as
    loaded objects, or as rows of their id and key."""
    if not rows:
        return {}
    if objects:
        return {getattr(row, key): row for row in insert_many(model, rows, model).scalars()}
    column = getattr(model, key)
    return {row[1]: row for row in insert_many(model, rows, model.id, column)}


def _update_customers(
    stored: dict[str, Any], current: dict[str, dict[str, Any]], objects: bool
) -> None:
    """Give stored customers the values of the chunk's events: on the loaded objects (written
    at the flush), or with one UPDATE of the changed ones."""
    changed = [
        key
        for key, customer in stored.items()
        if any(
            name in current[key] and getattr(customer, name) != current[key][name]
            for name in UPDATABLE
        )
    ]
    if objects:
        for key in changed:
            for name in UPDATABLE:
                if name in current[key] and getattr(stored[key], name) != current[key][name]:
                    setattr(stored[key], name, current[key][name])
    elif changed:
        table = Customer.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("customer_id"))
            .values({name: sa.bindparam(f"new_{name}") for name in UPDATABLE}),
            [
                {
                    "customer_id": stored[key].id,
                    **{f"new_{name}": current[key][name] for name in UPDATABLE},
                }
                for key in changed
            ],
        )


def _write_chunk(items: list[EventData], source: str, now: datetime, objects: bool) -> list[Stored]:
    keys = {d.external_id for d in items}
    columns = ("id", "external_id", "customer_id")
    stored = _lookup(ServiceEvent, ServiceEvent.external_id, keys, columns, objects)
    keys = {d.customer["external_id"] for d in items}
    customers = _lookup(Customer, Customer.external_id, keys, CUSTOMER_COLUMNS, objects)
    keys = {d.rep["email"] for d in items if d.rep}
    reps = _lookup(User, User.email, keys, ("id", "email"), objects)
    planner = ChunkPlanner(now, [c.id for c in customers.values()], objects=objects)
    known: dict[str, Stored]
    if objects:
        known = {
            event.external_id: IngestResult(event=event, checkins=checkins, created=False)
            for event, checkins in _checkins_of(list(stored.values())).items()
        }
    else:
        known = {
            key: StoredEvent(row.id, row.customer_id, (), created=False)
            for key, row in stored.items()
        }
    new: dict[str, tuple[EventData, dict[str, Any]]] = {}  #: with the customer as of the event
    current: dict[str, dict[str, Any]] = {}  #: each customer's values after the chunk
    for data in items:
        if data.external_id in known or data.external_id in new:
            continue
        key = data.customer["external_id"]
        if key not in current:
            current[key] = _facts(customers.get(key))
        current[key].update(data.customer)
        new[data.external_id] = (data, dict(current[key]))
    _update_customers({k: c for k, c in customers.items() if k in current}, current, objects)
    fresh = [_new_customer(values) for key, values in current.items() if key not in customers]
    customers.update(_inserted(Customer, fresh, "external_id", objects))
    new_reps = {d.rep["email"]: d.rep for d, _ in new.values() if d.rep}
    new_reps = {email: rep for email, rep in new_reps.items() if email not in reps}
    rows = [{**rep, "role": "rep"} for rep in new_reps.values()]
    users = _inserted(User, rows, "email", objects)
    for email, user in users.items():
        reps[email] = user
        log.info("created rep user %s from an event", user.id)
    inserted = _inserted(
        ServiceEvent,
        [
            {
                "external_id": data.external_id,
                "type": data.type,
                "occurred_at": data.occurred_at,
                "summary": data.summary,
                "source": source,
                "customer_id": customers[data.customer["external_id"]].id,
                "rep_id": reps[data.rep["email"]].id if data.rep else None,
            }
            for data, _ in new.values()
        ],
        "external_id",
        objects,
    )
    events = [inserted[external_id] for external_id in new]
    if objects:
        for event, (data, _) in zip(events, new.values(), strict=True):
            set_committed_value(event, "customer", customers[data.customer["external_id"]])
            set_committed_value(event, "rep", reps[data.rep["email"]] if data.rep else None)
    planned = planner.plan(
        [
            (
                EventFacts(
                    id=event.id,
                    type=data.type,
                    occurred_at=data.occurred_at,
                    rep_id=reps[data.rep["email"]].id if data.rep else None,
                ),
                CustomerFacts(id=customers[values["external_id"]].id, **_planning_facts(values)),
            )
            for event, (data, values) in zip(events, new.values(), strict=True)
        ]
    )
    db.session.flush()
    for event, (data, _), checkins in zip(events, new.values(), planned, strict=True):
        if objects:
            known[data.external_id] = IngestResult(event=event, checkins=checkins, created=True)
        else:
            customer_id = customers[data.customer["external_id"]].id
            known[data.external_id] = StoredEvent(event.id, customer_id, tuple(checkins), True)
    results = []
    for data in items:
        result = known[data.external_id]
        results.append(result)
        if isinstance(result, StoredEvent) and result.created:
            known[data.external_id] = replace(result, checkin_ids=(), created=False)
        elif result.created:
            known[data.external_id] = replace(result, created=False)
    return results


def _facts(customer: Customer | None) -> dict[str, Any]:
    """What planning reads of a customer, as stored (or as a new one starts)."""
    if customer is None:
        return {"timezone": None, "is_opted_out": False, "is_wrong_number": False}
    return {
        "phone": customer.phone,
        "timezone": customer.timezone,
        "is_opted_out": customer.is_opted_out,
        "is_wrong_number": customer.is_wrong_number,
        "paused_at": customer.paused_at,
        "email": customer.email,
    }


def _new_customer(values: dict[str, Any]) -> dict[str, Any]:
    return {name: values.get(name) for name in CustomerIn.model_fields}


def _planning_facts(values: dict[str, Any]) -> dict[str, Any]:
    names = ("phone", "timezone", "is_opted_out", "is_wrong_number", "paused_at", "email")
    return {name: values.get(name) for name in names}


def _store_alone(data: EventData, source: str, now: datetime, objects: bool = True) -> Stored:
    """One event in its own transaction; a concurrent writer's row is found on the next try."""
    for attempt in range(1, RETRIES + 1):
        try:
            [result] = _store_chunk([data], source, now, objects)
            return result
        except IntegrityError:
            if attempt == RETRIES:
                raise
            log.info("event row or its customer/rep stored concurrently; trying again")
    raise AssertionError("unreachable")


def ingest_events(
    payloads: list[Any], source: str, now: datetime, objects: bool = True
) -> list[Stored | OutreachError]:
    """Validate and store events a chunk at a time (upsert customers and reps, plan check-ins;
    one commit per chunk); per payload, in order, its IngestResult or the OutreachError that
    refused it. With objects=False a StoredEvent (ids) instead of an IngestResult: nothing is
    loaded into the session, the same rows are written.

    Idempotent on external_id like ingest_event; the same external_id twice in one call is
    stored once. A chunk that fails, e.g. because it met a concurrent writer (another process
    stored one of its events, customers or reps meanwhile), is rolled back and stored again
    event by event, so nothing is lost or doubled; an event that still fails raises
    IngestStopped (the events before it are stored).
    """
    if source not in EVENT_SOURCES:
        raise ValueError(f"unknown source {source!r}")
    outcomes: list[Stored | OutreachError | None] = [None] * len(payloads)
    valid: list[tuple[int, EventData]] = []
    for index, payload in enumerate(payloads):
        try:
            valid.append((index, validate_event(payload, now)))
        except OutreachError as exc:
            outcomes[index] = exc
    for start in range(0, len(valid), CHUNK):
        chunk = valid[start : start + CHUNK]
        try:
            results = _store_chunk([data for _, data in chunk], source, now, objects)
        except Exception:
            log.info("a chunk of %d events failed; storing them one by one", len(chunk))
            results = []
            for index, data in chunk:
                try:
                    results.append(_store_alone(data, source, now, objects))
                except Exception as exc:
                    for (done, _), result in zip(chunk, results, strict=False):
                        outcomes[done] = result
                    raise IngestStopped(index, outcomes[:index]) from exc
        for (index, _), result in zip(chunk, results, strict=True):
            outcomes[index] = result
    return outcomes  # type: ignore[return-value]


def ingest_event(payload: Any, source: str, now: datetime) -> IngestResult:
    """Validate and store one event, upsert its customer and rep, plan check-ins; commits.

    Idempotent on external_id: a second call (even a concurrent one) returns the stored event
    and its check-ins with created=False and changes nothing.
    """
    if source not in EVENT_SOURCES:
        raise ValueError(f"unknown source {source!r}")
    data = validate_event(payload, now)
    return _store_alone(data, source, now)  # type: ignore[return-value]


def ingest_batch(payload: Any, source: str, now: datetime) -> list[Outcome]:
    """A batch request ({"events": [...]}, EventBatchIn) through ingest_events; the per-event
    outcomes in order. The batch itself must be well formed (ValidationError otherwise)."""
    batch = validate(EventBatchIn, payload)
    try:
        return ingest_events(batch.events, source, now)  # type: ignore[return-value]
    except IngestStopped as stop:
        raise stop.__cause__ from None
