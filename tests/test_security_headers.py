"""Every response carries the security headers; staff, token and API answers are never cached;
and no template has anything the Content-Security-Policy would block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from web_helpers import isolated_client, make_user, sign_in

from outreach.reporting.calendar import create_feed_token
from outreach.web.edge import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def admin(app):
    """A client signed in as an admin."""
    client = isolated_client(app)
    sign_in(client, make_user("admin"))
    return client


def _directives(policy: str) -> dict[str, str]:
    return dict(d.strip().split(" ", 1) for d in policy.split(";"))


def assert_secure(response) -> None:
    """The headers every response must carry."""
    headers = response.headers
    csp = _directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == "'none'"
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["script-src"] == "'self'"  # our own static files only: no inline script
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path,status",
    [
        ("/admin", 200),
        ("/admin/queue", 200),
        ("/admin/conversations", 200),
        ("/admin/settings", 200),
        ("/admin/tokens", 200),
        ("/rep", 200),
        ("/simulator", 200),
        ("/admin/users/2147483648", 404),
    ],
)
def test_staff_pages_carry_the_headers_and_are_never_cached(admin, path, status):
    response = admin.get(path)

    assert response.status_code == status
    assert_secure(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_token_pages_send_no_path_in_the_referrer_and_are_never_cached(app, db):
    client = isolated_client(app)
    rep = make_user("rep")
    feed = create_feed_token(rep)
    db.session.commit()

    for path in ("/a/not-a-real-token", f"/calendar/{feed}.ics"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_secure(response)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Referrer-Policy"] == "strict-origin", path
    taken = client.post("/a/not-a-real-token")
    assert taken.headers["Referrer-Policy"] == "strict-origin"


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/no-such-page"])
def test_public_pages_carry_the_headers(client, path):
    response = client.get(path)

    assert_secure(response)
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_api_answers_and_errors_carry_the_headers_and_are_never_cached(client, auth):
    for response in (
        client.get("/api/v1/checkins", headers=auth),
        client.get("/api/v1/checkins"),  # 401
        client.get("/api/v1/checkins?limit=x", headers=auth),  # 422
    ):
        assert_secure(response)
        assert response.headers["Cache-Control"] == "no-store"


def test_static_files_carry_the_headers_and_may_be_cached(client):
    response = client.get("/static/outreach.css")

    assert response.status_code == 200
    assert_secure(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_a_twilio_webhook_answer_carries_the_headers(client):
    response = client.post("/twilio/sms/inbound", data={"Body": "hi"})

    assert response.status_code == 403
    assert_secure(response)


def test_the_policy_is_the_one_documented():
    assert _directives(CONTENT_SECURITY_POLICY) == {
        "default-src": "'none'",
        "script-src": "'self'",
        "connect-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
    }


@pytest.mark.parametrize(
    "pattern,what",
    [
        (r"<script(?![^>]*\ssrc=\"\{\{ url_for\('static')", "an inline script"),
        (r"\sstyle\s*=", "an inline style attribute"),
        (r"<style", "a <style> element"),
        (r"\son[a-z]+\s*=", "an inline event handler"),
        (r"javascript:", "a javascript: URL"),
        (r"(src|href|action)\s*=\s*\"https?://", "a resource from another site"),
    ],
)
def test_no_template_has_what_the_policy_blocks(pattern, what):
    found = [
        f"{path.relative_to(TEMPLATES)}:{n}"
        for path in TEMPLATES.rglob("*.html")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(pattern, line, re.IGNORECASE)
    ]
    assert found == [], f"{what} in {found}: move it to a static file or a CSS class"
