"""E-mail on the pages: staff e-mail a customer from their page (consent checked, sent through
the real SMTP server, shown on the timeline); the phone simulator shows the customer's inbox
as the demo's SMTP server kept it, and replies by e-mail through the signed hook."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from mail_server import EMAIL_FROM
from test_email import ADDRESS, email_checkin, email_policy, queue_now
from web_helpers import isolated_client, make_user, sign_in

from outreach.dev.mailserver import MailHandler, demo_maildir, start_mail_server
from outreach.messaging.emails import send_email_checkins, send_emails, unsubscribe
from outreach.messaging.emails import unsubscribe_token as token_for
from outreach.models import CheckIn, Customer, Email, Reply, db_now


@pytest.fixture
def demo_mail(app_env):
    """The demo's SMTP server, keeping mail in the instance's Maildir: its handler and URL."""
    controller, handler = start_mail_server(
        MailHandler(demo_maildir(app_env["OUTREACH_INSTANCE_PATH"]))
    )
    yield handler, f"smtp://{controller.hostname}:{controller.port}"
    controller.stop()


@pytest.fixture
def app(make_app, demo_mail):
    """The app, sending e-mail through the demo's SMTP server, its context pushed."""
    app = make_app(env={"SMTP_URL": demo_mail[1], "OUTREACH_EMAIL_FROM": EMAIL_FROM})
    with app.app_context():
        yield app


@pytest.fixture
def staff(app, db):
    """A test client signed in as a manager."""
    client = isolated_client(app)
    sign_in(client, make_user("manager"))
    return client


def customer_id(db) -> int:
    return db.session.scalar(sa.select(Customer.id).where(Customer.email == ADDRESS))


def test_staff_email_a_customer_from_their_page(demo_mail, staff, db):
    handler, _ = demo_mail
    email_policy()
    email_checkin(db_now() + timedelta(days=1))
    cid = customer_id(db)
    page = staff.get(f"/admin/conversations/{cid}")
    assert page.status_code == 200 and "Send an e-mail" in page.get_data(as_text=True)

    empty = staff.post(f"/admin/conversations/{cid}/email", data={"email-subject": " "})
    answer = staff.post(
        f"/admin/conversations/{cid}/email",
        data={"email-subject": "Your invoice", "email-body": "Hi Pat,\n\n<b>paid</b>, thanks."},
    )

    assert empty.status_code == 422 and "write a subject" in empty.get_data(as_text=True)
    assert answer.status_code == 302
    email = db.session.scalar(sa.select(Email).where(Email.kind == "manual"))
    assert send_emails([email.id]) == ["sent"]
    [received] = handler.to(ADDRESS)
    assert received["Subject"] == "Your invoice" and "List-Unsubscribe" not in received
    assert "&lt;b&gt;paid&lt;/b&gt;" in received.get_body(("html",)).get_content()
    timeline = staff.get(f"/admin/conversations/{cid}").get_data(as_text=True)
    assert "E-mail (manual)" in timeline and "Your invoice" in timeline


def test_staff_cannot_email_a_customer_who_unsubscribed(demo_mail, staff, db):
    email_policy()
    email_checkin(db_now() + timedelta(days=1))
    cid = customer_id(db)
    unsubscribe(token_for(cid))

    answer = staff.post(
        f"/admin/conversations/{cid}/email",
        data={"email-subject": "Hello", "email-body": "Anything else?"},
    )

    assert answer.status_code == 409
    assert "opted out of e-mail" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Email.id))) == 0


def test_the_simulator_shows_the_inbox_and_replies_by_email(demo_mail, staff, db):
    handler, _ = demo_mail
    email_policy()
    checkin_id = email_checkin(db_now() - timedelta(minutes=1))
    queue_now(db, checkin_id)
    assert send_email_checkins([checkin_id])[0].result == "sent"
    assert len(handler.to(ADDRESS)) == 1
    cid = customer_id(db)

    page = staff.get(f"/simulator/customers/{cid}").get_data(as_text=True)
    assert "How did the install go, Pat?" in page and "Reply by e-mail" in page
    assert "Pat &lt;b&gt;Example&lt;/b&gt;" in page  # the e-mail's text, escaped on the page

    answer = staff.post(
        f"/simulator/customers/{cid}/email-reply", data={"email-body": "It is still leaking!"}
    )

    assert answer.status_code == 302
    reply = db.session.scalar(sa.select(Reply).where(Reply.source == "email"))
    assert reply is not None and reply.checkin_id == checkin_id
    assert db.session.get(CheckIn, checkin_id).status == "answered"
    page = staff.get(f"/simulator/customers/{cid}").get_data(as_text=True)
    assert "It is still leaking!" in page and "from the customer" in page
