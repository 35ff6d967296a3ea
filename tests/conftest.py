"""Fixtures: a fresh real database per test (SQLite or PostgreSQL), a real Redis, the app."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from fake_twilio import fake_twilio, make_sms_checkin, twilio_app  # noqa: F401  (fixtures)
from mail_server import smtp_server  # noqa: F401  (fixture)
from routing_cache import install as install_routing_cache
from template_cache import share_compiled_templates
from testenv import PUBLIC_BASE_URL

from outreach import create_app
from outreach.extensions import db as _db
from outreach.runtime.redis_embedded import ensure_embedded_redis

ROOT = Path(__file__).resolve().parent.parent

install_routing_cache()  # each app's URL builders from code compiled once (see routing_cache.py)


def _migrate(database_url: str, instance: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "OUTREACH_INSTANCE_PATH": str(instance)}
    env.update(SECRET_KEY="test", OUTREACH_TRANSPORT="outbox")
    subprocess.run(
        [sys.executable, "-m", "outreach", "db", "upgrade"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )


def _pg_reset_sql() -> str:
    """DELETE every table, children first, and restart the id sequences (faster than TRUNCATE
    for the few rows a test leaves)."""
    tables = list(reversed(_db.metadata.sorted_tables))
    deletes = [f'DELETE FROM "{t.name}";' for t in tables]
    restarts = [
        f"SELECT setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), 1, false);"
        for t in tables
        if "id" in t.c and t.c.id.autoincrement is not False and t.name != "company_settings"
    ]
    return "\n".join(deletes + restarts)


@pytest.fixture(scope="session")
def redis_url():
    """The machine's Redis when REDIS_URL is set, else an embedded one for this session."""
    if os.environ.get("REDIS_URL"):
        url = os.environ["REDIS_URL"]
        with redis.Redis.from_url(url) as conn:
            conn.ping()  # fail loudly when it is missing
        yield url
        return
    directory = Path(tempfile.mkdtemp(prefix="otr-"))
    url, proc = ensure_embedded_redis(directory, daemonize=False)
    yield url
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=10)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A migrated database for this session: a template SQLite file, or a new PostgreSQL db."""
    base_url = os.environ.get("DATABASE_URL")
    instance = tmp_path_factory.mktemp("migrate")
    if not base_url or base_url.startswith("sqlite"):
        template = instance / "template.db"
        _migrate(f"sqlite:///{template}", instance)
        yield {"kind": "sqlite", "template": template}
        return
    admin_url = sa.engine.make_url(base_url).set(drivername="postgresql+psycopg")
    name = f"outreach_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    _migrate(url, instance)
    engine = sa.create_engine(url, poolclass=sa.pool.StaticPool)
    yield {"kind": "postgresql", "url": url, "engine": engine, "reset_sql": _pg_reset_sql()}
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def app_env(database, redis_url, tmp_path):
    """The environment of the app under test; also given to worker subprocesses."""
    if database["kind"] == "sqlite":
        path = tmp_path / "outreach.db"
        shutil.copyfile(database["template"], path)
        database_url = f"sqlite:///{path}"
    else:
        database_url = database["url"]
        with database["engine"].begin() as conn:
            conn.exec_driver_sql(database["reset_sql"])
    with redis.Redis.from_url(redis_url) as conn:
        conn.flushdb()
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "OUTREACH_TRANSPORT": "outbox",
        "OUTREACH_INSTANCE_PATH": str(tmp_path / "instance"),
    }


@pytest.fixture
def make_app(app_env, tmp_path):
    """A callable building an app with extra environment or config on top of app_env."""
    built = []

    def _make(env: dict | None = None, **config):
        merged = {**app_env, **(env or {})}
        app = create_app(
            {
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "INSTANCE_PATH": merged["OUTREACH_INSTANCE_PATH"],
                "ENV": merged,
                **config,
            }
        )
        share_compiled_templates(app.jinja_env)  # templates compiled once a session
        built.append(app)
        return app

    yield _make
    for app in built:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        if (conn := app.extensions.get("redis")) is not None:
            conn.close()  # its socket closed now, not by the garbage collector at random


@pytest.fixture
def app(make_app):
    """The app, with an application context pushed for the test."""
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def db(app):
    """The Flask-SQLAlchemy handle, bound to the test's fresh database."""
    return _db


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def api_token(app):
    """A fresh API token (the plain text)."""
    from outreach.auth.accounts import create_token

    _, token = create_token("tests")
    return token


@pytest.fixture
def auth(api_token):
    """Authorization headers for the API."""
    return {"Authorization": f"Bearer {api_token}"}
