"""Customers, their service events and their consent to be contacted."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.extensions import db
from outreach.models.base import UTCDateTime, enum_check, utcnow
from outreach.models.users import User

CONSENT_CHANNELS = ("sms", "voice", "email", "all")
CONSENT_STATES = ("opted_out", "opted_in")
EVENT_SOURCES = ("api", "csv", "demo", "webhook")  #: where a service event came from
#: the predicate of the partial index of opted-out customers (queries use this very text)
OPTED_OUT_SQL = "is_opted_out = true"


class Customer(db.Model):
    """Someone a business serves; upserted by external_id."""

    __tablename__ = "customers"
    __table_args__ = (
        #: the few paused customers, for the sweeper's claim (a partial index: it stays tiny)
        sa.Index(
            "ix_customers_paused",
            "id",
            postgresql_where=sa.text("paused_at IS NOT NULL"),
            sqlite_where=sa.text("paused_at IS NOT NULL"),
        ),
        sa.Index("ix_customers_name_id", "name", "id"),  #: the directory's order
        #: the few opted-out customers, counted on the opt-outs page
        sa.Index(
            "ix_customers_opted_out",
            "id",
            postgresql_where=sa.text(OPTED_OUT_SQL),
            sqlite_where=sa.text(OPTED_OUT_SQL),
        ),
        #: the conversations list: customers with messages by their latest, those without by
        #: their last change (two keyset scans merged)
        sa.Index(
            "ix_customers_last_message_at_id",
            "last_message_at",
            "id",
            postgresql_where=sa.text("last_message_at IS NOT NULL"),
            sqlite_where=sa.text("last_message_at IS NOT NULL"),
        ),
        sa.Index(
            "ix_customers_quiet_updated_at_id",
            "updated_at",
            "id",
            postgresql_where=sa.text("last_message_at IS NULL"),
            sqlite_where=sa.text("last_message_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(20), index=True)  #: E.164
    email: Mapped[str | None] = mapped_column(sa.String(254))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))  #: IANA name from the record
    is_opted_out: Mapped[bool] = mapped_column(default=False)  #: derived from the consent log
    is_wrong_number: Mapped[bool] = mapped_column(default=False)
    is_happy: Mapped[bool] = mapped_column(default=False)
    #: automated check-ins held since then: a probable opt-out waits for a person to decide
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused_reason: Mapped[str | None] = mapped_column(sa.String(200))  #: why, with the reply id
    #: the newest message's created_at, kept by outreach.customers.activity
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    events: Mapped[list[ServiceEvent]] = relationship(back_populates="customer")


class ServiceEvent(db.Model):
    """An install, repair, delivery or closed ticket; idempotent on external_id."""

    __tablename__ = "service_events"
    __table_args__ = (
        sa.Index("ix_service_events_customer_occurred", "customer_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    type: Mapped[str] = mapped_column(sa.String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    rep_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(16), default="api")  #: EVENT_SOURCES
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="events")
    rep: Mapped[User | None] = relationship()


class Consent(db.Model):
    """One change of a customer's consent on a channel, with where it came from."""

    __tablename__ = "consents"
    __table_args__ = (
        enum_check("channel", CONSENT_CHANNELS, "channel"),
        enum_check("state", CONSENT_STATES, "state"),
        sa.Index("ix_consents_customer_created", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(8), default="all")
    state: Mapped[str] = mapped_column(sa.String(16))
    source: Mapped[str] = mapped_column(
        sa.String(32)
    )  #: keyword, twilio_opt_out_type, error_21610, admin, unsubscribe, bounce, complaint
    evidence: Mapped[str | None] = mapped_column(sa.String(200))  #: the keyword or error code
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CustomerMerge(db.Model):
    """A duplicate folded into this customer: who it was, who merged it and what moved."""

    __tablename__ = "customer_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the customer kept (the merged one's history now belongs to it)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    merged_customer_id: Mapped[int]  #: the removed customer's id (that row is gone)
    merged_external_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    merged_name: Mapped[str] = mapped_column(sa.String(200))
    merged_phone: Mapped[str] = mapped_column(sa.String(20))
    merged_email: Mapped[str | None] = mapped_column(sa.String(254))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    moved: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)  #: rows moved per table
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User | None] = relationship()
