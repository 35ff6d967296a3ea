"""Bulk ingest: a chunk of events stored together equals the same events one by one, and a
chunk that meets a concurrent writer falls back to one by one, losing and doubling nothing."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from outreach.events import importer, ingest
from outreach.events.importer import COLUMNS, import_events, open_csv
from outreach.events.ingest import IngestResult, StoredEvent, ingest_event, ingest_events
from outreach.extensions import db as _db
from outreach.models import CheckIn, CheckInTransition, Consent, Customer, ServiceEvent, User
from outreach.scheduling.policies import create_policy

NOW = datetime(2024, 5, 1, 15, 0, tzinfo=UTC)


def _row(n: int, customer: int | None = None, **overrides: str) -> dict[str, str]:
    customer = n if customer is None else customer
    row = {
        "external_id": f"job-{n}",
        "type": "install",
        "occurred_at": (NOW - timedelta(hours=30 - n)).isoformat(),
        "customer_external_id": f"cust-{customer}",
        "customer_name": f"Customer {customer}",
        "customer_phone": f"+1312555{customer % 100 + 100:04d}",
        "customer_timezone": "",
        "customer_email": "",
        "rep_email": f"rep{n % 3}@example.com",
        "rep_name": f"Rep {n % 3}",
        "summary": f"job {n}",
    }
    row.update(overrides)
    return row


ROWS = [
    _row(1, customer_timezone="America/Chicago"),
    _row(2, customer_phone="555-12"),  # rejected: not a phone number
    _row(3, customer=1, customer_timezone=""),  # the same customer, zone kept
    _row(4, customer=1, customer_timezone="America/Los_Angeles", customer_name="C. One"),
    _row(5, type=""),  # rejected: no type
    _row(1),  # the same event again in the file: already present
    _row(6, customer=7, customer_phone="+13125550101"),  # another customer, cust-1's number
    _row(8, customer=9),  # cust-9 opted out before the import
    _row(10, type="repair"),  # no policy
    _row(11, occurred_at="2024-05-01"),  # rejected: no offset
    _row(12, customer=1, customer_name="C. One", rep_email="REP0@example.com"),
    _row(13),  # stored before the import
    _row(14, customer=14, customer_timezone="Mars/Olympus"),  # rejected: zone
    _row(15, customer=15, rep_email="new.rep@example.com", rep_name="New"),
]


def _csv(path, rows) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _policies() -> None:
    create_policy(
        {
            "name": "Evening text",
            "event_type": "install",
            "channel": "sms",
            "delay": "PT2H",
            "window": {"start": "17:00", "end": "20:00"},
            "frequency_cap": "P2D",
            "template": "Hi {{ customer.name }}",
        }
    )
    create_policy(
        {
            "name": "Call",
            "event_type": "install",
            "channel": "rep_call",
            "delay": "PT1H",
            "template": "Call {{ customer.name }}",
        }
    )


def _before_import() -> None:
    """What is stored before each import: one of the file's events, an opted-out customer."""
    ingest_event(_event(_row(13)), source="api", now=NOW)
    old = _row(99, customer=9, occurred_at=(NOW - timedelta(days=10)).isoformat())
    ingest_event(_event(old), source="api", now=NOW - timedelta(days=10))
    customer = _db.session.scalar(sa.select(Customer).where(Customer.external_id == "cust-9"))
    _db.session.add(
        Consent(customer_id=customer.id, channel="sms", state="opted_out", source="keyword")
    )
    _db.session.commit()


def _event(row: dict[str, str]) -> dict:
    return importer.row_to_event(row)


def _wipe() -> None:
    for model in (CheckInTransition, CheckIn, ServiceEvent, Consent, Customer):
        _db.session.execute(sa.delete(model))
    _db.session.execute(sa.delete(User).where(User.role == "rep"))
    _db.session.commit()


def _ids(text: str | None) -> str | None:
    return re.sub(r"check-in \d+", "check-in #", text) if text else text


def _snapshot() -> dict:
    """Everything stored, by natural keys (ids differ from run to run)."""
    events = {}
    for event in _db.session.scalars(sa.select(ServiceEvent)):
        checkins = sorted(
            (
                c.policy.name,
                c.channel,
                c.status,
                _ids(c.status_reason),
                c.due_at,
                c.timing_reason,
                c.timezone,
                c.expires_at,
                c.deadline_at,
                c.rep.email if c.rep else None,
                tuple((t.from_status, t.to_status, _ids(t.reason)) for t in c.transitions),
            )
            for c in _db.session.scalars(sa.select(CheckIn).where(CheckIn.event_id == event.id))
        )
        events[event.external_id] = (
            event.type,
            event.occurred_at,
            event.summary,
            event.source,
            event.customer.external_id,
            event.rep.email if event.rep else None,
            checkins,
        )
    customers = {
        c.external_id: (c.name, c.phone, c.timezone, c.email, c.is_opted_out)
        for c in _db.session.scalars(sa.select(Customer))
    }
    reps = {u.email: (u.name, u.role) for u in _db.session.scalars(sa.select(User))}
    return {"events": events, "customers": customers, "reps": reps}


