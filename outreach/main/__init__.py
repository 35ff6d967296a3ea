"""Public pages: the home page that explains the demo, the health check, and the one-tap link
a paged staff member opens from their text (the token is the credential)."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from outreach.main import views  # noqa: E402,F401
