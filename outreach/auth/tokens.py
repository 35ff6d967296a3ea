"""API tokens from /admin: list, create (shown once), revoke."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from outreach.auth import accounts
from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.models import ApiToken, utcnow

log = logging.getLogger(__name__)


def list_tokens() -> list[ApiToken]:
    """Every token, live ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken).order_by(
                ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
            )
        )
    )


def create_token(name: str, actor_id: int) -> tuple[ApiToken, str]:
    """A new token named for the system that uses it; the plain token is returned only once."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise ValidationError("a name of 1 to 100 characters is required", field="name")
    row, token = accounts.create_token(name)
    log.info("API token %s created by user %s", row.id, actor_id)
    return row, token


def revoke_token(token_id: int, actor_id: int) -> ApiToken:
    """Revoke a token at once; revoking twice is refused."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("no such token")
    moved = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    if not moved:
        db.session.rollback()
        raise Conflict("this token is already revoked")
    db.session.commit()
    db.session.refresh(row)
    log.info("API token %s revoked by user %s", token_id, actor_id)
    return row
