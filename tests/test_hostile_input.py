"""Hostile numbers, dates and NUL bytes are refused (or clamped) at the edge, never a 500; and a
row with an absurd date already in the database breaks no page."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from conversation_helpers import count, inbound_params, make_conversation, post_inbound
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

from outreach.company.settings import get_company_settings
from outreach.events.importer import import_events, open_csv
from outreach.messaging.signatures import sign
from outreach.models import (
    CheckIn,
    Customer,
    FollowUp,
    Message,
    MessageStatusEvent,
    Policy,
    Reply,
    ServiceEvent,
    utcnow,
)
from outreach.models.base import INT_MAX, column_int, in_years
from outreach.reporting.calendar import create_feed_token
from outreach.scheduling.policies import create_policy

BIG = "99999999999999999999"  #: past 2**63
ABOVE = str(INT_MAX + 1)  #: past PostgreSQL's integer
YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)
LAST_DAY = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)


@pytest.fixture
def api(app):
    """A client whose requests have their own database session (a failed one cannot leak)."""
    return isolated_client(app)


@pytest.fixture
def admin(app):
    """A client signed in as an admin."""
    client = isolated_client(app)
    sign_in(client, make_user("admin"))
    return client


@pytest.fixture
def delayed_policy(app):
    """An SMS two hours after an install: planning it subtracts and adds to the event's time."""
    return create_policy(
        {
            "name": "sms check-in",
            "event_type": "install",
            "channel": "sms",
            "delay": "PT2H",
            "template": "Hi {{ customer.name }}",
        }
    )


def event(occurred_at: str, external_id: str = "ev-1", **fields) -> dict:
    """Event JSON for POST /api/v1/events."""
    return {
        "external_id": external_id,
        "type": "install",
        "occurred_at": occurred_at,
        "customer": {"external_id": "cu-1", "name": "Ada", "phone": "+12025550123"},
        **fields,
    }


def cursor(due_at: str, checkin_id: object) -> str:
    """A cursor as the API encodes one, with any content."""
    raw = json.dumps([due_at, checkin_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "occurred_at",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01T05:00:00+14:00",
        "1999-12-31T23:59:59Z",
        "2000-01-01T03:00:00+05:00",  # 1999 in UTC
    ],
)
def test_an_event_time_outside_the_years_is_a_422_naming_the_rule(
    api, auth, db, delayed_policy, occurred_at
):
    response = api.post("/api/v1/events", json=event(occurred_at), headers=auth)

    assert response.status_code == 422
    error = response.json["error"]
    assert error["field"] == "occurred_at"
    assert "between 2000-01-01 and 2099-12-31" in error["message"]
    assert count(ServiceEvent) == 0
    assert count(CheckIn) == 0


def test_an_event_on_the_first_day_of_the_years_is_stored_and_planned(api, auth, delayed_policy):
    response = api.post("/api/v1/events", json=event("2000-01-01T00:00:00Z"), headers=auth)

    assert response.status_code == 201
    assert response.json["event"]["occurred_at"] == "2000-01-01T00:00:00Z"
    assert count(CheckIn) == 1


def test_checkin_filters_and_reschedule_refuse_times_outside_the_years(api, auth, db):
    checkin = make_checkin(None, now() + timedelta(hours=3))
    db.session.commit()

    for query in ("due_after=0001-01-01T00:00:00Z", "due_before=9999-12-31T23:59:59-12:00"):
        response = api.get(f"/api/v1/checkins?{query}", headers=auth)
        assert response.status_code == 422, query
        assert "2099-12-31" in response.json["error"]["message"]
    moved = api.post(
        f"/api/v1/checkins/{checkin.id}/reschedule",
        json={"due_at": "9999-12-31T23:59:59Z"},
        headers=auth,
    )
    assert moved.status_code == 422
    assert moved.json["error"]["field"] == "due_at"
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).due_at == checkin.due_at


