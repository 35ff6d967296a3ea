"""/admin/schedules: policies listed, created, edited, disabled; a preview of the sequence."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from outreach.admin import bp
from outreach.company.phones import PhoneError, normalize_phone
from outreach.company.settings import get_company_settings
from outreach.errors import NotFound, OutreachError, ValidationError
from outreach.extensions import db
from outreach.models import utcnow
from outreach.models.base import YEARS, column_int
from outreach.models.policies import CHANNELS
from outreach.scheduling import policies as service
from outreach.scheduling.durations import describe_duration
from outreach.scheduling.preview import event_types, preview_draft, preview_sequence
from outreach.scheduling.timing import DAYS, customer_zone, format_local, is_zone, load_zone
from outreach.web.helpers import show_error, viewer_zone

_TIME = {"type": "time", "step": 60}
#: a field named by validate_policy -> the form field that shows its error
_FIELDS = {"window": "window_start", "window.start": "window_start", "window.end": "window_end"}
_FIELDS |= {"window.days": "window_days", "active": "is_active"}


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PolicyForm(FlaskForm):
    """A schedule; checked by the same validation as the API (validate_policy)."""

    name = StringField("Name", validators=[Length(max=200)])
    event_type = StringField("Event type", validators=[Length(max=64)])
    channel = SelectField("Channel", choices=list(CHANNELS))
    delay = StringField(
        "Delay after the event (e.g. 20 hours, 2 days, 90 minutes)", default="20 hours"
    )
    window_start = StringField("Send window from", render_kw=_TIME)
    window_end = StringField("Send window until", render_kw=_TIME)
    window_days = CheckboxesField(
        "On days", choices=[SelectChoice(d, d.capitalize()) for d in DAYS]
    )
    subject = StringField("E-mail: subject template", validators=[Length(max=400)])
    template = TextAreaField("Message template", validators=[Length(max=4000)])
    expire_after = StringField("Latest useful time after the event (e.g. 3 days)")
    frequency_cap = StringField("At most one per customer within (e.g. 7 days)")
    deadline = StringField("Rep call: deadline after it is due (e.g. 4 hours)")
    fallback_policy_id = SelectField("Rep call: fallback when missed", choices=[])
    skip_if_answered = BooleanField("Skip when the customer already replied to an earlier step")
    is_active = BooleanField("Active", default=True)

    def to_json(self) -> dict:
        """The form as Policy JSON (SPEC.md), for validate_policy."""

        def text(field) -> str | None:
            return (field.data or "").strip() or None

        start, end, days = text(self.window_start), text(self.window_end), self.window_days.data
        window = None
        if start or end or days:
            window = {"start": start, "end": end, "days": days or None}
        fallback = self.fallback_policy_id.data
        return {
            "name": self.name.data or "",
            "event_type": self.event_type.data or "",
            "channel": self.channel.data,
            "delay": text(self.delay),
            "window": window,
            "template": self.template.data or "",
            "subject": text(self.subject),
            "expire_after": text(self.expire_after),
            "frequency_cap": text(self.frequency_cap),
            "deadline": text(self.deadline),
            "fallback_policy_id": column_int(fallback) if fallback else None,
            "skip_if_answered": bool(self.skip_if_answered.data),
            "active": bool(self.is_active.data),
        }


def _form(policy_id: int | None = None, data: dict | None = None) -> PolicyForm:
    """The form, bound to the request on POST, else filled from Policy JSON."""
    if request.method == "POST":
        form = PolicyForm()
    elif data is not None:
        window = data.get("window") or {}
        form = PolicyForm(
            formdata=None,
            data={
                **{k: v for k, v in data.items() if k not in ("window", "active")},
                **{k: describe_duration(data.get(k), none="") for k in service.DURATION_FIELDS},
                "window_start": window.get("start"),
                "window_end": window.get("end"),
                "window_days": window.get("days") or [],
                "is_active": data.get("active", True),
                "fallback_policy_id": str(data.get("fallback_policy_id") or ""),
            },
        )
    else:
        form = PolicyForm(formdata=None)
    form.fallback_policy_id.choices = [SelectChoice("", "— none —")] + [
        SelectChoice(str(p.id), f"{p.name} ({p.channel}, {p.event_type})")
        for p in service.list_policies()
        if p.channel != "rep_call" and p.id != policy_id
    ]
    return form


@bp.app_template_filter("schedule_duration")
def schedule_duration(value: str | None, none: str = "—") -> str:
    """A schedule's duration in words on the pages ("20 hours", "2 days")."""
    return describe_duration(value, none=none)


def _show(form: PolicyForm, exc: OutreachError) -> None:
    if exc.field in _FIELDS:
        exc = ValidationError(exc.message, field=_FIELDS[exc.field])
    show_error(form, exc)


def _draft(form: PolicyForm, policy_id: int | None) -> dict | None:
    """The form as Policy JSON (durations ISO 8601), or None with every error shown."""
    data, errors = service.check_policy_draft(form.to_json(), policy_id=policy_id)
    for field, message in errors.items():
        _show(form, ValidationError(message, field=field))
    return data


def _save(form: PolicyForm, policy_id: int | None):
    """Create or update from a valid form; None (errors shown) when it is not."""
    data = _draft(form, policy_id)
    if data is None:
        return None
    try:
        if policy_id is None:
            return service.create_policy(data)
        return service.update_policy(policy_id, data)
    except OutreachError as exc:
        db.session.rollback()
        _show(form, exc)
        return None


