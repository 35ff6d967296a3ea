"""The rep's worklist page and its actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from outreach.conversations.escalation import call_number, take_on_web, waiting_pages
from outreach.conversations.followups import card_context, complete_followup
from outreach.conversations.worklist import (
    FILTERS,
    OUTCOMES,
    attach_context,
    build_worklist,
    done_since,
    log_call_outcome,
)
from outreach.errors import Conflict, NotFound, ValidationError
from outreach.messaging.conference import guests_for
from outreach.models import utcnow
from outreach.models.base import column_int
from outreach.rep import bp
from outreach.rep.forms import CalendarForm, FollowUpDoneForm, OutcomeForm
from outreach.reporting.calendar import create_feed_token, revoke_feed_token
from outreach.web.helpers import show_error

PAGE_SIZE = 12  #: full cards per page of today's list; the rest is a page away


def _page(failed: dict | None = None, feed_url: str | None = None, status: int = 200):
    """Render the worklist: today's items as cards a page at a time (a failed form's card
    first), what is coming up and what was done today as short rows."""
    worklist = build_worklist(current_user, utcnow(), with_context=False)
    show = request.args.get("show", "all")
    show = show if show in FILTERS else "all"
    counts = {key: sum(i.shown_by(key) for i in worklist.today) for key in FILTERS}
    today = [i for i in worklist.today if i.shown_by(show)]
    pages = max(1, -(-len(today) // PAGE_SIZE))
    page = min(max(column_int(request.args.get("page")) or 1, 1), pages)
    cards = today[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    upcoming = [i for i in worklist.upcoming if i.shown_by(show)]
    opened = [i for i in upcoming if f"{i.kind}-{i.id}" == request.args.get("open")]
    cards = opened + cards
    upcoming = [i for i in upcoming if i not in opened]
    forms = dict(failed or {})
    if failed:
        keys = {f"{'c' if i.kind == 'call' else 'f'}{i.id}": i for i in worklist.today}
        keys |= {f"{'c' if i.kind == 'call' else 'f'}{i.id}": i for i in worklist.upcoming}
        cards = [keys[k] for k in failed if k in keys] + [
            i for i in cards if f"{'c' if i.kind == 'call' else 'f'}{i.id}" not in failed
        ]
    attach_context(cards)
    for item in cards:
        cls, prefix = (OutcomeForm, "c") if item.kind == "call" else (FollowUpDoneForm, "f")
        key = f"{prefix}{item.id}"
        if key not in forms:
            forms[key] = cls(prefix=key, formdata=None)
    response = make_response(
        render_template(
            "rep/index.html",
            worklist=worklist,
            cards=cards,
            show=show,
            filters=FILTERS,
            counts=counts,
            page=page,
            page_count=pages,
            a_day_ahead=worklist.now + timedelta(hours=18),
            upcoming=upcoming,
            done=done_since(current_user, worklist.start_of_today),
            context=card_context([i.followup for i in cards if i.followup]),
            forms=forms,
            calendar_form=CalendarForm(),
            feed_url=feed_url,
            outcomes=OUTCOMES,
            pages=waiting_pages(current_user),
            call_number=call_number,
            guests=guests_for(current_user),
        ),
        status,
    )
    if feed_url:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
def index():
    """Today's calls, callbacks and overdue follow-ups first, then what is coming up."""
    return _page()


def _act(form, key: str, act: Callable[[], object], done: Callable[[], str]):
    """Run act on a valid form: back to the list with done's message, a flash for a conflict,
    404 for a missing row, else the list with the form and its errors (422)."""
    if form.validate():
        try:
            act()
        except NotFound:
            abort(404)
        except Conflict as exc:
            flash(exc.message, "error")
            return redirect(url_for("rep.index"))
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(done(), "success")
            return redirect(url_for("rep.index"))
    return _page(failed={key: form}, status=422)


@bp.post("/checkins/<int:checkin_id>/outcome")
def log_outcome(checkin_id: int):
    """Log what happened on a rep call; the check-in is done, an issue opens a follow-up."""
    key = f"c{checkin_id}"
    form = OutcomeForm(prefix=key)
    return _act(
        form,
        key,
        lambda: log_call_outcome(checkin_id, current_user, form.to_input(), utcnow()),
        lambda: f"Logged: {OUTCOMES[form.outcome.data]}.",
    )


@bp.post("/followups/<int:followup_id>/done")
def followup_done(followup_id: int):
    """Mark a follow-up kept."""
    key = f"f{followup_id}"
    form = FollowUpDoneForm(prefix=key)
    return _act(
        form,
        key,
        lambda: complete_followup(followup_id, form.note.data, current_user, utcnow()),
        lambda: "Follow-up marked done.",
    )


@bp.post("/pages/<int(max=2147483647):escalation_id>/take")
def page_take(escalation_id: int):
    """Take an urgent reply you were paged for: nobody else is paged, the follow-up is yours."""
    taken = take_on_web(escalation_id, current_user, utcnow(), paged_only=True)
    if taken is None:
        abort(404)
    if taken.is_taken_now or taken.escalation.acked_by_id == current_user.id:
        flash("It's yours: nobody else will be paged.", "success")
    else:
        holder = taken.escalation.acked_by
        flash(f"{holder.display_name if holder else 'Someone'} already took it.", "error")
    return redirect(url_for("rep.index"))


@bp.post("/calendar")
def calendar_create():
    """Create (or replace) the private calendar feed; its URL is shown only this once."""
    token = create_feed_token(current_user)
    base = current_app.extensions["settings"].public_base_url
    return _page(feed_url=base + url_for("calendar.feed", token=token))


@bp.post("/calendar/revoke")
def calendar_revoke():
    """Stop the calendar feed."""
    revoke_feed_token(current_user)
    flash("Calendar feed revoked: its address no longer works.", "success")
    return redirect(url_for("rep.index"))
