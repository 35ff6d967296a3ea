"""/admin/messages: every message with its status history and error codes in words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from web_helpers import isolated_client, make_customer, make_user, now, sign_in

from outreach.extensions import db as _db
from outreach.models import Message, MessageStatusEvent


@pytest.fixture
def client(app, db):
    """A client signed in as an admin."""
    client = isolated_client(app)
    sign_in(client, make_user("admin"))
    return client


def make_message(customer=None, *, status="delivered", error_code=None, events=(), **values):
    """An outbound check-in text with its status callbacks, flushed."""
    message = Message(
        direction=values.pop("direction", "outbound"),
        kind=values.pop("kind", "checkin"),
        customer_id=customer.id if customer else None,
        to_number=customer.phone if customer else "+13125550000",
        body=values.pop("body", "Hi, how did the install go?"),
        status=status,
        error_code=error_code,
        **values,
    )
    _db.session.add(message)
    _db.session.flush()
    for i, (event_status, code, applied) in enumerate(events):
        _db.session.add(
            MessageStatusEvent(
                message_id=message.id,
                twilio_sid=f"SM{message.id:032d}",
                status=event_status,
                error_code=code,
                is_applied=applied,
                received_at=now() + timedelta(seconds=i),
            )
        )
    _db.session.flush()
    return message


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="message-(\d+)"', html)]


def test_messages_show_status_history_and_errors_in_words(client, db):
    customer = make_customer(name="Grace Hopper")
    failed = make_message(
        customer,
        status="undelivered",
        error_code=30003,
        events=[("sent", None, True), ("undelivered", 30003, True), ("sent", None, False)],
    )
    db.session.commit()
    html = client.get("/admin/messages").get_data(as_text=True)
    row = html.split(f'<tr id="message-{failed.id}">')[1].split("</tr>")[0]
    assert "Grace Hopper" in row
    assert "30003: the handset is unreachable (off or out of coverage)" in row
    history = re.findall(r"<li>\d+ \w+ [\d:]+ C[DS]T: (\w+)", row)
    assert history == ["sent", "undelivered", "sent"]
    assert "duplicate or out of order: ignored" in row


def test_unknown_error_codes_point_to_twilio_docs(client, db):
    make_message(make_customer(), status="failed", error_code=63999)
    db.session.commit()
    html = client.get("/admin/messages").get_data(as_text=True)
    assert "63999: see https://www.twilio.com/docs/errors/63999" in html


def test_newest_first_with_filters_and_pages(client, db):
    customer = make_customer()
    other = make_customer(name="Other")
    outbound = [make_message(customer) for _ in range(52)]
    inbound = make_message(other, direction="inbound", kind="reply", status="received")
    failed = make_message(customer, status="failed", error_code=21211)
    db.session.commit()

    first = client.get("/admin/messages").get_data(as_text=True)
    assert _ids(first)[:2] == [failed.id, inbound.id] and len(_ids(first)) == 50
    older = re.search(r'<a href="([^"]+)">Older', first).group(1).replace("&amp;", "&")
    assert _ids(client.get(older).get_data(as_text=True)) == [m.id for m in outbound[:4]][::-1]

    def ids(**args):
        return _ids(client.get("/admin/messages", query_string=args).get_data(as_text=True))

    assert ids(direction="inbound") == [inbound.id]
    assert ids(errors_only="1") == [failed.id]
    assert ids(customer_id=other.id) == [inbound.id]
    assert ids(status="failed", kind="checkin") == [failed.id]
    assert len(ids(status="bogus", before="x", customer_id="-1")) == 50  # ignored, not a 500


def test_reps_cannot_read_the_message_log(app, db):
    client = isolated_client(app)
    sign_in(client, make_user("rep"))
    assert client.get("/admin/messages").status_code == 403


def test_a_text_to_staff_names_the_person_not_staff(client, db):
    manager = make_user("manager", name="Morgan Diaz", phone="+13125550777")
    make_message(kind="page_answer", user_id=manager.id, body="It's yours")
    db.session.commit()

    html = client.get("/admin/messages").get_data(as_text=True)

    row = html[html.index("It&#39;s yours") - 1500 : html.index("It&#39;s yours")]
    assert "Morgan Diaz" in row and "to Morgan Diaz's phone" in row
    assert ">staff<" not in row
