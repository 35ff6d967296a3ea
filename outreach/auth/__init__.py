"""Sign-in and sign-out pages, roles, and the session user loader."""

from flask import Blueprint

bp = Blueprint("auth", __name__)


from outreach.auth import views  # noqa: E402,F401
