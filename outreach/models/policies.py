"""Policies (schedules): when and how to check in after an event type."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.extensions import db
from outreach.models.base import UTCDateTime, enum_check, utcnow

CHANNELS = ("sms", "voice", "rep_call", "email")


class Policy(db.Model):
    """For events of a type: a check-in on a channel after a delay, inside a window."""

    __tablename__ = "policies"
    __table_args__ = (
        enum_check("channel", CHANNELS, "channel"),
        sa.Index("ix_policies_event_type_active", "event_type", "is_active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    event_type: Mapped[str] = mapped_column(sa.String(64))
    channel: Mapped[str] = mapped_column(sa.String(16))
    delay: Mapped[str] = mapped_column(sa.String(32))  #: ISO-8601 duration after the event
    window_start: Mapped[str | None] = mapped_column(sa.String(5))  #: HH:MM local
    window_end: Mapped[str | None] = mapped_column(sa.String(5))  #: HH:MM local
    window_days: Mapped[str | None] = mapped_column(sa.String(40))  #: "mon,tue,…"
    template: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str | None] = mapped_column(sa.String(400))  #: email: the subject template
    expire_after: Mapped[str | None] = mapped_column(sa.String(32))  #: latest useful time
    frequency_cap: Mapped[str | None] = mapped_column(sa.String(32))  #: per customer
    deadline: Mapped[str | None] = mapped_column(sa.String(32))  #: rep_call: then the fallback
    fallback_policy_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("policies.id", ondelete="SET NULL")
    )
    skip_if_answered: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_deleted: Mapped[bool] = mapped_column(default=False)  #: kept for the check-ins it planned
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    fallback_policy: Mapped[Policy | None] = relationship(remote_side=[id])
