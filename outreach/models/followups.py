"""Follow-ups: promises with an owner and a due date."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.extensions import db
from outreach.models.base import UTCDateTime, enum_check, utcnow
from outreach.models.customers import Customer
from outreach.models.users import User

FOLLOWUP_STATES = ("open", "done", "overdue", "escalated")
OPEN_FOLLOWUP_STATES = ("open", "overdue", "escalated")  #: not yet kept
PRIORITIES = ("low", "normal", "high", "urgent")
FOLLOWUP_KINDS = ("issue", "callback", "urgent")


class FollowUp(db.Model):
    """A promise made to a customer, kept by its owner by due_at."""

    __tablename__ = "followups"
    __table_args__ = (
        enum_check("state", FOLLOWUP_STATES, "state"),
        enum_check("priority", PRIORITIES, "priority"),
        enum_check("kind", FOLLOWUP_KINDS, "kind"),
        sa.Index("ix_followups_state_due_at_id", "state", "due_at", "id"),  #: the board's pages
        sa.Index("ix_followups_owner_state_due_at_id", "owner_id", "state", "due_at", "id"),
        sa.Index("ix_followups_owner_state_done_at_id", "owner_id", "state", "done_at", "id"),
        sa.Index("ix_followups_due_state_done", "due_at", "state", "done_at"),  #: per-day counts
        sa.Index("ix_followups_state_done_at_id", "state", "done_at", "id"),  #: done lately
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    checkin_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL")
    )
    reply_id: Mapped[int | None] = mapped_column(sa.ForeignKey("replies.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(16), default="issue")
    priority: Mapped[str] = mapped_column(sa.String(8), default="normal")
    state: Mapped[str] = mapped_column(sa.String(12), default="open")
    title: Mapped[str] = mapped_column(sa.String(300))
    promise: Mapped[str | None] = mapped_column(sa.Text)  #: what the customer was told
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome_note: Mapped[str | None] = mapped_column(sa.Text)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_reassured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()
    owner: Mapped[User | None] = relationship()
    #: its notes and changes, oldest first (written by conversations.followups only)
    notes: Mapped[list[FollowUpNote]] = relationship(
        order_by="(FollowUpNote.created_at, FollowUpNote.id)", viewonly=True
    )


FOLLOWUP_NOTE_KINDS = ("note", "reassigned", "redated", "reprioritised")


class FollowUpNote(db.Model):
    """A line in a follow-up's history: a note someone wrote, or a change someone made
    (reassigned, re-dated, re-prioritised: body says from what to what)."""

    __tablename__ = "followup_notes"
    __table_args__ = (
        enum_check("kind", FOLLOWUP_NOTE_KINDS, "kind"),
        sa.Index("ix_followup_notes_followup_created", "followup_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(sa.ForeignKey("followups.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(16), default="note")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User | None] = relationship()
