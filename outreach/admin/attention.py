"""/admin: the manager's attention list (urgent and needs-review replies nobody has taken yet),
taking one, and settling a probable opt-out (opt out, or keep texting)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from outreach.admin import bp
from outreach.conversations.escalation import LEVEL_NAMES, VIA_NAMES, take_on_web
from outreach.conversations.paused import (
    REASON_NAMES,
    RESOLUTION_NAMES,
    Settled,
    confirm_opt_out,
    keep_texting,
    must_be_settled,
)
from outreach.extensions import db
from outreach.models import utcnow
from outreach.reporting.attention import build_attention
from outreach.web.helpers import viewer_zone


@bp.get("")
def attention():
    """Replies waiting for someone, who has been paged and for how long; what was taken today."""
    return render_template(
        "admin/attention.html",
        data=build_attention(utcnow()),
        zone=viewer_zone(),
        levels=LEVEL_NAMES,
        via=VIA_NAMES,
        reasons=REASON_NAMES,
        resolutions=RESOLUTION_NAMES,
    )


@bp.post("/attention/<int(max=2147483647):escalation_id>/take")
def attention_take(escalation_id: int):
    """Take a reply: no more pages, and its follow-up is yours."""
    if must_be_settled(escalation_id):
        flash("A probable opt-out is settled with Opt out or Keep texting.", "error")
        return redirect(url_for("admin.attention", _anchor=f"escalation-{escalation_id}"))
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


def _settled_flash(settled: Settled | None, done: str) -> None:
    if settled is None:
        abort(404)
    e = settled.escalation
    who = e.customer.name if e.customer else "the customer"
    if settled.is_settled_now:
        flash(done.format(who=who), "success")
        return
    ended = RESOLUTION_NAMES.get(e.resolution or "", "settled")
    by = e.acked_by.display_name if e.acked_by else "a clear opt-out from the customer"
    flash(f"Already settled for {who}: {ended} ({by}); nothing changed.", "error")


@bp.post("/attention/<int(max=2147483647):escalation_id>/opt-out")
def attention_opt_out(escalation_id: int):
    """A probable opt-out confirmed: opted out as a STOP would be; pending check-ins canceled."""
    settled = confirm_opt_out(escalation_id, current_user, utcnow())
    db.session.commit()
    _settled_flash(settled, "{who} is opted out: no more automated texts or calls.")
    return redirect(url_for("admin.attention"))


@bp.post("/attention/<int(max=2147483647):escalation_id>/keep-texting")
def attention_keep_texting(escalation_id: int):
    """A probable opt-out that was not one: automated check-ins resume."""
    settled = keep_texting(escalation_id, current_user, utcnow())
    db.session.commit()
    _settled_flash(settled, "Automated texts to {who} resume; held check-ins go out next.")
    return redirect(url_for("admin.attention"))
