"""insert_many: many rows in one statement whose text does not depend on how many there are
(on PostgreSQL), column defaults applied, what is asked for returned."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from outreach.extensions import insert_many
from outreach.models import Customer


def _customers(prefix: str, count: int) -> list[dict]:
    return [
        {
            "external_id": f"{prefix}-{n}",
            "name": f"Customer {n}",
            "phone": f"+1312555{n:04d}",
            "timezone": "America/Chicago" if n % 2 else None,
            "email": None,
        }
        for n in range(count)
    ]


def _inserting(db, rows: list[dict], *returning) -> tuple[list, list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = insert_many(Customer, rows, *returning)
        returned = result.all() if returning else []
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return returned, statements


def test_rows_are_inserted_with_their_defaults_and_returned(db):
    returned, _ = _inserting(db, _customers("a", 250), Customer.id, Customer.external_id)
    db.session.commit()

    assert sorted(key for _, key in returned) == sorted(f"a-{n}" for n in range(250))
    stored = {c.external_id: c for c in db.session.scalars(sa.select(Customer))}
    assert {key: stored[key].id for _, key in returned} == {k: i for i, k in returned}
    assert stored["a-7"].timezone == "America/Chicago" and stored["a-8"].timezone is None
    assert all(c.created_at is not None and c.is_opted_out is False for c in stored.values())


def test_returning_the_model_gives_loaded_objects(db):
    returned, _ = _inserting(db, _customers("b", 3), Customer)
    assert sorted(c.external_id for (c,) in returned) == ["b-0", "b-1", "b-2"]
    assert all(c in db.session and c.id is not None for (c,) in returned)


def test_the_statements_for_1_and_250_rows(db):
    """PostgreSQL: one statement of the same text whatever the number of rows; SQLite: 100
    rows a statement (BULK_INSERT)."""
    _, one = _inserting(db, _customers("c", 1), Customer.id)
    _, many = _inserting(db, _customers("d", 250), Customer.id)
    assert db.session.scalar(sa.select(sa.func.count(Customer.id))) == 251
    if db.engine.dialect.name == "postgresql":
        assert len(one) == len(many) == 1
        assert one == many and "unnest" in many[0]
        assert "%(rows_external_id)b" in many[0]  # sent in binary (BinaryArray)
    else:
        assert (len(one), len(many)) == (1, 3)
        assert "unnest" not in many[0]


def test_no_rows_is_a_mistake(db):
    with pytest.raises(ValueError, match="no rows"):
        insert_many(Customer, [])