def test_the_csv_import_rejects_rows_outside_the_years_and_with_nul_bytes(app, db, tmp_path):
    path = tmp_path / "events.csv"
    header = (
        "external_id,type,occurred_at,customer_external_id,customer_name,customer_phone,summary"
    )
    rows = [
        "ev-old,install,0001-01-01T00:00:00Z,cu-1,Ada,+12025550123,ok",
        "ev-nul,install,2024-05-01T17:30:00Z,cu-2,Bob,+12025550124,bad\x00byte",
        "ev-ok,install,2024-05-01T17:30:00Z,cu-3,Cy,+12025550125,fine",
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    report = import_events(open_csv(path), now=utcnow())

    assert report.imported == 1
    problems = {(r.row, r.column) for r in report.rejections}
    assert problems == {(2, "occurred_at"), (3, "summary")}
    assert list(db.session.scalars(sa.select(ServiceEvent.external_id))) == ["ev-ok"]


def test_page_forms_refuse_dates_outside_the_years(admin, db):
    checkin = make_checkin(None, now() + timedelta(hours=3))
    db.session.commit()

    moved = admin.post(
        f"/admin/queue/{checkin.id}/reschedule",
        data={"due_at": "0001-01-01T00:00"},
        follow_redirects=True,
    )
    preview = admin.get("/admin/schedules/preview?event_type=install&event_at=0001-01-01T00:00")
    day = admin.get("/admin/queue?date=0001-01-01")

    assert moved.status_code == 200
    assert "Not moved" in moved.get_data(as_text=True)
    assert preview.status_code == 422
    assert day.status_code == 200
    assert "give a date as YYYY-MM-DD" in day.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).due_at == checkin.due_at


def test_in_years_reads_a_time_in_utc_and_never_overflows():
    assert in_years(datetime(2000, 1, 1, tzinfo=UTC))
    assert not in_years(datetime(1999, 12, 31, 23, 59, tzinfo=UTC))
    assert not in_years(datetime(1, 1, 1, 5, tzinfo=UTC).astimezone(UTC).replace(tzinfo=None))
    assert not in_years(datetime.fromisoformat("0001-01-01T05:00:00+14:00"))
    assert not in_years(datetime.fromisoformat("9999-12-31T23:00:00-12:00"))


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("checkin_id", [10**20, 2**40, INT_MAX + 1, 0, -1, "7"])
def test_a_cursor_with_an_id_that_cannot_exist_is_a_400(api, auth, checkin_id):
    value = cursor("2024-01-01T00:00:00+00:00", checkin_id)

    response = api.get(f"/api/v1/checkins?cursor={value}", headers=auth)

    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_cursor"


@pytest.mark.parametrize("name", ["customer_id", "event_id", "rep_id", "limit"])
@pytest.mark.parametrize("value", [ABOVE, BIG, "9" * 5000, "²", "0"])
def test_query_ids_outside_the_id_range_are_a_422_naming_the_parameter(api, auth, name, value):
    response = api.get(f"/api/v1/checkins?{name}={value}", headers=auth)

    assert response.status_code == 422
    assert response.json["error"]["field"] == name
    assert str(INT_MAX) in response.json["error"]["message"] or name == "limit"


def test_the_largest_id_is_a_plain_answer(api, auth):
    listed = api.get(f"/api/v1/checkins?customer_id={INT_MAX}", headers=auth)
    one = api.get(f"/api/v1/checkins/{INT_MAX}", headers=auth)

    assert listed.status_code == 200
    assert listed.json["checkins"] == []
    assert one.status_code == 404
    assert one.json["error"]["code"] == "not_found"


