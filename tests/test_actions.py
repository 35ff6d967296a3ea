"""What each triage class does, the promise in business hours, and the fire alarm."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from conversation_helpers import (
    CUSTOMER_PHONE,
    TUE_10AM,
    followups_of,
    inbound_params,
    make_conversation,
    make_staff,
    post_inbound,
    run_text_jobs,
    texts,
)

from outreach.company.settings import get_company_settings
from outreach.conversations import record_inbound_sms
from outreach.conversations.actions import DEFAULT_ACTIONS, actions_for, validate_actions
from outreach.conversations.promise import BusinessHours, acknowledgement, format_when
from outreach.errors import ValidationError
from outreach.extensions import db
from outreach.models import CheckIn, Customer, Message, TriagePhrase

ROOT = Path(__file__).resolve().parent.parent
CHICAGO = ZoneInfo("America/Chicago")
HOURS = BusinessHours.uniform(CHICAGO, time(9), time(17))


def chicago(*args) -> datetime:
    """A Chicago wall-clock time as an aware datetime."""
    return datetime(*args, tzinfo=CHICAGO)


def reply(text: str, now: datetime = TUE_10AM, **extra):
    """Record an inbound SMS from the test customer at `now` (service level, clock given)."""
    return record_inbound_sms(inbound_params(text, **extra), now=now)


# -- the promise: business hours, pure --------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (chicago(2026, 3, 10, 10), 2, chicago(2026, 3, 10, 12)),  # Tue 10:00 + 2 h
        (chicago(2026, 3, 10, 16), 2, chicago(2026, 3, 11, 10)),  # crosses the night
        (chicago(2026, 3, 13, 16), 2, chicago(2026, 3, 16, 10)),  # Fri -> Mon
        (chicago(2026, 3, 14, 11), 2, chicago(2026, 3, 16, 11)),  # Saturday counts from Mon
        (chicago(2026, 3, 10, 7), 2, chicago(2026, 3, 10, 11)),  # before opening
        (chicago(2026, 3, 10, 20), 10, chicago(2026, 3, 12, 11)),  # more than a day
    ],
)
def test_business_hours_are_added_inside_opening_hours_monday_to_friday(start, hours, expected):
    assert HOURS.add_hours(start, hours) == expected.astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (chicago(2026, 3, 10, 10), chicago(2026, 3, 11, 17)),  # Tue -> Wed 17:00
        (chicago(2026, 3, 13, 10), chicago(2026, 3, 16, 17)),  # Fri -> Mon
        (chicago(2026, 3, 14, 22), chicago(2026, 3, 16, 17)),  # Sat -> Mon
        (chicago(2026, 3, 6, 16), chicago(2026, 3, 9, 17)),  # Fri before DST -> Mon (CDT)
    ],
)
def test_the_next_business_day_ends_at_closing_time(now, expected):
    assert HOURS.due("next_business_day", now) == expected.astimezone(UTC)


def test_today_means_closing_time_unless_the_day_is_nearly_over():
    assert HOURS.due("today", chicago(2026, 3, 10, 10)) == chicago(2026, 3, 10, 17)
    assert HOURS.due("today", chicago(2026, 3, 10, 16, 30)) == chicago(2026, 3, 11, 10, 30)
    assert HOURS.due("today", chicago(2026, 3, 14, 10)) == chicago(2026, 3, 16, 11)
    with pytest.raises(ValueError):
        HOURS.due("soonish", chicago(2026, 3, 10, 10))


def test_the_acknowledgement_names_who_and_when_in_the_customers_zone():
    due = chicago(2026, 3, 10, 17)
    assert format_when(due, "America/Chicago") == "Tue 5 pm"
    assert format_when(due, "America/New_York") == "Tue 6 pm"
    assert format_when(chicago(2026, 3, 11, 10, 30), "America/Chicago") == "Wed 10:30 am"
    assert format_when(chicago(2026, 3, 11, 12), "America/Chicago") == "Wed 12 pm"
    assert acknowledgement("Sam", "call you", due, "America/Chicago") == (
        "Thanks — Sam will call you by Tue 5 pm."
    )
    assert acknowledgement("", "call you", due, "America/Chicago").startswith("Thanks — our team")


# -- actions per class -----------------------------------------------------------------------


def test_negative_opens_a_followup_for_the_rep_due_next_business_day(app):
    rep = make_staff(name="Sam Rivera")
    checkin = make_conversation(rep=rep, sent_at=TUE_10AM - timedelta(hours=2))

    result = reply("Really disappointed, the unit is still noisy", OptOutType=None)

    assert result.reply.triage_class == "negative"
    [followup] = followups_of(checkin.customer_id)
    assert (followup.owner_id, followup.kind, followup.state) == (rep.id, "issue", "open")
    assert followup.due_at == chicago(2026, 3, 11, 17).astimezone(UTC)
    assert followup.reply_id == result.reply.id and followup.checkin_id == checkin.id
    assert result.answer == "Thanks — Sam will call you by Wed 5 pm."
    assert followup.promise == "Sam Rivera will call the customer by Wed 5 pm CDT"
    assert followup.title == 'Unhappy: "Really disappointed, the unit is still noisy"'

    assert db.session.get(Customer, checkin.customer_id).is_happy is False


def test_the_promise_is_shown_in_the_customers_own_zone(app):
    checkin = make_conversation(
        rep=make_staff(name="Sam Rivera"), timezone="America/New_York", sent_at=TUE_10AM
    )

    result = reply("Not happy with the install at all")

    assert result.answer == "Thanks — Sam will call you by Wed 6 pm."
    assert followups_of(checkin.customer_id)[0].due_at == chicago(2026, 3, 11, 17)


def test_an_away_reps_backup_owns_the_followup_and_is_named(app):
    backup = make_staff(name="Jordan Lee")
    rep = make_staff(name="Sam Rivera", is_away=True, backup_id=backup.id)
    checkin = make_conversation(rep=rep, sent_at=TUE_10AM)

    result = reply("The technician never showed up, very annoyed")

    assert followups_of(checkin.customer_id)[0].owner_id == backup.id
    assert result.answer.startswith("Thanks — Jordan will call you by")


def test_with_no_rep_the_first_manager_owns_the_followup(app):
    manager = make_staff("manager", name="Morgan Diaz")
    checkin = make_conversation(rep=None, sent_at=TUE_10AM)

    result = reply("Terrible experience, nobody cleaned up")

    assert followups_of(checkin.customer_id)[0].owner_id == manager.id
    assert result.answer.startswith("Thanks — Morgan will call you by")


def test_urgent_pulls_the_fire_alarm_one_followup_and_a_page_to_the_rep(app, caplog):
    caplog.set_level(logging.DEBUG)
    rep = make_staff(name="Sam Rivera")
    boss = make_staff("manager", name="Morgan Diaz", phone="+16125550777")
    make_staff("manager", name="No Phone", phone="")
    checkin = make_conversation(rep=rep, sent_at=TUE_10AM - timedelta(hours=1))

    result = reply("There is a gas smell in the basement since the install")

    assert result.reply.triage_class == "urgent"
    [followup] = followups_of(checkin.customer_id)  # one per problem, not one per person
    assert (followup.owner_id, followup.kind, followup.priority) == (rep.id, "urgent", "urgent")
    assert followup.due_at == TUE_10AM + timedelta(minutes=30)
    assert followup.title == 'URGENT: "There is a gas smell in the basement since the install"'
    assert followup.promise == (
        "Sam Rivera (rep) will call the customer within 30 minutes, by Tue 10:30 am CDT"
    )
    assert result.answer == "Thanks — Sam will call you within 30 minutes."
    [page] = texts("page")
    assert (page.to_number, page.user_id, page.status) == (rep.phone, rep.id, "pending")
    assert "Pat Example" in page.body and "gas smell" in page.body
    assert "Reply 1 to take it" in page.body and "/a/" in page.body
    assert texts("manager_alert") == []  # the managers come later, if nobody takes it
    assert boss.phone not in caplog.text and rep.phone not in caplog.text
    assert "gas smell" not in caplog.text and "Pat Example" not in caplog.text
    assert f"(reply {result.reply.id}) paged user {rep.id} as owner" in caplog.text


def test_the_page_and_the_acknowledgement_go_out_through_a_real_worker(
    make_app, app_env, fake_twilio
):
    app = make_app(env=fake_twilio.env())
    with app.app_context():
        make_staff("manager", phone="+16125550777")
        rep = make_staff(name="Sam Rivera")
        settings = get_company_settings()
        settings.on_call_user_ids = [rep.id]  # Sam is paged in business hours and after
        db.session.commit()
        make_conversation(rep=rep)
        client = app.test_client()

        answer = post_inbound(client, inbound_params("I'm calling my lawyer about this"))

        assert answer.status_code == 200 and b"<Message" not in answer.data
        assert fake_twilio.created_messages() == []
        done = subprocess.run(
            [sys.executable, "-m", "outreach", "worker", "--burst"],
            env={**os.environ, **app_env, **fake_twilio.env(), "OUTREACH_SEND_RATE": "1000"},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert done.returncode == 0, done.stderr
        created = {r.value("To"): r.value("Body") for r in fake_twilio.created_messages()}
        assert set(created) == {rep.phone, CUSTOMER_PHONE}
        assert "lawyer" in created[rep.phone] and "Reply 1 to take it" in created[rep.phone]
        assert created[CUSTOMER_PHONE] in (
            "Thanks — Sam will call you within 30 minutes.",
            "Thanks — our on-call technician will call you within 30 minutes.",
        )
        db.session.expire_all()
        [page] = texts("page")
        assert page.twilio_sid in fake_twilio.messages and page.status == "queued"
        [ack] = texts("acknowledgement")
        inbound = db.session.scalar(sa.select(Message).where(Message.direction == "inbound"))
        assert ack.in_reply_to_id == inbound.id and ack.body == created[CUSTOMER_PHONE]
        log = done.stdout + done.stderr
        assert rep.phone not in log and "lawyer" not in log and CUSTOMER_PHONE not in log


def test_callback_request_puts_a_call_on_the_reps_list_today(app):
    rep = make_staff(name="Sam Rivera")
    checkin = make_conversation(rep=rep, sent_at=TUE_10AM)

    result = reply("Can you call me when you get a chance")

    [followup] = followups_of(checkin.customer_id)
    assert (followup.kind, followup.priority) == ("callback", "high")
    assert followup.due_at == chicago(2026, 3, 10, 17).astimezone(UTC)
    assert result.answer == "Thanks — Sam will call you by Tue 5 pm."


def test_question_gets_a_followup_and_a_get_back_to_you(app):
    checkin = make_conversation(rep=make_staff(name="Sam Rivera"), sent_at=TUE_10AM)

    result = reply("When will the invoice be sent?")

    assert result.reply.triage_class == "question"
    [followup] = followups_of(checkin.customer_id)
    assert followup.kind == "issue" and followup.title.startswith("Question: ")
    assert result.answer == "Thanks — Sam will get back to you by Wed 5 pm."


def test_wrong_number_flags_the_phone_and_cancels_what_is_pending(app):
    checkin = make_conversation(sent_at=TUE_10AM)
    later = make_conversation(customer=checkin.customer, status="scheduled")

    result = reply("Wrong number, I don't know any Pat")

    assert result.reply.triage_class == "wrong_number" and result.answer is None
    db.session.expire_all()
    assert db.session.get(Customer, checkin.customer_id).is_wrong_number is True
    later = db.session.get(CheckIn, later.id)
    assert (later.status, later.status_reason) == ("canceled", "wrong number")
    assert followups_of(checkin.customer_id) == []


def test_positive_marks_the_customer_happy_and_thanks_only_when_configured(app):
    checkin = make_conversation(sent_at=TUE_10AM)

    quiet = reply("Everything works perfectly, thank you!")
    settings = get_company_settings()
    settings.send_thank_you = True
    db.session.commit()
    thanked = reply("5")

    assert quiet.answer is None
    assert thanked.answer is not None and thanked.answer.startswith("Thank you!")
    assert db.session.get(Customer, checkin.customer_id).is_happy is True
    assert followups_of(checkin.customer_id) == []


def test_neutral_does_nothing_but_record(app):
    checkin = make_conversation(sent_at=TUE_10AM)

    result = reply("3")

    assert (result.reply.triage_class, result.answer) == ("neutral", None)
    assert followups_of(checkin.customer_id) == []


def test_company_overrides_change_what_a_class_does(app):
    settings = get_company_settings()
    settings.triage_actions = {"negative": {"due": "4h", "acknowledge": False, "priority": "low"}}
    db.session.commit()
    checkin = make_conversation(rep=make_staff(), sent_at=TUE_10AM)

    result = reply("Awful service, the tech was rude")

    [followup] = followups_of(checkin.customer_id)
    assert followup.due_at == chicago(2026, 3, 10, 14).astimezone(UTC)
    assert followup.priority == "low" and result.answer is None


def test_unusable_stored_overrides_fall_back_to_the_defaults(app):
    settings = get_company_settings()
    settings.triage_actions = {"negative": {"due": "whenever"}}
    assert actions_for(settings) == DEFAULT_ACTIONS


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("no", "triage_actions"),
        ({"positive": {}}, "triage_actions"),
        ({"urgent": {"alert_managers": "yes"}}, "triage_actions.urgent.alert_managers"),
        ({"negative": {"priority": "asap"}}, "triage_actions.negative.priority"),
        ({"question": {"due": "tomorrow"}}, "triage_actions.question.due"),
        ({"question": {"colour": "red"}}, "triage_actions.question.colour"),
    ],
)
def test_override_validation_names_the_bad_field(data, field):
    with pytest.raises(ValidationError) as caught:
        validate_actions(data)
    assert caught.value.field == field


def test_admin_phrases_replace_the_defaults_once_the_table_has_rows(app):
    checkin = make_conversation(sent_at=TUE_10AM)
    before = reply("The tile behind the sink is loose")
    db.session.add(TriagePhrase(triage_class="urgent", phrase="tile"))
    db.session.commit()

    after = reply("The tile behind the sink is loose")

    assert before.reply.triage_class != "urgent"
    assert after.reply.triage_class == "urgent" and "tile" in after.reply.evidence
    assert len(followups_of(checkin.customer_id)) >= 1


def test_the_acknowledgement_is_queued_as_a_text_in_reply_and_sent_by_the_worker(app, client):
    checkin = make_conversation(rep=make_staff(name="Sam Rivera"))

    post_inbound(client, inbound_params("Still not working, really frustrated"))

    [ack] = texts("acknowledgement")
    inbound = db.session.scalar(sa.select(Message).where(Message.direction == "inbound"))
    assert ack.in_reply_to_id == inbound.id and ack.customer_id == checkin.customer_id
    assert ack.to_number == checkin.customer.phone and ack.body.startswith("Thanks — Sam")
    assert (ack.status, ack.twilio_sid, ack.checkin_id) == ("pending", None, checkin.id)
    assert run_text_jobs() == [ack.id]
    db.session.refresh(ack)
    assert ack.twilio_sid.startswith("SMoutbox") and ack.status == "delivered"


def test_a_managers_alert_quotes_the_customer_and_names_the_owner(app):
    settings = get_company_settings()
    settings.triage_actions = {"negative": {"alert_managers": True}}
    db.session.commit()
    rep = make_staff()
    manager = make_staff(role="manager", name="Morgan Diaz", phone="+16125550777")
    checkin = make_conversation(rep=rep, sent_at=TUE_10AM)

    reply("Awful service, the tech was rude")

    [alert] = texts("manager_alert")
    customer = db.session.get(Customer, checkin.customer_id)
    assert alert.to_number == manager.phone
    assert alert.body.startswith(f"Alert: {customer.name} wrote “Awful service, the tech was rude”")
    assert f"{rep.display_name}'s follow-up is due" in alert.body
    assert "#" not in alert.body and "customer " not in alert.body
