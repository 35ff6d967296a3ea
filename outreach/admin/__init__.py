"""Staff pages under /admin (admins and managers; some pages are for admins only)."""

from flask import Blueprint

from outreach.auth.roles import ADMIN, STAFF, protect_blueprint
from outreach.web.helpers import nav_item

bp = Blueprint("admin", __name__)
protect_blueprint(bp, *STAFF)

nav_item("admin.attention", "Needs attention")
nav_item("admin.dashboard", "Dashboard")
nav_item("admin.schedules", "Schedules")
nav_item("admin.queue", "Queue")
nav_item("admin.messages", "Messages")
nav_item("admin.customers", "Customers")
nav_item("admin.conversations", "Conversations")
nav_item("admin.followups", "Follow-ups")
nav_item("admin.optouts", "Opt-outs")
nav_item("admin.jobs", "Jobs")
nav_item("admin.alarm", "Fire alarm")
nav_item("admin.users", "Users", (ADMIN,))
nav_item("admin.tokens", "API tokens", (ADMIN,))
nav_item("admin.settings", "Settings", (ADMIN,))
nav_item("admin.sources", "Event sources", (ADMIN,))

from outreach.admin import (  # noqa: E402,F401
    alarm,
    attention,
    conversations,
    customers,
    dashboard,
    followups,
    jobs_monitor,
    messages,
    optouts,
    queue,
    schedules,
    settings,
    sources,
    tokens,
    users,
)
