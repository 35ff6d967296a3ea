"""/admin/conversations: customers by latest activity, a customer's timeline, a manual SMS or
e-mail."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from outreach.admin import bp
from outreach.company.settings import get_company_settings
from outreach.company.templating import MAX_MESSAGE_CHARS
from outreach.conversations.escalation import LEVEL_NAMES, VIA_NAMES
from outreach.conversations.manual import (
    EMAIL_MAX,
    SUBJECT_MAX,
    manual_email_blocked,
    manual_sms_blocked,
    send_manual_email,
    send_manual_sms,
)
from outreach.customers.activity import conversation_list
from outreach.customers.service import BadCursor, same_phone
from outreach.errors import NotFound, OutreachError
from outreach.extensions import db
from outreach.messaging.conference import (
    OUTCOME_WORDS,
    THREE_WAY_STARTED,
    guests_for,
    start_three_way,
)
from outreach.messaging.errors import describe_twilio_error
from outreach.models import Customer, FollowUp, utcnow
from outreach.models.base import column_int
from outreach.models.followups import OPEN_FOLLOWUP_STATES
from outreach.reporting.timeline import customer_timeline, latest_replies
from outreach.scheduling.planning import zone_for_customer
from outreach.web.helpers import show_error, viewer_zone


class SmsForm(FlaskForm):
    """A text to the customer."""

    body = TextAreaField("Text the customer", validators=[Length(max=MAX_MESSAGE_CHARS)])


class EmailForm(FlaskForm):
    """An e-mail to the customer."""

    subject = StringField("Subject", validators=[Length(max=SUBJECT_MAX)])
    body = TextAreaField("E-mail the customer", validators=[Length(max=EMAIL_MAX)])


def customer_context(customer_ids: list[int]) -> tuple[dict, dict]:
    """Each customer's latest reply and number of open follow-ups, in two queries."""
    if not customer_ids:
        return {}, {}
    latest = {r.customer_id: r for r in latest_replies(customer_ids, 1)}
    open_counts: dict[int, int] = defaultdict(int)
    for customer_id, count in db.session.execute(
        sa.select(FollowUp.customer_id, sa.func.count())
        .where(FollowUp.customer_id.in_(customer_ids), FollowUp.state.in_(OPEN_FOLLOWUP_STATES))
        .group_by(FollowUp.customer_id)
    ):
        open_counts[customer_id] = count
    return latest, open_counts


@bp.get("/conversations")
def conversations():
    """Customers, most recently in touch first; search by name, phone or external id."""
    q = request.args.get("q", "")
    after = request.args.get("after") or None
    try:
        rows, next_cursor = conversation_list(q, after)
    except BadCursor as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.conversations", q=q or None))
    latest, open_counts = customer_context([c.id for c, _ in rows])
    return render_template(
        "admin/conversations.html",
        rows=rows,
        latest=latest,
        open_counts=open_counts,
        q=q,
        first_page=after is None,
        next_cursor=next_cursor,
        company_zone=get_company_settings().default_timezone,
    )


def _conversation_page(
    customer_id: int, form: SmsForm, status: int = 200, email_form: EmailForm | None = None
):
    try:
        timeline = customer_timeline(customer_id)
    except NotFound:
        abort(404)
    settings = get_company_settings()
    zone, source = zone_for_customer(timeline.customer, settings.default_timezone)
    return render_template(
        "admin/conversation.html",
        timeline=timeline,
        zone=zone,
        zone_source=source,
        viewer_zone=viewer_zone(),
        form=form,
        blocked=manual_sms_blocked(timeline.customer, utcnow()),
        email_form=email_form or EmailForm(formdata=None, prefix="email"),
        email_blocked=manual_email_blocked(timeline.customer),
        describe=describe_twilio_error,
        levels=LEVEL_NAMES,
        via=VIA_NAMES,
        duplicates=same_phone(timeline.customer),
        conference_outcomes=OUTCOME_WORDS,
    ), status


@bp.get("/conversations/<int(max=2147483647):customer_id>")
def conversations_show(customer_id: int):
    """A customer's timeline and the box to text them."""
    return _conversation_page(customer_id, SmsForm(formdata=None))


@bp.post("/conversations/<int(max=2147483647):customer_id>/sms")
def conversations_sms(customer_id: int):
    """Text the customer, unless they opted out or it is quiet hours where they are."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    name = customer.name
    form = SmsForm()
    if form.validate():
        try:
            send_manual_sms(customer_id, form.body.data, current_user)
        except OutreachError as exc:
            db.session.rollback()
            show_error(form, exc)
            return _conversation_page(customer_id, form, exc.status)
        flash(f"Text to {name} queued: it goes out in a moment.", "success")
        return redirect(url_for("admin.conversations_show", customer_id=customer_id))
    return _conversation_page(customer_id, form, 422)


@bp.get("/conversations/<int(max=2147483647):customer_id>/conference")
def conversations_conference_form(customer_id: int):
    """Choose who joins a three-way call with the customer."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    return render_template(
        "admin/conference.html", customer=customer, guests=guests_for(current_user)
    )


@bp.post("/conversations/<int(max=2147483647):customer_id>/conference")
def conversations_conference(customer_id: int):
    """Start a three-way call with the customer and a colleague: your phone rings first."""
    try:
        start_three_way(
            current_user, column_int(request.form.get("guest_id")), customer_id=customer_id
        )
    except NotFound:
        abort(404)
    except OutreachError as exc:
        flash(exc.message, "error")
    else:
        flash(THREE_WAY_STARTED, "success")
    return redirect(url_for("admin.conversations_show", customer_id=customer_id))


@bp.post("/conversations/<int(max=2147483647):customer_id>/email")
def conversations_email(customer_id: int):
    """E-mail the customer, unless they have no address or opted out of e-mail."""
    if db.session.get(Customer, customer_id) is None:
        abort(404)
    form = EmailForm(prefix="email")
    if form.validate():
        try:
            email = send_manual_email(customer_id, form.subject.data, form.body.data, current_user)
        except OutreachError as exc:
            db.session.rollback()
            show_error(form, exc)
            return _conversation_page(customer_id, SmsForm(formdata=None), exc.status, form)
        flash(f"E-mail queued (e-mail #{email.id}).", "success")
        return redirect(url_for("admin.conversations_show", customer_id=customer_id))
    return _conversation_page(customer_id, SmsForm(formdata=None), 422, form)
