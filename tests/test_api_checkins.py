"""The check-in queue over the API: filters, cursor pages, detail, cancel and reschedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from outreach.api.parsing import BadRequest, checkin_query, decode_cursor, encode_cursor
from outreach.errors import ValidationError
from outreach.events.ingest import ingest_event
from outreach.models import CheckIn, CheckInTransition, User, utcnow
from outreach.scheduling.policies import create_policy

URL = "/api/v1/checkins"
NEW_YORK = ZoneInfo("America/New_York")


def event(n: int, rep: str, customer: int | None = None, occurred: datetime | None = None) -> dict:
    occurred = occurred or utcnow() - timedelta(hours=1)
    customer = n if customer is None else customer
    return {
        "external_id": f"ev-{n}",
        "type": "install",
        "occurred_at": occurred.isoformat(),
        "customer": {
            "external_id": f"cu-{customer}",
            "name": f"Customer {customer}",
            "phone": f"+1202555{customer:04d}",
            "timezone": "America/New_York",
        },
        "rep": {"email": rep},
    }


@pytest.fixture
def queue(app, db):
    """Two policies and five events: ten check-ins, with due_at ties across customers."""
    for channel, delay in (("sms", "PT2H"), ("rep_call", "PT1H")):
        create_policy(
            {
                "name": channel,
                "event_type": "install",
                "channel": channel,
                "delay": delay,
                "template": "Hi {{ customer.name }}",
            }
        )
    occurred = utcnow() - timedelta(hours=1)
    results = [
        ingest_event(
            event(n, "ann@example.com" if n % 2 else "bob@example.com", occurred=occurred),
            source="api",
            now=utcnow(),
        )
        for n in range(1, 6)
    ]
    ordered = db.session.scalars(sa.select(CheckIn).order_by(CheckIn.due_at, CheckIn.id)).all()
    return {"results": results, "ordered": [c.id for c in ordered]}


def ids(response) -> list[int]:
    return [c["id"] for c in response.json["checkins"]]


def test_the_queue_lists_every_checkin_by_due_time_then_id(client, auth, queue):
    response = client.get(URL, headers=auth)
    assert response.status_code == 200
    assert ids(response) == queue["ordered"]
    assert response.json["next_cursor"] is None
    due = [c["due_at"] for c in response.json["checkins"]]
    assert due == sorted(due)
    assert len(set(due)) < len(due)  # ties exist, so the id tie-break is exercised


def test_cursor_pages_walk_the_queue_once_without_gaps_or_repeats(client, auth, queue):
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = client.get(URL, query_string=query, headers=auth)
        assert response.status_code == 200
        assert len(ids(response)) <= 3
        seen += ids(response)
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    assert seen == queue["ordered"]
    assert pages == 4


def test_cursor_pages_keep_the_filters(client, auth, queue, db):
    first = client.get(URL, query_string={"channel": "sms", "limit": 2}, headers=auth)
    second = client.get(
        URL,
        query_string={"channel": "sms", "limit": 2, "cursor": first.json["next_cursor"]},
        headers=auth,
    )
    got = ids(first) + ids(second)
    expected = [i for i in queue["ordered"] if db.session.get(CheckIn, i).channel == "sms"][:4]
    assert got == expected


def test_the_queue_filters_by_channel_customer_event_and_rep(client, auth, queue, db):
    first = queue["results"][0]
    ann = db.session.scalar(sa.select(User).where(User.email == "ann@example.com"))
    rows = {i: db.session.get(CheckIn, i) for i in queue["ordered"]}

    def expect(pred):
        return [i for i in queue["ordered"] if pred(rows[i])]

    cases = {
        "channel=rep_call": expect(lambda c: c.channel == "rep_call"),
        "channel=sms,rep_call": queue["ordered"],
        f"customer_id={first.event.customer_id}": expect(
            lambda c: c.customer_id == first.event.customer_id
        ),
        f"event_id={first.event.id}": expect(lambda c: c.event_id == first.event.id),
        f"rep_id={ann.id}": expect(lambda c: c.rep_id == ann.id),
        "rep_email=ANN@example.com": expect(lambda c: c.rep_id == ann.id),
        "rep_email=nobody@example.com": [],
        "status=scheduled&channel=sms": expect(
            lambda c: c.status == "scheduled" and c.channel == "sms"
        ),
    }
    for query, expected in cases.items():
        response = client.get(f"{URL}?{query}", headers=auth)
        assert response.status_code == 200, query
        assert ids(response) == expected, query
    assert cases["channel=rep_call"] and cases[f"rep_id={ann.id}"]


def test_the_queue_filters_by_status_and_due_time(client, auth, queue, db):
    canceled = queue["ordered"][0]
    assert client.post(f"{URL}/{canceled}/cancel", headers=auth).status_code == 200
    response = client.get(URL, query_string={"status": "canceled"}, headers=auth)
    assert ids(response) == [canceled]

    rows = [db.session.get(CheckIn, i) for i in queue["ordered"]]
    pivot = rows[4].due_at
    after = client.get(URL, query_string={"due_after": pivot.isoformat()}, headers=auth)
    before = client.get(URL, query_string={"due_before": pivot.isoformat()}, headers=auth)
    assert ids(after) == [c.id for c in rows if c.due_at >= pivot]
    assert ids(before) == [c.id for c in rows if c.due_at < pivot]
    assert sorted(ids(after) + ids(before)) == sorted(queue["ordered"])


BAD_FILTERS = [
    ("status=bogus", "status"),
    ("status=scheduled,bogus", "status"),
    ("channel=fax", "channel"),
    ("customer_id=abc", "customer_id"),
    ("customer_id=0", "customer_id"),
    ("event_id=-1", "event_id"),
    ("rep_id=1.5", "rep_id"),
    ("limit=201", "limit"),
    ("limit=0", "limit"),
    ("due_before=yesterday", "due_before"),
    ("due_after=2024-05-01T10:00:00", "due_after"),
    ("stauts=scheduled", "stauts"),
]
BAD_CURSORS = ["garbage!", "bm90IGpzb24", "WzEsMl0", "WyJ4IiwgMV0"]


@pytest.mark.parametrize(("query", "field"), BAD_FILTERS)
def test_bad_filter_values_are_refused_naming_the_parameter(query, field):
    with pytest.raises(ValidationError) as info:
        checkin_query(MultiDict(parse_qsl(query)))
    assert info.value.field == field


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_damaged_cursor_is_refused(cursor):
    with pytest.raises(BadRequest) as info:
        decode_cursor(cursor)
    assert (info.value.status, info.value.field) == (400, "cursor")


def test_a_cursor_round_trips_its_position():
    due = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=ZoneInfo("UTC"))
    assert decode_cursor(encode_cursor(due, 42)) == (due, 42)


def test_bad_filters_are_422_and_damaged_cursors_400_over_http(client, auth):
    for query, field in BAD_FILTERS:
        response = client.get(f"{URL}?{query}", headers=auth)
        assert response.status_code == 422, query
        assert response.json["error"]["code"] == "invalid", query
        assert response.json["error"]["field"] == field, query
    for cursor in BAD_CURSORS:
        response = client.get(URL, query_string={"cursor": cursor}, headers=auth)
        assert response.status_code == 400, cursor
        assert response.json["error"]["code"] == "bad_cursor", cursor


def test_a_checkin_shows_its_transition_log(client, auth, queue):
    checkin_id = queue["ordered"][0]
    response = client.get(f"{URL}/{checkin_id}", headers=auth)
    assert response.status_code == 200
    body = response.json
    assert body["id"] == checkin_id
    assert [(t["from_status"], t["to_status"]) for t in body["transitions"]] == [
        (None, "scheduled")
    ]
    assert body["transitions"][0]["reason"]


def test_an_unknown_checkin_is_a_json_404(client, auth):
    due = {"due_at": "2030-01-01T12:00:00Z"}
    for path in ("/999", "/99999999999999999999", "/abc", "/999/cancel", "/999/reschedule"):
        if path.count("/") > 1:
            response = client.post(URL + path, json=due if "re" in path else None, headers=auth)
        else:
            response = client.get(URL + path, headers=auth)
        assert response.status_code == 404, path
        assert response.json["error"]["code"] == "not_found", path


def test_cancel_records_the_reason_and_a_second_cancel_is_409(client, auth, queue, db):
    checkin_id = queue["ordered"][0]
    response = client.post(
        f"{URL}/{checkin_id}/cancel", json={"reason": "customer moved"}, headers=auth
    )
    assert response.status_code == 200
    assert response.json["status"] == "canceled"
    assert response.json["transitions"][-1]["to_status"] == "canceled"
    assert "customer moved" in response.json["transitions"][-1]["reason"]

    again = client.post(f"{URL}/{checkin_id}/cancel", headers=auth)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "conflict"
    transitions = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CheckInTransition)
        .where(CheckInTransition.checkin_id == checkin_id)
    )
    assert transitions == 2


def test_a_bad_cancel_body_is_422_and_cancels_nothing(client, auth, queue, db):
    checkin_id = queue["ordered"][0]
    for body, field in (
        ({"reason": 5}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"why": "x"}, "why"),
    ):
        response = client.post(f"{URL}/{checkin_id}/cancel", json=body, headers=auth)
        assert response.status_code == 422, body
        assert response.json["error"]["field"] == field, body
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin_id).status == "scheduled"


def _local_afternoon(days: int) -> datetime:
    day = utcnow().astimezone(NEW_YORK).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, 15, 0, tzinfo=NEW_YORK)


def test_reschedule_moves_a_pending_checkin(client, auth, queue):
    checkin_id = queue["ordered"][0]
    when = _local_afternoon(3)
    response = client.post(
        f"{URL}/{checkin_id}/reschedule", json={"due_at": when.isoformat()}, headers=auth
    )
    assert response.status_code == 200
    assert response.json["status"] == "scheduled"
    assert response.json["due_at"] == when.astimezone(ZoneInfo("UTC")).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert len(response.json["transitions"]) == 2


def test_a_bad_reschedule_is_422_and_changes_nothing(client, auth, queue, db):
    checkin_id = queue["ordered"][0]
    before = db.session.get(CheckIn, checkin_id).due_at
    cases = {
        "past": ({"due_at": "2020-01-01T12:00:00Z"}, "due_at"),
        "no-offset": ({"due_at": "2030-01-01T12:00:00"}, "due_at"),
        "null": ({"due_at": None}, "due_at"),
        "missing": ({}, "due_at"),
        "unknown-field": ({"due_at": "2030-01-01T12:00:00Z", "extra": 1}, "extra"),
    }
    for case, (body, field) in cases.items():
        response = client.post(f"{URL}/{checkin_id}/reschedule", json=body, headers=auth)
        assert response.status_code == 422, case
        assert response.json["error"]["field"] == field, case
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin_id).due_at == before
    assert len(client.get(f"{URL}/{checkin_id}", headers=auth).json["transitions"]) == 1


def test_rescheduling_a_final_checkin_is_409(client, auth, queue):
    checkin_id = queue["ordered"][0]
    client.post(f"{URL}/{checkin_id}/cancel", headers=auth)
    response = client.post(
        f"{URL}/{checkin_id}/reschedule",
        json={"due_at": _local_afternoon(2).isoformat()},
        headers=auth,
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict"


def test_reschedule_needs_a_json_body(client, auth, queue):
    checkin_id = queue["ordered"][0]
    response = client.post(f"{URL}/{checkin_id}/reschedule", data="due_at=x", headers=auth)
    assert response.status_code == 415
