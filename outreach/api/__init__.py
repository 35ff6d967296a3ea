"""REST API v1 for other systems: events in, check-ins and timelines out."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from outreach.api import views  # noqa: E402,F401
