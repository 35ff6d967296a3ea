"""/admin/customers: the directory, editing a customer, duplicates by phone and merging them.

A customer's own page is their conversation (/admin/conversations/<id>): timeline and actions.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField

from outreach.admin import bp
from outreach.company.phones import format_phone
from outreach.customers import service
from outreach.errors import NotFound, ValidationError
from outreach.extensions import db
from outreach.models import utcnow
from outreach.models.base import column_int
from outreach.web.helpers import viewer_zone

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


class CustomerForm(FlaskForm):
    """A customer's details; checked together by the service."""

    name = StringField("Name")
    phone = StringField("Mobile phone")
    email = StringField("E-mail (optional)")
    timezone = StringField("Time zone (empty: from the phone number)")


class MergeForm(FlaskForm):
    """Which of two customers to keep."""

    first = HiddenField()
    second = HiddenField()
    keep = RadioField("Keep", choices=[], validate_choice=False)


@bp.app_template_filter("moved_words")
def moved_words(moved) -> str:
    """What a merge moved, in words (for the timeline)."""
    return service.describe_moved(moved)


def _customer_or_404(customer_id: int):
    try:
        return service.get_customer(customer_id)
    except NotFound:
        abort(404)


@bp.get("/customers")
def customers():
    """Every customer by name; search by name, phone (any format, or part of it) or external id."""
    q = request.args.get("q", "")
    try:
        page = service.directory(q, request.args.get("after") or None)
    except service.BadCursor as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.customers", q=q or None))
    return render_template(
        "admin/customers.html",
        page=page,
        q=q,
        first_page=not request.args.get("after"),
        viewer_zone=viewer_zone(),
    )


def _edit_page(customer, form: CustomerForm, conflict=None, status: int = 200):
    return render_template(
        "admin/customer_edit.html",
        customer=customer,
        form=form,
        conflict=conflict,
        zones=ZONES,
    ), status


@bp.get("/customers/<int(max=2147483647):customer_id>/edit")
def customers_edit(customer_id: int):
    """The form to change a customer's name, phone, e-mail and zone."""
    customer = _customer_or_404(customer_id)
    form = CustomerForm(formdata=None, obj=customer)
    form.phone.data = format_phone(customer.phone)
    return _edit_page(customer, form)


@bp.post("/customers/<int(max=2147483647):customer_id>/edit")
def customers_update(customer_id: int):
    """Save a customer's details; every wrong field is shown at once."""
    customer = _customer_or_404(customer_id)
    form = CustomerForm()
    try:
        changed = service.update_customer(customer_id, form.data, current_user)
    except service.CustomerInvalid as exc:
        db.session.rollback()
        for name, message in exc.errors.items():
            getattr(form, name).errors = [message]
        return _edit_page(customer, form, exc.conflict, 422)
    flash(
        f"Saved {customer.name}: {', '.join(changed)} changed." if changed else "Nothing changed.",
        "success",
    )
    return redirect(url_for("admin.conversations_show", customer_id=customer_id))


@bp.get("/customers/duplicates")
def customers_duplicates():
    """Customers who share a phone number, number by number, each pair with a merge link."""
    groups, next_after = service.duplicate_groups(request.args.get("after", "")[:20] or None)
    return render_template(
        "admin/customer_duplicates.html",
        groups=groups,
        next_after=next_after,
    )


def _merge_page(first: int | None, second: int | None, form: MergeForm, status: int = 200):
    if first is None or second is None:
        abort(404)
    try:
        sides = service.merge_sides(first, second)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.customers_duplicates"))
    a, b = (side.customer for side in sides)
    problems = {a.id: service.merge_problem(a, b), b.id: service.merge_problem(b, a)}
    form.first.data, form.second.data = str(a.id), str(b.id)
    return render_template(
        "admin/customer_merge.html",
        sides=sides,
        problems=problems,
        form=form,
    ), status


@bp.get("/customers/merge")
def customers_merge():
    """Two customers side by side, to choose the one to keep."""
    first, second = column_int(request.args.get("a")), column_int(request.args.get("b"))
    return _merge_page(first, second, MergeForm(formdata=None))


@bp.post("/customers/merge")
def customers_merge_do():
    """Merge: the one not kept is folded into the kept one and removed."""
    form = MergeForm()
    first, second = column_int(form.first.data), column_int(form.second.data)
    keep = column_int(form.keep.data)
    if first is None or second is None:
        abort(400)
    if keep not in (first, second):
        form.keep.errors = ["Choose the customer to keep."]
        return _merge_page(first, second, form, 422)
    remove = second if keep == first else first
    try:
        record = service.merge_customers(keep, remove, current_user, utcnow())
    except NotFound:
        flash("One of the two customers is gone: merged or removed already.", "error")
        return redirect(url_for("admin.customers_duplicates"))
    except ValidationError as exc:
        form.keep.errors = [exc.message + "."]
        return _merge_page(first, second, form, 422)
    flash(f"Merged {record.merged_name} into this customer.", "success")
    return redirect(url_for("admin.conversations_show", customer_id=keep, _anchor="history"))
