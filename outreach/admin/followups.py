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
from outreach.customers.activity import decode_cursor, encode_cursor
from outreach.customers.service import BadCursor
from outreach.errors import NotFound, OutreachError
from outreach.extensions import db
from outreach.messaging.conference import THREE_WAY_STARTED, guests_for, start_three_way
from outreach.models import FollowUp, User, utcnow
from outreach.models.base import column_int
from outreach.models.followups import PRIORITIES
from outreach.reporting.calendar import create_feed_token, revoke_feed_token
from outreach.web.helpers import viewer_zone

COLUMN_PAGE = 25  #: cards per column and page; a column's later cards are a link away
DONE_SINCE = timedelta(days=14)
COLUMNS = ("open", "overdue", "escalated", "done")


class DoneForm(FlaskForm):
    """A follow-up kept, with what was done."""

    note = TextAreaField("What was done", validators=[Length(max=NOTE_MAX)])


@dataclass
class Board:
    """Follow-ups in columns, a page of each; `more` holds the cursor of each column's next
    page (absent on its last)."""

    open: list[FollowUp] = field(default_factory=list)
    overdue: list[FollowUp] = field(default_factory=list)
    escalated: list[FollowUp] = field(default_factory=list)
    done: list[FollowUp] = field(default_factory=list)
    more: dict[str, str] = field(default_factory=dict)


def _page(query: sa.Select, key: tuple, after: tuple | None, limit: int, newest_first=False):
    """`limit` + 1 rows of `query` in `key` order (or its reverse) after the position `after`:
    a range of the index on (state, key...) or (owner_id, state, key...)."""
    if after is not None:
        row = sa.tuple_(*key)
        query = query.where(row < after if newest_first else row > after)
    order = [k.desc() for k in key] if newest_first else list(key)
    return list(db.session.scalars(query.order_by(*order).limit(limit + 1)))


def build_board(
    now: datetime,
    owner_id: int | None = None,
    after: dict[str, tuple[datetime, int]] | None = None,
    limit: int = COLUMN_PAGE,
) -> Board:
    """A page of each column by keyset: open (due later, soonest first), overdue (overdue, and
    open past due not yet swept, soonest first), escalated (soonest first), done in the last
    DONE_SINCE (latest first); each column continues after its cursor in `after`. Five
    statements, each a range of an index matching its order, nothing counted (one owner's few
    rows PostgreSQL may fetch as a bitmap and sort)."""
    after = after or {}
    base = sa.select(FollowUp).options(joinedload(FollowUp.customer), joinedload(FollowUp.owner))
    if owner_id is not None:
        base = base.where(FollowUp.owner_id == owner_id)
    due = (FollowUp.due_at, FollowUp.id)
    state = FollowUp.state
    found = {
        "open": _page(
            base.where(state == "open", FollowUp.due_at >= now), due, after.get("open"), limit
        ),
        "overdue": sorted(
            _page(base.where(state == "overdue"), due, after.get("overdue"), limit)
            + _page(
                base.where(state == "open", FollowUp.due_at < now), due, after.get("overdue"), limit
            ),
            key=lambda f: (f.due_at, f.id),
        ),
        "escalated": _page(base.where(state == "escalated"), due, after.get("escalated"), limit),
        "done": _page(
            base.where(state == "done", FollowUp.done_at >= now - DONE_SINCE),
            (FollowUp.done_at, FollowUp.id),
            after.get("done"),
            limit,
            newest_first=True,
        ),
    }
    board = Board()
    for column, rows in found.items():
        setattr(board, column, rows[:limit])
        if len(rows) > limit:
            last = rows[limit - 1]
            board.more[column] = encode_cursor(
                last.done_at if column == "done" else last.due_at, last.id
            )
    return board


def _cursors() -> dict[str, tuple[datetime, int]]:
    """Each column's position from the query string (?overdue=<cursor>); BadCursor when one
    was altered."""
    return {c: decode_cursor(request.args[c]) for c in COLUMNS if request.args.get(c)}


class FeedForm(FlaskForm):
    """Create, replace or revoke the viewer's calendar feed (a POST with the CSRF token)."""


def _board_page(status: int = 200, feed_url: str | None = None):
    """The board, everyone's, one owner's (?owner=<id>) or the viewer's own (?owner=mine)."""
    raw = request.values.get("owner", "")
    mine = raw == "mine"
    owner_id = current_user.id if mine else column_int(raw)
    try:
        after = _cursors()
    except BadCursor as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.followups", owner=raw or None))
    owners = db.session.scalars(
        sa.select(User).where(User.is_active_user.is_(True)).order_by(User.name)
    ).all()
    board = build_board(utcnow(), owner_id, after)
    cards = [f for column in COLUMNS for f in getattr(board, column)]
    page = render_template(
        "admin/followups.html",
        board=board,
        cards=card_context(cards),
        now=utcnow(),
        owners=owners,
        owner_id=owner_id,
        owner_arg=raw if mine or owner_id is not None else None,
        after={c: request.args[c] for c in COLUMNS if c in after},
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
