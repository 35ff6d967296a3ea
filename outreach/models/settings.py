"""Company settings (one row), the triage phrases admins edit and the managers' examples."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from outreach.extensions import db
from outreach.models.base import UTCDateTime, utcnow

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  #: business_week's keys


def default_week() -> dict[str, list[str]]:
    """Business hours until someone sets them: Monday to Friday, 09:00-17:00."""
    return {key: ["09:00", "17:00"] for key in DAY_KEYS[:5]}


def new_config_version() -> int:
    """A fresh CompanySettings.config_version: random, so that no two edits (nor a rolled-back
    one) share it (outreach.company.cache)."""
    return secrets.randbits(62)


DEFAULT_HELP_TEXT = (
    "{company}: service check-ins. Reply STOP to opt out, START to opt back in. "
    "Msg&data rates may apply."
)


class CompanySettings(db.Model):
    """The company's name, default zone, quiet hours and texts; always the row with id 1."""

    __tablename__ = "company_settings"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(sa.String(200), default="Outreach Demo Co.")
    default_timezone: Mapped[str] = mapped_column(sa.String(64), default="America/Chicago")
    quiet_end: Mapped[str] = mapped_column(sa.String(5), default="08:00")  #: sending may start
    quiet_start: Mapped[str] = mapped_column(sa.String(5), default="21:00")  #: sending must stop
    help_text: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_HELP_TEXT)
    reply_window_hours: Mapped[int] = mapped_column(default=72)  #: a reply answers a check-in
    #: business hours per weekday in the default zone: {"mon": ["08:00", "18:00"], …, "sat":
    #: ["09:00", "13:00"]}; a day left out is closed (outreach.conversations.promise)
    business_week: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON, default=default_week)
    escalation_minutes: Mapped[int] = mapped_column(
        default=10
    )  #: an unanswered page goes to the next level after this
    repage_rounds: Mapped[int] = mapped_column(
        default=2
    )  #: after the managers, page the person on call and the managers again this many times
    callback_minutes: Mapped[int] = mapped_column(
        default=30
    )  #: an urgent reply: the customer is promised a call within this
    #: the on-call rotation: user ids in order, one week each, round and round
    on_call_user_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)
    on_call_start: Mapped[date | None] = mapped_column(
        sa.Date
    )  #: the Monday the first person's week began
    followup_grace_hours: Mapped[int] = mapped_column(default=4)
    reassurance_every_hours: Mapped[int | None] = mapped_column()  #: None: off
    send_thank_you: Mapped[bool] = mapped_column(default=False)
    #: the reassurance goes by e-mail to a customer with an address (no quiet hours), else text
    reassure_by_email: Mapped[bool] = mapped_column(default=False)
    #: per-class overrides of outreach.conversations.actions.DEFAULT_ACTIONS (None: defaults)
    triage_actions: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: a Slack-compatible incoming webhook that urgent replies and escalations also go to
    chat_webhook_url: Mapped[str | None] = mapped_column(sa.String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: written again with every change of the settings, a policy, a phrase or an example, in
    #: the same transaction: each process's cached copies are reloaded when it differs
    #: (outreach.company.cache)
    config_version: Mapped[int] = mapped_column(
        sa.BigInteger, default=new_config_version, server_default="0"
    )


class TriagePhrase(db.Model):
    """A phrase that puts a reply in a triage class."""

    __tablename__ = "triage_phrases"
    __table_args__ = (sa.UniqueConstraint("phrase", name="uq_triage_phrases_phrase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    triage_class: Mapped[str] = mapped_column(sa.String(20))
    phrase: Mapped[str] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TriageExample(db.Model):
    """A reply a manager says must raise the alarm (is_urgent), or must not."""

    __tablename__ = "triage_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(500))  #: as the manager typed it
    key: Mapped[str] = mapped_column(
        sa.String(500), unique=True
    )  #: the words folded (lower case, no accents or punctuation): one example per wording
    is_urgent: Mapped[bool] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
