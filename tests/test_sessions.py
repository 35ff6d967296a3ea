"""Revocable sessions: a copied session cookie stops working after sign-out, a password
change, deactivation or reactivation; a reactivated rep's old calendar address stays dead."""

from __future__ import annotations

import re

import pytest
from flask_login.utils import encode_cookie
from web_helpers import isolated_client, make_user, sign_in

from outreach.auth.services import load_user
from outreach.models import User

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a long enough password"


@pytest.fixture
def admin(app, db):
    """A second admin, signed in on their own client."""
    admin = make_user("admin")
    client = isolated_client(app)
    sign_in(client, admin)
    return client


def _signed_in(app, user: User, password: str = PASSWORD):
    """A client signed in through the form, as a person would."""
    client = isolated_client(app)
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _copy(app, client):
    """Another client (another device, or a thief) holding the same session cookie."""
    copy = isolated_client(app)
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def _refused(client, path="/rep") -> bool:
    response = client.get(path)
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_copied_cookie_is_refused_after_sign_out(app, db):
    rep = make_user("rep")
    client = _signed_in(app, rep)
    stolen = _copy(app, client)
    assert stolen.get("/rep").status_code == 200  # the copy works while the session lives

    assert client.post("/logout").headers["Location"] == "/login"

    assert _refused(stolen)
    assert _refused(client)


def test_signing_out_ends_the_users_sessions_on_every_device(app, db):
    rep = make_user("rep")
    phone, laptop = _signed_in(app, rep), _signed_in(app, rep)
    assert phone.get("/rep").status_code == laptop.get("/rep").status_code == 200
    phone.post("/logout")
    assert _refused(laptop)
    assert _signed_in(app, rep).get("/rep").status_code == 200  # signing in again works


def test_an_admin_password_reset_ends_the_users_sessions(app, db, admin):
    rep = make_user("rep")
    stolen = _copy(app, _signed_in(app, rep))
    response = admin.post(
        f"/admin/users/{rep.id}",
        data={"name": rep.name, "role": "rep", "new_password": NEW_PASSWORD, "backup_id": ""},
    )
    assert response.status_code == 302
    assert _refused(stolen)
    assert _signed_in(app, rep, NEW_PASSWORD).get("/rep").status_code == 200


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, db, admin):
    me = make_user("admin")
    here, elsewhere = _signed_in(app, me), _signed_in(app, me)
    response = here.post(
        f"/admin/users/{me.id}",
        data={"name": me.name, "role": "admin", "new_password": NEW_PASSWORD, "backup_id": ""},
    )
    assert response.status_code == 302
    assert here.get("/admin/users").status_code == 200
    assert _refused(elsewhere, "/admin/users")


def test_a_change_without_a_new_password_keeps_sessions(app, db, admin):
    rep = make_user("rep")
    client = _signed_in(app, rep)
    response = admin.post(
        f"/admin/users/{rep.id}", data={"name": "Renamed", "role": "rep", "backup_id": ""}
    )
    assert response.status_code == 302
    assert client.get("/rep").status_code == 200


def test_a_copied_cookie_stays_dead_after_deactivation_and_reactivation(app, db, admin):
    rep = make_user("rep")
    stolen = _copy(app, _signed_in(app, rep))

    assert admin.post(f"/admin/users/{rep.id}/deactivate").status_code == 302
    assert _refused(stolen)
    assert admin.post(f"/admin/users/{rep.id}/activate").status_code == 302
    assert _refused(stolen)
    assert _signed_in(app, rep).get("/rep").status_code == 200


def test_reactivating_an_active_user_ends_their_sessions(app, db, admin):
    rep = make_user("rep")
    client = _signed_in(app, rep)
    assert admin.post(f"/admin/users/{rep.id}/activate").status_code == 302
    assert _refused(client)


def _feed_path(client) -> str:
    html = client.post("/rep/calendar").get_data(as_text=True)
    url = re.search(r'value="(https://outreach\.test/calendar/[^"]+\.ics)"', html).group(1)
    return url.removeprefix("https://outreach.test")


def test_reactivation_does_not_revive_the_old_calendar_address(app, db, admin):
    rep = make_user("rep")
    old = _feed_path(_signed_in(app, rep))
    anonymous = isolated_client(app)
    assert anonymous.get(old).status_code == 200

    admin.post(f"/admin/users/{rep.id}/deactivate")
    assert anonymous.get(old).status_code == 404
    admin.post(f"/admin/users/{rep.id}/activate")
    assert anonymous.get(old).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, rep.id).calendar_token_hash is None

    new = _feed_path(_signed_in(app, rep))
    assert new != old and anonymous.get(new).status_code == 200


def test_a_remember_me_cookie_of_an_ended_session_is_refused(app, db):
    rep = make_user("rep")
    old_id = rep.get_id()
    current = _signed_in(app, rep)
    current.post("/logout")
    db.session.expire_all()
    new_id = db.session.get(User, rep.id).get_id()
    assert new_id != old_id

    for session_id, works in ((old_id, False), (new_id, True)):
        client = isolated_client(app)
        client.set_cookie("remember_token", encode_cookie(session_id))
        assert client.get("/rep").status_code == (200 if works else 302)


def test_the_sign_in_sets_no_remember_me_cookie(app, db):
    client = _signed_in(app, make_user("rep"))
    assert client.get_cookie("remember_token") is None
    assert client.get_cookie("session") is not None


@pytest.mark.parametrize("session_id", ["{id}", "{id}:", "{id}:x", "{id}:7", ":0", "x:0", ""])
def test_the_loader_refuses_a_session_id_without_the_current_version(app, db, session_id):
    rep = make_user("rep")
    assert load_user(rep.get_id()).id == rep.id
    assert load_user(session_id.format(id=rep.id)) is None
