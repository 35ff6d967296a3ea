"""Public pages: the home page that explains the demo, and the health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from outreach.main import views  # noqa: E402,F401
