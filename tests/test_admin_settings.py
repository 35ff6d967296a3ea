"""/admin/settings: company settings all-or-nothing, and the triage phrases list."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from web_helpers import isolated_client, make_user, sign_in

from outreach.company.settings import get_company_settings
from outreach.models import CompanySettings, TriagePhrase
from outreach.models.settings import DAY_KEYS

GOOD = {
    "name": "Acme Plumbing",
    "default_timezone": "America/Denver",
    "quiet_end": "09:00",
    "quiet_start": "20:00",
    "help_text": "{company}: reply STOP to opt out.",
    "reply_window_hours": "48",
    **{f"{d}_open": "08:00" for d in ("mon", "tue", "wed", "thu", "fri")},
    **{f"{d}_close": "18:00" for d in ("mon", "tue", "wed", "thu", "fri")},
    "sat_open": "09:00",
    "sat_close": "13:00",
    "sun_open": "",
    "sun_close": "",
    "followup_grace_hours": "6",
    "reassurance_every_hours": "",
}


@pytest.fixture
def client(app, db):
    """A client signed in as an admin."""
    client = isolated_client(app)
    sign_in(client, make_user("admin"))
    return client


def _errors(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<p class="(?:flash )?error" role="alert">([^<]*)</p>', html)


def _settings(db) -> dict:
    db.session.expire_all()
    row = db.session.get(CompanySettings, 1)
    return {c.name: getattr(row, c.name) for c in CompanySettings.__table__.columns} if row else {}


def test_the_page_shows_the_defaults_with_reassurance_off(client, db):
    html = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="America/Chicago"' in html
    assert 'value="08:00"' in html and 'value="21:00"' in html
    row = get_company_settings()
    assert row.reassurance_every_hours is None


def test_saving_good_settings_stores_every_field(client, db):
    response = client.post("/admin/settings", data={**GOOD, "send_thank_you": "y"})
    assert response.status_code == 302
    saved = _settings(db)
    assert saved["name"] == "Acme Plumbing"
    assert saved["default_timezone"] == "America/Denver"
    assert (saved["quiet_end"], saved["quiet_start"]) == ("09:00", "20:00")
    weekdays = {d: ["08:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    assert saved["business_week"] == {**weekdays, "sat": ["09:00", "13:00"]}  # Sunday closed
    assert (saved["reply_window_hours"], saved["followup_grace_hours"]) == (48, 6)
    assert saved["reassurance_every_hours"] is None
    assert saved["send_thank_you"] is True
    assert "Settings saved." in client.get("/admin/settings").get_data(as_text=True)


def test_the_week_round_trips_through_the_form(client, db):
    assert client.post("/admin/settings", data=GOOD).status_code == 302

    html = client.get("/admin/settings").get_data(as_text=True)

    for name, value in [("mon_open", "08:00"), ("fri_close", "18:00"), ("sat_close", "13:00")]:
        assert re.search(
            rf'id="{name}" name="{name}" step="60" type="time" value="{value}"', html
        ), name
    assert re.search(r'id="sun_open" name="sun_open" step="60" type="time" value=""', html)
    assert 'Sunday <small class="muted">closed</small>' in html
    assert client.post("/admin/settings", data=GOOD).status_code == 302  # saved as shown
    assert _settings(db)["business_week"]["sat"] == ["09:00", "13:00"]


def test_the_fire_alarm_page_describes_the_week(client, db):
    client.post("/admin/settings", data=GOOD)

    html = client.get("/admin/alarm").get_data(as_text=True)

    assert "Mon-Fri 08:00-18:00, Sat 09:00-13:00, Sun closed, in America/Denver" in html


def test_reassurance_can_be_turned_on_and_off(client, db):
    assert (
        client.post("/admin/settings", data={**GOOD, "reassurance_every_hours": "24"}).status_code
        == 302
    )
    assert _settings(db)["reassurance_every_hours"] == 24
    assert client.post("/admin/settings", data=GOOD).status_code == 302
    assert _settings(db)["reassurance_every_hours"] is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"default_timezone": "Mars/Olympus"}, "not a time zone"),
        ({"default_timezone": "../../etc/passwd"}, "not a time zone"),
        ({"quiet_end": "07:30"}, "cannot start before 08:00"),
        ({"quiet_start": "21:30"}, "must stop by 21:00"),
        ({"quiet_end": "19:00", "quiet_start": "10:00"}, "later than the time sending starts"),
        ({"quiet_end": "12:00", "quiet_start": "12:00"}, "later than the time sending starts"),
        ({"quiet_end": "25:00"}, "24-hour time"),
        ({"quiet_start": "9pm"}, "24-hour time"),
        ({"sat_open": "13:00", "sat_close": "09:00"}, "Saturday: closing (09:00) must be later"),
        ({"mon_close": "08:00"}, "Monday: closing (08:00) must be later than opening (08:00)"),
        ({"tue_open": "25:00"}, "Tuesday: use a 24-hour time like 08:30"),
        ({"wed_close": "6pm"}, "Wednesday: use a 24-hour time like 08:30"),
        ({"thu_open": "0" * 5000}, "Thursday: use a 24-hour time"),
        ({"sun_open": "10:00"}, "Sunday: give both times, or leave both empty when closed"),
        ({"fri_open": ""}, "Friday: give both times"),
        ({f"{d}_{e}": "" for d in DAY_KEYS for e in ("open", "close")}, "open at least one day"),
        ({"reply_window_hours": "0"}, "between 1 and 720"),
        ({"reply_window_hours": "many"}, "Not a valid integer"),
        ({"reply_window_hours": ""}, "This field is required"),
        ({"followup_grace_hours": "-1"}, "between 0 and 168"),
        ({"reassurance_every_hours": "0"}, "between 1 and 336"),
        ({"help_text": "   "}, "required"),
        ({"help_text": "x" * 481}, "1 to 480 characters"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_settings_are_an_inline_error_and_nothing_is_saved(client, db, fields, message):
    assert client.post("/admin/settings", data=GOOD).status_code == 302
    before = _settings(db)

    response = client.post(
        "/admin/settings", data={**GOOD, "name": "Changed Name", "quiet_end": "08:15", **fields}
    )

    assert response.status_code == 422
    assert any(message in e for e in _errors(response)), _errors(response)
    assert _settings(db) == before


def test_quiet_hours_at_the_floor_itself_are_accepted(client, db):
    response = client.post(
        "/admin/settings", data={**GOOD, "quiet_end": "8:00", "quiet_start": "21:00"}
    )
    assert response.status_code == 302
    assert (_settings(db)["quiet_end"], _settings(db)["quiet_start"]) == ("08:00", "21:00")


def test_managers_cannot_change_settings(app, db):
    client = isolated_client(app)
    sign_in(client, make_user("manager"))
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data=GOOD).status_code == 403
    assert _settings(db).get("name") != "Acme Plumbing"


def _phrases(db) -> list[tuple[str, str, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(TriagePhrase).order_by(TriagePhrase.id))
    return [(p.phrase, p.triage_class, p.is_active) for p in rows]


def test_adding_disabling_enabling_and_removing_a_phrase(client, db):
    response = client.post(
        "/admin/settings/phrases", data={"phrase": "  No  HOT water ", "triage_class": "urgent"}
    )
    assert response.status_code == 302
    assert _phrases(db) == [("no hot water", "urgent", True)]
    phrase_id = db.session.scalar(sa.select(TriagePhrase.id))

    client.post(f"/admin/settings/phrases/{phrase_id}/disable")
    assert _phrases(db) == [("no hot water", "urgent", False)]
    client.post(f"/admin/settings/phrases/{phrase_id}/enable")
    assert _phrases(db) == [("no hot water", "urgent", True)]
    assert "no hot water" in client.get("/admin/settings").get_data(as_text=True)
    client.post(f"/admin/settings/phrases/{phrase_id}/remove")
    assert _phrases(db) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phrase": "no hot water", "triage_class": "negative"}, "already in the list"),
        ({"phrase": "NO hot   water", "triage_class": "urgent"}, "already in the list"),
        ({"phrase": "", "triage_class": "urgent"}, "This field is required"),
        ({"phrase": "x", "triage_class": "urgent"}, "2 to 200 characters"),
        ({"phrase": "p" * 201, "triage_class": "urgent"}, "longer than 200"),
        ({"phrase": "stop it", "triage_class": "opt_out"}, "Not a valid choice"),
        ({"phrase": "stop it", "triage_class": "furious"}, "Not a valid choice"),
    ],
)
def test_bad_phrases_are_an_inline_error_and_change_nothing(client, db, fields, message):
    client.post(
        "/admin/settings/phrases", data={"phrase": "no hot water", "triage_class": "urgent"}
    )
    response = client.post("/admin/settings/phrases", data=fields)
    assert response.status_code == 422
    assert any(message in e for e in _errors(response)), _errors(response)
    assert _phrases(db) == [("no hot water", "urgent", True)]


def test_acting_on_an_unknown_phrase_is_a_flash_error(client, db):
    response = client.post("/admin/settings/phrases/999999/disable")
    assert response.status_code == 302
    assert "no such phrase" in client.get("/admin/settings").get_data(as_text=True)


def test_phrases_are_escaped_on_the_page(client, db):
    client.post(
        "/admin/settings/phrases",
        data={"phrase": "<img src=x onerror=alert(1)>", "triage_class": "negative"},
    )
    html = client.get("/admin/settings").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_chat_webhook_url_is_saved_and_can_be_cleared(client, db):
    url = "https://hooks.slack.com/services/T000/B000/XXXX"
    assert client.post("/admin/settings", data={**GOOD, "chat_webhook_url": url}).status_code == 302
    assert _settings(db)["chat_webhook_url"] == url
    assert f'value="{url}"' in client.get("/admin/settings").get_data(as_text=True)

    assert client.post("/admin/settings", data={**GOOD, "chat_webhook_url": " "}).status_code == 302
    assert _settings(db)["chat_webhook_url"] is None


@pytest.mark.parametrize("url", ["hooks.slack.com/services/x", "ftp://example.com/x", "https://"])
def test_a_chat_webhook_that_is_no_web_address_is_refused(client, db, url):
    response = client.post("/admin/settings", data={**GOOD, "chat_webhook_url": url})

    assert response.status_code == 422
    assert any("an https:// URL" in e for e in _errors(response)), _errors(response)
    assert _settings(db).get("chat_webhook_url") is None
