"""Every SMS and call in and out, every status callback, and the replies they carry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.extensions import db
from outreach.models.base import UTCDateTime, enum_check, utcnow
from outreach.models.users import User

DIRECTIONS = ("outbound", "inbound")
CALL_PURPOSES = ("voice_checkin", "click_to_call", "conference")
CONFERENCE_PARTIES = ("rep", "customer", "guest")
#: calling_rep -> confirmed (the rep pressed 1) -> joining (the others are dialed) -> ended;
#: not_answered (no answer, or no 1) / failed when the rep never was in
CONFERENCE_STATUSES = ("calling_rep", "confirmed", "joining", "ended", "not_answered", "failed")
MESSAGE_KINDS = (
    "checkin",
    "rep_reminder",
    "manager_alert",
    "acknowledgement",
    "reassurance",
    "help",
    "manual",
    "followup_reminder",
    "reply",
    "page",
    "page_answer",
    "staff_reply",
)
TRIAGE_CLASSES = (
    "positive",
    "neutral",
    "negative",
    "urgent",
    "callback_requested",
    "question",
    "wrong_number",
    "opt_out",
    "opt_in",
    "help",
    "needs_review",
)


class Message(db.Model):
    """One SMS, outbound or inbound."""

    __tablename__ = "messages"
    __table_args__ = (
        enum_check("direction", DIRECTIONS, "direction"),
        enum_check("kind", MESSAGE_KINDS, "kind"),
        sa.Index("ix_messages_customer_created", "customer_id", "created_at"),
        sa.Index("ix_messages_to_created", "to_number", "created_at"),
        sa.Index("ix_messages_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(8))
    kind: Mapped[str] = mapped_column(sa.String(20))
    checkin_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    to_number: Mapped[str] = mapped_column(sa.String(20))
    from_number: Mapped[str | None] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    twilio_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="sending")
    error_code: Mapped[int | None] = mapped_column()
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    num_segments: Mapped[int | None] = mapped_column()
    encoding: Mapped[str | None] = mapped_column(sa.String(8))  #: GSM-7 or UCS-2
    media_urls: Mapped[list[str] | None] = mapped_column(sa.JSON)
    is_flagged: Mapped[bool] = mapped_column(default=False)  #: inbound from an unknown number
    in_reply_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )  #: the inbound message this outbound one answers (TwiML acknowledgement, help)
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    status_events: Mapped[list[MessageStatusEvent]] = relationship(
        back_populates="message", order_by="MessageStatusEvent.id"
    )


class MessageStatusEvent(db.Model):
    """One status callback as Twilio sent it, duplicates included."""

    __tablename__ = "message_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    twilio_sid: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    error_code: Mapped[int | None] = mapped_column()
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    is_applied: Mapped[bool] = mapped_column(default=False)  #: it moved the message forward
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    message: Mapped[Message | None] = relationship(back_populates="status_events")


class Call(db.Model):
    """An automated check-in call, a rep's click-to-call bridge or one leg of a three-way call."""

    __tablename__ = "calls"
    __table_args__ = (
        enum_check("direction", DIRECTIONS, "direction"),
        enum_check("purpose", CALL_PURPOSES, "purpose"),
        enum_check("party", CONFERENCE_PARTIES, "party"),
        sa.Index("ix_calls_customer_created", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(8), default="outbound")
    purpose: Mapped[str] = mapped_column(sa.String(16))
    checkin_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    to_number: Mapped[str] = mapped_column(sa.String(20))
    from_number: Mapped[str | None] = mapped_column(sa.String(40))
    twilio_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="initiated")
    answered_by: Mapped[str | None] = mapped_column(sa.String(32))  #: human, machine_start…
    duration_seconds: Mapped[int | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(sa.String(32))
    error_code: Mapped[int | None] = mapped_column()
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    conference_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    party: Mapped[str | None] = mapped_column(sa.String(16))  #: rep, customer or guest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship(viewonly=True)
    conference: Mapped[Conference | None] = relationship(viewonly=True)


class Conference(db.Model):
    """A three-way call: the rep first, then the customer and a colleague in one conference."""

    __tablename__ = "conferences"
    __table_args__ = (
        enum_check("status", CONFERENCE_STATUSES, "status"),
        sa.Index("ix_conferences_customer_created", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    friendly_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    twilio_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL")
    )
    followup_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("followups.id", ondelete="SET NULL", use_alter=True)
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    guest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(16), default="calling_rep")
    outcome: Mapped[str | None] = mapped_column(sa.String(32))
    #: the customer's id while this call may still ring: unique, so one at a time per customer
    busy_key: Mapped[int | None] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CallStatusEvent(db.Model):
    """One call status callback as Twilio sent it."""

    __tablename__ = "call_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True
    )
    twilio_sid: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


EMAIL_KINDS = ("checkin", "manual", "acknowledgement", "reassurance", "reply")


class Email(db.Model):
    """One e-mail, outbound (an attempt through SMTP) or inbound (a reply from the inbound hook).

    `message_id` is the Message-ID header (ours, derived from the attempt, set before DATA; or
    the sender's for an inbound one: it makes an inbound post idempotent). `accepted_id` holds
    the same Message-ID once the SMTP server accepted the message (or its outcome after DATA is
    unknown): the engine's mark that this attempt went out."""

    __tablename__ = "emails"
    __table_args__ = (
        enum_check("direction", DIRECTIONS, "direction"),
        enum_check("kind", EMAIL_KINDS, "kind"),
        sa.Index("ix_emails_customer_created", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(sa.String(8))
    kind: Mapped[str] = mapped_column(sa.String(20))
    checkin_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    from_address: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(400), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    message_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    accepted_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(255))  #: the header, as written
    in_reply_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("emails.id", ondelete="SET NULL")
    )  #: the inbound e-mail this outbound one answers
    status: Mapped[str] = mapped_column(sa.String(20), default="sending")
    error_code: Mapped[int | None] = mapped_column()  #: the SMTP reply code of a refusal
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    attempt_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    data_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  #: DATA began: maybe sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Reply(db.Model):
    """What a customer said (SMS text or a voice Gather result), with its triage."""

    __tablename__ = "replies"
    __table_args__ = (
        sa.CheckConstraint(
            "triage_class IS NULL OR triage_class IN ("
            + ", ".join(f"'{c}'" for c in TRIAGE_CLASSES)
            + ")",
            name="triage_class",
        ),
        sa.Index("ix_replies_customer_created", "customer_id", "created_at"),
        sa.Index("ix_replies_created_class", "created_at", "triage_class"),  #: per-day counts
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL")
    )
    checkin_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="SET NULL"), unique=True
    )
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id", ondelete="SET NULL"))
    email_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("emails.id", ondelete="SET NULL"), unique=True
    )
    source: Mapped[str] = mapped_column(sa.String(8))  #: sms, voice or email
    text: Mapped[str] = mapped_column(sa.Text, default="")
    rating: Mapped[int | None] = mapped_column()
    triage_class: Mapped[str | None] = mapped_column(sa.String(20))
    evidence: Mapped[str | None] = mapped_column(sa.Text)  #: the words or rating that decided it
    sentiment: Mapped[float | None] = mapped_column()
    is_unsolicited: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
