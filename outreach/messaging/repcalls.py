"""Rep calls: the one SMS reminder a rep gets when a check-in call comes due.

The sweeper puts a due rep call on the rep's list (scheduled -> queued) and hands the ids to
remind_reps(). A reminder is taken by a compare-and-set on checkins.reminded_at and queued as a
`rep_reminder` text in the same transaction, so it is sent once however often the sweep runs;
texts.py sends it through the per-sender rate limit. remind_forgotten() catches rep calls whose
claim committed but whose reminder was never taken (a crash in between). A call missed by its
deadline is handled by the sweeper (missed, then planning.plan_fallback).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from outreach.extensions import db
from outreach.messaging.signatures import public_url
from outreach.messaging.texts import enqueue_texts, queue_text
from outreach.models import CheckIn, User, utcnow
from outreach.scheduling.timing import local_time

log = logging.getLogger(__name__)

REMIND_LOOKBACK = timedelta(hours=12)  #: a forgotten reminder this late is still useful
REMIND_LIMIT = 500  #: rep calls taken per pass
SUMMARY_MAX = 60


def reminder_link(checkin_id: int) -> str:
    """The rep page's card for this call, at PUBLIC_BASE_URL."""
    return public_url(f"/rep#call-{checkin_id}")


def recipient_for(rep: User | None) -> User | None:
    """Who gets the reminder: the rep, or the backup covering an away or deactivated rep."""
    if rep is None:
        return None
    covering = rep.is_away or not rep.is_active_user
    backup = rep.backup
    if covering and backup is not None and backup.is_active_user and not backup.is_away:
        return backup
    return rep if rep.is_active_user else None


def reminder_text(checkin: CheckIn, recipient: User) -> str:
    """The reminder: whose call, about what, by when, and the link to the card."""
    event = checkin.event
    about = event.type.replace("_", " ")
    summary = " ".join((event.summary or "").split())
    if summary:
        cut = summary if len(summary) <= SUMMARY_MAX else summary[: SUMMARY_MAX - 1] + "…"
        about = f"{about}: {cut}"
    cover = ""
    if checkin.rep_id is not None and checkin.rep_id != recipient.id and checkin.rep is not None:
        cover = f" (covering for {checkin.rep.display_name})"
    by = ""
    if checkin.deadline_at is not None:
        by = f" by {local_time(checkin.deadline_at, checkin.timezone, '%a %H:%M')}"
    return (
        f"Check-in call due{cover}: please call {checkin.customer.name} about the {about}"
        f"{by}. {reminder_link(checkin.id)}"
    )


def _take(checkin_ids: list[int], now: datetime) -> list[int]:
    """Compare-and-set reminded_at on queued rep calls not yet reminded; the ids taken."""
    return sorted(
        db.session.scalars(
            sa.update(CheckIn)
            .where(
                CheckIn.id.in_(checkin_ids),
                CheckIn.channel == "rep_call",
                CheckIn.status == "queued",
                CheckIn.reminded_at.is_(None),
            )
            .values(reminded_at=now)
            .returning(CheckIn.id)
            .execution_options(synchronize_session=False)
        )
    )


def remind_reps(checkin_ids: Iterable[int], now: datetime | None = None) -> int:
    """Queue one SMS reminder for each of these rep calls not reminded yet; returns how many
    texts were queued (a rep without a phone gets none). Commits, then enqueues the texts."""
    now = now or utcnow()
    ids = sorted(set(checkin_ids))
    if not ids:
        return 0
    db.session.commit()
    taken = _take(ids, now)
    queued = []
    for checkin in db.session.scalars(sa.select(CheckIn).where(CheckIn.id.in_(taken))):
        recipient = recipient_for(checkin.rep)
        if recipient is None or not recipient.phone:
            log.info("check-in %s: no rep with a phone to remind", checkin.id)
            continue
        message = queue_text(
            recipient.phone,
            reminder_text(checkin, recipient),
            "rep_reminder",
            user_id=recipient.id,
            checkin_id=checkin.id,
            now=now,
        )
        queued.append(message.id)
        log.info(
            "check-in %s: reminder %s queued for user %s", checkin.id, message.id, recipient.id
        )
    db.session.commit()
    enqueue_texts(queued)
    return len(queued)


def remind_forgotten(now: datetime | None = None) -> int:
    """Sweeper step: rep calls on a list (queued, due in the last REMIND_LOOKBACK, deadline not
    passed) whose reminder was never taken get it now; returns how many texts were queued."""
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            sa.select(CheckIn.id)
            .where(
                CheckIn.status == "queued",
                CheckIn.due_at <= now,
                CheckIn.due_at > now - REMIND_LOOKBACK,
                CheckIn.channel == "rep_call",
                CheckIn.reminded_at.is_(None),
                sa.or_(CheckIn.deadline_at.is_(None), CheckIn.deadline_at > now),
            )
            .order_by(CheckIn.due_at, CheckIn.id)
            .limit(REMIND_LIMIT)
        )
    )
    db.session.rollback()
    return remind_reps(ids, now) if ids else 0
