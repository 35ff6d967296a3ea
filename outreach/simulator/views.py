"""The phone simulator's pages: every phone, one customer's thread, replying and answering calls."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from outreach.company.settings import get_company_settings
from outreach.company.templating import MAX_MESSAGE_CHARS
from outreach.errors import NotFound, ValidationError
from outreach.scheduling.planning import zone_for_customer
from outreach.simulator import bp
from outreach.simulator import phone as simulator
from outreach.web.helpers import show_error


class ReplyForm(FlaskForm):
    """A text from the customer's phone."""

    body = TextAreaField(
        "Reply as the customer",
        validators=[DataRequired("write a message"), Length(max=MAX_MESSAGE_CHARS)],
    )


EMAIL_PREFIX = "email"  #: the e-mail reply form's fields, apart from the text reply's


class StaffReplyForm(FlaskForm):
    """A text from a staff member's phone ("1" takes a page)."""

    body = TextAreaField(
        "Text from this phone",
        validators=[DataRequired("write a message"), Length(max=MAX_MESSAGE_CHARS)],
    )


class CallForm(FlaskForm):
    """What the customer does with a ringing check-in call."""

    action = HiddenField(validators=[DataRequired()])
    speech = StringField("Words", validators=[Optional(), Length(max=200)])


def _thread_page(
    customer_id: int,
    form: ReplyForm | None = None,
    status: int = 200,
    email_form: ReplyForm | None = None,
):
    try:
        thread = simulator.thread(customer_id)
    except NotFound:
        abort(404)
    company = get_company_settings()
    page = render_template(
        "simulator/thread.html",
        thread=thread,
        inbox=simulator.inbox(thread.customer),
        email_form=email_form or ReplyForm(formdata=None, prefix=EMAIL_PREFIX),
        zone=zone_for_customer(thread.customer, company.default_timezone)[0],
        company_name=company.name or "Outreach",
        form=form or ReplyForm(formdata=None),
        call_form=CallForm(formdata=None),
        actions=simulator.CALL_ACTIONS,
    )
    return page, status


def _staff_page(user_id: int, form: StaffReplyForm | None = None, status: int = 200):
    try:
        thread = simulator.staff_thread(user_id, get_company_settings().default_timezone)
    except NotFound:
        abort(404)
    page = render_template(
        "simulator/staff.html",
        thread=thread,
        company_name=get_company_settings().name or "Outreach",
        form=form or StaffReplyForm(formdata=None),
        call_form=CallForm(formdata=None),
        actions=simulator.BRIDGE_ACTIONS,
    )
    return page, status


@bp.get("")
def index():
    """Every customer's and staff member's phone, the latest activity first."""
    return render_template(
        "simulator/index.html",
        phones=simulator.list_phones(),
        staff_phones=simulator.list_staff_phones(),
        company_zone=get_company_settings().default_timezone,
    )


@bp.get("/customers/<int:customer_id>")
def phone(customer_id: int):
    """One customer's phone: the thread of texts and calls, and a reply box."""
    return _thread_page(customer_id)


@bp.post("/customers/<int:customer_id>/reply")
def reply(customer_id: int):
    """Send the reply as the customer, through the signed inbound webhook."""
    form = ReplyForm()
    if form.validate():
        try:
            posted = simulator.reply_as_customer(customer_id, form.body.data)
        except NotFound:
            abort(404)
        except ValidationError as exc:
            show_error(form, exc)
        else:
            if posted.status != 200:
                flash(f"The inbound webhook answered HTTP {posted.status}.", "error")
            return redirect(url_for("simulator.phone", customer_id=customer_id, _anchor="end"))
    return _thread_page(customer_id, form, 422)


@bp.post("/customers/<int:customer_id>/email-reply")
def email_reply(customer_id: int):
    """Reply by e-mail as the customer, through the signed inbound e-mail hook."""
    form = ReplyForm(prefix=EMAIL_PREFIX)
    if form.validate():
        try:
            posted = simulator.reply_by_email(customer_id, form.body.data)
        except NotFound:
            abort(404)
        except ValidationError as exc:
            show_error(form, exc)
        else:
            if posted.status != 200:
                flash(f"The inbound e-mail hook answered HTTP {posted.status}.", "error")
            return redirect(url_for("simulator.phone", customer_id=customer_id, _anchor="inbox"))
    return _thread_page(customer_id, status=422, email_form=form)


@bp.post("/calls/<int:call_id>")
def call(call_id: int):
    """Play a ringing check-in call as the customer: answer and press a key, or not."""
    try:
        customer_id = simulator.customer_of_call(call_id)
    except NotFound:
        abort(404)
    form = CallForm()
    try:
        if not form.validate():
            raise ValidationError("choose what the customer does", field="action")
        posted = simulator.answer_call(call_id, form.action.data, form.speech.data or "")
    except NotFound:
        abort(404)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        if posted.said:
            flash("The customer heard: " + " / ".join(posted.said), "success")
    return redirect(url_for("simulator.phone", customer_id=customer_id, _anchor="end"))


@bp.get("/staff/<int:user_id>")
def staff_phone(user_id: int):
    """A staff member's phone: reminders, alerts, pages and calls from Outreach, and a text box."""
    return _staff_page(user_id)


@bp.post("/staff/<int:user_id>/reply")
def staff_reply(user_id: int):
    """Send a text from the staff member's phone through the signed inbound webhook."""
    form = StaffReplyForm()
    if form.validate():
        try:
            posted = simulator.reply_as_staff(user_id, form.body.data)
        except NotFound:
            abort(404)
        except ValidationError as exc:
            show_error(form, exc)
        else:
            if posted.status != 200:
                flash(f"The inbound webhook answered HTTP {posted.status}.", "error")
            return redirect(url_for("simulator.staff_phone", user_id=user_id, _anchor="end"))
    return _staff_page(user_id, form, 422)


@bp.post("/bridges/<int:call_id>")
def bridge(call_id: int):
    """Play the rep's leg of a call through Outreach: answer and press 1, hang up, or not."""
    try:
        user_id = simulator.user_of_bridge(call_id)
    except NotFound:
        abort(404)
    form = CallForm()
    try:
        if not form.validate():
            raise ValidationError("choose what the rep does", field="action")
        posted = simulator.answer_bridge(call_id, form.action.data)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        flash(exc.message, "error")
    else:
        if posted.said:
            flash("You heard: " + " / ".join(posted.said), "success")
    return redirect(url_for("simulator.staff_phone", user_id=user_id, _anchor="end"))
