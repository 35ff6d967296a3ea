"""Opt-out, opt-in and help: the consent log, the customer's flag, and what an opt-out cancels.

STOP-class words (the whole message), Twilio's OptOutType and consent revoked in other words opt
the customer out of every channel; START/YES/UNSTOP opt back in; HELP is answered with the
company's help text. A *probable* revocation pauses automated sends (`pause`) until a person
decides (outreach.conversations.paused); an opt-out, whoever records it, ends the pause and
settles the probable opt-outs waiting on the attention list, so nobody is ever left paused
but still subscribed. Every change of the customer's flags is a compare-and-set in the database
(UPDATE ... WHERE the flag still has the old value), and the Consent row is written only by the
change that moved it: concurrent webhooks, jobs and pages cannot log one change twice or undo
each other from a stale read. None of these functions commit.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from outreach.extensions import db
from outreach.models import CheckIn, CompanySettings, Consent, Customer, Escalation
from outreach.models.checkins import PENDING
from outreach.scheduling import transitions
from outreach.scheduling.consents import latest_consents

log = logging.getLogger(__name__)

OPTED_OUT_REASON = "opted out"
WRONG_NUMBER_REASON = "wrong number"


def cancel_pending(customer_id: int, reason: str) -> list[int]:
    """Cancel every scheduled or queued check-in of the customer, on every channel; their ids."""
    pending = db.session.scalars(
        sa.select(CheckIn.id)
        .where(CheckIn.customer_id == customer_id, CheckIn.status.in_(PENDING))
        .order_by(CheckIn.id)
    ).all()
    return [checkin_id for checkin_id in pending if transitions.cancel(checkin_id, reason)]


def _set_flag(customer_id: int, column: str, was: bool, to: bool) -> bool:
    """UPDATE customers SET column = to WHERE id = :id AND column = was; whether a row matched.

    The compare-and-set every consent change goes through: of two processes changing the same
    flag at once, exactly one moves it (PostgreSQL re-checks the WHERE after the other's commit;
    SQLite runs one writer at a time). With was == to it moves nothing but still locks the row
    for the rest of the transaction (when the flag has that value)."""
    attribute = getattr(Customer, column)
    return (
        db.session.execute(
            sa.update(Customer)
            .where(Customer.id == customer_id, attribute.is_(was))
            .values({column: to})
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _consent(
    customer_id: int,
    state: str,
    source: str,
    evidence: str | None,
    now: datetime,
    channel: str = "all",
):
    """Log a change made under the customer's row lock (after the compare-and-set).

    The log is read latest-first by (created_at, id), so the row is stamped no earlier than the
    customer's latest one: a change that computed `now` before it waited for the lock (or on a
    host whose clock is behind) still comes after the change it waited for."""
    latest = db.session.scalar(
        sa.select(Consent.created_at)
        .where(Consent.customer_id == customer_id)
        .order_by(Consent.created_at.desc())
        .limit(1)
    )
    db.session.add(
        Consent(
            customer_id=customer_id,
            channel=channel,
            state=state,
            source=source[:32],
            evidence=(evidence or "")[:200] or None,
            created_at=now if latest is None or latest <= now else latest,
        )
    )


def opt_out(customer: Customer, source: str, evidence: str | None, now: datetime) -> list[int]:
    """Opt the customer out of every channel and cancel what is pending; the canceled ids.

    A compare-and-set (false -> true): the Consent row is added only by the change that moved
    the flag, so a STOP and a Twilio 21610 arriving at once log one opt-out; canceling is
    idempotent and always done."""
    db.session.flush()
    moved = _set_flag(customer.id, "is_opted_out", was=False, to=True)
    if moved:
        _consent(customer.id, "opted_out", source, evidence, now)
    unpaused = _end_pause(customer.id)
    settled = settle_probable_opt_outs(customer.id, "opted_out", None, now)
    db.session.expire(customer, ["is_opted_out", "paused_at", "paused_reason"])
    canceled = cancel_pending(customer.id, OPTED_OUT_REASON)
    log.info(
        "customer %s %s (%s); %d pending check-ins canceled%s",
        customer.id,
        "opted out" if moved else "already opted out",
        source,
        len(canceled),
        f"; pause ended, {len(settled)} probable opt-outs settled" if unpaused or settled else "",
    )
    return canceled


def pause(customer: Customer, reason: str, now: datetime) -> bool:
    """Hold the customer's automated check-ins until a person decides; True if this paused them.

    A compare-and-set (not opted out, not paused -> paused): an opted-out customer is not paused
    (there is nothing left to hold), and a second probable opt-out keeps the first one's time."""
    db.session.flush()
    moved = (
        db.session.execute(
            sa.update(Customer)
            .where(
                Customer.id == customer.id,
                Customer.paused_at.is_(None),
                Customer.is_opted_out.is_(False),
            )
            .values(paused_at=now, paused_reason=reason[:200])
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    db.session.expire(customer, ["paused_at", "paused_reason"])
    log.info("customer %s: automated sends %s", customer.id, "paused" if moved else "not paused")
    return moved


def resume(customer_id: int) -> bool:
    """End the pause of the customer's automated check-ins (compare-and-set); True if it did."""
    return _end_pause(customer_id)


def _end_pause(customer_id: int) -> bool:
    moved = (
        db.session.execute(
            sa.update(Customer)
            .where(Customer.id == customer_id, Customer.paused_at.is_not(None))
            .values(paused_at=None, paused_reason=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    loaded = db.session.identity_map.get(db.session.identity_key(Customer, customer_id))
    if loaded is not None:
        db.session.expire(loaded, ["paused_at", "paused_reason"])
    return moved


def settle_probable_opt_outs(
    customer_id: int,
    resolution: str,
    user_id: int | None,
    now: datetime,
    *,
    escalation_id: int | None = None,
) -> list[int]:
    """Take the customer's probable opt-outs still waiting on the attention list (or only
    `escalation_id`), recording how they ended; the ids this call settled (compare-and-set on
    `acked_at IS NULL`, so a second click or a later opt-out changes nothing twice)."""
    where = [
        Escalation.customer_id == customer_id,
        Escalation.reason == "probable_opt_out",
        Escalation.acked_at.is_(None),
    ]
    if escalation_id is not None:
        where.append(Escalation.id == escalation_id)
    settled = list(
        db.session.scalars(
            sa.update(Escalation)
            .where(*where)
            .values(
                acked_at=now,
                acked_by_id=user_id,
                acked_via="web" if user_id is not None else None,
                next_at=None,
                resolution=resolution,
            )
            .returning(Escalation.id)
            .execution_options(synchronize_session=False)
        )
    )
    for settled_id in settled:
        loaded = db.session.identity_map.get(db.session.identity_key(Escalation, settled_id))
        if loaded is not None:
            db.session.expire(loaded)
    return sorted(settled)


def _latest_state(customer_id: int) -> str | None:
    return db.session.scalar(
        sa.select(Consent.state)
        .where(Consent.customer_id == customer_id)
        .order_by(Consent.created_at.desc(), Consent.id.desc())
        .limit(1)
    )


def opt_in(customer: Customer, source: str, evidence: str | None, now: datetime) -> bool:
    """Opt the customer back in when they were opted out (on any channel); True if it changed.

    A compare-and-set (true -> false) adds the Consent row only when it moved the flag. With the
    flag already clear, an opt-out of one channel may remain in the log (Twilio's 21610 on SMS):
    the row is locked first (a guarded no-op update), then the log read, so two opt-ins at once
    still log one."""
    db.session.flush()
    changed = False
    for _ in range(2):  # the second round only if an opt-out committed between the two updates
        if _set_flag(customer.id, "is_opted_out", was=True, to=False):
            changed = True
            break
        if _set_flag(customer.id, "is_opted_out", was=False, to=False):
            changed = _latest_state(customer.id) == "opted_out"
            break
    db.session.expire(customer, ["is_opted_out"])
    if not changed:
        return False
    _consent(customer.id, "opted_in", source, evidence, now)
    log.info("customer %s opted back in (%s)", customer.id, source)
    return True


def mark_wrong_number(customer: Customer) -> list[int]:
    """Flag the customer's number as not theirs (once, compare-and-set) and cancel what is
    pending (always); the canceled ids."""
    db.session.flush()
    moved = _set_flag(customer.id, "is_wrong_number", was=False, to=True)
    db.session.expire(customer, ["is_wrong_number"])
    canceled = cancel_pending(customer.id, WRONG_NUMBER_REASON)
    log.info(
        "customer %s: %s; %d canceled",
        customer.id,
        "wrong number" if moved else "already marked wrong number",
        len(canceled),
    )
    return canceled


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


#: where an e-mail opt-out comes from: the one-click link, a hard bounce, a spam complaint
EMAIL_STOPS = ("unsubscribe", "bounce", "complaint")


def stop_email(customer: Customer, source: str, evidence: str | None, now: datetime) -> list[int]:
    """Stop e-mail to the customer (not SMS, not calls): an e-mail opt-out in the consent log,
    once, and their pending e-mail check-ins canceled; the canceled ids. Under the customer's
    row lock, so two clicks or a click and a bounce log one opt-out."""
    if source not in EMAIL_STOPS:
        raise ValueError(f"unknown e-mail opt-out source {source!r}")
    db.session.flush()
    db.session.execute(  # the row lock every consent change takes (see _set_flag)
        sa.update(Customer)
        .where(Customer.id == customer.id)
        .values(updated_at=Customer.updated_at)
        .execution_options(synchronize_session=False)
    )
    already = latest_consents([customer.id], "email").get(customer.id) == "opted_out"
    if not already:
        _consent(customer.id, "opted_out", source, evidence, now, channel="email")
    pending = db.session.scalars(
        sa.select(CheckIn.id)
        .where(
            CheckIn.customer_id == customer.id,
            CheckIn.channel == "email",
            CheckIn.status.in_(PENDING),
        )
        .order_by(CheckIn.id)
    ).all()
    why = f"e-mail stopped ({source})"
    canceled = [i for i in pending if transitions.cancel(i, why)]
    log.info(
        "customer %s: e-mail %s (%s); %d pending e-mail check-ins canceled",
        customer.id,
        "already stopped" if already else "stopped",
        source,
        len(canceled),
    )
    return canceled
