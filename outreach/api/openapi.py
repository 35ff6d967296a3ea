"""The OpenAPI 3 description of API v1, built once from Python data."""

from __future__ import annotations

from functools import cache


@cache
def spec() -> dict:
    """The OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Outreach API", "version": "1"},
        "paths": {},
    }
