"""/admin/conversations: customers, a customer's timeline, and a manual SMS under the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from rq import Queue
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

from outreach.conversations.manual import send_manual_sms
from outreach.errors import Conflict
from outreach.messaging.texts import TEXT_QUEUE
from outreach.models import Consent, Message
from outreach.runtime.queues import get_redis

ZONES = (
    "Pacific/Kiritimati",
    "Pacific/Auckland",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Europe/Berlin",
    "UTC",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Denver",
    "Pacific/Honolulu",
)


def zone_where(hours: range) -> str:
    """A zone whose local hour now is in `hours` (there is always one among ZONES)."""
    moment = datetime.now(UTC)
    return next(z for z in ZONES if moment.astimezone(ZoneInfo(z)).hour in hours)


AWAKE = range(10, 19)  #: well inside 08:00-21:00 whatever minute the test runs
ASLEEP = (*range(22, 24), *range(0, 7))


@pytest.fixture
def staff(db):
    """The signed-in manager."""
    return make_user("manager", name="Morgan")


@pytest.fixture
def client(app, staff):
    """A client signed in as the manager."""
    client = isolated_client(app)
    sign_in(client, staff)
    return client


def _texts(db) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Message).where(Message.kind == "manual")))


def test_the_list_shows_customers_with_their_latest_reply_and_search(client, db):
    ada = make_customer(name="Ada Lovelace")
    make_reply(ada, "first", "positive", created_at=now() - timedelta(days=1))
    make_reply(ada, "the heater is noisy", "negative")
    make_followup(None, ada, now() + timedelta(days=1))
    make_customer(name="Grace Hopper")
    db.session.commit()
    html = client.get("/admin/conversations").get_data(as_text=True)
    assert "the heater is noisy" in html and "first" not in html
    assert "Grace Hopper" in html
    found = client.get("/admin/conversations?q=grace").get_data(as_text=True)
    assert "Grace Hopper" in found and "Ada Lovelace" not in found
    assert "No customers" in client.get("/admin/conversations?q=%25_").get_data(as_text=True)


def test_a_customer_timeline_shows_events_check_ins_replies_and_follow_ups(client, db):
    rep = make_user("rep", name="Sam")
    checkin = make_checkin(rep, now() - timedelta(hours=2), summary="New boiler fitted")
    customer = checkin.customer
    make_reply(customer, "It makes a clunk", "negative", checkin_id=checkin.id, evidence="clunk")
    make_followup(rep, customer, now() + timedelta(days=1), promise="Send a plumber Tuesday")
    db.session.commit()
    html = client.get(f"/admin/conversations/{customer.id}").get_data(as_text=True)
    order = [html.index(s) for s in ("New boiler fitted", "It makes a clunk", "Send a plumber")]
    assert order == sorted(order)
    assert "because: clunk" in html
    assert client.get("/admin/conversations/999999").status_code == 404


def test_a_manual_text_is_queued_and_handed_to_the_worker(client, db, staff):
    customer = make_customer(zone=zone_where(AWAKE))
    db.session.commit()
    Queue(TEXT_QUEUE, connection=get_redis()).empty()
    response = client.post(
        f"/admin/conversations/{customer.id}/sms", data={"body": "  We'll be there at 3pm.  "}
    )
    assert response.status_code == 302
    [text] = _texts(db)
    assert (text.body, text.status, text.customer_id) == (
        "We'll be there at 3pm.",
        "pending",
        customer.id,
    )
    assert (text.to_number, text.user_id, text.direction) == (customer.phone, staff.id, "outbound")
    job = Queue(TEXT_QUEUE, connection=get_redis()).jobs[0]
    assert job.args == ([text.id],)
    page = client.get(f"/admin/conversations/{customer.id}").get_data(as_text=True)
    assert "queued: it goes out in a moment." in page and "#" not in page.split("queued")[0][-80:]


def test_no_text_to_a_customer_who_opted_out(client, db):
    customer = make_customer(zone=zone_where(AWAKE))
    customer.is_opted_out = True
    db.session.commit()
    response = client.post(f"/admin/conversations/{customer.id}/sms", data={"body": "Hello?"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    # one clear explanation for the text form (the e-mail form below says its own once)
    assert html.count("Texting is not possible now: the customer is marked opted out") == 1
    assert html.count("the customer is marked opted out") == 2
    assert 'disabled aria-describedby="sms-blocked"' in html  # and no form to try again
    assert "\nHello?</textarea>" in html  # what was typed is kept
    assert _texts(db) == []


def test_no_text_after_an_sms_only_opt_out(client, db):
    customer = make_customer(zone=zone_where(AWAKE))
    db.session.add(Consent(customer_id=customer.id, channel="sms", state="opted_out", source="x"))
    db.session.commit()
    response = client.post(f"/admin/conversations/{customer.id}/sms", data={"body": "Hi"})
    assert response.status_code == 409 and "opted out of sms" in response.get_data(as_text=True)
    assert _texts(db) == []


def test_no_text_in_the_customers_quiet_hours_and_the_page_says_when_it_opens(client, db):
    zone = zone_where(ASLEEP)
    customer = make_customer(zone=zone)
    db.session.commit()
    page = client.get(f"/admin/conversations/{customer.id}").get_data(as_text=True)
    assert "Texting is not possible now" in page and "sending opens" in page
    response = client.post(f"/admin/conversations/{customer.id}/sms", data={"body": "Hi"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "for the customer, inside quiet hours" in html and "08:00 " + zone in html
    assert _texts(db) == []


def test_quiet_hours_follow_the_company_settings(app, db, staff):
    from outreach.company.settings import get_company_settings

    customer = make_customer(zone="America/Chicago")
    settings = get_company_settings()
    settings.quiet_end, settings.quiet_start = "10:00", "17:00"
    db.session.commit()
    at_nine = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 09:00 CDT
    with pytest.raises(Conflict, match=r"Tue 09:00 America/Chicago.*opens Tue 10:00"):
        send_manual_sms(customer.id, "Hi", staff, now=at_nine)
    assert send_manual_sms(customer.id, "Hi", staff, now=at_nine + timedelta(hours=2)).id


@pytest.mark.parametrize(("body", "words"), [("   ", "write the message"), ("x" * 1601, "1600")])
def test_an_empty_or_too_long_text_is_refused_inline(client, db, body, words):
    customer = make_customer(zone=zone_where(AWAKE))
    db.session.commit()
    response = client.post(f"/admin/conversations/{customer.id}/sms", data={"body": body})
    assert response.status_code == 422 and words in response.get_data(as_text=True)
    assert _texts(db) == []


def test_reps_cannot_text_customers_from_the_admin(app, db):
    customer = make_customer(zone=zone_where(AWAKE))
    db.session.commit()
    client = isolated_client(app)
    sign_in(client, make_user("rep"))
    assert client.get(f"/admin/conversations/{customer.id}").status_code == 403
    assert (
        client.post(f"/admin/conversations/{customer.id}/sms", data={"body": "x"}).status_code
        == 403
    )
    assert _texts(db) == []
