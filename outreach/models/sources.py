"""Where events come from: inbound webhook sources, and the alerts sent out to a chat webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from outreach.extensions import db
from outreach.models.base import UTCDateTime, enum_check, utcnow

SIGNATURE_ENCODINGS = ("hex", "base64")  #: how the HMAC-SHA256 digest is written in the header
CHAT_ALERT_KINDS = ("urgent", "escalated", "unanswered")
CHAT_ALERT_STATUSES = ("pending", "sent", "failed")


class EventSource(db.Model):
    """A helpdesk, CRM or field-service tool that posts events to /hooks/<slug>."""

    __tablename__ = "event_sources"
    __table_args__ = (enum_check("signature_encoding", SIGNATURE_ENCODINGS, "signature_encoding"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)  #: the URL's /hooks/<slug>
    name: Mapped[str] = mapped_column(sa.String(200))
    #: the shared secret, encrypted with a key derived from SECRET_KEY (Fernet)
    secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    signature_header: Mapped[str] = mapped_column(sa.String(100))
    signature_encoding: Mapped[str] = mapped_column(sa.String(8), default="hex")
    #: when set, the signed text is this header's value followed by the body, and a timestamp
    #: further than `tolerance_seconds` from now is refused (a replayed request)
    timestamp_header: Mapped[str | None] = mapped_column(sa.String(100))
    tolerance_seconds: Mapped[int] = mapped_column(default=300)
    #: {"fields": {event field: rule}, "only_when": [condition]} (outreach.events.mapping)
    mapping: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    is_active: Mapped[bool] = mapped_column(default=True)
    received_count: Mapped[int] = mapped_column(default=0)  #: events stored from it
    last_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ChatAlert(db.Model):
    """One message to the company's chat webhook about an urgent reply; sent by a job."""

    __tablename__ = "chat_alerts"
    __table_args__ = (
        enum_check("kind", CHAT_ALERT_KINDS, "kind"),
        enum_check("status", CHAT_ALERT_STATUSES, "status"),
        sa.Index("ix_chat_alerts_status_next_try", "status", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    #: pending: when the sweeper may hand it to a job (again); a handed-over alert is leased
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.String(200))  #: "HTTP 500", "timeout"…
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
