"""What every request and response passes at the edge: ids in URLs that fit the id columns,
no NUL bytes in text, and the security headers.

Twilio's webhooks are the exception for NUL bytes: they are stripped there (a customer's text
is never lost), by outreach.webhooks.params.form_params.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, ValidationError

from outreach.models.base import INT_MAX

NUL_MESSAGE = "text must not contain NUL bytes (\\u0000)"
#: scripts and styles from our own static files only (no inline script, no on…= handlers);
#: fetch only to our own origin; nothing may frame a page
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
#: endpoints whose URL carries a secret token: their Referer shows only our origin (enough for
#: the CSRF check of the take button over HTTPS; "no-referrer" would make it refuse the POST)
TOKEN_ENDPOINTS = frozenset({"main.page_link", "main.page_link_take", "calendar.feed"})


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number that fits an Integer column (1..2**31-1), else 404;
    a longer number is never even parsed."""

    def __init__(self, map, fixed_digits=0, min=1, max=INT_MAX, signed=False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(INT_MAX)):
            raise ValidationError()
        return super().to_python(value)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _body_has_nul() -> bool:
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.form
        return any("\x00" in k or any("\x00" in v for v in form.getlist(k)) for k in form)
    if not request.is_json:  # the API takes only JSON (415 otherwise); pages only forms
        return False
    data = request.get_data(cache=True)
    if b"\\u0000" not in data:  # a raw NUL is malformed JSON: the view answers that
        return False
    try:
        return _has_nul(json.loads(data))
    except (ValueError, RecursionError):  # malformed: the view answers that
        return False


def body_limit() -> None:
    """A view with a `max_body` attribute takes bodies up to that many bytes instead of
    MAX_CONTENT_LENGTH (set before anything reads the body)."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_body", None)
    if limit:
        request.max_content_length = limit


def refuse_nul_bytes() -> None:
    """400 for a NUL byte anywhere in the query or the body (PostgreSQL cannot store one, and
    no person types one); Twilio's webhooks strip them instead. A path with one matches no
    route or no token: a 404."""
    if request.blueprint == "webhooks":
        return
    args = request.args
    if any("\x00" in k or any("\x00" in v for v in args.getlist(k)) for k in args):
        raise BadRequest(NUL_MESSAGE)
    if _body_has_nul():
        raise BadRequest(NUL_MESSAGE)


def security_headers(response: Response) -> Response:
    """CSP, no framing, no sniffing, a Referrer-Policy; no-store on all but static files (staff
    pages, token pages and the API show customers' data; nothing else is worth caching)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    token_url = request.endpoint in TOKEN_ENDPOINTS
    headers.setdefault("Referrer-Policy", "strict-origin" if token_url else "same-origin")
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response


def register_edge(app: Flask) -> None:
    """Bounded `<int:…>` ids (before any route is added), the NUL check, the headers."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(body_limit)
    app.before_request(refuse_nul_bytes)
    app.after_request(security_headers)
