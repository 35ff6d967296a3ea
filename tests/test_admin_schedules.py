"""/admin/schedules: policies through the API's validation, and the live preview."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from web_helpers import isolated_client, make_user, sign_in

from outreach.models import Policy
from outreach.scheduling.policies import create_policy

GOOD = {
    "name": "Evening text",
    "event_type": "install",
    "channel": "sms",
    "delay": "PT20H",
    "window_start": "09:00",
    "window_end": "17:00",
    "window_days": ["mon", "tue", "wed", "thu", "fri"],
    "template": "Hi {{ customer.name }}, how is the new heater?",
    "expire_after": "P3D",
    "frequency_cap": "",
    "deadline": "",
    "fallback_policy_id": "",
    "is_active": "y",
}


@pytest.fixture
def client(app, db):
    """A client signed in as an admin."""
    client = isolated_client(app)
    sign_in(client, make_user("admin"))
    return client


def _errors(html: str) -> list[str]:
    return re.findall(r'<p class="(?:flash )?error" role="alert">([^<]*)</p>', html)


def _policies(db) -> list[Policy]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Policy).order_by(Policy.id)))


def test_creating_a_schedule_stores_it_as_the_api_would(client, db):
    response = client.post("/admin/schedules/new", data=GOOD)
    assert response.status_code == 302
    [policy] = _policies(db)
    assert (policy.name, policy.channel, policy.delay) == ("Evening text", "sms", "PT20H")
    assert (policy.window_start, policy.window_end) == ("09:00", "17:00")
    assert policy.window_days == "mon,tue,wed,thu,fri"
    assert (policy.expire_after, policy.is_active) == ("P3D", True)
    html = client.get("/admin/schedules").get_data(as_text=True)
    assert "Evening text" in html and "Mon\u2013Fri 09:00\u201317:00" in html


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"delay": "20 dayz"}, "delay", "unknown unit"),
        ({"window_start": "21:30", "window_end": "23:00"}, "window_start", "quiet hours"),
        ({"window_start": "25:00"}, "window_start", "not a time of day"),
        ({"template": "Hi {{ customer.name"}, "template", "template"),
        ({"expire_after": "PT1H"}, "expire_after", "longer than the delay"),
        ({"deadline": "PT4H"}, "deadline", "only rep_call"),
        ({"name": ""}, "name", "must not be empty"),
    ],
)
def test_a_bad_schedule_is_refused_beside_its_field_and_nothing_is_stored(
    client, db, change, field, words
):
    response = client.post("/admin/schedules/new", data={**GOOD, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _policies(db) == []
    match = re.search(
        rf'<div class="field has-error">\s*<label for="{field}">.*?<p class="error" role="alert">'
        r"([^<]*)</p>",
        html,
        re.S,
    )
    assert match is not None, _errors(html)
    assert words in match.group(1)


def test_editing_a_schedule_replaces_it_and_keeps_the_form_on_error(client, db):
    policy = create_policy({**_json(GOOD), "name": "Old name"})
    form = client.get(f"/admin/schedules/{policy.id}").get_data(as_text=True)
    assert 'value="Old name"' in form and 'value="09:00"' in form

    bad = client.post(f"/admin/schedules/{policy.id}", data={**GOOD, "delay": "soon"})
    assert bad.status_code == 422 and 'value="soon"' in bad.get_data(as_text=True)
    assert _policies(db)[0].delay == "PT20H"

    ok = client.post(
        f"/admin/schedules/{policy.id}",
        data={**GOOD, "window_start": ""} | {"window_end": "", "window_days": [], "delay": "P1D"},
    )
    assert ok.status_code == 302
    saved = _policies(db)[0]
    assert (saved.delay, saved.window_start, saved.window_days) == ("P1D", None, None)


def _json(form: dict) -> dict:
    return {
        "name": form["name"],
        "event_type": form["event_type"],
        "channel": form["channel"],
        "delay": form["delay"],
        "window": {
            "start": form["window_start"],
            "end": form["window_end"],
            "days": form["window_days"],
        },
        "template": form["template"],
    }


def test_disable_enable_and_delete(client, db):
    policy = create_policy(_json(GOOD))
    assert client.post(f"/admin/schedules/{policy.id}/disable").status_code == 302
    assert _policies(db)[0].is_active is False
    client.post(f"/admin/schedules/{policy.id}/enable")
    assert _policies(db)[0].is_active is True
    client.post(f"/admin/schedules/{policy.id}/delete")
    assert _policies(db)[0].is_deleted is True
    assert f'href="/admin/schedules/{policy.id}"' not in client.get("/admin/schedules").get_data(
        as_text=True
    )


def test_deleting_a_fallback_is_refused_with_a_message(client, db):
    sms = create_policy(_json(GOOD))
    call = create_policy(
        {**_json(GOOD), "name": "Call", "channel": "rep_call", "deadline": "PT4H"}
        | {"fallback_policy_id": sms.id}
    )
    response = client.post(f"/admin/schedules/{sms.id}/delete", follow_redirects=True)
    assert "is the fallback of policy" in response.get_data(as_text=True)
    assert _policies(db)[0].is_deleted is False
    assert call.fallback_policy_id == sms.id


def test_preview_shows_when_each_step_goes_out_and_why(client, db):
    sms = create_policy({**_json(GOOD), "name": "Text if missed", "delay": "PT0S"})
    create_policy(
        {
            **_json(GOOD),
            "name": "Rep calls",
            "channel": "rep_call",
            "delay": "PT1H",
            "deadline": "PT4H",
            "fallback_policy_id": sms.id,
            "window": None,
        }
    )
    create_policy({**_json(GOOD), "name": "Next-day text"})
    # Friday 13 March 2026, 17:30 in Chicago
    response = client.get(
        "/admin/schedules/preview",
        query_string={"event_type": "install", "event_at": "2026-03-13T17:30", "zone": ""},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "America/Chicago" in html and "the company default" in html
    rows = re.findall(r"<tr>\s*<td>(\d)</td>(.*?)</tr>", html, re.S)
    names = [re.search(r'">([^<]+)</a>', row).group(1) for _, row in rows]
    assert names == ["Rep calls", "Text if missed", "Next-day text"]
    assert "Fri 13 Mar 18:30 CDT" in rows[0][1]  # the rep call: event + 1 h
    assert "deadline Fri 13 Mar 22:30 CDT" in rows[0][1]
    assert "only if the rep has not called" in rows[1][1]
    assert "Mon 16 Mar 09:00 CDT" in rows[1][1]  # after the deadline: window Mon-Fri 9-17
    assert "Mon 16 Mar 09:00 CDT" in rows[2][1]  # Sat 13:30 is outside the window
    assert "outside the window" in rows[2][1]


def test_preview_zone_comes_from_the_phone_when_not_given(client, db):
    create_policy({**_json(GOOD), "window": None, "delay": "PT0S"})
    html = client.get(
        "/admin/schedules/preview",
        query_string={
            "event_type": "install",
            "event_at": "2026-03-13T12:00",
            "phone": "+1 206 555 0100",
        },
    ).get_data(as_text=True)
    assert "America/Los_Angeles" in html and "the phone number" in html
    assert "Fri 13 Mar 14:00 CDT" in html and "(Fri 12:00 PDT for the customer)" in html


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"zone": "Mars/Olympus"}, "not an IANA time zone"),
        ({"event_at": "tomorrow"}, "give the event"),
        ({"event_at": "9999-12-31T23:59"}, "give the event"),
        ({"phone": "12"}, "phone"),
        ({"event_type": "nope"}, "Not a valid choice"),
    ],
)
def test_preview_bad_input_is_shown_inline_not_a_500(client, db, args, words):
    create_policy(_json(GOOD))
    query = {"event_type": "install", "event_at": "2026-03-13T17:30", **args}
    response = client.get("/admin/schedules/preview", query_string=query)
    assert response.status_code == 422
    assert any(words in e for e in _errors(response.get_data(as_text=True)))


def test_reps_cannot_see_or_change_schedules(app, db):
    policy = create_policy(_json(GOOD))
    rep = isolated_client(app)
    sign_in(rep, make_user("rep"))
    assert rep.get("/admin/schedules").status_code == 403
    assert rep.post(f"/admin/schedules/{policy.id}/disable").status_code == 403
    assert _policies(db)[0].is_active is True


# --- durations in words, every error at once, the form's live preview ------------------------


def test_durations_are_typed_and_shown_in_words(client, db):
    data = {**GOOD, "delay": "1 day 4 hours", "expire_after": "3 days", "frequency_cap": "1w"}
    assert client.post("/admin/schedules/new", data=data).status_code == 302
    policy = _policies(db)[0]
    assert (policy.delay, policy.expire_after, policy.frequency_cap) == ("P1DT4H", "P3D", "P7D")
    listing = client.get("/admin/schedules").get_data(as_text=True)
    assert "1 day 4 hours" in listing and "3 days" in listing and "1 week" in listing
    assert "P1DT4H" not in listing
    form = client.get(f"/admin/schedules/{policy.id}").get_data(as_text=True)
    assert 'value="1 day 4 hours"' in form and 'value="3 days"' in form


def test_the_form_shows_every_error_at_once(client, db):
    bad = {**GOOD, "name": "", "delay": "soon", "window_start": "25:00", "template": ""}
    response = client.post("/admin/schedules/new", data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("name", "delay", "window_start", "template"):
        assert re.search(rf'<div class="field has-error">\s*<label for="{field}">', html), field
    assert _policies(db) == []


def test_the_live_preview_plans_the_draft_for_three_zones(client, db):
    response = client.post("/admin/schedules/draft-preview", data={**GOOD, "delay": "2 hours"})
    assert response.status_code == 200
    body = response.get_json()
    assert [r["zone"] for r in body["rows"]] == [
        "America/New_York",
        "America/Los_Angeles",
        "Europe/Madrid",
    ]
    for row in body["rows"]:
        assert row["local"] and row["viewer"] and "event + 2 hours" in row["reason"]
    assert _policies(db) == []  # nothing saved


def test_the_live_preview_answers_every_error_as_json(client, db):
    bad = {**GOOD, "name": "", "delay": "2 months", "window_start": "25:00"}
    response = client.post("/admin/schedules/draft-preview", data=bad)
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert "months" in errors["delay"] and errors["name"] == "must not be empty"
    assert "window_start" in errors
    empty = client.post("/admin/schedules/draft-preview", data={})
    assert empty.status_code == 422 and empty.get_json()["errors"]


def test_the_live_preview_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = isolated_client(app)
        sign_in(client, make_user("admin"))
        assert client.post("/admin/schedules/draft-preview", data=GOOD).status_code == 400


def test_the_live_preview_is_for_staff_only(app, db):
    rep = isolated_client(app)
    sign_in(rep, make_user("rep"))
    assert rep.post("/admin/schedules/draft-preview", data=GOOD).status_code == 403
    manager = isolated_client(app)
    sign_in(manager, make_user("manager"))
    assert manager.post("/admin/schedules/draft-preview", data=GOOD).status_code == 200
    anonymous = isolated_client(app)
    assert anonymous.post("/admin/schedules/draft-preview", data=GOOD).status_code in (302, 401)


def test_the_preview_page_opens_without_an_error(client, db):
    create_policy(_json(GOOD))
    response = client.get("/admin/schedules/preview", query_string={"event_type": "install"})
    assert response.status_code == 200 and _errors(response.get_data(as_text=True)) == []


@pytest.mark.parametrize(
    "change",
    [
        {"channel": "fax"},
        {"channel": "rep_call", "deadline": "4 hours", "fallback_policy_id": "999"},
        {"delay": "P99999D"},
        {"delay": "9" * 40 + " days"},
        {"window_days": ["xyz"]},
        {"window_start": "09:00", "window_end": ""},
        {"expire_after": "1 hour"},
        {"template": "{{ customer.name"},
    ],
)
def test_the_live_preview_never_fails_on_bad_input(client, db, change):
    response = client.post("/admin/schedules/draft-preview", data={**GOOD, **change})
    assert response.status_code == 422
    assert all(e["message"] for e in response.get_json()["errors"])


def test_the_live_preview_of_a_rep_call_shows_its_fallback(client, db):
    fallback = create_policy({**_json(GOOD), "name": "Text if missed"})
    data = {**GOOD, "channel": "rep_call", "deadline": "4 hours"}
    data["fallback_policy_id"] = str(fallback.id)
    body = client.post("/admin/schedules/draft-preview", data=data).get_json()
    assert [r["fallback"] for r in body["rows"]].count(True) == 3