@bp.get("/schedules")
def schedules():
    """Every live schedule, by event type."""
    rows = service.list_policies()
    names = {p.id: p.name for p in rows}
    rows.sort(key=lambda p: (p.event_type, p.id))
    return render_template(
        "admin/schedules.html",
        policies=rows,
        names=names,
        window=service.policy_window,
        types=sorted({p.event_type for p in rows}),
    )


@bp.route("/schedules/new", methods=["GET", "POST"])
def schedules_new():
    """Create a schedule."""
    form = _form()
    if request.method == "POST" and form.validate():
        policy = _save(form, None)
        if policy is not None:
            flash(f"Created the schedule {policy.name!r}.", "success")
            return redirect(url_for("admin.schedules"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/schedule_form.html", form=form, policy=None), status


@bp.route("/schedules/<int(max=2147483647):policy_id>", methods=["GET", "POST"])
def schedules_edit(policy_id: int):
    """Change a schedule (check-ins already planned keep their times)."""
    try:
        policy = service.get_policy(policy_id)
    except NotFound:
        abort(404)
    form = _form(policy_id, service.policy_to_json(policy))
    if request.method == "POST" and form.validate() and _save(form, policy_id) is not None:
        flash(f"Saved the schedule {policy.name!r}.", "success")
        return redirect(url_for("admin.schedules"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/schedule_form.html", form=form, policy=policy), status


@bp.post("/schedules/<int(max=2147483647):policy_id>/<any(enable, disable, delete):action>")
def schedules_action(policy_id: int, action: str):
    """Enable, disable or delete a schedule."""
    try:
        if action == "delete":
            policy = service.delete_policy(policy_id)
        else:
            data = service.policy_to_json(service.get_policy(policy_id))
            policy = service.update_policy(policy_id, {**data, "active": action == "enable"})
    except OutreachError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(f"Schedule {policy.name!r} {action}d.", "success")
    return redirect(url_for("admin.schedules"))


@bp.post("/schedules/draft-preview")
def schedules_draft_preview():
    """JSON for the form's live preview: when the schedule as typed (not saved) would go out
    for the sample customers, for an event now; 422 with every error when it is not valid."""
    form = _form()
    form.validate()
    policy_id = column_int(request.args.get("policy_id"))
    data, errors = service.check_policy_draft(form.to_json(), policy_id=policy_id)
    form_errors = {k: v for k, v in form.errors.items() if k != "csrf_token"}
    if form_errors:
        errors = {**{k: "; ".join(v) for k, v in form_errors.items()}, **errors}
    if data is None or errors:
        return jsonify(
            errors=[{"field": _FIELDS.get(k, k), "message": v} for k, v in errors.items()]
        ), 422
    now, viewer = utcnow(), viewer_zone()
    rows = []
    for name, zone, steps in preview_draft(data, now):
        for step in steps:
            at = step.timing.planned_at
            rows.append(
                {
                    "customer": name,
                    "zone": zone,
                    "schedule": step.policy.name,
                    "local": f"{format_local(at, zone)}" if at else None,
                    "viewer": f"{format_local(at, viewer)}" if at else None,
                    "at": at.isoformat() if at else None,
                    "reason": step.timing.reason,
                    "fallback": step.fallback_of is not None,
                }
            )
    event = f"{format_local(now, viewer)} {viewer}"
    return jsonify(event=event, viewer_zone=viewer, rows=rows)


class PreviewForm(FlaskForm):
    """A sample event: its type, its local time, and where the customer is."""

    class Meta:
        csrf = False  #: a GET form that changes nothing

    event_type = SelectField("Event type", choices=[])
    event_at = StringField(
        "Event time (customer's local time)", render_kw={"type": "datetime-local"}
    )
    zone = StringField("Customer time zone (empty: from the phone, else the company's)")
    phone = StringField("Customer phone (optional)", validators=[Optional(), Length(max=40)])


def _preview_zone(form: PreviewForm, default: str) -> tuple[str, str] | None:
    zone = (form.zone.data or "").strip()
    if zone and not is_zone(zone):
        form.zone.errors = [f"{zone!r} is not an IANA time zone (e.g. America/Chicago)"]
        return None
    phone = None
    if form.phone.data:
        try:
            phone = normalize_phone(form.phone.data, require_mobile=False)
        except PhoneError as exc:
            form.phone.errors = [str(exc)]
            return None
    return customer_zone(zone or None, phone, default)


def _preview_time(form: PreviewForm, zone: str) -> datetime | None:
    try:
        local = datetime.fromisoformat((form.event_at.data or "").strip())
        if local.year not in YEARS:
            raise ValueError(local.year)
    except ValueError:
        form.event_at.errors = ["give the event's date and time, e.g. 2026-03-10T17:30"]
        return None
    if local.tzinfo is not None:
        return local
    return local.replace(tzinfo=load_zone(zone))


@bp.get("/schedules/preview")
def schedules_preview():
    """When each step of an event type's sequence would go out for a sample event, and why."""
    form = PreviewForm(request.args)
    types = event_types()
    form.event_type.choices = [SelectChoice(t, t) for t in types]
    steps, zone, status = None, None, 200
    if request.args and "event_at" not in request.args:  # first opened: an event now
        company_zone = load_zone(get_company_settings().default_timezone)
        form.event_at.data = utcnow().astimezone(company_zone).strftime("%Y-%m-%dT%H:%M")
    if request.args and form.validate():
        resolved = _preview_zone(form, get_company_settings().default_timezone)
        event_at = _preview_time(form, resolved[0]) if resolved else None
        if resolved and event_at:
            zone = resolved
            steps = preview_sequence(form.event_type.data, event_at, zone[0])
    if form.errors:
        status = 422
    return render_template(
        "admin/schedule_preview.html", form=form, steps=steps, zone=zone, types=types
    ), status
