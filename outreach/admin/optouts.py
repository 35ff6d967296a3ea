"""/admin/optouts: every consent change, and opting a customer out or back in by hand."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from outreach.admin import bp
from outreach.auth.services import safe_next
from outreach.company.phones import PhoneError, normalize_phone
from outreach.company.settings import get_company_settings
from outreach.customers.consent import opt_in, opt_out
from outreach.errors import NotFound, ValidationError
from outreach.extensions import db
from outreach.models import Consent, Customer, User, utcnow
from outreach.models.base import column_int
from outreach.models.customers import OPTED_OUT_SQL
from outreach.web.helpers import show_error

PAGE = 100
SOURCE = "admin"


class ConsentForm(FlaskForm):
    """A manual opt-out or opt-in."""

    customer = StringField(
        "Customer (#id, external id or phone)", validators=[DataRequired(), Length(max=200)]
    )
    action = RadioField(
        "Change",
        choices=[
            SelectChoice("opt_out", "Opt out (no more texts or calls)"),
            SelectChoice("opt_in", "Opt back in"),
        ],
        default="opt_out",
        validators=[DataRequired()],
    )
    note = StringField("Why (e.g. asked on the phone)", validators=[Length(max=150)])


def find_customer(ref: str) -> Customer:
    """A customer by "#id", external id or phone number; NotFound when none matches."""
    ref = (ref or "").strip()
    if ref.startswith("#") and column_int(ref[1:]) is not None:
        customer = db.session.get(Customer, column_int(ref[1:]))
    else:
        customer = db.session.scalar(sa.select(Customer).where(Customer.external_id == ref))
        if customer is None:
            try:
                phone = normalize_phone(ref, require_mobile=False)
            except PhoneError:
                phone = None
            if phone:
                customer = db.session.scalar(
                    sa.select(Customer).where(Customer.phone == phone).order_by(Customer.id)
                )
    if customer is None:
        raise NotFound("no customer with that id, external id or phone number", field="customer")
    return customer


def change_consent(ref: str, action: str, note: str, user_id: int) -> tuple[Customer, str]:
    """Opt a customer out (pending check-ins canceled) or back in, source "admin"; commits.

    Returns the customer and what happened in words; ValidationError when nothing changes."""
    customer = find_customer(ref)
    user = db.session.get(User, user_id)
    who = user.display_name if user else "a former user"
    evidence = who + (f": {note.strip()}" if note and note.strip() else "")
    now = utcnow()
    if action == "opt_out":
        if customer.is_opted_out:
            raise ValidationError(f"{customer.name} is already opted out", field="action")
        canceled = opt_out(customer, SOURCE, evidence, now)
        done = f"{customer.name} opted out; {len(canceled)} pending check-ins canceled."
    elif action == "opt_in":
        if not opt_in(customer, SOURCE, evidence, now):
            raise ValidationError(f"{customer.name} is not opted out", field="action")
        done = f"{customer.name} opted back in."
    else:
        raise ValidationError("choose opt out or opt in", field="action")
    db.session.commit()
    return customer, done


def _page(form: ConsentForm, status: int = 200):
    raw = request.args.get("before", "")
    before = column_int(raw)
    query = sa.select(Consent, Customer).join(Customer, Customer.id == Consent.customer_id)
    if before is not None:
        query = query.where(Consent.id < before)
    rows = db.session.execute(query.order_by(Consent.id.desc()).limit(PAGE + 1)).all()
    opted_out = db.session.scalar(
        sa.select(sa.func.count()).select_from(Customer).where(sa.text(OPTED_OUT_SQL))
    )
    return render_template(
        "admin/optouts.html",
        rows=rows[:PAGE],
        next_before=rows[PAGE - 1][0].id if len(rows) > PAGE else None,
        opted_out=opted_out,
        form=form,
        company_zone=get_company_settings().default_timezone,
    ), status


@bp.get("/optouts")
def optouts():
    """Every consent change, newest first, and the form to change one by hand."""
    return _page(ConsentForm(formdata=None))


@bp.post("/optouts")
def optouts_change():
    """Opt a customer out or back in by hand (recorded with source "admin")."""
    form = ConsentForm()
    back = safe_next(request.form.get("next"), under="/admin/conversations/")
    if form.validate():
        try:
            _customer, done = change_consent(
                form.customer.data, form.action.data, form.note.data or "", current_user.id
            )
        except (NotFound, ValidationError) as exc:
            db.session.rollback()
            if back:
                flash(exc.message, "error")
                return redirect(back)
            show_error(form, exc)
        else:
            flash(done, "success")
            return redirect(back or url_for("admin.optouts"))
    elif back:
        abort(400)
    return _page(form, 422)
