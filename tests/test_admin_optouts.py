"""/admin/optouts: the consent log, and manual opt-out and opt-in with source "admin"."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from web_helpers import isolated_client, make_checkin, make_customer, make_user, now, sign_in

from outreach.models import CheckIn, Consent, Customer


@pytest.fixture
def admin(db):
    """The signed-in manager doing it."""
    return make_user("manager")


@pytest.fixture
def client(app, admin):
    """A client signed in as the manager."""
    client = isolated_client(app)
    sign_in(client, admin)
    return client


def _consents(db) -> list[tuple[int, str, str, str | None]]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Consent).order_by(Consent.id))
    return [(c.customer_id, c.state, c.source, c.evidence) for c in rows]


def test_opting_out_by_phone_records_it_and_cancels_pending_check_ins(client, db, admin):
    checkin = make_checkin(make_user("rep"), now() + timedelta(hours=3))
    customer = checkin.customer
    db.session.commit()
    local = customer.phone.removeprefix("+1")
    response = client.post(
        "/admin/optouts",
        data={
            "customer": f"({local[:3]}) {local[3:6]}-{local[6:]}",
            "action": "opt_out",
            "note": "asked on the phone",
        },
        follow_redirects=True,
    )
    assert "opted out; 1 pending check-ins canceled." in response.get_data(as_text=True)
    assert _consents(db) == [
        (customer.id, "opted_out", "admin", f"{admin.name}: asked on the phone")
    ]
    assert db.session.get(Customer, customer.id).is_opted_out is True
    assert db.session.get(CheckIn, checkin.id).status == "canceled"


def test_opting_back_in_by_id_and_by_external_id(client, db):
    customer = make_customer()
    customer.is_opted_out = True
    db.session.commit()
    client.post("/admin/optouts", data={"customer": f"#{customer.id}", "action": "opt_in"})
    assert _consents(db)[-1][:3] == (customer.id, "opted_in", "admin")
    assert db.session.get(Customer, customer.id).is_opted_out is False
    client.post("/admin/optouts", data={"customer": customer.external_id, "action": "opt_out"})
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).is_opted_out is True


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"customer": "nobody", "action": "opt_out"}, "no customer with that id"),
        ({"customer": "#999999", "action": "opt_in"}, "no customer with that id"),
        ({"customer": "", "action": "opt_out"}, "This field is required."),
        ({"customer": "x", "action": "delete"}, "Not a valid choice"),
        ({"customer": "KNOWN", "action": "opt_in"}, "is not opted out"),
    ],
)
def test_bad_input_is_shown_beside_the_form_and_nothing_is_recorded(client, db, data, words):
    customer = make_customer()
    db.session.commit()
    if data["customer"] == "KNOWN":
        data = {**data, "customer": f"#{customer.id}"}
    response = client.post("/admin/optouts", data=data)
    assert response.status_code == 422 and words in response.get_data(as_text=True)
    assert _consents(db) == []


def test_the_log_lists_every_change_newest_first(client, db):
    customer = make_customer(name="Grace Hopper")
    db.session.add_all(
        [
            Consent(
                customer_id=customer.id,
                state="opted_out",
                source="keyword",
                evidence="STOP",
                created_at=now() - timedelta(days=2),
            ),
            Consent(
                customer_id=customer.id,
                state="opted_in",
                source="keyword",
                evidence="START",
                created_at=now() - timedelta(days=1),
            ),
        ]
    )
    db.session.commit()
    html = client.get("/admin/optouts").get_data(as_text=True)
    assert html.index("START") < html.index("STOP")
    assert "Grace Hopper" in html and "opted in" in html


def test_the_conversation_page_button_comes_back_to_the_conversation(client, db):
    customer = make_customer()
    db.session.commit()
    back = f"/admin/conversations/{customer.id}"
    response = client.post(
        "/admin/optouts", data={"customer": f"#{customer.id}", "action": "opt_out", "next": back}
    )
    assert response.headers["Location"] == back
    assert "Opt back in" in client.get(back).get_data(as_text=True)


def test_reps_cannot_change_consent(app, db):
    customer = make_customer()
    db.session.commit()
    client = isolated_client(app)
    sign_in(client, make_user("rep"))
    response = client.post(
        "/admin/optouts", data={"customer": f"#{customer.id}", "action": "opt_out"}
    )
    assert response.status_code == 403
    assert _consents(db) == []
