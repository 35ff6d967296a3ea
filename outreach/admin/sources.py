"""/admin/settings/sources (admins only): where events come from, each with its secret, its
signature scheme and its field mapping; a pasted sample payload previews the event."""

from __future__ import annotations

import json

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from outreach.admin import bp
from outreach.auth.roles import ADMIN, role_required
from outreach.errors import OutreachError
from outreach.events import sources as service
from outreach.events.presets import PRESETS
from outreach.extensions import db
from outreach.messaging.signatures import public_url
from outreach.models import EventSource, utcnow
from outreach.web.helpers import show_error


class SourceForm(FlaskForm):
    """A source as admins edit it; `sample` is only for the preview and never stored."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Address: /hooks/…", validators=[DataRequired(), Length(max=40)])
    secret = StringField("Signing secret", validators=[Optional(), Length(max=200)])
    signature_header = StringField("Signature header", validators=[DataRequired()])
    signature_encoding = SelectField("Signature written as", choices=["hex", "base64"])
    timestamp_header = StringField("Timestamp header (empty: none)", validators=[Length(max=100)])
    tolerance_seconds = IntegerField("Timestamp tolerance (seconds)", validators=[Optional()])
    is_active = BooleanField("Active (accept events)")
    mapping = TextAreaField("Field mapping (JSON)", validators=[DataRequired()])
    sample = TextAreaField("Sample payload (not stored)", validators=[Length(max=64 * 1024)])

    def to_input(self) -> service.SourceInput:
        """The form's values for the sources service."""
        return service.SourceInput(
            name=self.name.data or "",
            slug=self.slug.data or "",
            signature_header=self.signature_header.data or "",
            signature_encoding=self.signature_encoding.data or "",
            timestamp_header=self.timestamp_header.data or "",
            tolerance_seconds=self.tolerance_seconds.data,
            mapping=self.mapping.data or "",
            is_active=bool(self.is_active.data),
            secret=self.secret.data or "",
        )


def _show_error(form: SourceForm, exc: OutreachError) -> None:
    place = exc.field or ""
    if place.split(".")[0] not in ("mapping", "fields", "only_when"):
        show_error(form, exc)
    elif place in ("mapping", "mapping.fields", "mapping.only_when"):
        form.mapping.errors = [*form.mapping.errors, exc.message]
    else:
        form.mapping.errors = [*form.mapping.errors, f"{place}: {exc.message}"]


def _filled(source: EventSource | None, preset_key: str | None) -> SourceForm:
    form = SourceForm(formdata=None, obj=source)
    if source is not None:
        form.mapping.data = json.dumps(source.mapping, indent=2)
        return form
    preset = PRESETS.get(preset_key or "")
    form.is_active.data, form.tolerance_seconds.data = True, 300
    if preset is not None:
        form.name.data, form.slug.data = preset.label.split(" (")[0], preset.key
        form.signature_header.data = preset.signature_header
        form.signature_encoding.data = preset.signature_encoding
        form.timestamp_header.data = preset.timestamp_header
        form.mapping.data = json.dumps(preset.mapping, indent=2)
    else:
        form.signature_header.data, form.mapping.data = "X-Signature", '{"fields": {}}'
    return form


def _page(form: SourceForm, source: EventSource | None, preview=None, status=200, new_secret=None):
    slug = form.slug.data or "your-source"
    return render_template(
        "admin/source_form.html",
        form=form,
        source=source,
        preview=preview,
        new_secret=new_secret,
        hook_url=public_url(f"/hooks/{slug}"),
        presets=PRESETS,
    ), status


@bp.get("/settings/sources")
@role_required(ADMIN)
def sources():
    """Every event source, with its address and what it received."""
    return render_template(
        "admin/sources.html",
        sources=service.list_sources(),
        presets=PRESETS,
        hook_url=lambda slug: public_url(f"/hooks/{slug}"),
    )


@bp.route("/settings/sources/new", methods=["GET", "POST"])
@bp.route("/settings/sources/<int:source_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def sources_edit(source_id: int | None = None):
    """Add or change a source; "Preview" maps the pasted sample and stores nothing."""
    try:
        source = service.get_source(source_id) if source_id is not None else None
    except OutreachError:
        abort(404)
    if not SourceForm().is_submitted():
        return _page(_filled(source, request.args.get("preset")), source)
    form = SourceForm()
    if not form.validate():
        return _page(form, source, status=422)
    if request.form.get("action") == "preview":
        found = service.preview(form.mapping.data, form.sample.data or "", form.slug.data, utcnow())
        return _page(form, source, preview=found)
    try:
        if source is None:
            source, secret = service.create_source(form.to_input())
        else:
            source, secret = service.update_source(source.id, form.to_input()), None
    except OutreachError as exc:
        db.session.rollback()
        _show_error(form, exc)
        return _page(form, source, status=422)
    flash(f"Source {source.name} saved.", "success")
    if secret:
        response = make_response(_page(_filled(source, None), source, new_secret=secret)[0])
        response.headers["Cache-Control"] = "no-store"
        return response
    return redirect(url_for("admin.sources_edit", source_id=source.id), 303)
