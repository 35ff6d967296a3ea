"""STOP, START and HELP by SMS: whole-message keywords, Twilio's OptOutType, every channel."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from conversation_helpers import (
    answers_to,
    count,
    followups_of,
    inbound_params,
    make_conversation,
    make_staff,
    post_inbound,
    run_text_jobs,
    texts,
)

from outreach.company import get_company_settings
from outreach.extensions import db
from outreach.models import CheckIn, Consent, Customer, Message
from outreach.scheduling.checkins import opted_out_reason, sendable_now


def answers(response) -> list[str]:
    """The <Message> texts of a TwiML answer."""
    assert response.status_code == 200
    return [m.text or "" for m in ElementTree.fromstring(response.get_data()).findall("Message")]


def pending_checkins(customer, channels=("sms", "voice", "rep_call")) -> list[CheckIn]:
    """One scheduled check-in per channel for the customer (a new event each)."""
    made = []
    for channel in channels:
        made.append(make_conversation(customer=customer, status="scheduled", channel=channel))
    return made


def consents(customer_id: int) -> list[Consent]:
    """The customer's consent log, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Consent).where(Consent.customer_id == customer_id).order_by(Consent.id)
        )
    )


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop. ", "UNSUBSCRIBE", "cancel", "OptOut"])
def test_a_stop_word_as_the_whole_message_opts_out_of_every_channel(app, client, word):
    checkin = make_conversation()
    customer = checkin.customer
    pending = pending_checkins(customer)

    answer = post_inbound(client, inbound_params(word))

    assert answers(answer) == []  # Twilio answers STOP itself
    db.session.expire_all()
    customer = db.session.get(Customer, customer.id)
    assert customer.is_opted_out is True
    [row] = consents(customer.id)
    assert (row.state, row.channel, row.source) == ("opted_out", "all", "keyword")
    assert word.strip(" .").upper() in row.evidence
    for planned in pending:
        planned = db.session.get(CheckIn, planned.id)
        assert (planned.status, planned.status_reason) == ("canceled", "opted out")
        assert opted_out_reason(customer, planned.channel) == "opted out"


@pytest.mark.parametrize(
    "text", ["stop by tomorrow?", "Can you stop the noise from the unit", "don't cancel please"]
)
def test_a_stop_word_inside_a_sentence_does_not_opt_out(app, client, text):
    checkin = make_conversation()
    scheduled = make_conversation(customer=checkin.customer, status="scheduled")

    post_inbound(client, inbound_params(text))

    db.session.expire_all()
    assert db.session.get(Customer, checkin.customer_id).is_opted_out is False
    assert consents(checkin.customer_id) == []
    assert db.session.get(CheckIn, scheduled.id).status == "scheduled"


def test_twilio_opt_out_type_opts_out_whatever_the_words(app, client):
    checkin = make_conversation()

    post_inbound(client, inbound_params("ARRET", OptOutType="STOP"))

    [row] = consents(checkin.customer_id)
    assert (row.state, row.source) == ("opted_out", "twilio_opt_out_type")
    assert db.session.get(Customer, checkin.customer_id).is_opted_out is True


def test_consent_revoked_in_words_opts_out_too(app, client):
    checkin = make_conversation()

    post_inbound(client, inbound_params("Please stop texting me, thanks"))

    [row] = consents(checkin.customer_id)
    assert (row.state, row.source) == ("opted_out", "words")
    assert db.session.get(Customer, checkin.customer_id).is_opted_out is True


def test_a_second_stop_adds_no_second_consent_row(app, client):
    checkin = make_conversation()
    post_inbound(client, inbound_params("STOP"))
    post_inbound(client, inbound_params("STOP"))

    assert len(consents(checkin.customer_id)) == 1


@pytest.mark.parametrize("word", ["START", "yes", "Unstop"])
def test_start_yes_unstop_opt_back_in_after_a_stop(app, client, word):
    checkin = make_conversation()
    post_inbound(client, inbound_params("STOP"))

    answer = post_inbound(client, inbound_params(word))

    assert answers(answer) == []
    db.session.expire_all()
    customer = db.session.get(Customer, checkin.customer_id)
    assert customer.is_opted_out is False
    assert [(c.state, c.source) for c in consents(customer.id)] == [
        ("opted_out", "keyword"),
        ("opted_in", "keyword"),
    ]
    assert opted_out_reason(customer, "sms") is None


def test_start_opts_back_in_after_an_opt_out_by_twilio_error_21610(app, client):
    checkin = make_conversation()
    db.session.add(
        Consent(
            customer_id=checkin.customer_id,
            channel="sms",
            state="opted_out",
            source="error_21610",
            evidence="21610",
        )
    )
    db.session.get(Customer, checkin.customer_id).is_opted_out = True
    db.session.commit()

    post_inbound(client, inbound_params("START"))

    db.session.expire_all()
    customer = db.session.get(Customer, checkin.customer_id)
    assert customer.is_opted_out is False and opted_out_reason(customer, "sms") is None


def test_start_from_someone_never_opted_out_changes_nothing(app, client):
    checkin = make_conversation()

    post_inbound(client, inbound_params("START"))

    assert consents(checkin.customer_id) == []


def _last_inbound() -> Message:
    return db.session.scalar(
        sa.select(Message).where(Message.direction == "inbound").order_by(Message.id.desc())
    )


def test_help_answers_with_the_company_help_text(app, client):
    settings = get_company_settings()
    settings.name = "Acme Plumbing"
    settings.help_text = "{company}: check-ins after your service. Reply STOP to opt out."
    db.session.commit()
    checkin = make_conversation()

    answer = post_inbound(client, inbound_params("HELP"))

    assert answers(answer) == []  # answered by a text of its own, not in TwiML
    expected = "Acme Plumbing: check-ins after your service. Reply STOP to opt out."
    [text] = answers_to(_last_inbound().id)
    assert (text.kind, text.body, text.customer_id) == ("help", expected, checkin.customer_id)


def test_help_is_answered_even_after_an_opt_out(app, client):
    make_conversation()
    post_inbound(client, inbound_params("STOP"))
    assert texts() == []

    answer = post_inbound(client, inbound_params("info"))

    assert answers(answer) == []
    [text] = texts()
    assert text.kind == "help" and "STOP" in text.body
    assert text.in_reply_to_id == _last_inbound().id
    run_text_jobs()
    db.session.refresh(text)
    assert text.twilio_sid.startswith("SMoutbox") and text.status == "delivered"


def test_an_opted_out_customer_gets_no_acknowledgement_but_the_problem_is_kept(app, client):
    checkin = make_conversation(rep=make_staff())
    post_inbound(client, inbound_params("STOP"))

    answer = post_inbound(client, inbound_params("The heater is broken again and I am furious"))

    assert answers(answer) == []
    assert texts() == []
    [followup] = followups_of(checkin.customer_id)
    assert followup.kind == "issue" and followup.owner_id == checkin.rep_id


def test_an_opted_out_customer_is_not_sent_a_checkin(app, client):
    checkin = make_conversation()
    later = make_conversation(customer=checkin.customer, status="queued")
    post_inbound(client, inbound_params("STOP"))
    db.session.expire_all()

    later = db.session.get(CheckIn, later.id)

    assert later.status == "canceled"
    assert sendable_now(later, later.due_at) == "canceled"
    assert count(Consent) == 1
