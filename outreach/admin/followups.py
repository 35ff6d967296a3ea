"""/admin/followups: the board (open, overdue, escalated, done) and marking one done."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import TextAreaField
from wtforms.validators import Length

from outreach.admin import bp
from outreach.company.settings import get_company_settings
from outreach.conversations import complete_followup
from outreach.conversations.followups import NOTE_MAX
from outreach.errors import NotFound, OutreachError
from outreach.extensions import db
from outreach.models import FollowUp, User, utcnow
from outreach.models.base import column_int

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


@bp.get("/followups")
def followups():
    """Every open follow-up by column, and those done in the last two weeks."""
    raw = request.args.get("owner", "")
    owner_id = column_int(raw)
    owners = db.session.scalars(
        sa.select(User).where(User.is_active_user.is_(True)).order_by(User.name)
    ).all()
    return render_template(
        "admin/followups.html",
        board=build_board(utcnow(), owner_id),
        now=utcnow(),
        owners=owners,
        owner_id=owner_id,
        form=DoneForm(formdata=None),
        company_zone=get_company_settings().default_timezone,
    )


@bp.post("/followups/<int(max=2147483647):followup_id>/done")
def followups_done(followup_id: int):
    """Mark a follow-up kept, with a note."""
    form = DoneForm()
    if not form.validate():
        flash(f"Follow-up {followup_id}: " + " ".join(form.note.errors), "error")
        return redirect(url_for("admin.followups"))
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
    return redirect(url_for("admin.followups"))
