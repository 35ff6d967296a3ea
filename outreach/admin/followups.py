"""/admin/followups: the board (open, overdue, escalated, done; everyone's or mine), and on each
card: reassign, re-date, re-prioritise, add a note, mark done."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import TextAreaField
from wtforms.validators import Length

from outreach.admin import bp
from outreach.company.settings import get_company_settings
from outreach.conversations import complete_followup
from outreach.conversations.followups import (
    NOTE_MAX,
    add_followup_note,
    card_context,
    reassign_followup,
    redate_followup,
    reprioritise_followup,
)
from outreach.errors import NotFound, OutreachError
from outreach.extensions import db
from outreach.messaging.conference import THREE_WAY_STARTED, guests_for, start_three_way
from outreach.models import FollowUp, User, utcnow
from outreach.models.base import column_int
from outreach.models.followups import PRIORITIES
from outreach.reporting.calendar import create_feed_token, revoke_feed_token
from outreach.web.helpers import viewer_zone

COLUMN_MAX = 200  #: cards per column, so a backlog cannot make the page unbounded
DONE_SINCE = timedelta(days=14)


class DoneForm(FlaskForm):
    """A follow-up kept, with what was done."""

    note = TextAreaField("What was done", validators=[Length(max=NOTE_MAX)])


@dataclass
class Board:
    """Follow-ups in columns."""

    open: list[FollowUp] = field(default_factory=list)
    overdue: list[FollowUp] = field(default_factory=list)
    escalated: list[FollowUp] = field(default_factory=list)
    done: list[FollowUp] = field(default_factory=list)


def build_board(now: datetime, owner_id: int | None = None) -> Board:
    """Open follow-ups by column (open past due counts as overdue) and those done lately."""
    base = sa.select(FollowUp).options(joinedload(FollowUp.customer), joinedload(FollowUp.owner))
    if owner_id is not None:
        base = base.where(FollowUp.owner_id == owner_id)
    board = Board()
    for state in ("open", "overdue", "escalated"):
        rows = db.session.scalars(
            base.where(FollowUp.state == state)
            .order_by(FollowUp.due_at, FollowUp.id)
            .limit(COLUMN_MAX)
        ).all()
        for f in rows:
            column = "overdue" if state == "open" and f.due_at < now else state
            getattr(board, column).append(f)
    board.overdue.sort(key=lambda f: (f.due_at, f.id))
    board.done = list(
        db.session.scalars(
            base.where(FollowUp.state == "done", FollowUp.done_at >= now - DONE_SINCE)
            .order_by(FollowUp.done_at.desc(), FollowUp.id.desc())
            .limit(COLUMN_MAX)
        )
    )
    return board


class FeedForm(FlaskForm):
    """Create, replace or revoke the viewer's calendar feed (a POST with the CSRF token)."""


def _board_page(status: int = 200, feed_url: str | None = None):
    """The board, everyone's, one owner's (?owner=<id>) or the viewer's own (?owner=mine)."""
    raw = request.values.get("owner", "")
    mine = raw == "mine"
    owner_id = current_user.id if mine else column_int(raw)
    owners = db.session.scalars(
        sa.select(User).where(User.is_active_user.is_(True)).order_by(User.name)
    ).all()
    board = build_board(utcnow(), owner_id)
    cards = [
        f for column in ("open", "overdue", "escalated", "done") for f in getattr(board, column)
    ]
    page = render_template(
        "admin/followups.html",
        board=board,
        cards=card_context(cards),
        now=utcnow(),
        owners=owners,
        owner_id=owner_id,
        mine=mine,
        priorities=PRIORITIES,
        form=DoneForm(formdata=None),
        company_zone=get_company_settings().default_timezone,
        viewer_zone=viewer_zone(),
        guests=guests_for(current_user),
        feed_url=feed_url,
        feed_form=FeedForm(),
    )
    response = make_response(page, status)
    if feed_url:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/followups/calendar")
