"""The phone simulator's pages: every phone, one customer's thread, replying and answering calls."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from outreach.company.templating import MAX_MESSAGE_CHARS
from outreach.errors import NotFound, ValidationError
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
    page = render_template(
        "simulator/thread.html",
        thread=thread,
        inbox=simulator.inbox(thread.customer),
        email_form=email_form or ReplyForm(formdata=None, prefix=EMAIL_PREFIX),
        form=form or ReplyForm(formdata=None),
        call_form=CallForm(formdata=None),
        actions=simulator.CALL_ACTIONS,
    )
    return page, status


@bp.get("")
def index():
    """Every customer's phone, the latest activity first."""
    return render_template("simulator/index.html", phones=simulator.list_phones())


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
