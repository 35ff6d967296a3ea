"""The fire alarm: a reply that needs a person now, who was paged for it, and who took it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.extensions import db
from outreach.models.base import UTCDateTime, enum_check, utcnow
from outreach.models.customers import Customer
from outreach.models.messages import Message, Reply
from outreach.models.users import User

#: why a reply is on the manager's attention list (probable_opt_out: automated sends paused)
ESCALATION_REASONS = ("urgent", "needs_review", "probable_opt_out")
#: how a probable opt-out was settled: opted out (by a person, or a clear opt-out that came
#: after it) or resumed (a person chose to keep texting)
RESOLUTIONS = ("opted_out", "resumed")
#: who a page went to: the customer's rep, the on-call person, a backup, a manager
PAGE_LEVELS = ("owner", "on_call", "backup", "manager")
#: how a page was acknowledged: a text reply, the one-tap link, a button on a web page
ACK_CHANNELS = ("sms", "link", "web")


def _acked_via_check() -> sa.CheckConstraint:
    values = ", ".join(f"'{c}'" for c in ACK_CHANNELS)
    return sa.CheckConstraint(f"acked_via IS NULL OR acked_via IN ({values})", name="acked_via")


class Escalation(db.Model):
    """A reply that needs a person now (urgent, or not understood): paged level by level until
    someone takes it."""

    __tablename__ = "escalations"
    __table_args__ = (
        enum_check("reason", ESCALATION_REASONS, "reason"),
        _acked_via_check(),
        sa.CheckConstraint(
            "resolution IS NULL OR resolution IN ("
            + ", ".join(f"'{r}'" for r in RESOLUTIONS)
            + ")",
            name="resolution",
        ),
        sa.Index("ix_escalations_next_at", "next_at"),
        sa.Index("ix_escalations_acked_created", "acked_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reply_id: Mapped[int] = mapped_column(
        sa.ForeignKey("replies.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    followup_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("followups.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(sa.String(16))
    #: the chain planned when the reply came: [[level, [user ids]], …], paged in this order
    plan: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    step: Mapped[int] = mapped_column(default=0)  #: levels of the plan paged so far
    #: rounds of paging the person on call and the managers again after the plan's last level
    repaged: Mapped[int] = mapped_column(default=0)
    is_after_hours: Mapped[bool] = mapped_column(default=False)
    next_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime()
    )  #: when the next level is paged unless someone takes it; None: nothing more to page
    #: nobody took it after the last re-page round: it stays on the attention list, in red
    unanswered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  #: taken
    acked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    acked_via: Mapped[str | None] = mapped_column(sa.String(8))
    resolution: Mapped[str | None] = mapped_column(sa.String(16))  #: a probable opt-out's end
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reply: Mapped[Reply] = relationship()
    customer: Mapped[Customer | None] = relationship()
    acked_by: Mapped[User | None] = relationship()
    pages: Mapped[list[Page]] = relationship(
        back_populates="escalation", order_by="Page.id", cascade="all, delete-orphan"
    )


class Page(db.Model):
    """One SMS page to one staff member about one reply, and whether they took it."""

    __tablename__ = "pages"
    __table_args__ = (
        enum_check("level", PAGE_LEVELS, "level"),
        _acked_via_check(),
        sa.Index("ix_pages_user_sent", "user_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    reply_id: Mapped[int] = mapped_column(sa.ForeignKey("replies.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    level: Mapped[str] = mapped_column(sa.String(12))
    repage_round: Mapped[int] = mapped_column(default=0)  #: 0: the chain; n: re-page round n
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="SET NULL")
    )  #: the page text
    #: SHA-256 of the one-tap link's token (the token itself is only in the text)
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    token_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  #: single use
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acked_via: Mapped[str | None] = mapped_column(sa.String(8))

    escalation: Mapped[Escalation] = relationship(back_populates="pages")
    user: Mapped[User | None] = relationship()
    message: Mapped[Message | None] = relationship()
