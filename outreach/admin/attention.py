"""/admin: the manager's attention list (urgent and needs-review replies nobody has taken yet),
and taking one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from outreach.admin import bp
from outreach.attention import build_attention, viewer_zone
from outreach.conversations.escalation import LEVEL_NAMES, VIA_NAMES, take_on_web
from outreach.models import utcnow


@bp.get("")
def attention():
    """Replies waiting for someone, who has been paged and for how long; what was taken today."""
    return render_template(
        "admin/attention.html",
        data=build_attention(utcnow()),
        zone=viewer_zone(current_user),
        levels=LEVEL_NAMES,
        via=VIA_NAMES,
    )


@bp.post("/attention/<int(max=2147483647):escalation_id>/take")
def attention_take(escalation_id: int):
    """Take a reply: no more pages, and its follow-up is yours."""
    taken = take_on_web(escalation_id, current_user, utcnow())
    if taken is None:
        abort(404)
    e = taken.escalation
    who = e.customer.name if e.customer else "the unknown number"
    if taken.is_taken_now:
        flash(f"You took it: {who} is yours to call.", "success")
    elif e.acked_by_id == current_user.id:
        flash(f"You had already taken {who}.", "success")
    else:
        holder = e.acked_by.display_name if e.acked_by else "Someone"
        flash(f"{holder} had already taken {who}; nothing changed.", "error")
    return redirect(url_for("admin.attention"))