ID_ROUTES = [
    ("GET", "/api/v1/checkins/{id}"),
    ("GET", "/api/v1/customers/{id}/timeline"),
    ("GET", "/api/v1/policies/{id}"),
    ("GET", "/admin/users/{id}"),
    ("GET", "/admin/conversations/{id}"),
    ("GET", "/admin/schedules/{id}"),
    ("POST", "/admin/tokens/{id}/revoke"),
    ("POST", "/admin/settings/phrases/{id}/enable"),
    ("POST", "/admin/followups/{id}/done"),
    ("POST", "/rep/checkins/{id}/call"),
    ("POST", "/rep/followups/{id}/done"),
    ("GET", "/simulator/customers/{id}"),
    ("POST", "/twilio/voice/checkin/{id}"),
]


@pytest.mark.parametrize("method,route", ID_ROUTES)
@pytest.mark.parametrize("value", [ABOVE, BIG, "9" * 5000, "0"])
def test_a_route_id_that_cannot_exist_is_a_404(app, auth, method, route, value):
    client = isolated_client(app)
    sign_in(client, make_user("admin"))

    response = client.open(route.format(id=value), method=method, headers=auth)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "page",
    [
        "/admin/queue?rep={v}",
        "/admin/followups?owner={v}",
        "/admin/optouts?before={v}",
        "/admin/conversations?page={v}",
        "/admin/messages?customer={v}",
    ],
)
@pytest.mark.parametrize("value", [ABOVE, BIG, "²"])
def test_page_filters_with_ids_that_cannot_exist_are_ignored(admin, page, value):
    response = admin.get(page.format(v=value))

    assert response.status_code == 200


def test_bulk_cancel_and_opt_out_ignore_ids_that_cannot_exist(admin, db):
    checkin = make_checkin(None, now() + timedelta(hours=3))
    db.session.commit()

    bulk = admin.post(
        "/admin/queue/cancel", data={"ids": [str(checkin.id), BIG, "²"]}, follow_redirects=True
    )
    opt = admin.post("/admin/optouts", data={"customer": f"#{ABOVE}", "action": "opt_out"})

    assert bulk.status_code == 200
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin.id).status == "canceled"
    assert opt.status_code in (200, 404, 422)
    assert count(Customer) == 1


@pytest.mark.parametrize("value", [10**20, 2**40, INT_MAX + 1, 0])
def test_a_fallback_policy_id_that_cannot_exist_is_a_422(api, auth, value):
    body = {
        "name": "sms",
        "event_type": "install",
        "channel": "sms",
        "delay": "PT2H",
        "template": "Hi",
        "fallback_policy_id": value,
    }

    response = api.post("/api/v1/policies", json=body, headers=auth)

    assert response.status_code == 422
    assert response.json["error"]["field"] == "fallback_policy_id"
    assert count(Policy) == 0


@pytest.mark.parametrize("value", [BIG, ABOVE, "²"])
def test_an_on_call_rotation_naming_a_user_that_cannot_exist_is_refused(admin, db, value):
    before = get_company_settings().on_call_user_ids
    db.session.commit()
    form = {"escalation_minutes": "5", "callback_minutes": "30", "rotation-0": value}

    response = admin.post("/admin/alarm", data=form)

    assert response.status_code == 422
    db.session.expire_all()
    assert get_company_settings().on_call_user_ids == before


def test_column_int_keeps_what_fits_an_integer_column():
    assert column_int(" 42 ") == 42
    assert column_int(str(INT_MAX)) == INT_MAX
    assert column_int(ABOVE) is None
    assert column_int(BIG) is None
    assert column_int("9" * 5000) is None
    assert column_int("-1") is None
    assert column_int("²") is None
    assert column_int(None) is None


def test_an_inbound_sms_with_absurd_numbers_is_stored_without_them(app, api, db):
    make_conversation()
    params = inbound_params("Thanks, all good", NumSegments=str(10**20), NumMedia=str(10**20))

    response = post_inbound(api, params)

    assert response.status_code == 200
    message = db.session.scalar(
        sa.select(Message).where(Message.twilio_sid == params["MessageSid"])
    )
    assert message is not None
    assert message.body == "Thanks, all good"
    assert message.num_segments is None
    assert message.media_urls is None


