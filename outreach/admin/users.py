"""/admin/users (admins only): create users, set role, phone, backup and away, deactivate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from outreach.admin import bp
from outreach.auth import users as service
from outreach.auth.roles import ADMIN, role_required
from outreach.errors import NotFound, OutreachError
from outreach.extensions import db
from outreach.models.users import ROLES
from outreach.web.helpers import show_error


def _user_id_or_none(value):
    return None if value in (None, "", "None") else int(value)


class UserCreateForm(FlaskForm):
    """A new user."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[Length(max=200)])
    role = SelectField("Role", choices=list(ROLES), default="rep")
    phone = StringField("Mobile phone", validators=[Optional(), Length(max=40)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class UserEditForm(FlaskForm):
    """Changes to a user."""

    name = StringField("Name", validators=[Length(max=200)])
    role = SelectField("Role", choices=list(ROLES))
    phone = StringField("Mobile phone", validators=[Optional(), Length(max=40)])
    backup_id = SelectField("Backup (takes over while away)", coerce=_user_id_or_none)
    is_away = BooleanField("Away: send their work to the backup")
    timezone = StringField(
        "Time zone for their pages (IANA name; empty: the company's)",
        validators=[Optional(), Length(max=64)],
    )
    new_password = PasswordField(
        "New password (leave empty to keep)", validators=[Length(max=1024)]
    )


def _edit_form(user) -> UserEditForm:
    form = UserEditForm() if request.method == "POST" else UserEditForm(obj=user, formdata=None)
    others = [u for u in service.list_users() if u.id != user.id and u.is_active_user]
    form.backup_id.choices = [SelectChoice("", "— none —")] + [
        SelectChoice(str(u.id), u.display_name) for u in others
    ]
    return form


def _users_page(form: UserCreateForm, status: int = 200):
    return render_template("admin/users.html", users=service.list_users(), form=form), status


@bp.get("/users")
@role_required(ADMIN)
def users():
    """Every user, and the form to add one."""
    return _users_page(UserCreateForm(formdata=None))


@bp.post("/users")
@role_required(ADMIN)
def users_create():
    """Create a user."""
    form = UserCreateForm()
    if form.validate():
        try:
            user = service.create_user(
                form.email.data,
                form.role.data,
                form.name.data or "",
                form.phone.data,
                form.password.data,
                current_user.id,
            )
        except OutreachError as exc:
            show_error(form, exc)
        else:
            flash(f"Created {user.role} {user.email}.", "success")
            return redirect(url_for("admin.users"))
    return _users_page(form, 422)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(ADMIN)
def users_edit(user_id: int):
    """Change a user's role, phone, backup, away flag or password."""
    user = _user_or_404(user_id)
    form = _edit_form(user)
    if request.method == "GET":
        return render_template("admin/user_edit.html", user=user, form=form)
    if form.validate():
        changes = service.UserChanges(
            name=form.name.data or "",
            role=form.role.data,
            phone=form.phone.data,
            backup_id=form.backup_id.data,
            is_away=form.is_away.data,
            new_password=form.new_password.data or None,
            timezone=form.timezone.data,
        )
        try:
            service.update_user(user.id, changes, current_user.id)
        except OutreachError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            if changes.new_password and user.id == current_user.id:
                login_user(user)  # one's own new password ends one's other sessions, not this one
            flash(f"Saved {user.email}.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", user=user, form=form), 422


def _user_or_404(user_id: int):
    try:
        return service.get_user(user_id)
    except NotFound:
        abort(404)


_DONE = {"deactivate": "deactivated", "activate": "reactivated"}


@bp.post("/users/<int:user_id>/<any(deactivate, activate):action>")
@role_required(ADMIN)
def users_action(user_id: int, action: str):
    """Deactivate or reactivate a user (either ends their sessions)."""
    _user_or_404(user_id)
    try:
        user = service.set_active(user_id, action == "activate", current_user.id)
    except OutreachError as exc:
        flash(exc.message, "error")
    else:
        flash(f"{user.email}: {_DONE[action]}.", "success")
    return redirect(url_for("admin.users"))
