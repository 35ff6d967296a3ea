"""Signing in: password checks, throttling, revocable sessions and safe redirects."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

import redis
import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from outreach.auth.throttle import Throttle
from outreach.errors import OutreachError
from outreach.extensions import db, login_manager
from outreach.models import User
from outreach.runtime.queues import get_redis

log = logging.getLogger(__name__)

SIGN_IN_REFUSED = "Wrong e-mail or password."


class SignInRefused(OutreachError):
    """Sign-in failed; the message is the same whatever the reason, so it reveals nothing."""

    status = 401
    code = "sign_in_refused"


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a password of anyone")


def authenticate(email: str, password: str, now: datetime, address: str | None = None) -> User:
    """The active user with this e-mail and password, unless attempts from this address or on
    this account must wait (SignInThrottled); a wrong password is counted, never locks."""
    email = (email or "").strip().lower()
    at = now.timestamp()
    throttle = Throttle(get_redis())
    _redis_call(throttle.check, email, address, at)
    user = db.session.scalar(sa.select(User).where(User.email == email)) if email else None
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")  # same work whether or not it exists
        log.info("sign-in refused: unknown account")
    elif not check_password_hash(user.password_hash, password or ""):
        log.info("sign-in refused: wrong password for user %s", user.id)
    elif not user.is_active_user:
        log.info("sign-in refused: user %s is deactivated", user.id)
    else:
        _redis_call(throttle.succeeded, email, address, at)
        log.info("user %s signed in", user.id)
        return user
    _redis_call(throttle.failed, email, address, at)
    raise SignInRefused(SIGN_IN_REFUSED)


def _redis_call(action: Callable[..., None], *args: object) -> None:
    """Run a throttle action; while Redis is down, sign-in goes on unthrottled (logged)."""
    try:
        action(*args)
    except redis.RedisError as exc:
        log.error("sign-in throttling unavailable: %s", type(exc).__name__)


def end_sessions(user: User) -> None:
    """End every session of the user, on every device, at the caller's commit: the session
    version in their cookies no longer matches."""
    user.session_version = User.session_version + 1


def sign_out(user: User) -> None:
    """Sign the user out everywhere (every session of theirs ends, not just this one)."""
    end_sessions(user)
    db.session.commit()
    log.info("user %s signed out", user.id)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session ("id:version"); refused once the user's session version moved
    on (sign-out, password change, deactivation, reactivation) or the user is deactivated."""
    user_id, _, version = (session_id or "").partition(":")
    try:
        user = db.session.get(User, int(user_id))
        version_number = int(version)
    except ValueError:
        return None
    if user is None or not user.is_active_user or user.session_version != version_number:
        return None
    return user


def safe_next(target: str | None, under: str = "/") -> str | None:
    """The target if it is a path on this site starting with `under`, else None (no open
    redirects)."""
    if not target:
        return None
    target = target.strip()
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    if not target.startswith(under) or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
