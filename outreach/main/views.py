"""Home page and /healthz."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, render_template

from outreach.extensions import db
from outreach.main import bp
from outreach.queue import get_redis


@bp.get("/")
def home():
    """The page `make demo` opens on: who to sign in as and how to post an event."""
    settings = current_app.extensions["settings"]
    return render_template("main/home.html", base_url=settings.public_base_url)


@bp.get("/healthz")
def healthz():
    """Database and Redis reachability as JSON: 200 when both answer, else 503."""
    checks = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        get_redis().ping()
        checks["redis"] = "ok"
    except Exception as exc:  # any failure to reach Redis is a failed check, not a crash
        checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(
        status="ok" if healthy else "unavailable", checks=checks
    ), 200 if healthy else 503
