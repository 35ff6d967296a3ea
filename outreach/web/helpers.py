"""Helpers every page uses: times shown in a zone, and the staff navigation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, has_request_context
from flask_login import current_user
from markupsafe import Markup, escape

from outreach.auth.roles import STAFF, has_role
from outreach.company.phones import format_phone
from outreach.company.settings import get_company_settings
from outreach.errors import OutreachError
from outreach.scheduling.timing import local_time, zone_or_utc

#: (endpoint, label, roles): the /admin navigation; pages add themselves with nav_item()
NAV: list[tuple[str, str, tuple[str, ...]]] = []


def nav_item(endpoint: str, label: str, roles: tuple[str, ...] = STAFF) -> None:
    """Add a link to the /admin navigation, shown to users holding one of the roles."""
    if all(item[0] != endpoint for item in NAV):
        NAV.append((endpoint, label, roles))


def visible_nav() -> list[tuple[str, str]]:
    """The navigation links the current user may follow, for pages that exist in this app."""
    endpoints = current_app.view_functions
    return [
        (endpoint, label)
        for endpoint, label, roles in NAV
        if endpoint in endpoints and has_role(current_user, *roles)
    ]


def duration(value: timedelta | None) -> str:
    """A span as a person says it: "under a minute", "14 min", "2 h 5 min", "3 days"."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{hours // 24} days"


def viewer_zone() -> str:
    """The zone the signed-in person reads times in: theirs, else the company's."""
    if has_request_context() and "viewer_zone" in g:
        return g.viewer_zone
    user = current_user if has_request_context() else None
    zone = getattr(user, "timezone", None) or get_company_settings().default_timezone
    if has_request_context():
        g.viewer_zone = zone
    return zone


def when(
    value: datetime | None,
    beside: str | None = None,
    fmt: str = "%a %d %b %H:%M",
    zone: str | None = None,
) -> str:
    """A time in the reader's zone with its abbreviation ("Tue 03 Nov 18:30 CST"), and the
    customer's local time `beside` it when their clock differs ("(17:30 MST for the customer)").

    `zone` names the reader's zone when the page is someone else's (a simulated phone)."""
    if value is None:
        return ""
    zone = zone or viewer_zone()
    shown = local_time(value, zone, fmt)
    if not beside or beside == zone:
        return shown
    mine, theirs = value.astimezone(zone_or_utc(zone)), value.astimezone(zone_or_utc(beside))
    if mine.utcoffset() == theirs.utcoffset() and mine.tzname() == theirs.tzname():
        return shown
    return Markup(
        f'{escape(shown)} <small class="muted theirs">'
        f"({escape(local_time(value, beside, '%a %H:%M'))} for the customer)</small>"
    )


def register_helpers(app: Flask) -> None:
    """Make the time and phone filters, the navigation and has_endpoint available to every
    template."""
    app.add_template_filter(when, "when")
    app.add_template_filter(format_phone, "phone")
    app.add_template_filter(duration, "duration")
    app.context_processor(
        lambda: {
            "admin_nav": visible_nav,
            "has_endpoint": has_endpoint,
        }
    )


def show_error(form: Any, exc: OutreachError) -> None:
    """Show a service's error beside the form field it names, or above the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def has_endpoint(endpoint: str) -> bool:
    """Whether this app has a view by that name (pages link to others' pages only if built)."""
    return endpoint in current_app.view_functions
