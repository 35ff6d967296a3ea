"""Column types and helpers shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

INT_MAX = 2**31 - 1  #: the largest value of an Integer column (every id): PostgreSQL's integer
YEARS = range(2000, 2100)  #: the years a time given to us may fall in (date arithmetic overflows
#: near year 1 and 9999, and anything outside is a typo)
YEARS_RULE = "between 2000-01-01 and 2099-12-31 (UTC)"  #: YEARS, as error messages say it


def in_years(value: datetime) -> bool:
    """Whether a time falls in YEARS, read in UTC when it is aware."""
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            return False
    return value.year in YEARS


def column_int(value: object) -> int | None:
    """A number from outside (a webhook's NumSegments, ErrorCode…) that fits an Integer column
    (0..INT_MAX), else None: a value out of range is dropped, not the row that carries it."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= INT_MAX else None


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def db_now() -> datetime:
    """The database's clock: what decides whether something is due or a lease has expired
    (SQLite runs inside this process, so there it is this host's clock)."""
    from outreach.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return utcnow()
    return db.session.scalar(sa.select(sa.func.now())).astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops offsets)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upsert_insert(entity: Any) -> Any:
    """An INSERT of entity (a model or a table) in the session's dialect, PostgreSQL or SQLite:
    the two that have `on_conflict_do_nothing` and `on_conflict_do_update`."""
    from sqlalchemy.dialects import postgresql, sqlite

    from outreach.extensions import db

    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(entity)


def enum_check(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    """A CHECK constraint that keeps a string column inside a fixed set of values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)
