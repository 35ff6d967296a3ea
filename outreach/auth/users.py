"""Managing users from /admin: create, change role and phone, backup and away, deactivate."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.security import generate_password_hash

from outreach.auth import accounts
from outreach.auth.services import end_sessions
from outreach.company.phones import PhoneError, normalize_phone
from outreach.company.settings import zone_names
from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.models import User
from outreach.models.users import ROLES

log = logging.getLogger(__name__)

PASSWORD_MIN = 10
PASSWORD_MAX = 1024


def list_users() -> list[User]:
    """Every user, active ones first, by role and e-mail."""
    return list(
        db.session.scalars(
            sa.select(User)
            .options(joinedload(User.backup))
            .order_by(User.is_active_user.desc(), User.role, User.email)
        )
    )


def get_user(user_id: int) -> User:
    """A user by id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    return user


def check_password(password: str | None, field: str = "password") -> None:
    """Refuse a password that is too short or too long."""
    if not password or len(password) < PASSWORD_MIN:
        raise ValidationError(f"use at least {PASSWORD_MIN} characters", field=field)
    if len(password) > PASSWORD_MAX:
        raise ValidationError(f"use at most {PASSWORD_MAX} characters", field=field)


def create_user(
    email: str, role: str, name: str, phone: str | None, password: str, actor_id: int
) -> User:
    """Create a user who signs in with this password."""
    check_password(password)
    user = accounts.create_user(
        email, role, name=name.strip(), phone=phone or None, password=password
    )
    log.info("user %s (%s) created by user %s", user.id, user.role, actor_id)
    return user


@dataclass(frozen=True)
class UserChanges:
    """What the edit form sends."""

    name: str
    role: str
    phone: str | None
    backup_id: int | None
    is_away: bool
    new_password: str | None = None
    timezone: str | None = None  #: IANA name for times on pages; empty: the company's


def _active_admins_except(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(User.id)).where(
            User.role == "admin", User.is_active_user.is_(True), User.id != user_id
        )
    )


def update_user(user_id: int, changes: UserChanges, actor_id: int) -> User:
    """Change a user's name, role, phone, backup, away flag or password (which ends their
    sessions); all or nothing."""
    user = get_user(user_id)
    if changes.role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}", field="role")
    if user.role == "admin" and changes.role != "admin" and not _active_admins_except(user.id):
        raise Conflict("keep at least one active admin", field="role")
    phone = (changes.phone or "").strip() or None
    if phone:
        try:
            phone = normalize_phone(phone, require_mobile=False)
        except PhoneError as exc:
            raise ValidationError(str(exc), field="phone") from None
    backup = None
    if changes.backup_id is not None:
        if changes.backup_id == user.id:
            raise ValidationError("a user cannot be their own backup", field="backup_id")
        backup = db.session.get(User, changes.backup_id)
        if backup is None or not backup.is_active_user:
            raise ValidationError("choose an active user as backup", field="backup_id")
    if changes.is_away and backup is None:
        raise ValidationError("choose a backup before marking someone away", field="is_away")
    if changes.new_password:
        check_password(changes.new_password, field="new_password")
    name = (changes.name or "").strip()
    if len(name) > 200:
        raise ValidationError("use at most 200 characters", field="name")
    timezone = (changes.timezone or "").strip() or None
    if timezone is not None and timezone not in zone_names():
        raise ValidationError(
            "not a time zone name; use one like America/Chicago", field="timezone"
        )

    user.name = name
    user.role = changes.role
    user.phone = phone
    user.backup_id = backup.id if backup else None
    user.is_away = changes.is_away
    user.timezone = timezone
    if changes.new_password:
        user.password_hash = generate_password_hash(changes.new_password)
        end_sessions(user)
    db.session.commit()
    log.info("user %s changed by user %s", user.id, actor_id)
    return user


def set_active(user_id: int, active: bool, actor_id: int) -> User:
    """Deactivate a user or reactivate them; either way every session of theirs ends and their
    calendar feed address stops (a reactivated rep creates a new one)."""
    user = get_user(user_id)
    if not active:
        if user.id == actor_id:
            raise Conflict("you cannot deactivate yourself")
        if user.role == "admin" and not _active_admins_except(user.id):
            raise Conflict("keep at least one active admin")
    user.is_active_user = active
    user.calendar_token_hash = None
    end_sessions(user)
    db.session.commit()
    log.info("user %s %s by user %s", user.id, "activated" if active else "deactivated", actor_id)
    return user
