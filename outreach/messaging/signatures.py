"""X-Twilio-Signature: checking webhooks against PUBLIC_BASE_URL, and signing as Twilio does."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Request, abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
_OUTBOX_LABEL = b"outreach outbox webhook signing key v1"


def signing_key(app: Flask | None = None) -> str:
    """The secret webhooks are signed with: the Twilio auth token, or for the outbox a key
    derived from SECRET_KEY (so the demo's phone simulator can sign as Twilio does)."""
    settings = (app or current_app).extensions["settings"]
    if settings.transport == "twilio" and settings.twilio_auth_token:
        return settings.twilio_auth_token
    return hmac.new(settings.secret_key.encode(), _OUTBOX_LABEL, hashlib.sha256).hexdigest()


def public_url(path_and_query: str, app: Flask | None = None) -> str:
    """PUBLIC_BASE_URL + path (+ query): the URL Twilio calls and signs."""
    settings = (app or current_app).extensions["settings"]
    return settings.public_base_url + path_and_query


def sign(path_and_query: str, params: Mapping[str, Any], app: Flask | None = None) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of params to this app's path."""
    url = public_url(path_and_query, app)
    return RequestValidator(signing_key(app)).compute_signature(url, dict(params))


def _path_and_query(req: Request) -> str:
    query = req.query_string.decode("latin-1")
    return req.path + (f"?{query}" if query else "")


def is_valid_twilio_request(req: Request | None = None) -> bool:
    """Whether the request carries a valid X-Twilio-Signature for PUBLIC_BASE_URL + path."""
    req = req or request
    signature = req.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    url = public_url(_path_and_query(req))
    params: Any = req.form
    if req.mimetype != "application/x-www-form-urlencoded" and "bodySHA256" in req.args:
        params = req.get_data(as_text=True)  # JSON webhooks sign a hash of the body instead
    return RequestValidator(signing_key()).validate(url, params, signature)


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for webhook views: 403 unless the request is signed as Twilio signs."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_valid_twilio_request():
            log.warning("webhook %s refused: missing or invalid X-Twilio-Signature", request.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapper
