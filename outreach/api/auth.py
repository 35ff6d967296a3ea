"""Bearer-token authentication for every API route except the public OpenAPI document."""

from __future__ import annotations

from flask import g, request

from outreach.auth.accounts import authenticate_token
from outreach.errors import Unauthorized

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})


def require_token() -> None:
    """Before each API request: a live `Authorization: Bearer …` token, else 401."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.method == "OPTIONS":
        return
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("an API token is required: Authorization: Bearer <token>")
    row = authenticate_token(token.strip())
    if row is None:
        raise Unauthorized("the API token is wrong or revoked")
    g.api_token_id = row.id
