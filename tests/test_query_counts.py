"""List pages run a fixed number of SQL statements whatever the number of rows (no N+1)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa
from web_helpers import (
    isolated_client,
    make_checkin,
    make_customer,
    make_followup,
    make_policy,
    make_reply,
    make_user,
    now,
    sign_in,
)

from outreach.company.settings import get_company_settings
from outreach.models import CheckInTransition, Consent, Message, MessageStatusEvent

_sid = itertools.count(1)
PAGES = [
    "/admin",
    "/admin/dashboard",
    "/admin/schedules",
    "/admin/queue",
    "/admin/queue?view=recent",
    "/admin/messages",
    "/admin/conversations",
    "/admin/conversations/{customer}",
    "/admin/followups",
    "/admin/optouts",
    "/rep",
]


def _unit(db, rep, other_rep, customer=None):
    """One customer's worth of rows on every list page."""
    customer = customer or make_customer()
    make_checkin(rep, now() + timedelta(hours=2), customer=customer)
    make_checkin(other_rep, now() + timedelta(hours=3), customer=customer)
    missed = make_checkin(rep, now() - timedelta(hours=5), customer=customer, status="missed")
    missed.deadline_at = missed.due_at
    sms = make_checkin(
        None, now() - timedelta(hours=4), customer=customer, policy=make_policy("sms")
    )
    sms.status = "delivered"
    sms.transitions.append(CheckInTransition(from_status="sending", to_status="sent", reason="x"))
    sid = f"SM{next(_sid):032d}"
    out = Message(
        direction="outbound",
        kind="checkin",
        checkin_id=sms.id,
        customer_id=customer.id,
        to_number=customer.phone,
        body="Hi",
        status="delivered",
        twilio_sid=sid,
    )
    inbound = Message(
        direction="inbound",
        kind="reply",
        customer_id=customer.id,
        to_number="+15005550006",
        from_number=customer.phone,
        body="it leaks",
        status="received",
    )
    db.session.add_all([out, inbound])
    db.session.flush()
    for status in ("sent", "delivered"):
        db.session.add(MessageStatusEvent(message_id=out.id, twilio_sid=sid, status=status))
    make_reply(customer, "it leaks", "negative", checkin_id=sms.id, message_id=inbound.id)
    make_followup(rep, customer, now() + timedelta(days=1))
    make_followup(other_rep, customer, now() - timedelta(days=1), state="overdue")
    make_followup(rep, customer, now(), state="done", done_at=now())
    db.session.add(Consent(customer_id=customer.id, state="opted_out", source="keyword"))
    return customer


def _count(app, client, url: str) -> int:
    from outreach.extensions import db

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, url
    return len(statements)


@pytest.fixture
def setup(app, db):
    """A rep, a colleague, one customer with a long history, and signed-in clients."""
    rep, other = make_user("rep", name="Sam"), make_user("rep", name="Kim")
    admin = make_user("admin")
    staff_client, rep_client = isolated_client(app), isolated_client(app)
    sign_in(staff_client, admin)
    sign_in(rep_client, rep)
    return {"rep": rep, "other": other, "staff": staff_client, "rep_client": rep_client}


def _counts(app, setup, customer_id: int) -> dict[str, int]:
    out = {}
    for page in PAGES:
        client = setup["rep_client"] if page == "/rep" else setup["staff"]
        out[page] = _count(app, client, page.format(customer=customer_id))
    return out


def test_list_pages_run_the_same_number_of_statements_for_3_and_30_rows(app, db, setup):
    rep, other = setup["rep"], setup["other"]
    regular = make_customer(name="Regular")
    for _ in range(3):
        _unit(db, rep, other)
        _unit(db, rep, other, customer=regular)
    db.session.commit()
    small = _counts(app, setup, regular.id)

    for _ in range(27):
        _unit(db, rep, other)
        _unit(db, rep, other, customer=regular)
    db.session.commit()
    large = _counts(app, setup, regular.id)

    assert large == small
    assert max(small.values()) <= 21, small  # the customer page: a query per timeline kind


def _api_statements(client, auth, url: str, body: dict) -> tuple[int, list[str]]:
    from outreach.extensions import db

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post(url, json=body, headers=auth)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return response.status_code, statements


def _api_event(n: int) -> dict:
    return {
        "external_id": f"ev-{n}",
        "type": "install",
        "occurred_at": (now() - timedelta(hours=1)).isoformat(),
        "customer": {"external_id": f"cu-{n}", "name": "Ada", "phone": "+12025550123"},
        "rep": {"email": "rep@example.com", "name": "Rep"},
    }


def test_one_api_event_is_a_handful_of_statements_and_one_commit(app, db, client, auth):
    """POST /api/v1/events, a new event with a new customer and a known rep, planned by two
    policies: the look-ups, the inserts and one commit (it was 20 statements, 2 commits,
    savepoints and reloads after the commit)."""
    get_company_settings()  # the row exists, as after the first request
    make_policy("sms")
    make_policy("rep_call")
    db.session.commit()
    assert client.post("/api/v1/events", json=_api_event(0), headers=auth).status_code == 201
    status, statements = _api_statements(client, auth, "/api/v1/events", _api_event(1))
    assert status == 201
    # 10: the settings and the policies come from the process's copies, one version read
    # instead of two SELECTs (it was 11)
    assert len(statements) <= 10, statements
    assert not [s for s in statements if s in ("SAVEPOINT", "RELEASE")], statements
    assert statements.count("UPDATE") == 0, statements  # the token was used a moment ago


def test_a_batch_of_events_costs_about_what_one_event_costs(app, db, client, auth):
    get_company_settings()  # the row exists, as after the first request
    make_policy("sms")
    db.session.commit()
    status, statements = _api_statements(
        client, auth, "/api/v1/events/batch", {"events": [_api_event(n) for n in range(200)]}
    )
    assert status == 200
    # the token written; 100 rows an INSERT; the settings and policies from the process's
    # copies (one version read instead of two SELECTs: it was 19)
    assert len(statements) <= 18, statements


def test_a_signed_reply_is_a_handful_of_statements_and_one_commit(app, db, client):
    """The inbound SMS webhook, a reply to a check-in just texted: the settings, phrases and
    examples come from the process's copies (one version read), not from their tables."""
    from conversation_helpers import inbound_params, make_conversation, post_inbound

    get_company_settings()  # the row exists, as after the first request
    checkin = make_conversation()
    assert post_inbound(client, inbound_params("Thanks", from_="+16125550199")).status_code == 200
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split())[:90])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = post_inbound(client, inbound_params("All good, the heater works great."))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert db.session.get(type(checkin), checkin.id).status == "answered"
    # 12, the check-in answered (it was 20): no look-up of the MessageSid first (a retry is
    # found when its row is stored), no savepoint, the settings, phrases and examples from the
    # process's copies, the staff not looked up for a customer's text that takes no page, the
    # check-in not reloaded to log it
    assert len(statements) <= 12, "\n".join(statements)
    read = " ".join(statements)
    assert "SAVEPOINT" not in read
    assert "triage_phrases" not in read and "triage_examples" not in read
    assert "company_settings.name" not in read
