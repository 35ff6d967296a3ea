"""Consent per channel for e-mail: the one-click unsubscribe of RFC 8058 stops e-mail but not
SMS; a bounce or a complaint from the signed delivery-event hook is recorded and honoured."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from test_email import ADDRESS, app, email_checkin, email_policy, mail, queue_now  # noqa: F401

from outreach.messaging.emails import mailgun_key, send_email_checkins, unsubscribe_token
from outreach.models import CheckIn, Consent, Customer, db_now
from outreach.scheduling.consents import opted_out_reason

EVENTS = "/hooks/email/mailgun/events"


def signed(**extra) -> dict:
    """Mailgun's signature block for this app's key."""
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    digest = hmac.new(mailgun_key(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": digest, **extra}


def sent_checkin(db, handler, tag: str = "1") -> tuple[int, object]:
    """An e-mail check-in sent through the SMTP server: its id and the message received."""
    checkin_id = email_checkin(db_now() - timedelta(minutes=1), tag=tag)
    queue_now(db, checkin_id)
    assert send_email_checkins([checkin_id])[0].result == "sent"
    return checkin_id, handler.to(ADDRESS)[-1]


def email_consents(db) -> list[tuple[str, str, str]]:
    return db.session.execute(
        sa.select(Consent.channel, Consent.state, Consent.source).order_by(Consent.id)
    ).all()


def test_one_click_unsubscribe_stops_email_but_not_sms(app, mail, db):  # noqa: F811
    email_policy()
    checkin_id, message = sent_checkin(db, mail)
    link = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    client = app.test_client()

    page = client.get(urlsplit(link).path)
    assert page.status_code == 200 and "Stop e-mails" in page.get_data(as_text=True)
    first = client.post(urlsplit(link).path, data={"List-Unsubscribe": "One-Click"})
    second = client.post(urlsplit(link).path, data={"List-Unsubscribe": "One-Click"})

    assert first.status_code == second.status_code == 200
    assert "no more e-mails" in first.get_data(as_text=True)
    assert email_consents(db) == [("email", "opted_out", "unsubscribe")]
    customer = db.session.get(CheckIn, checkin_id).customer
    db.session.refresh(customer)
    assert opted_out_reason(customer, "email") == "opted out of e-mail"
    assert opted_out_reason(customer, "sms") is None and not customer.is_opted_out

    later = email_checkin(db_now() - timedelta(minutes=1), tag="2")
    assert db.session.get(CheckIn, later).status == "suppressed"
    assert "opted out of e-mail" in db.session.get(CheckIn, later).status_reason
    assert len(mail.to(ADDRESS)) == 1


def test_a_forged_or_damaged_unsubscribe_token_changes_nothing(app, mail, db):  # noqa: F811
    email_policy()
    email_checkin(db_now() - timedelta(minutes=1))
    customer_id = db.session.scalar(sa.select(Customer.id))
    good = unsubscribe_token(customer_id)
    client = app.test_client()

    for token in (good[:-2], f"{customer_id}", "x" * 40):
        assert client.post(f"/u/{token}").status_code == 404
        assert client.get(f"/u/{token}").status_code == 404
    assert email_consents(db) == []


def test_a_permanent_bounce_stops_email_and_cancels_what_is_pending(app, mail, db):  # noqa: F811
    email_policy()
    checkin_id, message = sent_checkin(db, mail)
    pending = email_checkin(db_now() + timedelta(hours=1), tag="2")
    event = {
        "event": "failed",
        "severity": "permanent",
        "recipient": ADDRESS,
        "delivery-status": {"code": 550},
        "message": {"headers": {"message-id": message["Message-ID"].strip("<>")}},
    }
    client = app.test_client()

    forged = {"signature": {**signed(), "signature": "0" * 64}, "event-data": event}
    assert client.post(EVENTS, json=forged).status_code == 403
    assert client.post(EVENTS, json={"event-data": event}).status_code == 403
    assert email_consents(db) == []
    temporary = {"signature": signed(), "event-data": {**event, "severity": "temporary"}}
    assert client.post(EVENTS, json=temporary).status_code == 200
    assert email_consents(db) == []

    answer = client.post(EVENTS, json={"signature": signed(), "event-data": event})
    again = client.post(EVENTS, json={"signature": signed(), "event-data": event})

    assert answer.status_code == again.status_code == 200
    assert email_consents(db) == [("email", "opted_out", "bounce")]
    db.session.expire_all()
    assert db.session.get(CheckIn, pending).status == "canceled"
    assert db.session.get(CheckIn, checkin_id).status == "sent"  # it went out; it bounced


def test_a_complaint_stops_email_for_the_customer_it_names(app, mail, db):  # noqa: F811
    email_policy()
    sent_checkin(db, mail)
    event = {"event": "complained", "recipient": ADDRESS, "message": {"headers": {}}}
    client = app.test_client()

    answer = client.post(
        EVENTS,
        data=json.dumps({"signature": signed(), "event-data": event}),
        content_type="application/json",
    )

    assert answer.status_code == 200
    assert email_consents(db) == [("email", "opted_out", "complaint")]


def test_the_reassurance_goes_by_email_in_the_owners_name_even_at_night(app, mail, db):  # noqa: F811
    from conversation_helpers import TUE_10AM, make_staff
    from test_followups import make_followup

    from outreach.company.settings import get_company_settings
    from outreach.conversations import sweep_followups
    from outreach.messaging.emails import send_emails
    from outreach.models import Email

    settings = get_company_settings()
    settings.reassurance_every_hours, settings.reassure_by_email = 24, True
    db.session.commit()
    rep = make_staff(name="Sam Rivera", phone="+16125550302")
    followup = make_followup(rep, due_at=TUE_10AM + timedelta(days=2))
    followup.customer.email = ADDRESS
    db.session.commit()

    at_night = sweep_followups(TUE_10AM + timedelta(hours=37))  # Wed 23:00 in Chicago

    assert at_night.reassured == 1
    email = db.session.scalar(sa.select(Email).where(Email.kind == "reassurance"))
    assert send_emails([email.id]) == ["sent"]
    [message] = mail.to(ADDRESS)
    text = message.get_body(("plain",)).get_content()
    assert "still on my radar" in text and "by Thu 10 am" in text and "Sam Rivera" in text
    assert sweep_followups(TUE_10AM + timedelta(hours=40)).reassured == 0
