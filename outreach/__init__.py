"""Outreach: personal check-ins after every service event, and follow-ups that get kept."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from outreach.config import load_settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment (or test_config["ENV"]), then register_*."""
    test_config = dict(test_config or {})
    app = Flask(
        __name__,
        instance_path=os.environ.get("OUTREACH_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
    )
    register_config(app, test_config)
    register_extensions(app)
    register_edge(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_logging(app)
    return app


def register_config(app: Flask, test_config: dict[str, Any]) -> None:
    """Validated settings on app.extensions, Flask's own keys on app.config."""
    instance = Path(test_config.pop("INSTANCE_PATH", app.instance_path))
    app.instance_path = str(instance)
    settings = load_settings(instance, env=test_config.pop("ENV", None))
    app.extensions["settings"] = settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False},  # _ping_when_idle instead
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.config.update(test_config)
    if settings.trust_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    if settings.public_base_url.startswith("https://") and not app.testing:
        app.config["SESSION_COOKIE_SECURE"] = True


def register_extensions(app: Flask) -> None:
    """Bind the database, migrations, sessions, CSRF and Redis to this app."""
    from outreach import models  # noqa: F401  (models: registers every table)
    from outreach.extensions import csrf, db, login_manager, migrate
    from outreach.runtime import queues

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    queues.init_app(app)
    with app.app_context():
        _ping_when_idle(db.engine)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)


IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine) -> None:
    """Check a pooled connection with `SELECT 1` when it comes out of the pool after being idle
    IDLE_PING_SECONDS (a restarted database leaves stale ones), not on every checkout as
    pool_pre_ping does: a sender checks one out for each send, a ping each time was 13 % of
    its time."""
    import time

    import sqlalchemy as sa

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as exc:  # the pool drops this connection and connects anew
            raise sa.exc.DisconnectionError() from exc


def _sqlite_pragmas(app: Flask) -> None:
    import sqlalchemy as sa

    from outreach.extensions import db

    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def register_edge(app: Flask) -> None:
    """Bounded ids in URLs, no NUL bytes, security headers (before any blueprint's routes)."""
    from outreach.web.edge import register_edge as register

    register(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per audience, and the helpers their templates share."""
    from outreach.admin import bp as admin_bp
    from outreach.api import bp as api_bp
    from outreach.auth import bp as auth_bp
    from outreach.extensions import csrf
    from outreach.main import bp as main_bp
    from outreach.rep import bp as rep_bp
    from outreach.rep import feed_bp as calendar_bp
    from outreach.simulator import register_simulator
    from outreach.web.helpers import register_helpers
    from outreach.webhooks import bp as webhooks_bp

    register_helpers(app)
    app.register_blueprint(main_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(rep_bp, url_prefix="/rep")
    app.register_blueprint(calendar_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(webhooks_bp)
    csrf.exempt(webhooks_bp)
    register_simulator(app)


def register_errorhandlers(app: Flask) -> None:
    """JSON errors under /api and /twilio, pages elsewhere."""
    from outreach.errors import register

    register(app)


def register_logging(app: Flask) -> None:
    """Plain log lines with ids; never phone numbers or message text."""
    if not app.debug and not app.testing:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
