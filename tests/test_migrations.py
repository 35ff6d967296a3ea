"""The schema comes only from Alembic, and the migrations match the models."""

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from outreach.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent


def test_migrated_schema_matches_the_models(app, db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, _db.metadata)
    assert diff == []


def test_scheduler_index_on_status_and_due_at_exists(app, db):
    indexes = {
        ix["name"]: ix["column_names"] for ix in sa.inspect(db.engine).get_indexes("checkins")
    }
    assert indexes["ix_checkins_status_due_at"] == ["status", "due_at", "id"]
    assert indexes["ix_checkins_due_at_id"] == ["due_at", "id"]


def _upgrade(url: str, instance, revision: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "OUTREACH_INSTANCE_PATH": str(instance)}
    env.update(SECRET_KEY="test", OUTREACH_TRANSPORT="outbox")
    command = [sys.executable, "-m", "outreach", "db", "upgrade", revision]
    subprocess.run(command, env=env, check=True, cwd=ROOT, capture_output=True)


def test_the_old_single_range_of_business_hours_becomes_each_stored_days_hours(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    before = ScriptDirectory(str(ROOT / "migrations")).get_revision("0007").down_revision
    _upgrade(url, tmp_path, before)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO company_settings (id, name, default_timezone, quiet_end, quiet_start,"
                " help_text, reply_window_hours, business_start, business_end, business_days,"
                " escalation_minutes, callback_minutes, repage_rounds, followup_grace_hours,"
                " send_thank_you, updated_at) VALUES (1, 'Acme', 'UTC', '08:00', '21:00', 'Hi',"
                " 72, '08:30', '18:00', 'mon,tue,wed,thu,fri,sat', 10, 30, 2, 4, 0,"
                " '2026-01-01 00:00:00')"
            )
        )

    _upgrade(url, tmp_path, "head")

    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT business_week FROM company_settings")).scalar()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("company_settings")}
    engine.dispose()
    days = ("mon", "tue", "wed", "thu", "fri", "sat")
    assert json.loads(stored) == {d: ["08:30", "18:00"] for d in days}  # Sunday stays closed
    assert not {"business_start", "business_end", "business_days"} & columns