def _import(tmp_path, monkeypatch, chunk: int) -> tuple[dict, list[str], str]:
    monkeypatch.setattr(importer, "CHUNK_ROWS", chunk)
    monkeypatch.setattr(ingest, "CHUNK", chunk)
    _before_import()
    path = tmp_path / "events.csv"
    _csv(path, ROWS)
    report = import_events(open_csv(path), now=NOW)
    notes = [str(note) for note in (*report.rejections, *report.warnings)]
    snapshot = _snapshot()
    _wipe()
    return snapshot, notes, report.summary()


def test_a_chunked_import_stores_exactly_what_row_by_row_stores(db, tmp_path, monkeypatch):
    _policies()
    one_by_one = _import(tmp_path, monkeypatch, chunk=1)
    assert _import(tmp_path, monkeypatch, chunk=500) == one_by_one
    assert _import(tmp_path, monkeypatch, chunk=4) == one_by_one

    snapshot, notes, summary = one_by_one
    assert summary == "14 rows: 8 imported, 2 already present, 4 rejected"
    assert notes == [
        "row 3: customer_phone: not a valid phone number",
        "row 6: type: must not be empty",
        "row 11: occurred_at: must include a UTC offset (e.g. 2024-05-01T17:30:00-05:00 or ...Z)",
        "row 14: customer_timezone: not an IANA time zone (e.g. America/Chicago)",
        "row 8: customer_phone: warning: C. One (customer cust-1) has the same number; if "
        "they are the same person, merge them on the Customers page (Possible duplicates)",
        "row 12: customer_phone: warning: Customer 7 (customer cust-7) has the same number; if "
        "they are the same person, merge them on the Customers page (Possible duplicates)",
    ]
    # what makes the comparison worth something: zones as of each row, cap, consent, reps
    zones = {n: snapshot["events"][f"job-{n}"][6][0][6] for n in (1, 3, 4, 12)}
    assert zones == {
        1: "America/Chicago",
        3: "America/Chicago",
        4: "America/Los_Angeles",
        12: "America/Los_Angeles",
    }
    capped = [c for c in snapshot["events"]["job-3"][6] if c[1] == "sms"]
    assert capped[0][2] == "suppressed" and "frequency cap: check-in #" in capped[0][3]
    opted_out = [c for c in snapshot["events"]["job-8"][6] if c[1] == "sms"]
    assert opted_out[0][2:4] == ("suppressed", "suppressed: opted out of sms")
    assert snapshot["customers"]["cust-1"][0] == "C. One"
    assert snapshot["events"]["job-12"][5] == "rep0@example.com"
    assert snapshot["reps"]["new.rep@example.com"] == ("New", "rep")
    assert snapshot["events"]["job-10"][6] == []


def _other_writer(db) -> sa.Engine:
    """A second engine on the same database: another process's connection."""
    return sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)


def _payload(n: int, customer: int | None = None) -> dict:
    return _event(_row(n, customer))


