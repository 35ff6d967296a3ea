"""Who may see which page: roles admin, manager and rep (docs/roles.md)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, url_for
from flask_login import current_user

from outreach.extensions import db, login_manager
from outreach.models import User

ADMIN, MANAGER, REP = "admin", "manager", "rep"
STAFF = (ADMIN, MANAGER)  #: every /admin page unless it says otherwise
REP_PAGES = (REP,)  #: /rep and its actions (admins are let in too)


def has_role(user: Any, *roles: str) -> bool:
    """Whether a signed-in user holds one of the roles; an admin holds every role."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role == ADMIN or user.role in roles


def check_roles(*roles: str) -> None:
    """Send an anonymous user to sign in, and refuse (403) a user without one of the roles."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not has_role(current_user, *roles):
        abort(403)


def role_required(*roles: str) -> Callable:
    """Decorate a view so only users with one of the roles (or admins) reach it."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            check_roles(*roles)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorator


def protect_blueprint(bp: Blueprint, *roles: str) -> None:
    """Require one of the roles for every view of a blueprint, including views added later."""
    bp.before_request(lambda: check_roles(*roles))


def home_url(user: Any) -> str:
    """Where a user lands after signing in: /admin (the attention list) for staff, /rep for
    reps."""
    return url_for("admin.attention") if user.role in STAFF else url_for("rep.index")


def owner_ids_for(user: User) -> sa.Select:
    """The user, and the away (or deactivated) colleagues whose backup the user is."""
    covered = sa.or_(User.is_away.is_(True), User.is_active_user.is_(False))
    return sa.select(User.id).where(
        sa.or_(User.id == user.id, sa.and_(User.backup_id == user.id, covered))
    )


def may_work_on(user: User, owner_id: int | None) -> bool:
    """Whether the user may act on an item owned by owner_id (own, covering, or an admin)."""
    if user.role == ADMIN or owner_id == user.id:
        return True
    return bool(
        owner_id
        and db.session.scalar(
            sa.select(User.id).where(User.id == owner_id).where(User.id.in_(owner_ids_for(user)))
        )
    )
