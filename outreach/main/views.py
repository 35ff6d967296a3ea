"""Home page, /healthz, the favicon, the one-tap link of a page (/a/<token>) and an e-mail's
unsubscribe link (/u/<token>)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import Response, current_app, jsonify, render_template

from outreach.company.settings import get_company_settings
from outreach.conversations import escalation as escalation_service
from outreach.extensions import csrf, db
from outreach.main import bp
from outreach.messaging.emails import customer_of_token, unsubscribe
from outreach.models import utcnow
from outreach.runtime.queues import get_redis


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


@cache
def _favicon() -> bytes:
    return (Path(current_app.static_folder) / "favicon.svg").read_bytes()


@bp.get("/favicon.svg")
def favicon():
    """The app's icon, from memory (a browser cancels icon requests as it navigates; a file
    left open by a cancelled send is a leak)."""
    return Response(_favicon(), mimetype="image/svg+xml")


LINK_STATUS = {"ok": 200, "taken": 200, "unknown": 404, "expired": 410, "used": 410}


def _link_page(check, *, just_taken: bool = False):
    page = check.page
    user = page.user if page is not None else None
    zone = (user.timezone if user is not None else None) or get_company_settings().default_timezone
    return render_template(
        "main/page_link.html",
        check=check,
        page=page,
        escalation=page.escalation if page is not None else None,
        zone=zone,
        just_taken=just_taken,
        number=escalation_service.call_number(page.escalation) if page is not None else None,
    ), LINK_STATUS[check.state]


@bp.get("/a/<token>")
def page_link(token: str):
    """A page's one-tap link: who wrote what, and the button that takes it (no sign-in)."""
    return _link_page(escalation_service.check_link(token, utcnow()))


@bp.post("/a/<token>")
def page_link_take(token: str):
    """Take the page with its link, once."""
    check = escalation_service.take_by_link(token, utcnow())
    return _link_page(check, just_taken=check.state == "ok")


@bp.get("/u/<token>")
def email_unsubscribe(token: str):
    """The unsubscribe link of an e-mail, opened in a browser: one button to confirm."""
    valid = customer_of_token(token) is not None
    return render_template(
        "main/unsubscribe.html", valid=valid, done=False, company=get_company_settings().name
    ), (200 if valid else 404)


@bp.post("/u/<token>")
@csrf.exempt
def email_unsubscribe_post(token: str):
    """RFC 8058 one-click unsubscribe (a mail client's POST, or the button): e-mail stops."""
    customer = unsubscribe(token, utcnow())
    return render_template(
        "main/unsubscribe.html",
        valid=customer is not None,
        done=customer is not None,
        company=get_company_settings().name,
    ), (200 if customer is not None else 404)
