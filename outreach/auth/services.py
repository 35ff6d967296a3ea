"""Signing in: password checks, the failed sign-in limit, sessions and safe redirects."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import urlsplit

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from outreach.errors import OutreachError
from outreach.extensions import db, login_manager
from outreach.models import User

log = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 5  #: wrong passwords in a row before the account is locked
LOCK_DURATION = timedelta(minutes=15)
SIGN_IN_REFUSED = "Wrong e-mail or password, or too many attempts. Try again in a few minutes."


class SignInRefused(OutreachError):
    """Sign-in failed; the message is the same whatever the reason, so it reveals nothing."""

    status = 401
    code = "sign_in_refused"


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a password of anyone")


def authenticate(email: str, password: str, now: datetime) -> User:
    """The active user with this e-mail and password; counts failures and locks the account."""
    email = (email or "").strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email)) if email else None
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")  # same work whether or not it exists
        log.info("sign-in refused: unknown account")
        raise SignInRefused(SIGN_IN_REFUSED)
    if user.locked_until is not None and user.locked_until > now:
        check_password_hash(_dummy_hash(), password or "")
        log.info("sign-in refused: user %s is locked", user.id)
        raise SignInRefused(SIGN_IN_REFUSED)
    if not check_password_hash(user.password_hash, password or ""):
        _record_failure(user.id, now)
        raise SignInRefused(SIGN_IN_REFUSED)
    if not user.is_active_user:
        log.info("sign-in refused: user %s is deactivated", user.id)
        raise SignInRefused(SIGN_IN_REFUSED)
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins = 0
        user.locked_until = None
        db.session.commit()
    log.info("user %s signed in", user.id)
    return user


def _record_failure(user_id: int, now: datetime) -> None:
    """Count one wrong password atomically; the fifth in a row locks the account."""
    failed = db.session.scalar(
        sa.update(User)
        .where(User.id == user_id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    )
    if failed is not None and failed >= MAX_FAILED_LOGINS:
        db.session.execute(
            sa.update(User)
            .where(User.id == user_id)
            .values(failed_logins=0, locked_until=now + LOCK_DURATION)
        )
        log.warning("user %s locked after %s failed sign-ins", user_id, failed)
    else:
        log.info("sign-in refused: wrong password for user %s", user_id)
    db.session.commit()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a session; a deactivated user's sessions end at once."""
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active_user:
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """The target if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
