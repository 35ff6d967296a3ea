"""Click-to-call from the rep's list: Twilio rings the rep, who presses 1 to reach the customer."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from outreach.errors import Conflict, NotFound, ValidationError
from outreach.messaging.voice import start_click_to_call
from outreach.models import utcnow
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
