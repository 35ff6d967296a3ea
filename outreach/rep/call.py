"""Calls from the rep's list: click-to-call (Twilio rings the rep, who presses 1 to reach the
customer) and the three-way call about a follow-up."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from outreach.errors import Conflict, NotFound, ValidationError
from outreach.messaging.conference import THREE_WAY_STARTED, start_three_way
from outreach.messaging.voice import start_click_to_call
from outreach.models import utcnow
from outreach.models.base import column_int
from outreach.rep import bp


@bp.post("/checkins/<int:checkin_id>/call")
def call(checkin_id: int):
    """Ring the signed-in user's phone; on answer and 1, the customer is dialed."""
    try:
        start_click_to_call(checkin_id, current_user, utcnow())
    except NotFound:
        abort(404)
    except (Conflict, ValidationError) as exc:
        flash(exc.message, "error")
    else:
        flash("Calling your phone now: answer it and press 1 to reach the customer.", "success")
    return redirect(url_for("rep.index", _anchor=f"call-{checkin_id}"))


@bp.post("/followups/<int:followup_id>/conference")
def conference(followup_id: int):
    """Start a three-way call about this follow-up: your phone rings first, then the customer
    and the colleague you chose are joined."""
    try:
        start_three_way(
            current_user, column_int(request.form.get("guest_id")), followup_id=followup_id
        )
    except NotFound:
        abort(404)
    except (Conflict, ValidationError) as exc:
        flash(exc.message, "error")
    else:
        flash(THREE_WAY_STARTED, "success")
    return redirect(url_for("rep.index", _anchor=f"followup-{followup_id}"))
