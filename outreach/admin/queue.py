"""/admin/queue: upcoming and recent check-ins, filtered; cancel, reschedule, bulk cancel."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, session, url_for
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from outreach.admin import bp
from outreach.auth.services import safe_next
from outreach.errors import OutreachError, ValidationError
from outreach.extensions import db
from outreach.models import CheckIn, User, utcnow
from outreach.models.base import YEARS, column_int
from outreach.models.checkins import STATUSES, UNSETTLED
from outreach.models.policies import CHANNELS
from outreach.reporting.checkin_list import CheckinQuery, decode_cursor, list_checkins, next_cursor
from outreach.scheduling.checkins import (
    cancel_checkin,
    get_checkin,
    reschedule_checkin,
    undo_cancel_checkin,
)
from outreach.scheduling.timing import zone_or_utc
from outreach.web.helpers import viewer_zone

PAGE = 50
BULK_MAX = 200
VIEWS = {"upcoming": "Upcoming and late", "recent": "Recent (last 48 hours)", "all": "Any time"}
RECENT = timedelta(hours=48)


def _filters(args: MultiDict, zone: str, now: datetime) -> tuple[CheckinQuery, dict]:
    """The queue's filters from the query string; bad values are dropped with a message."""
    errors: dict[str, str] = {}
    view = args.get("view") if args.get("view") in VIEWS else "upcoming"
    statuses = tuple(s for s in args.getlist("status") if s in STATUSES)
    channel = args.get("channel") if args.get("channel") in CHANNELS else None
    rep = args.get("rep", "")
    rep_id = column_int(rep)
    due_after, due_before = None, None
    chosen = statuses
    if view == "upcoming":
        statuses = statuses or UNSETTLED
    elif view == "recent":
        due_after, due_before = now - RECENT, now
    day = (args.get("date") or "").strip()
    if day:
        try:
            start = datetime.combine(datetime.strptime(day, "%Y-%m-%d").date(), time(0))
            if start.year not in YEARS:
                raise ValueError(day)
        except ValueError:
            errors["date"] = "give a date as YYYY-MM-DD"
        else:
            start = start.replace(tzinfo=zone_or_utc(zone))
            due_after, due_before = start, start + timedelta(days=1)
    after = None
    if args.get("cursor"):
        try:
            after = decode_cursor(args["cursor"])
        except OutreachError:
            errors["cursor"] = "that page link is damaged; showing the first page"
    query = CheckinQuery(
        statuses=statuses,
        channels=(channel,) if channel else (),
        rep_id=rep_id,
        due_after=due_after,
        due_before=due_before,
        after=after,
        limit=PAGE,
    )
    shown = {"view": view, "status": chosen, "channel": channel, "rep": rep_id, "date": day}
    return query, {"values": shown, "errors": errors}


def _with_relations(rows: list[CheckIn]) -> list[CheckIn]:
    """Load each check-in's customer, event, policy and rep in one query."""
    if rows:
        db.session.scalars(
            sa.select(CheckIn)
            .where(CheckIn.id.in_([c.id for c in rows]))
            .options(
                joinedload(CheckIn.customer),
                joinedload(CheckIn.event),
                joinedload(CheckIn.policy),
                joinedload(CheckIn.rep),
            )
        ).all()
    return rows


def _reps() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role.in_(("rep", "admin", "manager"))).order_by(User.name)
        )
    )


def _back() -> str:
    """The queue page the form came from (only a path of this page)."""
    return safe_next(request.form.get("next"), under="/admin/queue") or url_for("admin.queue")


#: a check-in's channel as a sentence says it: "the text to Ada Lovelace"
CHANNEL_WORDS = {"sms": "text", "voice": "automated call", "email": "e-mail", "rep_call": "call"}


def _words(checkin: CheckIn) -> str:
    return f"check-in {CHANNEL_WORDS.get(checkin.channel, '')}".strip()


def _undoable() -> CheckIn | None:
    """The check-in this person just canceled, while its cancel can still be undone."""
    checkin_id = session.get("undo_cancel")
    checkin = db.session.get(CheckIn, checkin_id) if isinstance(checkin_id, int) else None
    if checkin is None or checkin.status != "canceled":
        session.pop("undo_cancel", None)
        return None
    return checkin


