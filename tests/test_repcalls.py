"""Rep calls: one SMS reminder when the call comes due (however often the sweep runs), and a
missed deadline plans exactly one fallback."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from testenv import PUBLIC_BASE_URL
from web_helpers import make_checkin, make_customer, make_policy, make_user, now

from outreach.company.templating import render_message
from outreach.dispatch import sweeper
from outreach.extensions import db
from outreach.messaging.repcalls import remind_forgotten, remind_reps
from outreach.models import CheckIn, CheckInTransition, Message
from outreach.scheduling import transitions

ROOT = Path(__file__).resolve().parent.parent
REP_PHONE = "+16125550160"


@pytest.fixture
def rep(db):
    """A rep with a phone."""
    return make_user("rep", phone=REP_PHONE, name="Sam Rep")


def _due_rep_call(rep, *, deadline=timedelta(hours=4), status="scheduled", policy=None):
    customer = make_customer(name="Ada Lovelace")
    checkin = make_checkin(
        rep, now() - timedelta(minutes=1), customer=customer, status=status, policy=policy
    )
    checkin.deadline_at = now() + deadline
    db.session.commit()
    return checkin.id


def _reminders() -> list[Message]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Message).where(Message.kind == "rep_reminder").order_by(Message.id)
        )
    )


def test_a_due_rep_call_reminds_its_rep_once_even_when_the_sweep_runs_twice(rep):
    rep_id, checkin_id = rep.id, _due_rep_call(rep)

    first, second = sweeper.run_pass(), sweeper.run_pass()

    assert (first.rep_calls_due, second.rep_calls_due) == (1, 0)
    (reminder,) = _reminders()
    assert (reminder.to_number, reminder.user_id, reminder.checkin_id) == (
        REP_PHONE,
        rep_id,
        checkin_id,
    )
    assert reminder.direction == "outbound" and reminder.customer_id is None
    assert "Ada Lovelace" in reminder.body
    assert "install: Replaced the water heater" in reminder.body
    assert reminder.body.endswith(f"{PUBLIC_BASE_URL}/rep#call-{checkin_id}")
    assert " by " in reminder.body  # the deadline, in the customer's time
    assert db.session.get(CheckIn, checkin_id).reminded_at is not None
    assert remind_reps([checkin_id]) == 0 and remind_forgotten() == 0
    assert len(_reminders()) == 1


def test_the_reminder_is_sent_once_through_twilio_by_a_real_worker(rep, app_env, fake_twilio):
    checkin_id = _due_rep_call(rep)
    sweeper.run_pass()
    sweeper.run_pass()
    env = {**os.environ, **app_env, **fake_twilio.env(), "OUTREACH_SEND_RATE": "1000"}
    done = subprocess.run(
        [sys.executable, "-m", "outreach", "worker", "--burst"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    (sent,) = fake_twilio.created_messages()
    assert sent.value("To") == REP_PHONE
    assert f"/rep#call-{checkin_id}" in sent.value("Body")
    (reminder,) = _reminders()
    assert reminder.twilio_sid in fake_twilio.messages and reminder.status == "queued"


def test_a_rep_call_claimed_without_its_reminder_gets_it_on_the_next_pass(rep):
    checkin_id = _due_rep_call(rep, status="queued")  # a pass claimed it, then stopped

    sweeper.run_pass()
    sweeper.run_pass()

    (reminder,) = _reminders()
    assert reminder.checkin_id == checkin_id


def test_a_rep_call_past_its_deadline_gets_no_late_reminder(rep):
    _due_rep_call(rep, status="queued", deadline=-timedelta(minutes=1))
    assert remind_forgotten() == 0
    assert _reminders() == []


def test_an_away_reps_reminder_goes_to_the_backup(rep):
    backup = make_user("rep", phone="+16125550161", name="Riley Backup")
    rep.backup_id, rep.is_away = backup.id, True
    db.session.commit()
    backup_id = backup.id
    _due_rep_call(rep)

    sweeper.run_pass()

    (reminder,) = _reminders()
    assert (reminder.to_number, reminder.user_id) == ("+16125550161", backup_id)
    assert "covering for Sam Rep" in reminder.body


def test_a_rep_without_a_phone_gets_no_text_and_nothing_fails(db):
    rep = make_user("rep", phone=None)
    checkin_id = _due_rep_call(rep)

    result = sweeper.run_pass()

    assert result.errors == [] and result.rep_calls_due == 1
    assert _reminders() == []
    assert db.session.get(CheckIn, checkin_id).status == "queued"


def test_a_missed_rep_call_plans_exactly_one_fallback_in_the_reps_name(rep):
    fallback = make_policy("sms")
    fallback.template = "Hi {{ customer.first_name }}, {{ rep.first_name }} here: how did it go?"
    rep_policy = make_policy("rep_call")
    rep_policy.deadline, rep_policy.fallback_policy_id = "PT4H", fallback.id
    rep_id, fallback_id = rep.id, fallback.id
    checkin_id = _due_rep_call(rep, deadline=timedelta(hours=4), policy=rep_policy)
    sweeper.run_pass()
    assert db.session.get(CheckIn, checkin_id).status == "queued"

    after_deadline = now() + timedelta(hours=5)
    first = sweeper.run_pass(now=after_deadline)
    second = sweeper.run_pass(now=after_deadline)

    assert (first.missed, second.missed) == (1, 0)
    db.session.expire_all()
    missed = db.session.get(CheckIn, checkin_id)
    assert missed.status == "missed" and "deadline" in missed.status_reason
    (replacement,) = db.session.scalars(
        sa.select(CheckIn).where(CheckIn.fallback_of_id == checkin_id)
    )
    assert (replacement.channel, replacement.policy_id) == ("sms", fallback_id)
    assert replacement.rep_id == rep_id
    text = render_message(
        replacement.policy.template,
        replacement.customer,
        replacement.rep,
        replacement.event,
        "Brightside",
    )
    assert text == "Hi Ada, Sam here: how did it go?"
    moves = db.session.scalars(
        sa.select(CheckInTransition.to_status).where(CheckInTransition.checkin_id == checkin_id)
    ).all()
    assert moves.count("missed") == 1
    assert len(_reminders()) == 1  # the miss does not remind again


def test_a_rep_call_logged_before_its_deadline_is_not_missed(rep):
    fallback = make_policy("sms")
    rep_policy = make_policy("rep_call")
    rep_policy.deadline, rep_policy.fallback_policy_id = "PT4H", fallback.id
    checkin_id = _due_rep_call(rep, policy=rep_policy)
    sweeper.run_pass()
    assert transitions.mark_done(checkin_id, "logged by the rep", outcome="reached")
    db.session.commit()

    result = sweeper.run_pass(now=now() + timedelta(hours=5))

    assert result.missed == 0
    assert db.session.get(CheckIn, checkin_id).status == "done"
    assert (
        db.session.scalars(sa.select(CheckIn).where(CheckIn.fallback_of_id == checkin_id)).all()
        == []
    )
