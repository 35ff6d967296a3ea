"""A per-process copy of what every request reads and admins rarely change: the company
settings, each event type's active policies, the triage phrases and the managers' examples.

Shared invalidation: `company_settings.config_version` holds a random number that is written
again in the same transaction as every change to one of those rows. A hook on every ORM session
(`before_flush`) sees any CompanySettings, Policy, TriagePhrase or TriageExample added, changed
or deleted and writes the new number, so the change and the new version commit (or roll back)
together, from whichever process or machine made it. Each transaction that needs a copy reads
the version once (one SELECT by primary key); when it is not the one the copies were loaded at,
they are dropped and loaded again, in that transaction, after the version was read (a copy may
be newer than its version, never older). An edit therefore shows on the very next request in
every gunicorn worker and on every machine sharing the database; a random number rather than a
counter means a rolled-back edit's version is never met again.

The copies belong to the app (`app.extensions["config_cache"]`) and are read-only snapshots
(`Frozen`), not ORM rows: nothing may change them, and code that edits settings or policies
reads the rows themselves (`get_company_settings`, `get_policy`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from outreach.extensions import db
from outreach.models import CompanySettings, Policy, TriageExample, TriagePhrase
from outreach.models.settings import new_config_version

#: the rows whose change must reach every process's copies
CACHED_MODELS = (CompanySettings, Policy, TriagePhrase, TriageExample)
_VERSION = CompanySettings.__table__.c.config_version
_SETTINGS_ID = CompanySettings.__table__.c.id


class Frozen:
    """A read-only copy of a row's column values, read as attributes like the row's."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_values", values)

    @classmethod
    def of(cls, row: Any) -> Frozen:
        """The column values of an ORM row (JSON values copied: the row's are tracked)."""
        mapper = sa.inspect(type(row))
        return cls({a.key: copy.deepcopy(getattr(row, a.key)) for a in mapper.column_attrs})

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{name}: a cached copy is read-only; edit the row")

    def __repr__(self) -> str:
        return f"Frozen(id={self._values.get('id')!r})"


class ConfigCache:
    """One app's copies and the version they were loaded at, as one (version, copies) pair
    replaced whole: a thread never puts what it loaded under another thread's version."""

    def __init__(self) -> None:
        self.state: tuple[int | None, dict[Any, Any]] = (None, {})
        self.loads = 0  #: how many copies were loaded (tests read it)


def _cache() -> ConfigCache:
    return current_app.extensions.setdefault("config_cache", ConfigCache())


def current_version() -> int | None:
    """The committed config_version as this transaction sees it, read once per transaction;
    None while there is no settings row (then nothing is kept)."""
    session = db.session()
    transaction = session.get_transaction()
    memo = session.info.get("config_version")
    if memo is not None and transaction is not None and memo[0] is transaction:
        return memo[1]
    version = session.scalar(sa.select(_VERSION).where(_SETTINGS_ID == 1))
    session.info["config_version"] = (session.get_transaction(), version)
    return version


def cached(key: Any, load: Callable[[], Any]) -> Any:
    """The copy kept under `key`, loaded with `load()` when the version has changed."""
    cache = _cache()
    version = current_version()
    if version is None:
        return load()
    state = cache.state
    if state[0] != version:
        state = (version, {})
        cache.state = state
    entries = state[1]
    if key not in entries:
        entries[key] = load()
        cache.loads += 1
    return entries[key]


def _touches_config(session: Session) -> bool:
    for obj in session.new:
        if isinstance(obj, CACHED_MODELS):
            return True
    for obj in session.deleted:
        if isinstance(obj, CACHED_MODELS):
            return True
    return any(
        isinstance(obj, CACHED_MODELS) and session.is_modified(obj, include_collections=False)
        for obj in session.dirty
    )


def bump_version(session: Session | None = None) -> None:
    """A new config_version in the session's transaction (db.session's by default): every
    process reloads its copies once this commits. The hook below calls it for ORM changes; a
    Core UPDATE/INSERT/DELETE of those tables must call it itself."""
    session = session if session is not None else db.session()
    session.execute(
        sa.update(CompanySettings.__table__)
        .where(_SETTINGS_ID == 1)
        .values(config_version=new_config_version())
    )
    session.info.pop("config_version", None)


@event.listens_for(Session, "before_flush")
def _bump_on_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """A settings, policy, phrase or example row about to be written: a new config_version in
    the same transaction (a new settings row gets its own from the column default)."""
    if _touches_config(session):
        bump_version(session)


# -- the copies -------------------------------------------------------------------------------


def company_settings() -> Frozen:
    """The company settings, a read-only copy (get_company_settings for the row to edit)."""
    from outreach.company.settings import get_company_settings

    return cached("settings", lambda: Frozen.of(get_company_settings()))
