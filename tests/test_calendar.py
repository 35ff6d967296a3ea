"""The rep's private .ics feed: a secret token stored hashed, RFC 5545 text, revocation."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from web_helpers import (
    isolated_client,
    make_checkin,
    make_customer,
    make_followup,
    make_user,
    now,
    sign_in,
)

from outreach.models import User

TRICKY = 'Leak under the sink, again; "urgent"\nBack\\slash — café ☕'


@pytest.fixture
def rep(db):
    """A rep."""
    return make_user("rep", name="Sam Rep")


@pytest.fixture
def client(app, rep):
    """A client signed in as the rep."""
    client = isolated_client(app)
    sign_in(client, rep)
    return client


def _create_feed(client) -> tuple[str, object]:
    response = client.post("/rep/calendar")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    url = re.search(r'value="(https://outreach\.test/calendar/[^"]+\.ics)"', html).group(1)
    return url.removeprefix("https://outreach.test"), response


def test_creating_a_feed_shows_its_address_once_and_stores_only_a_hash(client, db, rep):
    path, response = _create_feed(client)
    token = path.removeprefix("/calendar/").removesuffix(".ics")

    assert response.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    stored = db.session.get(User, rep.id).calendar_token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored
    again = client.get("/rep").get_data(as_text=True)
    assert token not in again
    assert "A feed is active." in again


def test_the_feed_lists_upcoming_calls_and_open_follow_ups_as_events(client, app, db, rep):
    at = now()
    customer = make_customer("Ada Lovelace")
    call = make_checkin(rep, at + timedelta(hours=3), customer=customer, summary=TRICKY)
    followup = make_followup(
        rep, customer, at + timedelta(days=2), title=TRICKY, promise="Call back Friday"
    )
    make_checkin(rep, at + timedelta(hours=1), status="done")
    make_checkin(make_user("rep"), at + timedelta(hours=1))
    make_followup(rep, customer, at + timedelta(days=1), state="done")
    db.session.commit()
    path, _ = _create_feed(client)

    response = isolated_client(app).get(path)  # no session: the token is the credential

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        f"checkin-{call.id}@outreach.test",
        f"followup-{followup.id}@outreach.test",
    }
    event = events[f"checkin-{call.id}@outreach.test"]
    assert event.decoded("DTSTART") == call.due_at.replace(microsecond=0)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "Call Ada Lovelace (install)"
    assert TRICKY in str(event["DESCRIPTION"])
    assert event.decoded("DURATION") == timedelta(minutes=15)
    assert "DTSTAMP" in event
    kept = events[f"followup-{followup.id}@outreach.test"]
    assert str(kept["DESCRIPTION"]) == f"{TRICKY}\nPromised: Call back Friday"
    assert int(kept["PRIORITY"]) == 5


def test_feed_lines_are_crlf_terminated_and_folded_at_75_octets(client, app, db, rep):
    long_summary = "Très longue description ☕ " * 20
    make_checkin(rep, now() + timedelta(hours=2), summary=long_summary)
    db.session.commit()
    path, _ = _create_feed(client)

    body = isolated_client(app).get(path).data

    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    for line in lines:
        line.decode("utf-8")  # no character was cut in two
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
    assert lines.count(b"BEGIN:VEVENT") == lines.count(b"END:VEVENT") == 1


def test_a_revoked_feed_is_404(client, app, db, rep):
    path, _ = _create_feed(client)
    anonymous = isolated_client(app)
    assert anonymous.get(path).status_code == 200

    response = client.post("/rep/calendar/revoke")

    assert response.status_code == 302
    assert anonymous.get(path).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, rep.id).calendar_token_hash is None


def test_replacing_the_address_stops_the_old_one(client, app, db, rep):
    old, _ = _create_feed(client)
    new, _ = _create_feed(client)
    anonymous = isolated_client(app)
    assert old != new
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200


def test_a_deactivated_reps_feed_is_404(client, app, db, rep):
    path, _ = _create_feed(client)
    db.session.expire_all()
    db.session.get(User, rep.id).is_active_user = False
    db.session.commit()
    assert isolated_client(app).get(path).status_code == 404


@pytest.mark.parametrize("token", ["nope", "cal_" + "x" * 43, "cal_" + "y" * 500])
def test_unknown_tokens_are_404(app, db, token):
    assert isolated_client(app).get(f"/calendar/{token}.ics").status_code == 404


def _render(summary: str = "s", description: str = "d", start: datetime | None = None) -> str:
    from outreach.reporting.calendar import CalendarEvent, render_ics

    start = start or datetime(2026, 11, 23, 18, tzinfo=UTC)
    event = CalendarEvent("x@y", start, timedelta(minutes=15), summary, description)
    return render_ics([event], datetime(2026, 11, 23, tzinfo=UTC), "n")


def _only_event(text: str) -> icalendar.Event:
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    return event


def test_text_escaping_follows_rfc_5545():
    text = _render(summary="a,b;c\\d\ne\r\nf", description="bell\x07 and del\x7f")
    assert "SUMMARY:a\\,b\\;c\\\\d\\ne\\nf\r\n" in text
    event = _only_event(text)
    assert str(event["SUMMARY"]) == "a,b;c\\d\ne\nf"
    assert str(event["DESCRIPTION"]) == "bell and del"


def test_folding_never_splits_a_character_and_continues_with_a_space():
    text = _render(description="é" * 100)
    parts = text.encode().split(b"\r\n")[:-1]
    assert all(len(p) <= 75 for p in parts)
    assert any(p.startswith(b" ") for p in parts)
    for part in parts:
        part.decode()  # no character was cut in two
    assert str(_only_event(text)["DESCRIPTION"]) == "é" * 100


def test_times_are_written_in_utc(app, db, rep):
    chicago = datetime(2026, 11, 23, 12, 30, tzinfo=ZoneInfo("America/Chicago"))
    text = _render(start=chicago)
    assert "DTSTART:20261123T183000Z\r\n" in text
    assert "DTSTAMP:20261123T000000Z\r\n" in text
    event = _only_event(text)
    assert event.decoded("DTSTART") == chicago
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTSTAMP") == datetime(2026, 11, 23, tzinfo=UTC)


def test_a_manager_has_a_feed_of_their_own_follow_ups_from_my_follow_ups(app, db):
    manager = make_user("manager", name="Morgan Diaz")
    other = make_user("rep", name="Sam Rep")
    customer = make_customer("Ada Lovelace")
    mine = make_followup(manager, customer, now() + timedelta(days=1), title="Call about the bill")
    theirs = make_followup(other, customer, now() + timedelta(days=2), title="Check the valve")
    db.session.commit()
    client = isolated_client(app)
    sign_in(client, manager)

    board = client.get("/admin/followups?owner=mine").get_data(as_text=True)
    assert 'action="/admin/followups/calendar"' in board
    assert 'href="/admin/followups?owner=mine">My follow-ups</a>' in board  # in the header too
    response = client.post("/admin/followups/calendar", data={"owner": "mine"})

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    url = re.search(r'value="(https://outreach\.test/calendar/[^"]+\.ics)"', html).group(1)
    assert f'href="webcal://{url.removeprefix("https://")}"' in html and "My follow-ups" in html
    feed = isolated_client(app).get(url.removeprefix("https://outreach.test"))
    assert feed.status_code == 200
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(feed.data).walk("VEVENT")}
    assert any(f"followup-{mine.id}@" in uid for uid in uids), uids
    assert not any(f"followup-{theirs.id}@" in uid for uid in uids), uids

    client.post("/admin/followups/calendar/revoke", data={"owner": "mine"})
    assert isolated_client(app).get(url.removeprefix("https://outreach.test")).status_code == 404