def test_a_status_callback_with_an_absurd_error_code_is_stored(app, api, db):
    url = "/twilio/sms/status"
    params = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "failed", "ErrorCode": BIG}

    response = api.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params)})

    assert response.status_code == 200
    stored = db.session.scalar(sa.select(MessageStatusEvent))
    assert stored.status == "failed"
    assert stored.error_code is None


# --- NUL bytes -------------------------------------------------------------------------------


def test_a_nul_byte_in_api_json_is_a_400_and_stores_nothing(api, auth, delayed_policy):
    cases = [
        event("2024-05-01T17:30:00Z", summary="bad\x00byte"),
        event("2024-05-01T17:30:00Z", external_id="ev\x00"),
        {**event("2024-05-01T17:30:00Z"), "customer": {"name\x00": "x"}},
    ]
    for body in cases:
        response = api.post("/api/v1/events", json=body, headers=auth)
        assert response.status_code == 400, body
        assert "NUL" in response.json["error"]["message"]
    named = api.post(
        "/api/v1/policies",
        json={
            "name": "p\x00",
            "event_type": "install",
            "channel": "sms",
            "delay": "PT2H",
            "template": "Hi",
        },
        headers=auth,
    )
    assert named.status_code == 400
    assert count(ServiceEvent) == 0


def test_an_escaped_backslash_u0000_is_plain_text_not_a_nul(api, auth, delayed_policy):
    body = event("2024-05-01T17:30:00Z", summary="C:\\u0000 is a path")

    response = api.post("/api/v1/events", json=body, headers=auth)

    assert response.status_code == 201
    assert response.json["event"]["summary"] == "C:\\u0000 is a path"


@pytest.mark.parametrize("query", ["rep_email=a%00b", "st%00=1", "cursor=%00"])
def test_a_nul_byte_in_the_api_query_is_a_json_400(api, auth, query):
    response = api.get(f"/api/v1/checkins?{query}", headers=auth)

    assert response.status_code == 400
    assert "NUL" in response.json["error"]["message"]


@pytest.mark.parametrize("path", ["/api/v1/policies%00", "/api/v1/checkins/1%00"])
def test_a_nul_byte_in_an_api_path_matches_nothing(api, auth, path):
    response = api.get(path, headers=auth)

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_nul_byte_in_a_form_is_a_400_page_and_changes_nothing(admin, db):
    name = get_company_settings().name
    db.session.commit()
    form = {
        "name": "Acme\x00",
        "default_timezone": "UTC",
        "quiet_end": "08:00",
        "quiet_start": "21:00",
        "help_text": "Call us",
        "reply_window_hours": "72",
        "mon_open": "08:00",
        "mon_close": "17:00",
        "followup_grace_hours": "24",
    }

    response = admin.post("/admin/settings", data=form)
    login = isolated_client(admin.application).post(
        "/login", data={"email": "a\x00@example.com", "password": "x"}
    )
    search = admin.get("/admin/conversations?q=a%00b")

    for answer in (response, login, search):
        assert answer.status_code == 400
        assert answer.mimetype == "text/html"
        assert "NUL" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert get_company_settings().name == name


def test_an_inbound_sms_with_nul_bytes_is_stored_without_them(app, api, db):
    make_conversation()
    params = inbound_params("Leak\x00 under the sink")

    response = post_inbound(api, params)

    assert response.status_code == 200
    message = db.session.scalar(sa.select(Message).where(Message.direction == "inbound"))
    assert message.body == "Leak under the sink"


def test_a_status_callback_with_nul_bytes_is_stored_without_them(api, db):
    url = "/twilio/sms/status"
    params = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "deli\x00vered", "X\x00": "y\x00"}

    response = api.post(url, data=params, headers={"X-Twilio-Signature": sign(url, params)})

    assert response.status_code == 200
    stored = db.session.scalar(sa.select(MessageStatusEvent))
    assert stored.status == "delivered"
    assert stored.params["X"] == "y"


# --- rows already stored with absurd dates ----------------------------------------------------

