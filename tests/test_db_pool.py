"""Pooled connections are checked when they come back after being idle, not on every use."""

from __future__ import annotations

import sqlalchemy as sa

import outreach
from outreach.extensions import db


def test_a_connection_the_database_dropped_while_idle_is_replaced_not_an_error(app, monkeypatch):
    assert db.session.scalar(sa.text("SELECT 1")) == 1
    postgres = db.engine.dialect.name == "postgresql"
    pid = db.session.scalar(sa.text("SELECT pg_backend_pid()")) if postgres else None
    db.session.remove()  # the connection goes back to the pool, idle
    if postgres:  # the database restarts under the pooled connection
        admin = sa.create_engine(db.engine.url)
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
    monkeypatch.setattr(outreach, "IDLE_PING_SECONDS", 0.0)

    assert db.session.scalar(sa.text("SELECT 1")) == 1
    if postgres:
        assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) != pid
