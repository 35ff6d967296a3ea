"""Signing in and out: passwords, CSRF, safe redirects, sessions (throttling and revoking:
test_signin_throttle.py, test_sessions.py)."""

from __future__ import annotations

import logging
import re

import pytest
from web_helpers import isolated_client, make_user, sign_in

from outreach.auth.services import SIGN_IN_REFUSED, safe_next

PASSWORD = "correct horse battery"


@pytest.fixture
def client(app):
    """A client whose requests each get their own app context, as in production."""
    return isolated_client(app)


def _login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def _refusal(response) -> str:
    match = re.search(r'<p class="error" role="alert">([^<]*)</p>', response.get_data(as_text=True))
    assert match, "no error message on the page"
    return match.group(1)


def test_login_page_shows_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html


@pytest.mark.parametrize(("role", "home"), [("rep", "/rep"), ("admin", "/admin")])
def test_right_password_signs_in_and_lands_on_the_role_home(client, db, role, home):
    user = make_user(role)
    response = _login(client, user.email.upper())
    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_manager_lands_on_admin(client, db):
    user = make_user("manager")
    assert _login(client, user.email).headers["Location"] == "/admin"


def test_wrong_password_and_unknown_email_get_the_same_message(client, db):
    user = make_user("rep")
    wrong = _login(client, user.email, "not the password")
    unknown = _login(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert _refusal(wrong) == _refusal(unknown)
    assert "nobody@example.com" not in _refusal(unknown)


def test_deactivated_user_is_refused_with_the_same_message(client, db):
    user = make_user("rep", is_active_user=False)
    response = _login(client, user.email)
    assert response.status_code == 401
    assert _refusal(response) == SIGN_IN_REFUSED


def test_deactivating_a_user_ends_their_session_at_once(client, db):
    user = make_user("rep")
    sign_in(client, user)
    assert client.get("/rep").status_code == 200
    user.is_active_user = False
    db.session.commit()
    response = client.get("/rep")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_garbled_session_is_anonymous(client, db):
    with client.session_transaction() as session:
        session["_user_id"] = "not-a-number"
    assert client.get("/rep").status_code == 302


def test_a_session_from_before_session_versions_is_anonymous(client, db):
    user = make_user("rep")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what a sign-in stored before versions existed
    assert client.get("/rep").status_code == 302


def test_failed_sign_in_logs_ids_not_addresses(client, db, caplog):
    user = make_user("rep")
    with caplog.at_level(logging.INFO, logger="outreach"):
        _login(client, user.email, "guess")
        _login(client, "someone@example.com", "guess")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert f"user {user.id}" in text
    assert "@" not in text


def test_missing_fields_are_an_inline_error_not_a_500(client, db):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)


def test_anonymous_user_is_sent_to_sign_in_and_then_back(client, db):
    user = make_user("admin")
    response = client.get("/admin/users?page=2")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = client.get(response.headers["Location"])
    assert 'value="/admin/users?page=2"' in login_page.get_data(as_text=True)
    after = _login(client, user.email, next="/admin/users?page=2")
    assert after.headers["Location"] == "/admin/users?page=2"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        " //evil.example",
        "/\t/evil.example",
        "rep",
        "",
    ],
)
def test_next_never_leaves_the_site(client, db, target):
    user = make_user("rep")
    assert safe_next(target) is None
    response = _login(client, user.email, next=target)
    assert response.headers["Location"] == "/rep"


def test_next_keeps_local_paths_with_queries():
    assert safe_next("/rep?day=today#calls") == "/rep?day=today#calls"


def test_next_can_be_held_under_a_path():
    assert safe_next("/admin/queue?view=all", under="/admin/queue") == "/admin/queue?view=all"
    assert safe_next("/admin/users", under="/admin/queue") is None
    assert safe_next("//evil.example/admin/queue", under="/admin/queue") is None
    assert safe_next("/admin/queue\\..\\x", under="/admin/queue") is None


def test_signed_in_user_visiting_login_goes_home(client, db):
    user = make_user("rep")
    sign_in(client, user)
    response = client.get("/login")
    assert response.headers["Location"] == "/rep"


def test_sign_out_is_a_post_and_ends_the_session(client, db):
    user = make_user("rep")
    sign_in(client, user)
    assert client.get("/logout").status_code == 405
    assert client.get("/rep").status_code == 200
    response = client.post("/logout")
    assert response.headers["Location"] == "/login"
    assert client.get("/rep").status_code == 302


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_a_post_without_the_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = isolated_client(app)
    with app.app_context():
        user = make_user("rep")
        email = user.email
        for _ in range(10):
            refused = _login(client, email, "guess")
            assert refused.status_code == 400  # never 429: the form was never processed
        assert "CSRF" in refused.get_data(as_text=True)
        assert client.get("/rep").status_code == 302  # not signed in

        token = _csrf_token(client.get("/login").get_data(as_text=True))
        accepted = _login(client, email, csrf_token=token)
        assert accepted.status_code == 302
        assert client.get("/rep").status_code == 200

        assert client.post("/logout").status_code == 400  # no token: still signed in
        assert client.get("/rep").status_code == 200
        token = _csrf_token(client.get("/rep").get_data(as_text=True))
        assert client.post("/logout", data={"csrf_token": token}).status_code == 302
        assert client.get("/rep").status_code == 302
