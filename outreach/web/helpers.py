"""Helpers every page uses: times shown in a zone, and the staff navigation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask_login import current_user

from outreach.auth.roles import STAFF, has_role
from outreach.company.phones import format_phone
from outreach.errors import OutreachError
from outreach.scheduling.timing import local_time

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


def register_helpers(app: Flask) -> None:
    """Make the time and phone filters, the navigation and has_endpoint available to every
    template."""
    app.add_template_filter(local_time, "localtime")
    app.add_template_filter(format_phone, "phone")
    app.add_template_filter(duration, "duration")
    app.context_processor(lambda: {"admin_nav": visible_nav, "has_endpoint": has_endpoint})


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
