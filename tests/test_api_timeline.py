"""GET /api/v1/customers/<id>/timeline and the timeline service behind it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from outreach.api.serializers import timeline_json
from outreach.events.ingest import ingest_event
from outreach.models import (
    Call,
    CallStatusEvent,
    FollowUp,
    Message,
    MessageStatusEvent,
    Reply,
    User,
    utcnow,
)
from outreach.reporting.timeline import customer_timeline
from outreach.scheduling.policies import create_policy

NEW_YORK = ZoneInfo("America/New_York")


def _event(n: int, occurred) -> dict:
    return {
        "external_id": f"ev-{n}",
        "type": "install",
        "occurred_at": occurred.isoformat(),
        "customer": {"external_id": "cu-1", "name": "Ada", "phone": "+12025550123"},
        "rep": {"email": "rep@example.com"},
    }


@pytest.fixture
def history(app, db):
    """A function adding n events, check-ins, messages, calls, replies and follow-ups."""
    create_policy(
        {
            "name": "text",
            "event_type": "install",
            "channel": "sms",
            "delay": "PT0S",
            "template": "Hi {{ customer.name }}",
        }
    )
    day = (utcnow() - timedelta(days=5)).astimezone(NEW_YORK).date()
    start = datetime(day.year, day.month, day.day, 12, 0, tzinfo=NEW_YORK)  #: inside send hours

    def add(n: int, first: int = 0) -> int:
        customer_id = None
        for i in range(first, first + n):
            t = start + timedelta(hours=6 * i)
            result = ingest_event(_event(i, t), source="api", now=t)
            customer_id = result.event.customer_id
            checkin = result.checkins[0]
            owner = db.session.scalar(sa.select(User))
            sid = f"SM{i:032d}"
            message = Message(
                direction="outbound",
                kind="checkin",
                checkin_id=checkin.id,
                customer_id=customer_id,
                to_number="+12025550123",
                body="How did it go?",
                twilio_sid=sid,
                status="delivered",
                created_at=t + timedelta(minutes=1),
            )
            call = Call(
                purpose="click_to_call",
                checkin_id=checkin.id,
                customer_id=customer_id,
                to_number="+12025550123",
                twilio_sid=f"CA{i:032d}",
                status="completed",
                created_at=t + timedelta(minutes=2),
            )
            db.session.add_all([message, call])
            db.session.flush()
            db.session.add_all(
                [
                    MessageStatusEvent(message_id=message.id, twilio_sid=sid, status="sent"),
                    MessageStatusEvent(message_id=message.id, twilio_sid=sid, status="delivered"),
                    CallStatusEvent(
                        call_id=call.id, twilio_sid=call.twilio_sid, status="completed"
                    ),
                ]
            )
            reply = Reply(
                customer_id=customer_id,
                checkin_id=checkin.id,
                source="sms",
                text="The heater leaks",
                triage_class="negative",
                evidence="leaks",
                created_at=t + timedelta(minutes=3),
            )
            db.session.add(reply)
            db.session.flush()
            db.session.add(
                FollowUp(
                    customer_id=customer_id,
                    checkin_id=checkin.id,
                    reply_id=reply.id,
                    owner_id=owner.id,
                    title="Fix the leak",
                    due_at=t + timedelta(days=1),
                    created_at=t + timedelta(minutes=4),
                )
            )
            db.session.commit()
        return customer_id

    return add


def test_the_timeline_lists_everything_in_time_order_with_its_kind(client, auth, history):
    customer_id = history(2)
    response = client.get(f"/api/v1/customers/{customer_id}/timeline", headers=auth)

    assert response.status_code == 200
    body = response.json
    assert body["customer"]["id"] == customer_id
    kinds = [item["kind"] for item in body["items"]]
    assert kinds == ["event", "checkin", "message", "call", "reply", "followup"] * 2
    times = [item["at"] for item in body["items"]]
    assert times == sorted(times)
    assert all(item[item["kind"]]["id"] for item in body["items"])


def test_timeline_items_carry_transitions_and_status_callbacks(client, auth, history):
    customer_id = history(1)
    items = client.get(f"/api/v1/customers/{customer_id}/timeline", headers=auth).json["items"]
    by_kind = {item["kind"]: item[item["kind"]] for item in items}

    assert [t["to_status"] for t in by_kind["checkin"]["transitions"]] == ["scheduled"]
    assert [s["status"] for s in by_kind["message"]["status_events"]] == ["sent", "delivered"]
    assert [s["status"] for s in by_kind["call"]["status_events"]] == ["completed"]
    assert by_kind["reply"]["triage_class"] == "negative"
    assert by_kind["followup"]["owner"]["email"] == "rep@example.com"
    assert by_kind["event"]["rep"]["email"] == "rep@example.com"


def test_the_timeline_takes_a_fixed_number_of_queries_whatever_its_length(app, db, history):
    customer_id = history(1)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def measure() -> int:
        db.session.expire_all()
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            timeline = customer_timeline(customer_id)
            timeline_json(timeline)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements), len(timeline.items)

    small, small_items = measure()
    history(6, first=1)
    large, large_items = measure()

    assert (small_items, large_items) == (6, 42)
    assert large == small
    assert small <= 16, statements  # 14 (with the follow-ups' notes), the pages, the e-mails


def test_an_unknown_customer_has_no_timeline(client, auth):
    for customer_id in (999, 99999999999999999999):
        response = client.get(f"/api/v1/customers/{customer_id}/timeline", headers=auth)
        assert response.status_code == 404, customer_id
        assert response.json["error"]["code"] == "not_found", customer_id


def test_the_timeline_needs_a_token(client, history):
    customer_id = history(1)
    assert client.get(f"/api/v1/customers/{customer_id}/timeline").status_code == 401
