"""People who use Outreach, and the API tokens other systems use."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.extensions import db
from outreach.models.base import UTCDateTime, enum_check, utcnow

ROLES = ("admin", "manager", "rep")


class User(UserMixin, db.Model):
    """An admin, manager or rep."""

    __tablename__ = "users"
    __table_args__ = (enum_check("role", ROLES, "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(16))
    phone: Mapped[str | None] = mapped_column(sa.String(20))  #: E.164, for reminders and alerts
    timezone: Mapped[str | None] = mapped_column(
        sa.String(64)
    )  #: IANA name pages show times in (None: the company's zone)
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    is_active_user: Mapped[bool] = mapped_column(default=True)
    is_away: Mapped[bool] = mapped_column(default=False)  #: follow-ups go to the backup meanwhile
    backup_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    session_version: Mapped[int] = mapped_column(
        default=0
    )  #: in every session cookie; raising it ends all of the user's sessions
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    backup: Mapped[User | None] = relationship(remote_side=[id])

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_user

    def get_id(self) -> str:  # Flask-Login: what the session cookie carries
        """The user's id and session version, "12:3"; a bumped version ends older sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def display_name(self) -> str:
        """The name to show, falling back to the e-mail address."""
        return self.name or self.email


class ApiToken(db.Model):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))  #: first characters, to recognise a token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
