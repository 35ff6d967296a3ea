"""Opt-out, opt-in and help: the consent log, the customer's flag, and what an opt-out cancels.

STOP-class words (the whole message), Twilio's OptOutType and consent revoked in other words opt
the customer out of every channel; START/YES/UNSTOP opt back in; HELP is answered with the
company's help text. None of these functions commit.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from outreach.extensions import db
from outreach.models import CheckIn, CompanySettings, Consent, Customer
from outreach.models.checkins import PENDING_STATUSES
from outreach.scheduling import transitions

log = logging.getLogger(__name__)

OPTED_OUT_REASON = "opted out"
WRONG_NUMBER_REASON = "wrong number"


def cancel_pending(customer_id: int, reason: str) -> list[int]:
    """Cancel every scheduled or queued check-in of the customer, on every channel; their ids."""
    pending = db.session.scalars(
        sa.select(CheckIn.id)
        .where(CheckIn.customer_id == customer_id, CheckIn.status.in_(PENDING_STATUSES))
        .order_by(CheckIn.id)
    ).all()
    return [checkin_id for checkin_id in pending if transitions.cancel(checkin_id, reason)]


def opt_out(customer: Customer, source: str, evidence: str | None, now: datetime) -> list[int]:
    """Record the opt-out (every channel) once and cancel what is pending; the canceled ids."""
    if not customer.is_opted_out:
        db.session.add(
            Consent(
                customer_id=customer.id,
                channel="all",
                state="opted_out",
                source=source[:32],
                evidence=(evidence or "")[:200] or None,
                created_at=now,
            )
        )
        customer.is_opted_out = True
    canceled = cancel_pending(customer.id, OPTED_OUT_REASON)
    log.info(
        "customer %s opted out (%s); %d pending check-ins canceled",
        customer.id,
        source,
        len(canceled),
    )
    return canceled


def _latest_state(customer_id: int) -> str | None:
    return db.session.scalar(
        sa.select(Consent.state)
        .where(Consent.customer_id == customer_id)
        .order_by(Consent.created_at.desc(), Consent.id.desc())
        .limit(1)
    )


def opt_in(customer: Customer, source: str, evidence: str | None, now: datetime) -> bool:
    """Record an opt-in when the customer was opted out (on any channel); True if it changed."""
    if not customer.is_opted_out and _latest_state(customer.id) != "opted_out":
        return False
    db.session.add(
        Consent(
            customer_id=customer.id,
            channel="all",
            state="opted_in",
            source=source[:32],
            evidence=(evidence or "")[:200] or None,
            created_at=now,
        )
    )
    customer.is_opted_out = False
    log.info("customer %s opted back in (%s)", customer.id, source)
    return True


def help_text(settings: CompanySettings) -> str:
    """The company's help text with {company} filled in (other braces are left as written)."""
    return (settings.help_text or "").replace("{company}", settings.name or "")


def consent_source(evidence: str, channel: str) -> str:
    """Where a consent change came from, for the Consent row: keyword, twilio_opt_out_type,
    words (consent revoked in a sentence), or voice."""
    if channel == "voice":
        return "voice"
    if evidence.startswith("Twilio OptOutType"):
        return "twilio_opt_out_type"
    if evidence.startswith("keyword"):
        return "keyword"
    return "words"
