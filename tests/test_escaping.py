"""Customer-supplied text (names, event summaries, replies) is escaped on every page showing it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from web_helpers import (
    isolated_client,
    make_checkin,
    make_followup,
    make_policy,
    make_reply,
    make_user,
    now,
    sign_in,
)

from outreach.models import CheckInTransition, Consent, Escalation, Message, Page

SCRIPT = "<script>alert(1)</script>"
ATTR = '"><img src=x onerror=alert(1)>'
RAW = ("<script>alert(1)", "<img src=x")


@pytest.fixture
def seeded(app, db):
    """A rep (with a hostile name), and a customer whose every text field is hostile."""
    rep = make_user("rep", name=f"Rep {ATTR}")
    call = make_checkin(rep, now() + timedelta(hours=2), summary=f"Boiler {SCRIPT} {ATTR}")
    customer = call.customer
    customer.name = f"Mallory {SCRIPT}{ATTR}"
    done = make_checkin(rep, now() - timedelta(days=1), customer=customer, status="missed")
    done.deadline_at = done.due_at
    sms = make_checkin(
        None, now() - timedelta(hours=3), customer=customer, policy=make_policy("sms")
    )
    sms.status = "sent"
    sms.transitions.append(CheckInTransition(from_status="sending", to_status="sent", reason="x"))
    inbound = Message(
        direction="inbound",
        kind="reply",
        customer_id=customer.id,
        to_number="+15005550006",
        from_number=customer.phone,
        body=f"reply {SCRIPT} {ATTR}",
        status="received",
    )
    db.session.add(inbound)
    db.session.flush()
    urgent = make_reply(
        customer,
        f"reply {SCRIPT} {ATTR}",
        "urgent",
        checkin_id=sms.id,
        message_id=inbound.id,
        evidence=ATTR,
    )
    alarm = Escalation(reply_id=urgent.id, customer_id=customer.id, reason="urgent", plan=[])
    alarm.pages.append(Page(reply_id=urgent.id, user_id=rep.id, level="owner", sent_at=now()))
    db.session.add(alarm)
    make_followup(rep, customer, now() + timedelta(days=1), title=f"Fix {SCRIPT}", promise=ATTR)
    db.session.add(
        Consent(customer_id=customer.id, state="opted_in", source="keyword", evidence=ATTR)
    )
    db.session.commit()
    return {"rep": rep, "customer": customer}


PAGES = [
    "/admin",
    "/admin/dashboard",
    "/admin/queue",
    "/admin/queue?view=all",
    "/admin/messages",
    "/admin/conversations",
    "/admin/conversations/{customer}",
    "/admin/followups",
    "/admin/optouts",
    "/rep",
]


@pytest.mark.parametrize("page", PAGES)
def test_hostile_text_is_escaped(app, seeded, page):
    user = seeded["rep"] if page == "/rep" else make_user("admin")
    client = isolated_client(app)
    sign_in(client, user)
    response = client.get(page.format(customer=seeded["customer"].id))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for raw in RAW:
        assert raw not in html
    escaped = {str(escape(SCRIPT)), str(escape(ATTR))}
    assert any(e in html for e in escaped), "the page should show the hostile text, escaped"


def test_the_dashboard_chart_labels_are_escaped_inside_the_svg(app, seeded):
    client = isolated_client(app)
    sign_in(client, make_user("admin"))
    html = client.get("/admin/dashboard").get_data(as_text=True)
    svg = html.split('aria-label="Personal check-in calls')[1].split("</svg>")[0]
    assert f"Rep {escape(ATTR)}" in svg
    assert "<img" not in svg
