"""GET/POST /login and POST /logout."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from outreach.auth import bp
from outreach.auth.forms import LoginForm
from outreach.auth.roles import home_url
from outreach.auth.services import SignInRefused, authenticate, safe_next, sign_out
from outreach.auth.throttle import SignInThrottled
from outreach.models import utcnow


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with e-mail and password, then go to `next` (a local path) or one's home page."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        if current_user.is_authenticated:
            return redirect(safe_next(form.next.data) or home_url(current_user))
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, utcnow(), request.remote_addr)
        except SignInThrottled as exc:
            form.password.errors.append(exc.message)
            page = render_template("auth/login.html", form=form)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        except SignInRefused as exc:
            form.password.errors.append(exc.message)
            return render_template("auth/login.html", form=form), 401
        session.clear()
        login_user(user)
        return redirect(safe_next(form.next.data) or home_url(user))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out everywhere (a POST: CSRFProtect refuses one without the token, so no other site
    can)."""
    if current_user.is_authenticated:
        sign_out(current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
