"""Unbound extensions; create_app() binds them with init_app()."""

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.elements import BindParameter

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so Alembic can name every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def commit_keeping_loaded() -> None:
    """Commit without expiring the session's objects: what was just written is what the
    database holds (Python-side defaults), so reading it afterwards needs no reload."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


#: execution options of an insert of many rows on SQLite (insert_many; PostgreSQL gets one
#: unnest statement): every row names the same columns (None included) so they go together,
#: 100 rows a statement
BULK_INSERT = {"render_nulls": True, "insertmanyvalues_page_size": 100}


class BinaryArray(BindParameter):
    """A list parameter psycopg sends in PostgreSQL's binary format (`%(name)b`): its text
    format, the default for lists, is built element by element in Python (~27 µs a row of 14
    columns, six times the binary dump)."""

    inherit_cache = True


@compiles(BinaryArray, "postgresql")
def _binary_placeholder(element: BinaryArray, compiler: Any, **kw: Any) -> str:
    placeholder = compiler.visit_bindparam(element, **kw)
    if compiler.dialect.driver != "psycopg":
        return placeholder
    return placeholder.replace(")s", ")b", 1)  # "%(name)s::TYPE[]" -> "%(name)b::TYPE[]"


def insert_many(model: Any, rows: list[dict[str, Any]], *returning: Any) -> sa.Result:
    """INSERT rows (each naming the same columns) into a model's table, RETURNING `returning`
    (columns, or the model for loaded objects), in no particular order.

    On PostgreSQL one statement whatever the number of rows, `INSERT … SELECT … FROM
    unnest(…)` with one array per column: its text is the same for 1 and 1,000 rows, so
    psycopg parses it once (a multi-row VALUES statement is parsed again on every execution,
    ~50 µs a row of 14 columns) and PostgreSQL plans it once. Elsewhere an executemany, 100
    rows a statement (BULK_INSERT). Column defaults apply as with any INSERT.
    """
    if not rows:
        raise ValueError("no rows to insert")
    if db.session.get_bind().dialect.name != "postgresql":
        insert = sa.insert(model)
        insert = insert.returning(*returning) if returning else insert
        return db.session.execute(insert, rows, execution_options=BULK_INSERT)
    table = sa.inspect(model).local_table
    names = list(rows[0])
    arrays = [
        BinaryArray(f"rows_{name}", [row[name] for row in rows], type_=ARRAY(table.c[name].type))
        for name in names
    ]
    source = sa.func.unnest(*arrays).table_valued(*names).render_derived()
    insert = sa.insert(model).from_select(names, sa.select(*(source.c[n] for n in names)))
    return db.session.execute(insert.returning(*returning) if returning else insert)


def is_in(column: Any, values: Iterable[Any]) -> sa.ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(%(array)s)`: one parameter however many
    values, so the statement's text is the same for 1 and 500 of them (psycopg parses a
    statement of more than 50 parameters on every execution, and PostgreSQL plans it again)."""
    values = sorted(set(values))
    if db.session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == sa.any_(BinaryArray(None, values, type_=ARRAY(column.type)))