def followups_calendar_create():
    """Create (or replace) the viewer's private calendar feed; its URL is shown only this once."""
    form = FeedForm()
    if not form.validate():
        return redirect(url_for("admin.followups", owner="mine"))
    token = create_feed_token(current_user)
    base = current_app.extensions["settings"].public_base_url
    return _board_page(feed_url=base + url_for("calendar.feed", token=token))


@bp.post("/followups/calendar/revoke")
def followups_calendar_revoke():
    """Stop the viewer's calendar feed."""
    if FeedForm().validate():
        revoke_feed_token(current_user)
        flash("Calendar feed stopped: its address no longer works.", "success")
    return redirect(url_for("admin.followups", owner="mine", _anchor="calendar"))


@bp.get("/followups")
def followups():
    """Every open follow-up by column, and those done in the last two weeks."""
    return _board_page()


def _back():
    owner = request.form.get("owner", "")
    return redirect(
        url_for("admin.followups", owner=owner) if owner else url_for("admin.followups")
    )


def _act(followup_id: int, action, done: str):
    """Run one card action; on success back to the board with a message, else the board again
    with the error (422 bad input, 409 done or changed meanwhile, 404 not yours)."""
    try:
        action()
    except OutreachError as exc:
        db.session.rollback()
        flash(f"{_label(followup_id)}: {exc.message}", "error")
        return _board_page(exc.status)
    flash(f"{_label(followup_id)}: {done}", "success")
    return _back()


def _label(followup_id: int) -> str:
    f = db.session.get(FollowUp, followup_id)
    return f"Follow-up for {f.customer.name}" if f is not None else "Follow-up"


@bp.post("/followups/<int(max=2147483647):followup_id>/reassign")
def followups_reassign(followup_id: int):
    """Give a follow-up to another active person."""
    owner_id = column_int(request.form.get("owner_id", ""))
    return _act(
        followup_id,
        lambda: reassign_followup(followup_id, owner_id, current_user),
        "reassigned.",
    )


@bp.post("/followups/<int(max=2147483647):followup_id>/redate")
def followups_redate(followup_id: int):
    """Move a follow-up's due time (typed in the viewer's zone)."""
    raw = request.form.get("due_at", "")
    return _act(
        followup_id,
        lambda: redate_followup(followup_id, raw, viewer_zone(), current_user),
        "new due time saved.",
    )


@bp.post("/followups/<int(max=2147483647):followup_id>/priority")
def followups_priority(followup_id: int):
    """Change a follow-up's priority."""
    priority = request.form.get("priority", "")
    return _act(
        followup_id,
        lambda: reprioritise_followup(followup_id, priority, current_user),
        f"priority now {priority}.",
    )


@bp.post("/followups/<int(max=2147483647):followup_id>/note")
def followups_note(followup_id: int):
    """Add a note to a follow-up."""
    body = request.form.get("body", "")
    return _act(
        followup_id, lambda: add_followup_note(followup_id, body, current_user), "note added."
    )


@bp.post("/followups/<int(max=2147483647):followup_id>/conference")
def followups_conference(followup_id: int):
    """Start a three-way call about a follow-up: your phone rings first."""
    guest_id = column_int(request.form.get("guest_id", ""))
    return _act(
        followup_id,
        lambda: start_three_way(current_user, guest_id, followup_id=followup_id),
        THREE_WAY_STARTED,
    )


@bp.post("/followups/<int(max=2147483647):followup_id>/done")
def followups_done(followup_id: int):
    """Mark a follow-up kept, with a note."""
    form = DoneForm()
    if not form.validate():
        flash(f"Follow-up {followup_id}: " + " ".join(form.note.errors), "error")
        return _back()
    try:
        complete_followup(followup_id, form.note.data or "", current_user)
    except NotFound:
        db.session.rollback()
        flash(
            f"Follow-up {followup_id} can be marked done only by its owner, their backup "
            "or an admin.",
            "error",
        )
    except OutreachError as exc:
        db.session.rollback()
        flash(f"Follow-up {followup_id}: {exc.message}", "error")
    else:
        flash(f"Follow-up {followup_id} marked done.", "success")
    return _back()
