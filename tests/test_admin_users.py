"""/admin/users and /admin/tokens: users created, changed, deactivated; tokens shown once."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from web_helpers import isolated_client, make_user, sign_in
from werkzeug.security import check_password_hash

from outreach.auth.accounts import authenticate_token, hash_token
from outreach.models import ApiToken, User

NEW_PASSWORD = "a long enough password"


@pytest.fixture
def admin(db):
    """The signed-in admin."""
    return make_user("admin", name="Ada Admin")


@pytest.fixture
def client(app, admin):
    """A client signed in as the admin."""
    client = isolated_client(app)
    sign_in(client, admin)
    return client


def _errors(response) -> list[str]:
    return re.findall(
        r'<p class="(?:flash )?error" role="alert">([^<]*)</p>', response.get_data(as_text=True)
    )


def _flash(client, path) -> str:
    return client.get(path).get_data(as_text=True)


def _users(db) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(u.email, u.role) for u in db.session.scalars(sa.select(User).order_by(User.id))]


def test_admin_sees_every_user_with_names_escaped(client, db):
    make_user("rep", name="<b>Bold</b> Rep", phone="+13125550123")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; Rep" in html and "<b>Bold</b>" not in html
    assert "+13125550123" in html


def test_managers_and_reps_cannot_open_user_pages(app, db):
    for role in ("manager", "rep"):
        client = isolated_client(app)
        sign_in(client, make_user(role))
        assert client.get("/admin/users").status_code == 403
        assert client.post("/admin/users", data={"email": "x@example.com"}).status_code == 403


def test_creating_a_user_stores_a_hashed_password_and_a_normalised_phone(client, app, db):
    response = client.post(
        "/admin/users",
        data={
            "email": "New.Rep@Example.com",
            "name": "New Rep",
            "role": "rep",
            "phone": "(312) 555-0199",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.rep@example.com"))
    assert (user.role, user.name, user.phone) == ("rep", "New Rep", "+13125550199")
    assert NEW_PASSWORD not in user.password_hash
    assert check_password_hash(user.password_hash, NEW_PASSWORD)
    signed_in = isolated_client(app).post(
        "/login", data={"email": "new.rep@example.com", "password": NEW_PASSWORD}
    )
    assert signed_in.headers["Location"] == "/rep"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "not an e-mail address"),
        ({"email": "ada.admin@example.com"}, "exists"),
        ({"role": "owner"}, "Not a valid choice"),
        ({"phone": "12"}, "phone number"),
        ({"password": "short"}, "at least 10 characters"),
        ({"password": ""}, "This field is required"),
        ({"email": ""}, "This field is required"),
        ({"email": "x" * 250 + "@example.com"}, "longer than 254"),
    ],
)
def test_bad_new_user_input_is_an_inline_error_and_creates_nobody(
    client, db, admin, fields, message
):
    admin.email = "ada.admin@example.com"
    db.session.commit()
    before = _users(db)
    data = {"email": "someone@example.com", "role": "rep", "password": NEW_PASSWORD, **fields}

    response = client.post("/admin/users", data=data)

    assert response.status_code == 422
    assert any(message in e for e in _errors(response)), _errors(response)
    assert _users(db) == before


def _edit(client, user, **fields):
    data = {
        "name": user.name,
        "role": user.role,
        "phone": user.phone or "",
        "backup_id": str(user.backup_id or ""),
        **fields,
    }
    if data.pop("is_away", False):
        data["is_away"] = "y"
    return client.post(f"/admin/users/{user.id}", data=data)


def test_setting_a_backup_and_the_away_flag(client, db):
    rep = make_user("rep")
    backup = make_user("rep")
    page = client.get(f"/admin/users/{rep.id}").get_data(as_text=True)
    assert f'<option value="{backup.id}">' in page

    response = _edit(client, rep, backup_id=str(backup.id), is_away=True, phone="+13125550142")

    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(User, rep.id)
    assert (row.backup_id, row.is_away, row.phone) == (backup.id, True, "+13125550142")

    assert _edit(client, row, backup_id="", is_away=False).status_code == 302
    db.session.expire_all()
    assert (db.session.get(User, rep.id).backup_id, db.session.get(User, rep.id).is_away) == (
        None,
        False,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_away": True}, "choose a backup"),
        ({"backup_id": "self"}, "Not a valid choice"),
        ({"backup_id": "inactive"}, "Not a valid choice"),
        ({"backup_id": "abc"}, "could not coerce"),
        ({"phone": "not a phone"}, "phone number"),
        ({"role": "owner"}, "Not a valid choice"),
        ({"new_password": "short"}, "at least 10 characters"),
        ({"name": "n" * 201}, "longer than 200"),
    ],
)
def test_bad_user_changes_are_an_inline_error_and_change_nothing(client, db, fields, message):
    rep = make_user("rep", name="Original Name", phone="+13125550111")
    inactive = make_user("rep", is_active_user=False)
    if fields.get("backup_id") == "self":
        fields["backup_id"] = str(rep.id)
    if fields.get("backup_id") == "inactive":
        fields["backup_id"] = str(inactive.id)
    fields.setdefault("name", "Changed Name")

    response = _edit(client, rep, **fields)

    assert response.status_code == 422
    assert any(message in e for e in _errors(response)), _errors(response)
    db.session.expire_all()
    row = db.session.get(User, rep.id)
    assert (row.name, row.phone, row.role, row.is_away) == (
        "Original Name",
        "+13125550111",
        "rep",
        False,
    )


def test_editing_an_unknown_user_is_404(client, db):
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/users/999999", data={"role": "rep"}).status_code == 404


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, db, admin):
    response = _edit(client, admin, role="manager")
    assert response.status_code == 422
    assert any("at least one active admin" in e for e in _errors(response))
    client.post(f"/admin/users/{admin.id}/deactivate")
    assert "you cannot deactivate yourself" in _flash(client, "/admin/users")
    db.session.expire_all()
    row = db.session.get(User, admin.id)
    assert (row.role, row.is_active_user) == ("admin", True)


def test_deactivating_and_reactivating_a_user(client, app, db):
    rep = make_user("rep")
    rep_client = isolated_client(app)
    sign_in(rep_client, rep)
    assert rep_client.get("/rep").status_code == 200

    assert client.post(f"/admin/users/{rep.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, rep.id).is_active_user is False
    assert rep_client.get("/rep").status_code == 302  # signed out at once

    assert client.post(f"/admin/users/{rep.id}/activate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, rep.id).is_active_user is True


def test_another_admin_can_be_deactivated_while_one_remains(client, db):
    other = make_user("admin")
    assert client.post(f"/admin/users/{other.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, other.id).is_active_user is False


def test_accounts_are_never_locked_so_there_is_nothing_to_unlock(client, db):
    rep = make_user("rep")
    assert "Unlock" not in client.get("/admin/users").get_data(as_text=True)
    assert client.post(f"/admin/users/{rep.id}/unlock").status_code == 404


def test_an_unknown_user_action_is_404(client, db):
    assert client.post("/admin/users/999999/deactivate").status_code == 404
    assert client.post("/admin/users/1/explode").status_code == 404


def test_setting_a_new_password(client, app, db):
    rep = make_user("rep")
    assert _edit(client, rep, new_password=NEW_PASSWORD + "!").status_code == 302
    response = isolated_client(app).post(
        "/login", data={"email": rep.email, "password": NEW_PASSWORD + "!"}
    )
    assert response.status_code == 302


def _new_token(client, name="billing system") -> tuple[str, object]:
    response = client.post("/admin/tokens", data={"name": name})
    assert response.status_code == 200
    token = re.search(r'value="(otk_[^"]+)"', response.get_data(as_text=True)).group(1)
    return token, response


def test_a_new_token_is_shown_once_and_stored_hashed(client, db):
    token, response = _new_token(client)
    assert response.headers["Cache-Control"] == "no-store"
    row = db.session.scalars(sa.select(ApiToken)).one()
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert row.name == "billing system"
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert token not in listing
    assert row.prefix in listing and "never" in listing


def test_the_token_list_shows_when_a_token_was_last_used(client, db):
    token, _ = _new_token(client)
    assert authenticate_token(token) is not None
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert "never" not in listing


def test_revoking_a_token_stops_it_and_twice_is_an_error(client, db):
    token, _ = _new_token(client)
    row = db.session.scalars(sa.select(ApiToken)).one()

    assert client.post(f"/admin/tokens/{row.id}/revoke").status_code == 302

    db.session.expire_all()
    assert authenticate_token(token) is None
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    client.post(f"/admin/tokens/{row.id}/revoke")
    assert "already revoked" in _flash(client, "/admin/tokens")
    client.post("/admin/tokens/999999/revoke")
    assert "no such token" in _flash(client, "/admin/tokens")


@pytest.mark.parametrize(("name", "message"), [("", "required"), ("n" * 101, "longer than 100")])
def test_a_bad_token_name_is_an_inline_error_and_creates_nothing(client, db, name, message):
    response = client.post("/admin/tokens", data={"name": name})
    assert response.status_code == 422
    assert any(message in e for e in _errors(response)), _errors(response)
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_managers_cannot_see_or_create_tokens(app, db):
    client = isolated_client(app)
    sign_in(client, make_user("manager"))
    assert client.get("/admin/tokens").status_code == 403
    assert client.post("/admin/tokens", data={"name": "x"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
