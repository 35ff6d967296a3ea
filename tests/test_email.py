"""E-mail check-ins against a real SMTP server on localhost and real workers: sent once under
retries and crashes, the message as built (headers, escaped HTML), quiet hours not applied but
the send window applied."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_worker import run_worker

from outreach.dispatch import sweeper
from outreach.events.ingest import ingest_event
from outreach.messaging.emails import send_email_checkins
from outreach.models import CheckIn, CheckInTransition, Email, db_now
from outreach.scheduling.policies import create_policy

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = "pat@example.net"


@pytest.fixture
def app(make_app, smtp_server):
    """The app, sending e-mail through the test's SMTP server, its context pushed."""
    app = make_app(env={**smtp_server[1], "OUTREACH_SEND_RATE": "1000"})
    with app.app_context():
        yield app


@pytest.fixture
def mail(app, smtp_server):
    """The SMTP server's handler (what it received)."""
    return smtp_server[0]


def email_policy(**fields) -> int:
    """An active email policy for install events (body and subject templates)."""
    data = {
        "name": "E-mail check-in",
        "event_type": "install",
        "channel": "email",
        "delay": "PT0S",
        "subject": "How did the {{ event.type }} go, {{ customer.first_name }}?",
        "template": "Hi {{ customer.name }},\n\nhow did it go? Just reply to this e-mail.",
        **fields,
    }
    return create_policy(data).id


def email_checkin(
    at: datetime, *, name: str = "Pat <b>Example</b>", tag: str = "1", customer: str = "1"
) -> int:
    """An install event at `at` for a customer with an e-mail address; its check-in id."""
    result = ingest_event(
        {
            "external_id": f"evt-{tag}",
            "type": "install",
            "occurred_at": at.isoformat(),
            "customer": {
                "external_id": f"cust-{customer}",
                "name": name,
                "phone": "+16125550100",
                "email": ADDRESS,
                "timezone": "America/Chicago",
            },
        },
        "api",
        at,
    )
    [checkin] = result.checkins
    return checkin.id


def queue_now(db, checkin_id: int) -> None:
    """scheduled -> queued through the sweeper's own claim, as a pass would."""
    claimed = sweeper.run_pass(now=db_now() + timedelta(seconds=1))
    assert claimed.claimed >= 1
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin_id).status == "queued"


def worker_env(app_env: dict, smtp_env: dict) -> dict:
    return {**app_env, **smtp_env, "OUTREACH_SEND_RATE": "1000"}


def test_a_worker_sends_an_email_checkin_once_with_its_headers(mail, db, app_env, smtp_server):
    email_policy()
    checkin_id = email_checkin(db_now() - timedelta(minutes=1))
    queue_now(db, checkin_id)

    done = run_worker(worker_env(app_env, smtp_server[1]))

    assert done.returncode == 0, done.stderr
    [message] = mail.to(ADDRESS)
    row = db.session.scalar(sa.select(Email).where(Email.checkin_id == checkin_id))
    assert db.session.get(CheckIn, checkin_id).status == "sent"
    assert row.status == "sent" and row.accepted_id == row.message_id == message["Message-ID"]
    assert message["Message-ID"].startswith(f"<outreach.c{checkin_id}.a{row.id}.")
    assert message["Message-ID"].endswith("@example.com>")
    assert message["Subject"] == "How did the install go, Pat?"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http") and "/u/" in message["List-Unsubscribe"]
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hi Pat <b>Example</b>," in plain
    assert "Pat &lt;b&gt;Example&lt;/b&gt;" in html and "<b>" not in html
    log = done.stdout + done.stderr
    assert ADDRESS not in log


def test_a_refused_rcpt_is_retried_and_the_customer_gets_one_email(mail, db):
    email_policy()
    checkin_id = email_checkin(db_now() - timedelta(minutes=1))
    queue_now(db, checkin_id)
    mail.refuse_rcpt = ["451 4.3.0 try again later", "421 4.7.0 busy"]

    first = send_email_checkins([checkin_id])[0]
    assert first.result == "retrying" and "451" in first.reason, first
    later = db_now() + timedelta(minutes=1)
    second = send_email_checkins([checkin_id], now=later)[0]
    assert second.result == "retrying" and "421" in second.reason
    third = send_email_checkins([checkin_id], now=later + timedelta(minutes=1))[0]

    assert third.result == "sent"
    assert mail.count_to(ADDRESS) == 1 and mail.rcpts == 3
    rows = db.session.scalars(sa.select(Email).where(Email.checkin_id == checkin_id)).all()
    assert [r.status for r in sorted(rows, key=lambda r: r.id)] == ["failed", "failed", "sent"]
    assert db.session.get(CheckIn, checkin_id).attempts == 3


