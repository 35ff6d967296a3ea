"""Whether a customer may be contacted on a channel: their flags and their latest consent."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import sqlalchemy as sa

from outreach.extensions import db, is_in
from outreach.models import Consent, Customer

#: consent rows that decide each channel (the latest wins); rep calls follow "all" only
CONSENT_CHANNELS = {
    "sms": ("sms", "all"),
    "voice": ("voice", "all"),
    "email": ("email", "all"),
    "rep_call": ("all",),
}

CHANNEL_WORDS = {"email": "e-mail"}


def latest_consents(customer_ids: Collection[int], channel: str) -> dict[int, str]:
    """The latest consent state on channel of each of these customers that has one (one query)."""
    if not customer_ids:
        return {}
    ranked = (
        sa.select(
            Consent.customer_id,
            Consent.state,
            sa.func.row_number()
            .over(
                partition_by=Consent.customer_id,
                order_by=(Consent.created_at.desc(), Consent.id.desc()),
            )
            .label("n"),
        )
        .where(
            is_in(Consent.customer_id, customer_ids),
            Consent.channel.in_(CONSENT_CHANNELS.get(channel, ("all",))),
        )
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ranked.c.customer_id, ranked.c.state).where(ranked.c.n == 1)
    ).all()
    return dict(rows)


def opted_out_reason(
    customer: Customer, channel: str, consents: Mapping[int, str] | None = None
) -> str | None:
    """Why the customer must not be contacted on channel ("opted out", "wrong number", "no
    e-mail address"), or None. `consents` is latest_consents(...) pre-loaded for a batch; None
    queries this customer's. A wrong number does not stop e-mail."""
    if customer.is_opted_out:
        return "opted out"
    if channel == "email":
        if not customer.email:
            return "no e-mail address"
    elif customer.is_wrong_number:
        return "wrong number"
    if consents is None:
        consents = latest_consents([customer.id], channel)
    latest = consents.get(customer.id)
    return f"opted out of {CHANNEL_WORDS.get(channel, channel)}" if latest == "opted_out" else None
