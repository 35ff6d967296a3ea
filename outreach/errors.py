"""One error type per failure users can act on, mapped to JSON (API) or a page."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class OutreachError(Exception):
    """A failure the caller can act on: it carries an HTTP status, a code and a message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class BadRequest(OutreachError):
    """A request the server cannot read (malformed JSON, a damaged cursor)."""

    status = 400
    code = "bad_request"


class ValidationError(OutreachError):
    """Input that is well-formed but wrong (a bad phone, zone, duration, template…)."""

    status = 422
    code = "invalid"


class NotFound(OutreachError):
    """The thing asked for does not exist."""

    status = 404
    code = "not_found"


class Conflict(OutreachError):
    """The request is valid but the current state forbids it."""

    status = 409
    code = "conflict"


class Unauthorized(OutreachError):
    """No or a wrong API token."""

    status = 401
    code = "unauthorized"


def error_body(code: str, message: str, field: str | None = None) -> dict:
    """The JSON error shape of SPEC.md."""
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return {"error": error}


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/hooks/"))


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(OutreachError)
    def _outreach_error(exc: OutreachError) -> tuple[Response, int]:
        return jsonify(error_body(exc.code, exc.message, exc.field)), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            response = jsonify(error_body(code, exc.description or exc.name))
            if exc.code == 405 and exc.valid_methods:
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response, exc.code
        own = exc.description if exc.description != type(exc).description else None
        return render_template("error.html", error=exc, detail=own), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return jsonify(error_body("internal", "internal error")), 500
        return render_template("error.html", error=None), 500