def test_a_permanent_refusal_fails_the_checkin_without_a_retry(mail, db):
    email_policy()
    checkin_id = email_checkin(db_now() - timedelta(minutes=1))
    queue_now(db, checkin_id)
    mail.refuse_rcpt = ["550 5.1.1 no such user"]

    outcome = send_email_checkins([checkin_id])[0]

    assert outcome.result == "failed" and "550" in outcome.reason
    assert db.session.get(CheckIn, checkin_id).status == "failed"
    assert mail.count_to(ADDRESS) == 0


def test_a_timeout_after_data_counts_as_sent_and_is_never_sent_again(
    smtp_server, make_app, db
):  # an app of its own: a short SMTP timeout
    handler, env = smtp_server
    app = make_app(env={**env, "OUTREACH_SMTP_TIMEOUT": "0.5"})
    with app.app_context():
        email_policy()
        checkin_id = email_checkin(db_now() - timedelta(minutes=1))
        queue_now(db, checkin_id)
        handler.hold_data = True

        outcome = send_email_checkins([checkin_id])[0]
        assert outcome.result == "unknown"
        assert handler.stored.is_set()  # the server has it; its 250 never came
        handler.release.set()

        settled = sweeper.reconcile_unknown_sends(db_now() + timedelta(hours=1))
        again = send_email_checkins([checkin_id], now=db_now() + timedelta(hours=1))[0]

        assert settled == 1
        checkin = db.session.get(CheckIn, checkin_id)
        assert checkin.status == "sent" and "reconciled" in checkin.status_reason
        assert again.result == "skipped"
        assert handler.count_to(ADDRESS) == 1


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_worker_killed_in_the_middle_of_smtp_leaves_one_email(
    mail, db, app_env, smtp_server, stage
):
    email_policy()
    checkin_id = email_checkin(db_now() - timedelta(minutes=1))
    queue_now(db, checkin_id)
    setattr(mail, f"hold_{stage}", True)
    env = {**os.environ, **worker_env(app_env, smtp_server[1])}
    worker = subprocess.Popen(
        [sys.executable, "-m", "outreach", "worker", "--burst"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert mail.entered.wait(60), "the worker never reached the held SMTP stage"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    setattr(mail, f"hold_{stage}", False)
    mail.release.set()
    assert mail.stored.is_set() == (stage == "data")

    later = db_now() + timedelta(hours=1)
    sweeper.reconcile_unknown_sends(later)
    db.session.expire_all()
    if stage == "rcpt":  # nothing reached the server: retried at once, by the next send
        assert db.session.get(CheckIn, checkin_id).status == "queued"
        assert send_email_checkins([checkin_id], now=later)[0].result == "sent"
    db.session.expire_all()
    assert db.session.get(CheckIn, checkin_id).status == "sent"
    assert mail.count_to(ADDRESS) == 1


def test_quiet_hours_do_not_hold_an_email_but_its_send_window_does(mail, db):
    email_policy(window={"start": "06:00", "end": "23:00"})
    # 22:30 in Chicago: inside quiet hours (21:00-08:00), inside the e-mail's window
    late = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)
    checkin_id = email_checkin(late, tag="late")
    checkin = db.session.get(CheckIn, checkin_id)
    assert checkin.due_at == late

    outcome = send_email_checkins([checkin_id], now=late)[0]
    assert outcome.result == "skipped"  # not queued yet: the sweeper claims it first
    sweeper.run_pass(now=late)
    assert send_email_checkins([checkin_id], now=late)[0].result == "sent"

    # 23:30 in Chicago: outside the e-mail's window -> planned for 06:00 the next day
    later = datetime(2026, 3, 12, 4, 30, tzinfo=UTC)
    other = db.session.get(CheckIn, email_checkin(later, tag="later"))
    assert other.due_at == datetime(2026, 3, 12, 11, 0, tzinfo=UTC)
    reasons = db.session.scalars(
        sa.select(CheckInTransition.reason).where(CheckInTransition.checkin_id == other.id)
    ).all()
    assert reasons and mail.count_to(ADDRESS) == 1


def test_an_email_to_an_address_the_library_refuses_fails_with_why(mail, db):
    from outreach.messaging.emails import queue_email, send_emails

    email = queue_email("pat@exa mple.net", "Hello", "Hi", "manual")
    db.session.commit()

    assert send_emails([email.id]) == ["failed"]
    db.session.expire_all()
    stored = db.session.get(Email, email.id)
    assert stored.status == "failed" and stored.error_message.startswith("not sent: ")
    assert mail.rcpts == 0
