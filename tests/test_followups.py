"""Follow-ups are chased: reminded at due, escalated after the grace period, reassured; once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from conversation_helpers import TUE_10AM, make_conversation, make_staff, texts
from rq import Queue

from outreach.company.settings import get_company_settings
from outreach.conversations import complete_followup, sweep_followups
from outreach.dispatch import sweeper
from outreach.errors import Conflict
from outreach.extensions import db
from outreach.messaging import texts as text_service
from outreach.models import Customer, FollowUp, Message
from outreach.runtime.queues import get_redis

DUE = TUE_10AM + timedelta(hours=2)  #: Tue 12:00 Chicago


@pytest.fixture
def team(app):
    """A rep with a backup, and a manager; all with phones."""
    backup = make_staff(name="Jordan Lee", phone="+16125550301")
    rep = make_staff(name="Sam Rivera", phone="+16125550302", backup_id=backup.id)
    manager = make_staff("manager", name="Morgan Diaz", phone="+16125550303")
    return {"rep": rep, "backup": backup, "manager": manager}


def make_followup(owner, *, due_at=DUE, created_at=TUE_10AM, state="open", **values) -> FollowUp:
    """A committed follow-up on a fresh customer."""
    checkin = make_conversation(rep=owner, sent_at=created_at)
    followup = FollowUp(
        customer_id=checkin.customer_id,
        checkin_id=checkin.id,
        owner_id=owner.id if owner else None,
        kind="issue",
        priority="normal",
        state=state,
        title="Unhappy: the unit is noisy",
        due_at=due_at,
        created_at=created_at,
        **values,
    )
    db.session.add(followup)
    db.session.commit()
    return followup


def reload(followup: FollowUp) -> FollowUp:
    """The row as stored now."""
    db.session.expire_all()
    return db.session.get(FollowUp, followup.id)


def test_the_owner_is_reminded_once_at_due_and_the_followup_is_overdue(team):
    followup = make_followup(team["rep"])

    early = sweep_followups(DUE - timedelta(minutes=1))
    at_due = sweep_followups(DUE)
    again = sweep_followups(DUE + timedelta(minutes=5))

    assert (early.reminded, at_due.reminded, again.reminded) == (0, 1, 0)
    row = reload(followup)
    assert (row.state, row.reminded_at, row.escalated_at) == ("overdue", DUE, None)
    [reminder] = texts("followup_reminder")
    assert reminder.to_number == team["rep"].phone and reminder.user_id == team["rep"].id
    assert "your follow-up with " + followup.customer.name in reminder.body
    assert "Tue 12 pm" in reminder.body and "#" not in reminder.body
    assert reminder.customer_id == followup.customer_id


def test_an_away_owner_is_covered_by_the_backup_for_the_reminder(team):
    team["rep"].is_away = True
    db.session.commit()
    make_followup(team["rep"])

    sweep_followups(DUE)

    assert [t.to_number for t in texts("followup_reminder")] == [team["backup"].phone]


def test_after_the_grace_period_the_backup_and_the_managers_are_reminded_once(team):
    followup = make_followup(team["rep"])
    grace = get_company_settings().followup_grace_hours
    sweep_followups(DUE)

    before = sweep_followups(DUE + timedelta(hours=grace) - timedelta(minutes=1))
    escalated = sweep_followups(DUE + timedelta(hours=grace))
    again = sweep_followups(DUE + timedelta(hours=grace + 3))

    assert (before.escalated, escalated.escalated, again.escalated) == (0, 1, 0)
    row = reload(followup)
    assert row.state == "escalated" and row.escalated_at == DUE + timedelta(hours=grace)
    escalations = [t for t in texts("followup_reminder") if t.body.startswith("Overdue")]
    assert sorted(t.to_number for t in escalations) == sorted(
        [team["backup"].phone, team["manager"].phone]
    )
    assert all("Sam Rivera" in t.body for t in escalations)


def test_a_late_sweep_reminds_and_escalates_in_one_pass(team):
    followup = make_followup(team["rep"])

    result = sweep_followups(DUE + timedelta(days=2))

    assert (result.reminded, result.escalated) == (1, 1)
    row = reload(followup)
    assert row.state == "escalated" and row.reminded_at is not None
    assert len(texts("followup_reminder")) == 3  # owner, backup, manager


def test_a_kept_followup_is_never_chased(team):
    followup = make_followup(team["rep"])

    done = complete_followup(followup.id, "called, replaced the fan", team["rep"], now=TUE_10AM)
    result = sweep_followups(DUE + timedelta(days=3))

    assert (done.state, done.outcome_note, done.done_at) == (
        "done",
        "called, replaced the fan",
        TUE_10AM,
    )
    assert result.reminded == result.escalated == 0 and texts() == []
    with pytest.raises(Conflict):
        complete_followup(followup.id, "again", team["rep"])


def test_reassurance_is_off_by_default(team):
    make_followup(team["rep"], due_at=TUE_10AM + timedelta(days=5))

    result = sweep_followups(TUE_10AM + timedelta(days=2))

    assert result.reassured == 0 and texts("reassurance") == []


def test_reassurance_goes_every_n_hours_inside_the_customers_daytime_only(team):
    settings = get_company_settings()
    settings.reassurance_every_hours = 24
    db.session.commit()
    followup = make_followup(team["rep"], due_at=TUE_10AM + timedelta(days=5))

    too_soon = sweep_followups(TUE_10AM + timedelta(hours=23))
    at_night = sweep_followups(TUE_10AM + timedelta(hours=37))  # Wed 23:00 Chicago
    next_day = sweep_followups(TUE_10AM + timedelta(hours=48))  # Thu 10:00
    same_day = sweep_followups(TUE_10AM + timedelta(hours=50))

    assert [r.reassured for r in (too_soon, at_night, next_day, same_day)] == [0, 0, 1, 0]
    [message] = texts("reassurance")
    assert message.to_number == followup.customer.phone
    assert message.body.startswith("Still on it — Sam")
    assert reload(followup).last_reassured_at == TUE_10AM + timedelta(hours=48)


def test_no_reassurance_to_an_opted_out_customer(team):
    settings = get_company_settings()
    settings.reassurance_every_hours = 4
    followup = make_followup(team["rep"], due_at=TUE_10AM + timedelta(days=5))
    db.session.get(Customer, followup.customer_id).is_opted_out = True
    db.session.commit()

    result = sweep_followups(TUE_10AM + timedelta(hours=5))

    assert result.reassured == 0 and texts("reassurance") == []


def test_a_reassurance_is_not_sent_if_the_customer_opted_out_after_it_was_queued(team):
    settings = get_company_settings()
    settings.reassurance_every_hours = 4
    db.session.commit()
    followup = make_followup(team["rep"], due_at=TUE_10AM + timedelta(days=5))
    sweep_followups(TUE_10AM + timedelta(hours=5))
    [message] = texts("reassurance")
    db.session.get(Customer, followup.customer_id).is_opted_out = True
    db.session.commit()

    result = text_service.send_text(message.id, TUE_10AM + timedelta(hours=5))

    assert result == text_service.CANCELED
    db.session.expire_all()
    stored = db.session.get(Message, message.id)
    assert stored.status == "canceled" and stored.twilio_sid is None
    assert "opted out" in stored.error_message


def test_two_sweepers_at_once_remind_each_followup_once(make_app, team):
    followups = [make_followup(team["rep"]) for _ in range(5)]
    apps = [make_app(), make_app()]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep(app) -> None:
        with app.app_context():
            barrier.wait()
            try:
                sweep_followups(DUE)
            except BaseException as exc:  # reported below
                errors.append(exc)

    threads = [threading.Thread(target=sweep, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    db.session.expire_all()
    reminders = texts("followup_reminder")
    assert len(reminders) == len(followups)
    assert {reload(f).state for f in followups} == {"overdue"}


def test_the_scheduler_pass_chases_followups(team):
    followup_id = make_followup(team["rep"]).id

    result = sweeper.run_pass(DUE + timedelta(minutes=1))

    assert "followups" not in result.errors
    assert db.session.get(FollowUp, followup_id).state == "overdue"
    assert len(texts("followup_reminder")) == 1


# -- texts: delivery of what the sweep and the fire alarm queue --------------------------------


def queued_text(kind: str = "followup_reminder", to: str = "+16125550302") -> Message:
    """A committed pending text."""
    message = text_service.queue_text(to, "Reminder: follow-up #1 was due", kind, now=TUE_10AM)
    db.session.commit()
    return message


def test_a_pending_text_is_sent_once_through_twilio(twilio_app, fake_twilio):
    message = queued_text()

    first = text_service.send_text(message.id)
    second = text_service.send_text(message.id)

    assert (first, second) == (text_service.SENT, text_service.SKIPPED)
    [created] = fake_twilio.created_messages()
    assert created.value("To") == "+16125550302"
    assert created.value("StatusCallback") == "https://outreach.test/twilio/sms/status"
    db.session.expire_all()
    stored = db.session.get(Message, message.id)
    assert stored.twilio_sid in fake_twilio.messages and stored.status == "queued"


def test_a_permanent_error_fails_the_text_without_retrying(twilio_app, fake_twilio):
    fake_twilio.reject_number("+16125550302", 21211)
    message = queued_text()

    assert text_service.send_text(message.id) == text_service.FAILED
    assert text_service.flush_texts(TUE_10AM + timedelta(minutes=5)) == 0

    db.session.expire_all()
    stored = db.session.get(Message, message.id)
    assert (stored.status, stored.error_code) == ("failed", 21211)
    assert len(fake_twilio.recorded("Messages", "create")) == 1


def test_a_transient_error_puts_the_text_back_for_the_sweep(twilio_app, fake_twilio):
    fake_twilio.fail_next(1, status=429, code=20429, message="Too Many Requests")
    message = queued_text()
    redis = get_redis()
    redis.flushdb()

    assert text_service.send_text(message.id, TUE_10AM) == text_service.RETRYING
    assert text_service.flush_texts(TUE_10AM + timedelta(seconds=5)) == 0
    assert text_service.flush_texts(TUE_10AM + timedelta(minutes=1)) == 1

    [job] = Queue(text_service.TEXT_QUEUE, connection=redis).jobs
    assert job.args == ([message.id],)
    assert text_service.send_text(message.id) == text_service.SENT
    assert len(fake_twilio.created_messages()) == 1


def test_a_text_whose_outcome_is_unknown_is_reconciled_against_twilio(make_app, fake_twilio):
    app = make_app(env=fake_twilio.env(OUTREACH_TWILIO_TIMEOUT="1"))
    with app.app_context():
        # a loaded machine must not time out the reconciling look-up too: 1 s, and a 2.5 s hang
        fake_twilio.hang_next(1, seconds=2.5, then_process=True)
        message = queued_text()

        assert text_service.send_text(message.id) == text_service.UNKNOWN
        db.session.expire_all()
        assert db.session.get(Message, message.id).status == "sending"
        fake_twilio.wait_for(lambda: len(fake_twilio.messages) == 1)

        later = db.session.get(Message, message.id).attempt_started_at + timedelta(minutes=2)
        handled = text_service.flush_texts(later)

        assert handled == 1
        db.session.expire_all()
        stored = db.session.get(Message, message.id)
        assert stored.twilio_sid in fake_twilio.messages
        assert len(fake_twilio.created_messages()) == 1


def test_texts_nobody_could_send_for_hours_are_given_up(app):
    message = queued_text()

    text_service.flush_texts(TUE_10AM + timedelta(hours=3))

    db.session.expire_all()
    stored = db.session.get(Message, message.id)
    assert (stored.status, stored.error_message) == ("failed", "not sent in time")
