"""/admin/settings (admins only): company settings and the triage phrases."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from outreach.admin import bp
from outreach.auth.roles import ADMIN, role_required
from outreach.company import settings as company
from outreach.errors import OutreachError
from outreach.extensions import db
from outreach.web.helpers import show_error

_TIME = {"type": "time", "step": 60}


class SettingsForm(FlaskForm):
    """Every company setting; business hours as an opening and a closing time per weekday
    (`mon_open`, `mon_close`…; both empty: closed that day)."""

    name = StringField("Company name", validators=[DataRequired(), Length(max=200)])
    default_timezone = StringField(
        "Default time zone (IANA name)", validators=[DataRequired(), Length(max=64)]
    )
    quiet_end = StringField("Sending may start at", validators=[DataRequired()], render_kw=_TIME)
    quiet_start = StringField("Sending must stop at", validators=[DataRequired()], render_kw=_TIME)
    help_text = TextAreaField("HELP reply", validators=[DataRequired(), Length(max=2000)])
    reply_window_hours = IntegerField("Reply window (hours)", validators=[InputRequired()])
    followup_grace_hours = IntegerField("Follow-up grace (hours)", validators=[InputRequired()])
    reassurance_every_hours = IntegerField(
        "Reassure customers with an open issue every (hours; empty: off)", validators=[Optional()]
    )
    send_thank_you = BooleanField("Thank customers who reply positively")
    reassure_by_email = BooleanField(
        "Reassure by e-mail (customers with an address), in the owner's name, saying by when"
    )
    chat_webhook_url = StringField(
        "Chat webhook URL (Slack-compatible; empty: off)", validators=[Length(max=500)]
    )

    def days(self) -> list[tuple[str, Field, Field]]:
        """Each weekday's name with its opening and closing fields, Monday first."""
        return [
            (company.DAY_NAMES[key], self[f"{key}_open"], self[f"{key}_close"])
            for key in company.DAY_KEYS
        ]

    def fill_week(self, week: dict) -> None:
        """Show the stored business hours (a closed day's fields empty)."""
        for key in company.DAY_KEYS:
            opens, closes = (week or {}).get(key) or ("", "")
            self[f"{key}_open"].data, self[f"{key}_close"].data = opens, closes

    def to_input(self) -> company.SettingsInput:
        """The form's values for the settings service."""
        return company.SettingsInput(
            name=self.name.data or "",
            default_timezone=self.default_timezone.data or "",
            quiet_end=self.quiet_end.data or "",
            quiet_start=self.quiet_start.data or "",
            help_text=self.help_text.data or "",
            reply_window_hours=self.reply_window_hours.data,
            followup_grace_hours=self.followup_grace_hours.data,
            reassurance_every_hours=self.reassurance_every_hours.data,
            send_thank_you=bool(self.send_thank_you.data),
            reassure_by_email=bool(self.reassure_by_email.data),
            chat_webhook_url=self.chat_webhook_url.data or "",
            business_week={
                key: (self[f"{key}_open"].data or "", self[f"{key}_close"].data or "")
                for key in company.DAY_KEYS
            },
        )


for _key in company.DAY_KEYS:
    _day = company.DAY_NAMES[_key]
    setattr(SettingsForm, f"{_key}_open", StringField(f"{_day} opens", render_kw=_TIME))
    setattr(SettingsForm, f"{_key}_close", StringField(f"{_day} closes", render_kw=_TIME))


class PhraseForm(FlaskForm):
    """A phrase that puts a reply in a triage class."""

    triage_class = SelectField("Class", choices=list(company.PHRASE_CLASSES))
    phrase = StringField("Phrase", validators=[DataRequired(), Length(max=200)])


def _page(form: SettingsForm, phrase_form: PhraseForm, status: int = 200):
    return render_template(
        "admin/settings.html",
        form=form,
        phrase_form=phrase_form,
        phrases=company.list_phrases(),
        floor=company.QUIET_HOURS_FLOOR,
    ), status


@bp.route("/settings", methods=["GET", "POST"])
@role_required(ADMIN)
def settings():
    """Show and change the company settings; nothing is saved unless every field is right."""
    row = company.get_company_settings()
    if not SettingsForm().is_submitted():
        form = SettingsForm(obj=row, formdata=None)
        form.fill_week(row.business_week)
        return _page(form, PhraseForm(formdata=None))
    form = SettingsForm()
    if form.validate():
        try:
            company.update_settings(form.to_input(), current_user.id)
        except OutreachError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("admin.settings"))
    return _page(form, PhraseForm(formdata=None), 422)


@bp.post("/settings/phrases")
@role_required(ADMIN)
def settings_phrase_add():
    """Add a triage phrase."""
    phrase_form = PhraseForm()
    if phrase_form.validate():
        try:
            row = company.add_phrase(phrase_form.triage_class.data, phrase_form.phrase.data)
        except OutreachError as exc:
            show_error(phrase_form, exc)
        else:
            flash(f"Added {row.phrase!r} as {row.triage_class}.", "success")
            return redirect(url_for("admin.settings", _anchor="phrases"))
    row = company.get_company_settings()
    form = SettingsForm(obj=row, formdata=None)
    form.fill_week(row.business_week)
    return _page(form, phrase_form, 422)


@bp.post("/settings/phrases/<int:phrase_id>/<any(enable, disable, remove):action>")
@role_required(ADMIN)
def settings_phrase_action(phrase_id: int, action: str):
    """Enable, disable or remove a triage phrase."""
    try:
        if action == "remove":
            company.remove_phrase(phrase_id)
        else:
            company.set_phrase_active(phrase_id, action == "enable")
    except OutreachError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Phrase {action}d.", "success")
    return redirect(url_for("admin.settings", _anchor="phrases"))
