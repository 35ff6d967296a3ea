"""The schema comes only from Alembic, and the migrations match the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from outreach.extensions import db as _db


def test_migrated_schema_matches_the_models(app, db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, _db.metadata)
    assert diff == []


def test_scheduler_index_on_status_and_due_at_exists(app, db):
    indexes = {
        ix["name"]: ix["column_names"] for ix in sa.inspect(db.engine).get_indexes("checkins")
    }
    assert indexes["ix_checkins_status_due_at"] == ["status", "due_at"]