def test_a_concurrent_duplicate_mid_chunk_falls_back_and_loses_or_doubles_nothing(db):
    """Another connection stores one of the chunk's events (and its customer) after the chunk
    looked them up and before it inserts them: on PostgreSQL the chunk's insert meets the
    unique constraint, is rolled back and stored event by event; on SQLite the chunk holds the
    write lock from its look-ups on, so the other writer cannot get in at all."""
    _policies()
    payloads = [_payload(n) for n in (1, 2, 3, 4)] + [_payload(5, customer=3)]
    other = _other_writer(db)
    raced: dict[str, object] = {}

    def race(conn, cursor, statement, parameters, context, executemany):
        if raced or not statement.startswith("INSERT INTO customers"):
            return
        raced["done"] = True
        if db.engine.dialect.name == "sqlite":
            path = db.engine.url.database
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                sqlite3.connect(path, timeout=0).execute("BEGIN IMMEDIATE")
            raced["event_id"] = None
            return
        with other.begin() as theirs:
            customer_id = theirs.execute(
                sa.insert(Customer)
                .values(
                    external_id="cust-3",
                    name="Theirs",
                    phone="+13125550103",
                    is_opted_out=False,
                    is_wrong_number=False,
                    is_happy=False,
                    created_at=NOW,
                    updated_at=NOW,
                )
                .returning(Customer.id)
            ).scalar_one()
            raced["event_id"] = theirs.execute(
                sa.insert(ServiceEvent)
                .values(
                    external_id="job-3",
                    type="install",
                    occurred_at=NOW - timedelta(hours=5),
                    customer_id=customer_id,
                    source="api",
                    created_at=NOW,
                )
                .returning(ServiceEvent.id)
            ).scalar_one()

    sa.event.listen(db.engine, "before_cursor_execute", race)
    try:
        outcomes = ingest_events(payloads, source="api", now=NOW)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", race)
        other.dispose()

    assert raced["done"]
    assert all(isinstance(o, IngestResult) for o in outcomes)
    events = db.session.scalars(sa.select(ServiceEvent).order_by(ServiceEvent.external_id)).all()
    assert [e.external_id for e in events] == ["job-1", "job-2", "job-3", "job-4", "job-5"]
    customers = db.session.scalars(sa.select(Customer.external_id)).all()
    assert sorted(customers) == ["cust-1", "cust-2", "cust-3", "cust-4"]
    assert [o.created for o in outcomes] == [True, True, raced["event_id"] is None, True, True]
    by_id = {e.external_id: e.id for e in events}
    assert [o.event.id for o in outcomes] == [by_id[f"job-{n}"] for n in (1, 2, 3, 4, 5)]
    if raced["event_id"] is not None:  # PostgreSQL: theirs is kept, ours is the duplicate
        assert by_id["job-3"] == raced["event_id"] and outcomes[2].checkins == []
        assert events[4].customer.external_id == "cust-3"
    planned = db.session.scalars(sa.select(CheckIn.event_id)).all()
    assert sorted(planned) == sorted(
        [by_id[f"job-{n}"] for n in (1, 2, 4, 5) for _ in range(2)]
        + ([by_id["job-3"]] * 2 if raced["event_id"] is None else [])
    )
    assert len(
        set(map(tuple, db.session.execute(sa.select(CheckIn.event_id, CheckIn.policy_id))))
    ) == len(planned)


def test_a_concurrent_import_of_the_same_file_in_another_thread_doubles_nothing(app, db, tmp_path):
    """Two imports of one file at once, each with its own connection: every event once."""
    _policies()
    path = tmp_path / "events.csv"
    when = [(NOW - timedelta(minutes=n)).isoformat() for n in range(61)]
    _csv(path, [_row(n, customer=n % 7, occurred_at=when[n]) for n in range(1, 61)])
    reports = []

    def run() -> None:
        with app.app_context():
            reports.append(import_events(open_csv(path), now=NOW))
            _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(reports) == 2
    assert sum(r.imported for r in reports) == 60
    assert all(r.imported + r.already_present == 60 for r in reports)
    assert db.session.scalar(sa.select(sa.func.count(ServiceEvent.id))) == 60
    assert db.session.scalar(sa.select(sa.func.count(Customer.id))) == 7
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 120


def _outcome(outcome) -> tuple:
    """An outcome, the same whether it carries loaded objects or ids (the check-ins planned
    when it was created; ids leave out those of an event stored before)."""
    if isinstance(outcome, IngestResult):
        return ("stored", outcome.created, len(outcome.checkins) if outcome.created else None)
    if isinstance(outcome, StoredEvent):
        return ("stored", outcome.created, len(outcome.checkin_ids) if outcome.created else None)
    return ("refused", outcome.field, outcome.message)


@pytest.mark.parametrize("chunk", [1, 500])
def test_ingest_without_objects_stores_exactly_what_ingest_with_objects_stores(
    db, monkeypatch, chunk
):
    """objects=False (what the CSV import asks for: ids, nothing loaded) writes the same rows
    as the API's loaded results: customer changes (of a customer stored by an earlier chunk,
    in chunks of 1), new reps, the cap, consents, duplicates."""
    monkeypatch.setattr(ingest, "CHUNK", chunk)
    _policies()
    payloads = [_event(row) for row in ROWS]
    runs = {}
    for objects in (True, False):
        _before_import()
        outcomes = ingest_events(payloads, source="csv", now=NOW, objects=objects)
        runs[objects] = ([_outcome(o) for o in outcomes], _snapshot())
        if not objects:
            stored = [o for o in outcomes if isinstance(o, StoredEvent)]
            assert len(stored) == 10 and not any(isinstance(o, IngestResult) for o in outcomes)
            for outcome in stored:
                event = db.session.get(ServiceEvent, outcome.event_id)
                assert event.customer_id == outcome.customer_id
                planned = db.session.scalars(
                    sa.select(CheckIn.id).where(CheckIn.event_id == event.id)
                ).all()
                assert sorted(outcome.checkin_ids) == (sorted(planned) if outcome.created else [])
        _wipe()
    assert runs[False] == runs[True]
    outcomes, snapshot = runs[False]
    assert [o[1] for o in outcomes if o[0] == "stored"].count(True) == 8
    assert snapshot["customers"]["cust-1"][0] == "C. One"  # a stored customer changed
    assert snapshot["customers"]["cust-1"][2] == "America/Los_Angeles"
