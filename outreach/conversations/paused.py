"""A probable opt-out: automated sends paused until a person decides.

A reply that probably revokes consent but that no rule is sure of (triage's `probable_opt_out`,
class needs_review) pauses the customer's automated check-ins (SMS and automated voice calls;
consent.pause) and waits on the manager's attention list as a `probable_opt_out` escalation.
A manager (or admin) settles it with one of two buttons:
- **Opt out**: recorded exactly as a STOP would be (consent.opt_out, source "admin"), which also
  ends the pause and cancels what is pending;
- **Keep texting**: the pause ends and held check-ins go out at their next allowed time.
Both are compare-and-set on the escalation (`acked_at IS NULL`): a second click, or a click after
the customer sent a clear opt-out (which settles it as opted out), changes nothing. Functions
here flush; the views commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from outreach.conversations.escalation import open_review
from outreach.customers import consent
from outreach.extensions import db
from outreach.models import Customer, Escalation, Reply, User

log = logging.getLogger(__name__)

PROBABLE_OPT_OUT = "probable_opt_out"
#: how a probable opt-out ended, in words
RESOLUTION_NAMES = {"opted_out": "opted out", "resumed": "kept texting"}
#: why a reply is on the attention list, in words
REASON_NAMES = {
    "urgent": "urgent",
    "needs_review": "needs review",
    PROBABLE_OPT_OUT: "probable opt-out",
}
#: the customer's paused_reason, with the reply's id
PAUSE_REASON = "probable opt-out in reply {reply_id}: automated texts paused until a person decides"


def hold_for_review(reply: Reply, customer: Customer, now: datetime) -> Escalation:
    """Pause the customer's automated sends and put the reply on the attention list (flushed).

    A customer already opted out has nothing to pause: the reply is an ordinary one to review."""
    if customer.is_opted_out:
        return open_review(reply, customer, now)
    paused = consent.pause(customer, PAUSE_REASON.format(reply_id=reply.id), now)
    if not paused and customer.is_opted_out:  # opted out by a STOP that came in meanwhile
        return open_review(reply, customer, now)
    escalation = open_review(reply, customer, now, PROBABLE_OPT_OUT)
    log.info("reply %s: probable opt-out, customer %s paused", reply.id, customer.id)
    return escalation


def must_be_settled(escalation_id: int) -> bool:
    """Whether an escalation is a probable opt-out of a customer still on file: settled with
    Opt out or Keep texting, never just taken (that would leave the customer paused)."""
    reason, customer_id = db.session.execute(
        sa.select(Escalation.reason, Escalation.customer_id).where(Escalation.id == escalation_id)
    ).one_or_none() or (None, None)
    return reason == PROBABLE_OPT_OUT and customer_id is not None


@dataclass(frozen=True)
class Settled:
    """What one click did: whether it settled the probable opt-out now, and the row (with how,
    by whom and when it was settled when someone or something was first)."""

    escalation: Escalation
    is_settled_now: bool


def _waiting(escalation_id: int) -> Escalation | None:
    escalation = db.session.get(Escalation, escalation_id, populate_existing=True)
    if escalation is None or escalation.reason != PROBABLE_OPT_OUT:
        return None
    return escalation


def _settle(escalation: Escalation, resolution: str, user: User, now: datetime) -> bool:
    """Settle this one (compare-and-set), then the customer's other waiting ones the same way."""
    moved = consent.settle_probable_opt_outs(
        escalation.customer_id, resolution, user.id, now, escalation_id=escalation.id
    )
    if moved:
        consent.settle_probable_opt_outs(escalation.customer_id, resolution, user.id, now)
    return bool(moved)


def confirm_opt_out(escalation_id: int, user: User, now: datetime) -> Settled | None:
    """Opt out: record the opt-out as a STOP would (every channel, pending check-ins canceled,
    the pause ended); None when there is no such probable opt-out."""
    escalation = _waiting(escalation_id)
    if escalation is None or escalation.customer_id is None:
        return None
    settled = _settle(escalation, "opted_out", user, now)
    if settled:
        customer = db.session.get(Customer, escalation.customer_id)
        evidence = f"{user.display_name} confirmed the probable opt-out in the customer's reply"
        consent.opt_out(customer, "admin", evidence, now)
        log.info(
            "escalation %s: user %s opted customer %s out", escalation.id, user.id, customer.id
        )
    db.session.flush()
    db.session.refresh(escalation)
    return Settled(escalation, settled)


def keep_texting(escalation_id: int, user: User, now: datetime) -> Settled | None:
    """Keep texting: end the pause (held check-ins go out at their next allowed time); None
    when there is no such probable opt-out. Never opts anyone back in."""
    escalation = _waiting(escalation_id)
    if escalation is None or escalation.customer_id is None:
        return None
    settled = _settle(escalation, "resumed", user, now)
    if settled:
        consent.resume(escalation.customer_id)
        log.info(
            "escalation %s: user %s resumed customer %s",
            escalation.id,
            user.id,
            escalation.customer_id,
        )
    db.session.flush()
    db.session.refresh(escalation)
    return Settled(escalation, settled)
