"""/admin/alarm (managers and admins): who is paged for an urgent reply and when, the on-call
rotation, the managers' example replies, and a box to try a reply."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import FieldList, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from outreach.admin import bp
from outreach.auth import users as accounts
from outreach.company import settings as company
from outreach.conversations import oncall
from outreach.conversations.escalation import LEVEL_NAMES
from outreach.conversations.promise import business_hours
from outreach.conversations.staff import managers, pageable
from outreach.conversations.triaging import triage_text
from outreach.errors import OutreachError
from outreach.extensions import db
from outreach.models import utcnow
from outreach.models.base import column_int
from outreach.web.helpers import show_error, viewer_zone

ROTATION_SLOTS = 8
TRY_MAX = 1000


def _user_or_none(value):
    if value in (None, "", "None"):
        return None
    user_id = column_int(value)
    if user_id is None:
        raise ValueError("not a user")
    return user_id


class AlarmForm(FlaskForm):
    """The fire alarm's minutes and the on-call rotation."""

    escalation_minutes = IntegerField(
        "Page the next person after (minutes without an answer)", validators=[InputRequired()]
    )
    callback_minutes = IntegerField(
        "Promise the customer a call within (minutes)", validators=[InputRequired()]
    )
    repage_rounds = IntegerField(
        "Then page the person on call and the managers again (rounds)",
        validators=[InputRequired()],
    )
    rotation = FieldList(
        SelectField("On call", coerce=_user_or_none, validate_choice=False),
        min_entries=ROTATION_SLOTS,
        max_entries=ROTATION_SLOTS,
    )


class ExampleForm(FlaskForm):
    """A reply a manager says must, or must not, raise the alarm."""

    text = TextAreaField(
        "A reply, as a customer would write it",
        validators=[DataRequired(), Length(max=company.EXAMPLE_MAX)],
    )
    is_urgent = RadioField(
        "A reply like this",
        choices=[
            SelectChoice("yes", "must raise the alarm"),
            SelectChoice("no", "must not raise the alarm"),
        ],
        default="yes",
        validators=[InputRequired()],
    )


def _alarm_form(settings, now, submitted: bool = False) -> AlarmForm:
    hours = business_hours(settings)
    order = [u.id for u in oncall.current_order(now, settings, hours)]
    data = {
        "escalation_minutes": settings.escalation_minutes,
        "callback_minutes": settings.callback_minutes,
        "repage_rounds": settings.repage_rounds,
        "rotation": order + [None] * (ROTATION_SLOTS - len(order)),
    }
    form = AlarmForm() if submitted else AlarmForm(formdata=None, data=data)
    choices = [SelectChoice("", "—")] + [
        SelectChoice(str(u.id), f"{u.display_name}{'' if u.phone else ' (no phone)'}")
        for u in accounts.list_users()
        if u.is_active_user
    ]
    for entry in form.rotation:
        entry.choices = choices
    return form


def _page(form: AlarmForm, example_form: ExampleForm, status: int = 200):
    settings = company.get_company_settings()
    now = utcnow()
    hours = business_hours(settings)
    tried = (request.args.get("try") or "").strip()[:TRY_MAX]
    reps = [u for u in accounts.list_users() if u.is_active_user and u.role == "rep"]
    return render_template(
        "admin/alarm.html",
        form=form,
        example_form=example_form,
        settings=settings,
        hours=hours,
        shifts=oncall.upcoming(now, settings, hours),
        on_call=oncall.on_call(now, settings, hours),
        is_open=hours.is_open(now),
        reps=reps,
        managers=managers(),
        pageable=pageable,
        examples=company.list_examples(),
        tried=tried,
        triage=triage_text(tried) if tried else None,
        zone=viewer_zone(),
        levels=LEVEL_NAMES,
    ), status


@bp.route("/alarm", methods=["GET", "POST"])
def alarm():
    """Show and change who is paged and when; try a reply (?try=…)."""
    settings = company.get_company_settings()
    if request.method == "GET":
        return _page(_alarm_form(settings, utcnow()), ExampleForm(formdata=None))
    form = _alarm_form(settings, utcnow(), submitted=True)
    if form.validate():
        rotation = [e.data for e in form.rotation if e.data]
        try:
            oncall.save_alarm_settings(
                form.escalation_minutes.data,
                form.callback_minutes.data,
                rotation,
                utcnow(),
                current_user.id,
                form.repage_rounds.data,
            )
        except OutreachError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash("Fire alarm settings saved.", "success")
            return redirect(url_for("admin.alarm"))
    return _page(form, ExampleForm(formdata=None), 422)


@bp.post("/alarm/examples")
def alarm_example_add():
    """Add an example reply that must (or must not) raise the alarm; it counts at once."""
    example_form = ExampleForm()
    if example_form.validate():
        try:
            row = company.add_example(
                example_form.text.data, example_form.is_urgent.data == "yes", current_user.id
            )
        except OutreachError as exc:
            show_error(example_form, exc)
        else:
            what = "raises" if row.is_urgent else "does not raise"
            flash(f"Saved: a reply like this now {what} the alarm.", "success")
            return redirect(url_for("admin.alarm", _anchor="examples"))
    form = _alarm_form(company.get_company_settings(), utcnow())
    return _page(form, example_form, 422)


@bp.post("/alarm/examples/<int(max=2147483647):example_id>/remove")
def alarm_example_remove(example_id: int):
    """Remove an example."""
    try:
        company.remove_example(example_id, current_user.id)
    except OutreachError as exc:
        flash(exc.message, "error")
    else:
        flash("Example removed.", "success")
    return redirect(url_for("admin.alarm", _anchor="examples"))
