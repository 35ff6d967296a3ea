"""/admin/tokens (admins only): API tokens for other systems; a new one is shown once."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from outreach.admin import bp
from outreach.auth import tokens as service
from outreach.auth.roles import ADMIN, role_required
from outreach.errors import OutreachError
from outreach.web.helpers import show_error


class TokenForm(FlaskForm):
    """A new token, named after the system that will use it."""

    name = StringField("Name (which system uses it)", validators=[DataRequired(), Length(max=100)])


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    response = make_response(
        render_template(
            "admin/tokens.html", tokens=service.list_tokens(), form=form, new_token=new_token
        ),
        status,
    )
    if new_token:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/tokens")
@role_required(ADMIN)
def tokens():
    """Every API token with when it was last used."""
    return _page(TokenForm(formdata=None))


@bp.post("/tokens")
@role_required(ADMIN)
def tokens_create():
    """Create a token and show it this once."""
    form = TokenForm()
    if form.validate():
        try:
            _, token = service.create_token(form.name.data, current_user.id)
        except OutreachError as exc:
            show_error(form, exc)
        else:
            return _page(TokenForm(formdata=None), new_token=token)
    return _page(form, status=422)


@bp.post("/tokens/<int:token_id>/revoke")
@role_required(ADMIN)
def tokens_revoke(token_id: int):
    """Revoke a token: the API refuses it from now on."""
    try:
        row = service.revoke_token(token_id, current_user.id)
    except OutreachError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Revoked the token {row.name!r} ({row.prefix}…).", "success")
    return redirect(url_for("admin.tokens"))
