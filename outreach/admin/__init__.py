"""Staff pages under /admin (admins and managers; some pages are for admins only)."""

from flask import Blueprint

from outreach.auth.roles import ADMIN, STAFF, protect_blueprint
from outreach.web import nav_item

bp = Blueprint("admin", __name__)
protect_blueprint(bp, *STAFF)

nav_item("admin.dashboard", "Dashboard")
nav_item("admin.users", "Users", (ADMIN,))
nav_item("admin.tokens", "API tokens", (ADMIN,))
nav_item("admin.settings", "Settings", (ADMIN,))

from outreach.admin import settings, tokens, users, views  # noqa: E402,F401
