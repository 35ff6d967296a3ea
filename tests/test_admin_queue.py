"""/admin/queue: upcoming and recent check-ins, filters, cancel, reschedule, bulk cancel."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from web_helpers import (
    isolated_client,
    make_checkin,
    make_customer,
    make_policy,
    make_user,
    now,
    sign_in,
)

from outreach.models import CheckIn, CheckInTransition

CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def rep(db):
    """A rep who owns the calls."""
    return make_user("rep", name="Sam Rivera")


@pytest.fixture
def client(app, db):
    """A client signed in as a manager (staff)."""
    client = isolated_client(app)
    sign_in(client, make_user("manager"))
    return client


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="checkin-(\d+)"', html)]


def _status(db, checkin_id: int) -> CheckIn:
    db.session.expire_all()
    return db.session.get(CheckIn, checkin_id)


def test_upcoming_lists_pending_check_ins_in_due_order_with_context(client, db, rep):
    later = make_checkin(rep, now() + timedelta(days=2), summary="Fixed the boiler")
    soon = make_checkin(rep, now() + timedelta(hours=2))
    make_checkin(rep, now() - timedelta(days=1), status="done")  # past: not upcoming
    db.session.commit()
    html = client.get("/admin/queue").get_data(as_text=True)
    assert _ids(html) == [soon.id, later.id]
    assert "Fixed the boiler" in html and "Sam Rivera" in html and "Ada Lovelace" in html


def test_upcoming_includes_late_pending_check_ins_and_leaves_the_status_filter_unset(
    client, db, rep
):
    late = make_checkin(rep, now() - timedelta(hours=3))
    soon = make_checkin(rep, now() + timedelta(hours=2))
    db.session.commit()
    html = client.get("/admin/queue").get_data(as_text=True)
    assert _ids(html) == [late.id, soon.id]
    status_select = re.search(r'<select id="status".*?</select>', html, re.S).group(0)
    assert " selected" not in status_select


def test_filters_by_status_channel_rep_and_date(client, db, rep):
    other = make_user("rep", name="Kim")
    base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    call = make_checkin(rep, base)
    sms = make_checkin(None, base + timedelta(hours=1), policy=make_policy("sms"))
    kims = make_checkin(other, base + timedelta(days=1))
    canceled = make_checkin(rep, base + timedelta(hours=2), status="canceled")
    db.session.commit()

    def ids(**args):
        return _ids(client.get("/admin/queue", query_string=args).get_data(as_text=True))

    assert ids(channel="sms") == [sms.id]
    assert ids(rep=other.id) == [kims.id]
    assert ids(status="canceled") == [canceled.id]
    chicago_day = call.due_at.astimezone(CHICAGO)
    assert kims.id not in ids(view="all", date=chicago_day.strftime("%Y-%m-%d"))
    assert call.id in ids(view="all", date=chicago_day.strftime("%Y-%m-%d"))


def test_recent_view_shows_the_last_two_days(client, db, rep):
    recent = make_checkin(rep, now() - timedelta(hours=5), status="missed")
    make_checkin(rep, now() - timedelta(days=5), status="missed")
    make_checkin(rep, now() + timedelta(hours=5))
    db.session.commit()
    assert _ids(client.get("/admin/queue?view=recent").get_data(as_text=True)) == [recent.id]


def test_bad_filters_are_flashed_not_a_500(client, db, rep):
    make_checkin(rep, now() + timedelta(hours=2))
    db.session.commit()
    for query in (
        "date=31-02-2026",
        "date=9999-12-31",
        "cursor=%%%damaged",
        "rep=abc&status=nope&channel=fax",
    ):
        response = client.get("/admin/queue?" + query)
        assert response.status_code == 200, query
    assert "give a date as YYYY-MM-DD" in client.get("/admin/queue?date=x").get_data(as_text=True)


def test_pages_follow_the_cursor(client, db, rep):
    start = now() + timedelta(hours=1)
    rows = [make_checkin(rep, start + timedelta(minutes=i)) for i in range(55)]
    db.session.commit()
    first = client.get("/admin/queue").get_data(as_text=True)
    assert _ids(first) == [c.id for c in rows[:50]]
    next_url = re.search(r'<a href="([^"]+)">Next page', first).group(1).replace("&amp;", "&")
    assert _ids(client.get(next_url).get_data(as_text=True)) == [c.id for c in rows[50:]]


def test_cancel_goes_through_the_service_with_a_reason(client, db, rep):
    checkin = make_checkin(rep, now() + timedelta(hours=2))
    db.session.commit()
    response = client.post(
        f"/admin/queue/{checkin.id}/cancel",
        data={"reason": "customer moved", "next": "/admin/queue?view=all"},
    )
    assert response.headers["Location"] == "/admin/queue?view=all"
    row = _status(db, checkin.id)
    assert (row.status, row.status_reason) == ("canceled", "canceled: customer moved")
    last = db.session.scalars(
        sa.select(CheckInTransition).where(CheckInTransition.checkin_id == checkin.id)
    ).all()[-1]
    assert (last.from_status, last.to_status) == ("scheduled", "canceled")


def test_a_cancel_asks_first_and_can_be_undone_right_after(client, db, rep):
    due = now() + timedelta(hours=2)
    checkin = make_checkin(rep, due, customer=make_customer("Ada Lovelace"))
    db.session.commit()
    page = client.get("/admin/queue").get_data(as_text=True)
    assert "Cancel the check-in call to Ada Lovelace?" in page and "Yes, cancel it" in page

    canceled = client.post(f"/admin/queue/{checkin.id}/cancel", follow_redirects=True)
    html = canceled.get_data(as_text=True)
    assert "The check-in call to Ada Lovelace is canceled." in html
    assert f'action="/admin/queue/{checkin.id}/undo"' in html
    undone = client.post(f"/admin/queue/{checkin.id}/undo", follow_redirects=True)

    assert "Back on the queue: the check-in call to Ada Lovelace." in undone.get_data(as_text=True)
    assert 'id="undo"' not in undone.get_data(as_text=True)
    row = _status(db, checkin.id)
    assert row.status == "scheduled" and row.due_at >= due  # its time, or the next allowed
    moves = db.session.scalars(
        sa.select(CheckInTransition)
        .where(CheckInTransition.checkin_id == checkin.id)
        .order_by(CheckInTransition.id)
    ).all()
    assert [(m.from_status, m.to_status) for m in moves][-2:] == [
        ("scheduled", "canceled"),
        ("canceled", "scheduled"),
    ]
    again = client.post(f"/admin/queue/{checkin.id}/undo", follow_redirects=True)
    assert "this cancel can no longer be undone" in again.get_data(as_text=True)


def test_an_old_cancel_cannot_be_undone(client, db, rep):
    checkin = make_checkin(rep, now() + timedelta(hours=2))
    db.session.commit()
    client.post(f"/admin/queue/{checkin.id}/cancel")
    db.session.execute(
        sa.update(CheckInTransition)
        .where(CheckInTransition.checkin_id == checkin.id)
        .values(created_at=now() - timedelta(minutes=11))
    )
    db.session.commit()

    response = client.post(f"/admin/queue/{checkin.id}/undo", follow_redirects=True)

    assert "this cancel can no longer be undone" in response.get_data(as_text=True)
    assert _status(db, checkin.id).status == "canceled"


def test_cancel_of_a_finished_check_in_is_refused_and_nothing_changes(client, db, rep):
    checkin = make_checkin(rep, now() - timedelta(hours=2), status="done")
    db.session.commit()
    response = client.post(
        f"/admin/queue/{checkin.id}/cancel", data={"next": "//evil.example"}, follow_redirects=True
    )
    assert response.request.path == "/admin/queue"
    assert "only a scheduled or queued check-in can be canceled" in response.get_data(as_text=True)
    assert _status(db, checkin.id).status == "done"


def test_reschedule_reads_the_time_in_the_customer_zone(client, db, rep):
    checkin = make_checkin(rep, now() + timedelta(hours=2))
    db.session.commit()
    target = (now() + timedelta(days=3)).astimezone(CHICAGO)
    local = target.replace(hour=10, minute=15, second=0, microsecond=0)
    response = client.post(
        f"/admin/queue/{checkin.id}/reschedule",
        data={"due_at": local.strftime("%Y-%m-%dT%H:%M")},
        follow_redirects=True,
    )
    assert "rescheduled" in response.get_data(as_text=True)
    assert _status(db, checkin.id).due_at == local.astimezone(UTC)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("yesterday", "give the new date"),
        ("9999-12-31T23:00", "give the new date"),
        ("2020-01-01T10:00", "in the past"),
    ],
)
def test_a_bad_reschedule_is_flashed_and_nothing_changes(client, db, rep, value, words):
    checkin = make_checkin(rep, now() + timedelta(hours=2))
    db.session.commit()
    before = checkin.due_at
    response = client.post(
        f"/admin/queue/{checkin.id}/reschedule", data={"due_at": value}, follow_redirects=True
    )
    assert response.status_code == 200 and words in response.get_data(as_text=True)
    assert _status(db, checkin.id).due_at == before


def test_bulk_cancel_cancels_the_pending_and_reports_the_rest(client, db, rep):
    pending = [make_checkin(rep, now() + timedelta(hours=i + 1)) for i in range(3)]
    done = make_checkin(rep, now() - timedelta(hours=1), status="done")
    untouched = make_checkin(rep, now() + timedelta(hours=9))
    db.session.commit()
    ids = [c.id for c in pending] + [done.id, 999999]
    response = client.post(
        "/admin/queue/cancel", data={"ids": [str(i) for i in ids]}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Canceled 3 check-ins." in html
    assert f"check-in {done.id} is done" in html and "no check-in with id 999999" in html
    assert {_status(db, c.id).status for c in pending} == {"canceled"}
    assert _status(db, done.id).status == "done"
    assert _status(db, untouched.id).status == "scheduled"


def test_bulk_cancel_with_nothing_ticked_says_so(client, db):
    response = client.post("/admin/queue/cancel", data={"ids": ["x"]}, follow_redirects=True)
    assert "Tick the check-ins to cancel first." in response.get_data(as_text=True)
    assert client.post("/admin/queue/99999999999/cancel").status_code == 404


def test_reps_cannot_cancel_from_the_queue(app, db, rep):
    checkin = make_checkin(rep, now() + timedelta(hours=2))
    db.session.commit()
    client = isolated_client(app)
    sign_in(client, rep)
    assert client.get("/admin/queue").status_code == 403
    assert client.post(f"/admin/queue/{checkin.id}/cancel").status_code == 403
    assert client.post("/admin/queue/cancel", data={"ids": [str(checkin.id)]}).status_code == 403
    assert _status(db, checkin.id).status == "scheduled"
