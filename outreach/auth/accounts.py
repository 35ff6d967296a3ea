"""Users and API tokens: creation, hashing and look-up."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from outreach.company.phones import PhoneError, normalize_phone
from outreach.errors import Conflict, ValidationError
from outreach.extensions import db
from outreach.models import ApiToken, User, utcnow
from outreach.models.users import ROLES

LAST_USED_STEP = timedelta(minutes=1)  #: ApiToken.last_used_at is written at most this often

TOKEN_PREFIX = "otk_"


def hash_token(token: str) -> str:
    """SHA-256 of a bearer token (tokens are random, so no salt or stretching is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    email: str, role: str, name: str = "", phone: str | None = None, password: str | None = None
) -> User:
    """Create a user; the password, if any, is stored hashed."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationError("not an e-mail address", field="email")
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}", field="role")
    if phone:
        try:
            phone = normalize_phone(phone, require_mobile=False)
        except PhoneError as exc:
            raise ValidationError(str(exc), field="phone") from None
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Conflict(f"a user with e-mail {email} exists", field="email")
    user = User(email=email, role=role, name=name, phone=phone)
    if password:
        user.password_hash = generate_password_hash(password)
    db.session.add(user)
    db.session.commit()
    return user


def create_token(name: str) -> tuple[ApiToken, str]:
    """Create an API token; returns the row and the token, which is shown only this once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=hash_token(token), prefix=token[:10])
    db.session.add(row)
    db.session.commit()
    return row, token


def authenticate_token(token: str) -> ApiToken | None:
    """The live token row matching a bearer token, or None; records its last use, to the
    minute (a token used all the time is written at most once a minute)."""
    row = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    now = utcnow()
    if row is not None and (row.last_used_at is None or now - row.last_used_at >= LAST_USED_STEP):
        row_id = row.id
        db.session.execute(
            sa.update(ApiToken)
            .where(ApiToken.id == row_id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return row
