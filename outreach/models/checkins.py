"""Check-ins: planned contacts, and the log of every status change."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.extensions import db
from outreach.models.base import UTCDateTime, enum_check, utcnow
from outreach.models.customers import Customer, ServiceEvent
from outreach.models.policies import CHANNELS, Policy
from outreach.models.users import User


class CheckInStatus(StrEnum):
    """A check-in's status; each value is the string stored in checkins.status."""

    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    ANSWERED = "answered"
    CANCELED = "canceled"
    SUPPRESSED = "suppressed"
    DONE = "done"
    MISSED = "missed"


def _group(*statuses: CheckInStatus) -> tuple[CheckInStatus, ...]:
    return tuple(s for s in CheckInStatus if s in statuses)


S = CheckInStatus
#: every status, in the order of a check-in's life
STATUSES = tuple(CheckInStatus)
#: planned and not taken by a sender yet: it can still be canceled, rescheduled, done or missed
PENDING = _group(S.SCHEDULED, S.QUEUED)
#: it may still go out: pending, or claimed by a sender whose call is not recorded yet
UNSETTLED = _group(*PENDING, S.SENDING)
#: it went out: the carrier took it (`sent` and after; Twilio's `failed` means it never left)
WENT_OUT = _group(S.SENT, S.DELIVERED, S.UNDELIVERED, S.ANSWERED)
#: a reply can be linked to it: it went out, or is going out (a reply may beat the callbacks)
REPLYABLE = _group(S.SENDING, *WENT_OUT)
#: the customer was contacted, or may have been (sending), or the rep called (done): it
#: counts against a frequency cap
CONTACTED = _group(*REPLYABLE, S.DONE)
#: nothing more will be sent for it
FINAL = _group(
    S.DELIVERED, S.UNDELIVERED, S.FAILED, S.ANSWERED, S.CANCELED, S.SUPPRESSED, S.DONE, S.MISSED
)
del S
#: the predicate of the partial index behind the admin queue's "upcoming" view
UNSETTLED_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in UNSETTLED))
#: the predicate of the partial index behind the dashboard's rep-call figures
SETTLED_REP_CALLS_SQL = "channel = 'rep_call' AND status IN ('done', 'missed')"
#: the predicate of the partial index behind the rep's list: the rep calls still to make
PENDING_REP_CALLS_SQL = "channel = 'rep_call' AND status IN ({})".format(
    ", ".join(f"'{s.value}'" for s in PENDING)
)
#: the predicate of the partial index of transitions to done (a rep call's done time)
TO_DONE_SQL = "to_status = 'done'"


class CheckIn(db.Model):
    """One planned contact with a customer after an event."""

    __tablename__ = "checkins"
    __table_args__ = (
        enum_check("status", STATUSES, "status"),
        enum_check("channel", CHANNELS, "channel"),
        sa.UniqueConstraint("event_id", "policy_id", name="uq_checkins_event_policy"),
        sa.Index("ix_checkins_status_due_at", "status", "due_at", "id"),
        sa.Index("ix_checkins_due_at_id", "due_at", "id"),
        sa.Index(
            "ix_checkins_unsettled_due_at_id",
            "due_at",
            "id",
            postgresql_where=sa.text(UNSETTLED_SQL),
            sqlite_where=sa.text(UNSETTLED_SQL),
        ),
        sa.Index(
            "ix_checkins_settled_rep_calls",
            "due_at",
            "rep_id",
            "status",
            "deadline_at",
            "id",
            postgresql_where=sa.text(SETTLED_REP_CALLS_SQL),
            sqlite_where=sa.text(SETTLED_REP_CALLS_SQL),
        ),
        sa.Index(
            "ix_checkins_pending_rep_calls",
            "rep_id",
            "due_at",
            "id",
            postgresql_where=sa.text(PENDING_REP_CALLS_SQL),
            sqlite_where=sa.text(PENDING_REP_CALLS_SQL),
        ),
        sa.Index("ix_checkins_customer_status", "customer_id", "status"),
        sa.Index("ix_checkins_rep_status_due", "rep_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("service_events.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    policy_id: Mapped[int] = mapped_column(sa.ForeignKey("policies.id", ondelete="RESTRICT"))
    rep_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    fallback_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL")
    )  #: the missed rep call this check-in replaces
    channel: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), default=CheckInStatus.SCHEDULED.value)
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")  #: why it is in this status
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timing_reason: Mapped[str] = mapped_column(sa.Text, default="")  #: why due_at is what it is
    earliest_at: Mapped[datetime] = mapped_column(UTCDateTime())  #: event time + delay
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  #: rep_call only
    reminded_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime()
    )  #: rep_call: when the rep reminder step took it (one SMS reminder, once)
    timezone: Mapped[str] = mapped_column(sa.String(64))  #: the customer zone used for timing
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  #: sending is owned until
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    job_id: Mapped[str | None] = mapped_column(sa.String(64))  #: RQ job carrying it when queued
    outcome: Mapped[str | None] = mapped_column(sa.String(32))  #: rep_call: reached, voicemail…
    outcome_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: Mapped[ServiceEvent] = relationship()
    customer: Mapped[Customer] = relationship()
    policy: Mapped[Policy] = relationship()
    rep: Mapped[User | None] = relationship()
    transitions: Mapped[list[CheckInTransition]] = relationship(
        back_populates="checkin", order_by="CheckInTransition.id"
    )


class CheckInTransition(db.Model):
    """A status change of a check-in, with its reason."""

    __tablename__ = "checkin_transitions"
    __table_args__ = (
        sa.Index(
            "ix_checkin_transitions_done",
            "checkin_id",
            "created_at",
            postgresql_where=sa.text(TO_DONE_SQL),
            sqlite_where=sa.text(TO_DONE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(sa.String(16))
    to_status: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    checkin: Mapped[CheckIn] = relationship(back_populates="transitions")


class CheckInFigures(db.Model):
    """Check-ins that went out in a 15-minute UTC bucket, and how many of them got a reply.

    A rollup of checkin_transitions and replies kept by outreach.scheduling.transitions in the
    same transaction as the change; a few rows per bucket (`shard`: the writing process) so that
    concurrent writers rarely wait for one row. `outreach rebuild-figures` recounts it.
    """

    __tablename__ = "checkin_figures"

    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    went_out: Mapped[int] = mapped_column(default=0)  #: check-ins that first went out then
    replied: Mapped[int] = mapped_column(default=0)  #: of those, how many have a reply
