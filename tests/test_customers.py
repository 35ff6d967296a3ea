"""Customers: the directory's search and pages, editing a customer, duplicates by phone and the
merge (services and the /admin/customers pages)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from web_helpers import (
    isolated_client,
    make_checkin,
    make_customer,
    make_followup,
    make_reply,
    make_user,
    now,
    sign_in,
)

from outreach.customers import service
from outreach.customers.consent import opt_in, opt_out, pause
from outreach.errors import NotFound, ValidationError
from outreach.models import (
    CheckIn,
    Consent,
    Customer,
    CustomerMerge,
    FollowUp,
    Message,
    Reply,
    ServiceEvent,
)
from outreach.reporting.timeline import customer_timeline


def customer(name: str, phone: str, external_id: str | None = None, **values) -> Customer:
    """A committed customer with this number."""
    from outreach.extensions import db

    row = make_customer(name=name)
    row.phone = phone
    if external_id:
        row.external_id = external_id
    for key, value in values.items():
        setattr(row, key, value)
    db.session.commit()
    return row


def names(page: service.DirectoryPage) -> list[str]:
    return [row.customer.name for row in page.rows]


@pytest.fixture
def manager(db):
    return make_user("manager", name="Morgan Manager")


@pytest.fixture
def web(app, manager):
    """A client signed in as the manager."""
    client = isolated_client(app)
    sign_in(client, manager)
    return client


# --- the directory -------------------------------------------------------------------------


def test_search_finds_a_customer_by_name_external_id_and_phone_in_any_format(db):
    ada = customer("Ada Lovelace", "+13125550147", "crm-ada")
    customer("Grace Hopper", "+13125550199", "crm-grace")
    customer("Alan Turing", "+447911123456", "crm-alan")

    for q in ("ada", "LOVELACE", "crm-ad", "(312) 555-0147", "312.555.0147", "+1 312 555 0147"):
        assert names(service.directory(q)) == ["Ada Lovelace"], q
    assert names(service.directory("555-01")) == ["Ada Lovelace", "Grace Hopper"]
    assert names(service.directory("0147")) == ["Ada Lovelace"]
    assert names(service.directory("07911 123456")) == ["Alan Turing"]  # UK, typed nationally
    assert names(service.directory("nobody")) == []
    assert names(service.directory("%")) == []  # LIKE wildcards are searched for, not used
    assert names(service.directory("")) == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert ada.id in {row.customer.id for row in service.directory("ada").rows}


def test_the_directory_pages_by_name_then_id_without_gaps_or_repeats(db):
    for n in range(7):
        customer("Same Name" if n % 2 else f"Person {n}", f"+1312555{n:04d}")
    seen, cursor = [], None
    while True:
        page = service.directory("", cursor, limit=3)
        seen += [(row.customer.name, row.customer.id) for row in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == 7 == len(set(seen))


def test_a_damaged_page_link_is_a_clear_error(db):
    for bad in ("x", "bm90IGpzb24", "WyJhIiwgLTFd", "WyJhIl0", "!!!"):
        with pytest.raises(service.BadCursor):
            service.directory("", bad)


def test_the_directory_shows_zone_last_contact_consent_and_open_followups(db):
    ada = customer("Ada Lovelace", "+13125550147", timezone="America/Denver")
    grace = customer("Grace Hopper", "+13125550199", timezone=None)
    make_followup(None, ada, now() + timedelta(days=1))
    make_followup(None, ada, now() + timedelta(days=2), state="done")
    texted = now() - timedelta(hours=3)
    db.session.add(
        Message(
            direction="outbound",
            kind="manual",
            customer_id=ada.id,
            to_number=ada.phone,
            body="hi",
            created_at=texted,
        )
    )
    opt_out(grace, "admin", "test", now())
    db.session.commit()

    rows = {row.customer.name: row for row in service.directory("").rows}

    assert rows["Ada Lovelace"].zone == "America/Denver"
    assert rows["Ada Lovelace"].open_followups == 1
    assert abs(rows["Ada Lovelace"].last_contact_at - texted) < timedelta(seconds=1)
    assert rows["Grace Hopper"].zone == "America/Chicago"  # from the 312 number
    assert rows["Grace Hopper"].last_contact_at is None
    assert rows["Grace Hopper"].customer.is_opted_out


def test_the_directory_page_lists_and_searches_with_formatted_numbers(web, db):
    customer("Ada Lovelace", "+13125550147", "crm-ada")
    customer("Grace Hopper", "+13125550199", "crm-grace")

    html = web.get("/admin/customers").get_data(as_text=True)
    assert "(312) 555-0147" in html and "Grace Hopper" in html
    assert 'href="/admin/customers"' in html  # in the navigation

    html = web.get("/admin/customers?q=312-555-0147").get_data(as_text=True)
    assert "Ada Lovelace" in html and "Grace Hopper" not in html


def test_the_directory_page_with_a_damaged_link_starts_again_with_a_message(web, db):
    response = web.get("/admin/customers?after=garbage&q=ada", follow_redirects=True)
    assert response.status_code == 200
    assert "this page link is damaged" in response.get_data(as_text=True)


def test_search_text_is_escaped_and_long_or_nul_input_is_refused_cleanly(web, db):
    customer("<b>Bold</b> Name", "+13125550147")
    html = web.get("/admin/customers?q=bold").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; Name" in html
    assert web.get("/admin/customers?q=" + "9" * 5000).status_code == 200
    assert web.get("/admin/customers?q=a%00b").status_code == 400


# --- editing -------------------------------------------------------------------------------


def test_an_edit_saves_normalised_values_and_clears_a_wrong_number_mark(db, manager):
    ada = customer("Ada", "+13125550147", is_wrong_number=True)
    changed = service.update_customer(
        ada.id,
        {
            "name": " Ada King ",
            "phone": "(312) 555-0100",
            "email": "ada@example.com",
            "timezone": "Europe/London",
        },
        manager,
    )
    db.session.expire_all()
    ada = db.session.get(Customer, ada.id)
    assert set(changed) == {"name", "phone", "email", "timezone"}
    assert (ada.name, ada.phone, ada.email, ada.timezone) == (
        "Ada King",
        "+13125550100",
        "ada@example.com",
        "Europe/London",
    )
    assert not ada.is_wrong_number


def test_an_edit_reports_every_wrong_field_at_once_and_saves_nothing(db, manager):
    ada = customer("Ada", "+13125550147")
    with pytest.raises(service.CustomerInvalid) as caught:
        service.update_customer(
            ada.id,
            {"name": "", "phone": "12345", "email": "not-an-email", "timezone": "Mars/Olympus"},
            manager,
        )
    assert set(caught.value.errors) == {"name", "phone", "email", "timezone"}
    db.session.rollback()
    assert db.session.get(Customer, ada.id).name == "Ada"


def test_an_edit_to_another_customers_number_is_refused_naming_them(db, manager):
    ada = customer("Ada", "+13125550147")
    grace = customer("Grace", "+13125550199")
    with pytest.raises(service.CustomerInvalid) as caught:
        service.update_customer(ada.id, {"name": "Ada", "phone": "312 555 0199"}, manager)
    assert caught.value.conflict.id == grace.id
    assert "Grace already has this number" in caught.value.errors["phone"]


def test_the_edit_page_shows_all_errors_and_the_conflict_with_a_merge_link(web, db):
    ada = customer("Ada", "+13125550147")
    grace = customer("Grace", "+13125550199")
    assert "(312) 555-0147" in web.get(f"/admin/customers/{ada.id}/edit").get_data(as_text=True)

    response = web.post(
        f"/admin/customers/{ada.id}/edit",
        data={"name": "", "phone": "312-555-0199", "email": "x@", "timezone": ""},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the customer&#39;s name." in html
    assert "Grace already has this number." in html
    assert "not an e-mail address" in html
    assert f"/admin/customers/merge?a={ada.id}&amp;b={grace.id}" in html

    response = web.post(
        f"/admin/customers/{ada.id}/edit",
        data={"name": "Ada Lovelace", "phone": "312-555-0100", "email": "", "timezone": ""},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/conversations/{ada.id}")
    db.session.expire_all()
    assert db.session.get(Customer, ada.id).phone == "+13125550100"


def test_editing_an_unknown_customer_is_404(web, db):
    assert web.get("/admin/customers/999/edit").status_code == 404
    assert web.post("/admin/customers/999/edit", data={"name": "x"}).status_code == 404
    assert web.get("/admin/customers/99999999999/edit").status_code == 404


# --- duplicates and the merge --------------------------------------------------------------


def test_duplicates_are_customers_sharing_a_number(db):
    a = customer("Ada", "+13125550147")
    b = customer("Ada L.", "+13125550147")
    customer("Grace", "+13125550199")
    groups, more = service.duplicate_groups()
    assert [[c.id for c in group] for group in groups] == [[a.id, b.id]]
    assert more is None
    assert [c.id for c in service.same_phone(a)] == [b.id]


def test_a_merge_moves_everything_in_one_go_and_is_on_the_timeline(db, manager):
    keep = customer("Ada", "+13125550147", "crm-1")
    drop = customer("Ada L.", "+13125550147", "crm-2")
    checkin = make_checkin(None, now() + timedelta(days=1), customer=drop)
    make_followup(None, drop, now() + timedelta(days=1))
    make_reply(drop, "all good", "positive")
    db.session.add(
        Message(direction="inbound", kind="reply", customer_id=drop.id, to_number="+1", body="hi")
    )
    db.session.commit()
    drop_id = drop.id

    record = service.merge_customers(keep.id, drop_id, manager, now())

    assert db.session.get(Customer, drop_id) is None
    for model in (ServiceEvent, CheckIn, FollowUp, Reply, Message):
        owners = set(db.session.scalars(sa.select(model.customer_id)))
        assert owners == {keep.id}, model
    assert db.session.get(CheckIn, checkin.id).customer_id == keep.id
    assert record.merged_external_id == "crm-2" and record.user_id == manager.id
    assert record.moved["checkins"] == 1
    assert "1 event, 1 check-in" in service.describe_moved(record.moved)
    merges = [item for item in customer_timeline(keep.id).items if item.kind == "merge"]
    assert [item.row.merged_name for item in merges] == ["Ada L."]


def test_merging_an_opted_out_customer_into_a_subscribed_one_is_refused(db, manager):
    keep = customer("Ada", "+13125550147")
    drop = customer("Ada L.", "+13125550147")
    opt_out(drop, "keyword", "STOP", now())
    db.session.commit()
    with pytest.raises(ValidationError, match="said stop"):
        service.merge_customers(keep.id, drop.id, manager, now())
    assert db.session.get(Customer, drop.id) is not None
    assert service.merge_problem(drop, keep) is None  # keeping the opted-out one is fine


def test_keeping_the_opted_out_one_stays_opted_out_whatever_the_other_said(db, manager):
    keep = customer("Ada", "+13125550147")
    drop = customer("Ada L.", "+13125550147")
    opt_out(keep, "keyword", "STOP", now() - timedelta(days=2))
    opt_out(drop, "keyword", "STOP", now() - timedelta(days=3))
    opt_in(drop, "keyword", "START", now() - timedelta(days=1))  # later than keep's STOP
    checkin = make_checkin(None, now() + timedelta(days=1), customer=drop)
    db.session.commit()

    service.merge_customers(keep.id, drop.id, manager, now())

    kept = db.session.get(Customer, keep.id)
    assert kept.is_opted_out
    latest = db.session.scalars(
        sa.select(Consent)
        .where(Consent.customer_id == keep.id)
        .order_by(Consent.created_at.desc(), Consent.id.desc())
    ).first()
    assert (latest.state, latest.source) == ("opted_out", "merge")
    assert db.session.get(CheckIn, checkin.id).status == "canceled"


def test_a_pause_waiting_on_a_person_carries_over_to_the_kept_customer(db, manager):
    keep = customer("Ada", "+13125550147")
    drop = customer("Ada L.", "+13125550147")
    pause(drop, "probable opt-out in reply 1", now())
    db.session.commit()
    service.merge_customers(keep.id, drop.id, manager, now())
    assert db.session.get(Customer, keep.id).paused_at is not None


def test_merging_a_customer_with_itself_or_a_missing_one_is_refused(db, manager):
    ada = customer("Ada", "+13125550147")
    with pytest.raises(ValidationError):
        service.merge_customers(ada.id, ada.id, manager, now())
    with pytest.raises(NotFound):
        service.merge_customers(ada.id, 9999, manager, now())
    assert db.session.get(Customer, ada.id) is not None


def test_the_merge_pages_choose_the_one_to_keep_and_refuse_the_unsafe_choice(web, db):
    keep = customer("Ada", "+13125550147")
    drop = customer("Ada L.", "+13125550147")
    opted = customer("Ada Stop", "+13125550147")
    opt_out(opted, "keyword", "STOP", now())
    db.session.commit()

    html = web.get("/admin/customers/duplicates").get_data(as_text=True)
    assert f"/admin/customers/merge?a={keep.id}&amp;b={drop.id}" in html
    html = web.get(f"/admin/conversations/{keep.id}").get_data(as_text=True)
    assert "Same phone number as" in html and "Edit details" in html

    html = web.get(f"/admin/customers/merge?a={keep.id}&b={opted.id}").get_data(as_text=True)
    assert "Cannot be kept" in html
    response = web.post(
        "/admin/customers/merge", data={"first": keep.id, "second": opted.id, "keep": keep.id}
    )
    assert response.status_code == 422 and "said stop" in response.get_data(as_text=True)

    response = web.post(
        "/admin/customers/merge", data={"first": keep.id, "second": drop.id, "keep": ""}
    )
    assert response.status_code == 422
    assert "Choose the customer to keep." in response.get_data(as_text=True)

    response = web.post(
        "/admin/customers/merge",
        data={"first": keep.id, "second": drop.id, "keep": keep.id},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Morgan Manager</strong> merged <strong>Ada L.</strong>" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustomerMerge)) == 1


def test_merge_pages_answer_bad_input_without_a_500(web, db):
    ada = customer("Ada", "+13125550147")
    assert web.get("/admin/customers/merge").status_code == 404
    assert web.get("/admin/customers/merge?a=x&b=1").status_code == 404
    assert web.get(f"/admin/customers/merge?a={ada.id}&b=99999").status_code == 404
    same = web.get(f"/admin/customers/merge?a={ada.id}&b={ada.id}", follow_redirects=True)
    assert "two different customers" in same.get_data(as_text=True)
    assert web.post("/admin/customers/merge", data={"first": "x"}).status_code == 400
    gone = web.post(
        "/admin/customers/merge",
        data={"first": ada.id, "second": 99999, "keep": ada.id},
        follow_redirects=True,
    )
    assert "gone" in gone.get_data(as_text=True)


# --- who may, and CSRF ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/admin/customers", "/admin/customers/duplicates", "/admin/customers/1/edit"]
)
def test_reps_are_refused_and_anonymous_users_sent_to_sign_in(app, db, path):
    customer("Ada", "+13125550147")
    anonymous = isolated_client(app)
    assert anonymous.get(path).status_code == 302
    rep_client = isolated_client(app)
    sign_in(rep_client, make_user("rep"))
    assert rep_client.get(path).status_code == 403
    assert rep_client.post("/admin/customers/1/edit", data={"name": "x"}).status_code == 403


def test_edits_and_merges_need_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from outreach.extensions import db

        ada = customer("Ada", "+13125550147")
        drop = customer("Ada L.", "+13125550147")
        client = isolated_client(app)
        sign_in(client, make_user("admin"))
        edit = client.post(f"/admin/customers/{ada.id}/edit", data={"name": "Eve"})
        merge = client.post(
            "/admin/customers/merge", data={"first": ada.id, "second": drop.id, "keep": ada.id}
        )
        assert edit.status_code == 400 and merge.status_code == 400
        db.session.expire_all()
        assert db.session.get(Customer, ada.id).name == "Ada"
        assert db.session.get(Customer, drop.id) is not None


# --- the CSV import warns about a known number under a new id ------------------------------


def test_the_csv_import_warns_when_a_new_customer_has_a_known_number(db, runner, tmp_path):
    from outreach.cli import cli
    from outreach.events.importer import COLUMNS

    customer("Ada Lovelace", "+13125550147", "crm-ada")
    when = (now() - timedelta(days=1)).isoformat(timespec="seconds")
    rows = [
        f"job-1,install,{when},crm-ada-2,Ada L.,(312) 555-0147,,,,,",
        f"job-2,install,{when},crm-ada-2,Ada L.,(312) 555-0147,,,,,",
        f"job-3,install,{when},crm-grace,Grace,(312) 555-0199,,,,,",
    ]
    path = tmp_path / "events.csv"
    path.write_text(",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n")

    result = runner.invoke(cli, ["import-events", str(path)])

    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "warning" in line]
    assert warnings == [
        "row 2: customer_phone: warning: Ada Lovelace (customer crm-ada) has the same number; "
        "if they are the same person, merge them on the Customers page (Possible duplicates)"
    ]
    assert "3 rows: 3 imported" in result.output


def test_a_customer_sharing_a_number_with_a_duplicate_can_still_be_edited(db, manager):
    ada = customer("Ada", "+13125550147")
    customer("Ada L.", "+13125550147")
    changed = service.update_customer(
        ada.id,
        {"name": "Ada King", "phone": "+13125550147", "email": "", "timezone": "America/Chicago"},
        manager,
    )
    assert changed == ["name"]