@bp.get("/queue")
def queue():
    """Upcoming and recent check-ins with filters, a page at a time."""
    now = utcnow()
    zone = viewer_zone()
    query, filters = _filters(request.args, zone, now)
    rows, more = list_checkins(query)
    _with_relations(rows)
    next_url = None
    if cursor := next_cursor(rows, more):
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
        next_url = url_for("admin.queue") + "?" + urlencode([*args, ("cursor", cursor)])
    for message in filters["errors"].values():
        flash(message, "error")
    return render_template(
        "admin/queue.html",
        rows=rows,
        filters=filters["values"],
        statuses=STATUSES,
        channels=CHANNELS,
        views=VIEWS,
        reps=_reps(),
        next_url=next_url,
        now=now,
        here=request.full_path.rstrip("?"),
        viewer_zone=zone,
        undo=_undoable(),
        channel_words=CHANNEL_WORDS,
    )


@bp.post("/queue/<int(max=2147483647):checkin_id>/cancel")
def queue_cancel(checkin_id: int):
    """Cancel one scheduled or queued check-in."""
    reason = (request.form.get("reason") or "").strip()[:300]
    try:
        checkin = cancel_checkin(checkin_id, reason or "canceled from the admin queue")
    except OutreachError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        session["undo_cancel"] = checkin_id
        flash(f"The {_words(checkin)} to {checkin.customer.name} is canceled.", "success")
    return redirect(_back())


@bp.post("/queue/<int(max=2147483647):checkin_id>/undo")
def queue_undo_cancel(checkin_id: int):
    """Undo a cancel made moments ago: the check-in is back at its time (or the next allowed)."""
    session.pop("undo_cancel", None)
    try:
        checkin = undo_cancel_checkin(checkin_id, utcnow())
    except OutreachError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(f"Back on the queue: the {_words(checkin)} to {checkin.customer.name}.", "success")
    return redirect(_back())


def _local_time(raw: str, zone_name: str) -> datetime:
    """A datetime-local value ("2026-03-10T17:30") read in a zone; ValidationError if bad."""
    try:
        local = datetime.fromisoformat(raw.strip())
        if local.year not in YEARS:
            raise ValueError(raw)
    except ValueError:
        raise ValidationError(
            "give the new date and time, e.g. 2026-03-10T17:30", field="due_at"
        ) from None
    return local if local.tzinfo else local.replace(tzinfo=zone_or_utc(zone_name))


@bp.post("/queue/<int(max=2147483647):checkin_id>/reschedule")
def queue_reschedule(checkin_id: int):
    """Move a pending check-in to a new time in the customer's zone (window and quiet hours
    re-applied)."""
    try:
        checkin = get_checkin(checkin_id)
        when = _local_time(request.form.get("due_at") or "", checkin.timezone)
        checkin = reschedule_checkin(checkin_id, when, utcnow())
    except OutreachError as exc:
        db.session.rollback()
        flash(f"Not moved: {exc.message}", "error")
    else:
        who = checkin.customer.name
        flash(f"The {_words(checkin)} to {who} moved: {checkin.timing_reason}", "success")
    return redirect(_back())


@bp.post("/queue/cancel")
def queue_bulk_cancel():
    """Cancel every ticked check-in; each through the cancel service, each reported."""
    ids = sorted({i for i in map(column_int, request.form.getlist("ids")) if i is not None})
    if not ids:
        flash("Tick the check-ins to cancel first.", "error")
        return redirect(_back())
    if len(ids) > BULK_MAX:
        flash(f"Cancel at most {BULK_MAX} check-ins at a time.", "error")
        return redirect(_back())
    reason = (request.form.get("reason") or "").strip()[:300] or "bulk-canceled from the admin"
    canceled, refused = [], []
    for checkin_id in ids:
        try:
            cancel_checkin(checkin_id, reason)
        except OutreachError as exc:
            db.session.rollback()
            refused.append(exc.message)
        else:
            canceled.append(checkin_id)
    if canceled:
        flash(f"Canceled {len(canceled)} check-ins.", "success")
    for message in refused[:10]:
        flash(f"Not canceled: {message}", "error")
    if len(refused) > 10:
        flash(f"… and {len(refused) - 10} more could not be canceled.", "error")
    return redirect(_back())
