"""The /admin dashboard (a placeholder until the charts arrive)."""

from flask import render_template

from outreach.admin import bp


@bp.get("")
def dashboard():
    """The staff home page."""
    return render_template("admin/dashboard.html")
