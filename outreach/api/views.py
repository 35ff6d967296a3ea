"""API views: parse, call a service, serialise."""

from __future__ import annotations

from flask import jsonify

from outreach.api import bp
from outreach.api.openapi import spec


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(spec())