STAFF_PAGES = [
    "/admin",
    "/admin/dashboard",
    "/admin/queue",
    "/admin/queue?view=all",
    "/admin/queue?view=recent",
    "/admin/messages",
    "/admin/conversations",
    "/admin/conversations/{customer}",
    "/admin/followups",
    "/admin/optouts",
    "/simulator",
    "/simulator/customers/{customer}",
]


@pytest.fixture(params=[YEAR_ONE, LAST_DAY], ids=["year-1", "year-9999"])
def absurd(request, app, db):
    """A customer whose event, check-ins, follow-up, messages and reply carry an absurd time,
    written straight to the database as a bug or a hand edit would."""
    when = request.param
    rep = make_user("rep")
    customer = make_customer("Ada Lovelace")
    checkin = make_checkin(rep, now() + timedelta(hours=2), customer=customer)
    old = make_checkin(rep, now() + timedelta(hours=4), customer=customer, status="done")
    make_followup(rep, customer, now() + timedelta(days=1))
    make_followup(rep, customer, now() + timedelta(days=2))
    inbound = Message(
        direction="inbound",
        kind="reply",
        customer_id=customer.id,
        checkin_id=checkin.id,
        to_number="+15005550006",
        from_number=customer.phone,
        body="All good",
        status="received",
    )
    db.session.add(inbound)
    db.session.flush()
    reply = make_reply(customer, "All good", "positive", checkin_id=checkin.id)
    db.session.commit()
    columns = {
        ServiceEvent: ("occurred_at", "created_at"),
        CheckIn: ("due_at", "earliest_at", "created_at", "updated_at"),
        FollowUp: ("due_at", "created_at"),
        Message: ("created_at", "updated_at"),
        Reply: ("created_at",),
    }
    for model, names in columns.items():
        db.session.execute(
            sa.update(model)
            .where(model.customer_id == customer.id)
            .values(dict.fromkeys(names, when))
        )
    db.session.execute(sa.update(CheckIn).where(CheckIn.id == old.id).values(deadline_at=when))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ServiceEvent, checkin.event_id).occurred_at == when
    assert reply.id
    return {"rep": rep, "customer": customer, "checkin": checkin, "when": when}


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_a_stored_absurd_date_breaks_no_staff_page(app, admin, absurd, page):
    response = admin.get(page.format(customer=absurd["customer"].id))

    assert response.status_code == 200, response.get_data(as_text=True)[-400:]


def test_a_stored_absurd_date_shows_on_the_conversation_in_utc(admin, absurd):
    html = admin.get(f"/admin/conversations/{absurd['customer'].id}").get_data(as_text=True)

    assert absurd["when"].strftime("%d %b") in html


def test_a_stored_absurd_date_breaks_neither_the_rep_page_nor_the_calendar(app, absurd, db):
    client = isolated_client(app)
    sign_in(client, absurd["rep"])
    token = create_feed_token(absurd["rep"])
    db.session.commit()

    assert client.get("/rep").status_code == 200
    assert client.get(f"/calendar/{token}.ics").status_code == 200


def test_a_stored_absurd_date_breaks_no_api_read(api, auth, absurd):
    customer_id, checkin_id = absurd["customer"].id, absurd["checkin"].id

    timeline = api.get(f"/api/v1/customers/{customer_id}/timeline", headers=auth)
    one = api.get(f"/api/v1/checkins/{checkin_id}", headers=auth)
    seen, next_cursor = [], ""
    for _ in range(5):
        page = api.get(f"/api/v1/checkins?limit=1&cursor={next_cursor}", headers=auth)
        assert page.status_code == 200
        seen += [c["id"] for c in page.json["checkins"]]
        next_cursor = page.json["next_cursor"]
        if not next_cursor:
            break

    assert timeline.status_code == 200
    assert one.status_code == 200
    assert one.json["due_at"].startswith(str(absurd["when"].year).zfill(4))
    assert len(seen) == len(set(seen)) == 2
