"""STOP, START and HELP by SMS: whole-message keywords, Twilio's OptOutType, every channel;
consent changes are compare-and-set in the database, so concurrent ones log each change once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from conversation_helpers import (
    TUE_10AM,
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

from outreach.company.settings import get_company_settings
from outreach.conversations import record_inbound_sms
from outreach.customers.consent import mark_wrong_number, opt_in, opt_out
from outreach.extensions import db
from outreach.models import CheckIn, Consent, Customer, Message, Reply
from outreach.scheduling.checkins import sendable_now
from outreach.scheduling.consents import opted_out_reason


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

    answer = post_inbound(
        client, inbound_params("The heater is making that rattling noise again, not happy")
    )

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


# -- compare-and-set -------------------------------------------------------------------------


def _in_threads(
    app, customer_id: int, steps: list[Callable[[Customer], object]], expire: bool = True
) -> list:
    """Run each step in its own thread, app context and database session: every thread loads
    the customer first (the read a read-check-write would act on), all wait until every one
    has read it, then each runs its step and commits. The steps' results, in order; the test's
    own session is expired afterwards unless `expire` is False."""
    barrier = threading.Barrier(len(steps))
    results: list[object] = [None] * len(steps)
    errors: list[BaseException] = []

    def run(i: int, step) -> None:
        try:
            with app.app_context():
                try:
                    customer = db.session.get(Customer, customer_id)
                    assert customer.is_opted_out is not None  # loaded before anyone writes
                    barrier.wait(timeout=30)
                    results[i] = step(customer)
                    db.session.commit()
                finally:
                    db.session.remove()
        except BaseException as exc:  # reported by the main thread
            barrier.abort()
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(steps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]
    if expire:
        db.session.expire_all()
    return results


def test_concurrent_opt_outs_log_one_opt_out_and_cancel_each_checkin_once(app):
    checkin = make_conversation()
    customer_id = checkin.customer_id
    pending = {c.id for c in pending_checkins(checkin.customer)}
    sources = ["keyword", "error_21610", "twilio_opt_out_type", "admin"]

    canceled = _in_threads(
        app,
        customer_id,
        [lambda c, s=s: opt_out(c, s, "STOP", TUE_10AM) for s in sources],
    )

    [row] = consents(customer_id)
    assert (row.state, row.channel) == ("opted_out", "all") and row.source in sources
    assert db.session.get(Customer, customer_id).is_opted_out is True
    every = [i for ids in canceled for i in ids]
    assert sorted(every) == sorted(pending)  # each pending check-in canceled by exactly one
    assert {db.session.get(CheckIn, i).status for i in pending} == {"canceled"}


def test_a_stop_webhook_and_a_twilio_21610_at_once_log_one_opt_out(app):
    checkin = make_conversation(sent_at=TUE_10AM - timedelta(hours=1))
    customer_id = checkin.customer_id
    stop = inbound_params("STOP")

    _in_threads(
        app,
        customer_id,
        [
            lambda c: record_inbound_sms(stop, now=TUE_10AM),
            lambda c: opt_out(c, "error_21610", "21610", TUE_10AM),
        ],
    )

    assert [r.state for r in consents(customer_id)] == ["opted_out"]
    assert db.session.get(Customer, customer_id).is_opted_out is True
    reply = db.session.scalar(sa.select(Reply).where(Reply.customer_id == customer_id))
    assert reply.triage_class == "opt_out"  # the STOP itself is recorded either way


def test_concurrent_opt_ins_log_one_opt_in(app):
    checkin = make_conversation()
    customer_id = checkin.customer_id
    opt_out(checkin.customer, "keyword", "STOP", TUE_10AM)
    db.session.commit()

    changed = _in_threads(
        app,
        customer_id,
        [lambda c: opt_in(c, "keyword", "START", TUE_10AM + timedelta(minutes=1))] * 3,
    )

    assert sorted(changed) == [False, False, True]
    assert [r.state for r in consents(customer_id)] == ["opted_out", "opted_in"]
    assert db.session.get(Customer, customer_id).is_opted_out is False


def test_concurrent_opt_ins_after_a_channel_opt_out_log_one_opt_in(app):
    checkin = make_conversation()
    customer_id = checkin.customer_id
    db.session.add(
        Consent(
            customer_id=customer_id,
            channel="sms",
            state="opted_out",
            source="error_21610",
            created_at=TUE_10AM - timedelta(days=1),
        )
    )
    db.session.commit()

    changed = _in_threads(
        app,
        customer_id,
        [lambda c: opt_in(c, "keyword", "START", TUE_10AM + timedelta(minutes=1))] * 3,
    )

    assert sorted(changed) == [False, False, True]
    assert [r.state for r in consents(customer_id)] == ["opted_out", "opted_in"]
    customer = db.session.get(Customer, customer_id)
    assert customer.is_opted_out is False and opted_out_reason(customer, "sms") is None


def test_opt_in_and_opt_out_alternate_in_the_log_whatever_the_interleaving(app):
    checkin = make_conversation()
    customer_id = checkin.customer_id
    rounds = 8

    def stops(customer: Customer) -> None:
        for i in range(rounds):
            opt_out(customer, "keyword", "STOP", TUE_10AM + timedelta(seconds=i))
            db.session.commit()

    def starts(customer: Customer) -> int:
        changes = 0
        for i in range(rounds):
            changes += opt_in(customer, "keyword", "START", TUE_10AM + timedelta(seconds=i))
            db.session.commit()
        return changes

    _, in_changes = _in_threads(app, customer_id, [stops, starts])

    log = sa.select(Consent.state).where(Consent.customer_id == customer_id)
    states = list(db.session.scalars(log.order_by(Consent.id)))
    # read as every reader reads the log (latest by time), it is the same sequence
    assert list(db.session.scalars(log.order_by(Consent.created_at, Consent.id))) == states
    assert states and states[0] == "opted_out"
    assert all(a != b for a, b in pairwise(states)), states
    assert in_changes == states.count("opted_in")
    final = db.session.get(Customer, customer_id).is_opted_out
    assert final is (states[-1] == "opted_out")


def test_opt_out_then_opt_in_in_turn_logs_each_change_once(app):
    customer = make_conversation().customer

    opt_out(customer, "keyword", "STOP", TUE_10AM)
    assert customer.is_opted_out is True  # the object follows the database
    opt_out(customer, "keyword", "STOP", TUE_10AM)
    assert opt_in(customer, "keyword", "START", TUE_10AM + timedelta(minutes=1)) is True
    assert customer.is_opted_out is False
    assert opt_in(customer, "keyword", "START", TUE_10AM + timedelta(minutes=2)) is False
    opt_out(customer, "admin", "user 1", TUE_10AM + timedelta(minutes=3))
    assert customer.is_opted_out is True
    db.session.commit()

    assert [(c.state, c.source) for c in consents(customer.id)] == [
        ("opted_out", "keyword"),
        ("opted_in", "keyword"),
        ("opted_out", "admin"),
    ]


def test_a_change_that_computed_its_time_earlier_is_still_logged_after_the_one_before(app):
    customer = make_conversation().customer
    opt_out(customer, "keyword", "STOP", TUE_10AM)
    db.session.commit()

    assert opt_in(customer, "keyword", "START", TUE_10AM - timedelta(seconds=5)) is True
    db.session.commit()

    rows = consents(customer.id)
    assert [r.state for r in rows] == ["opted_out", "opted_in"]
    assert rows[1].created_at == rows[0].created_at == TUE_10AM
    assert opted_out_reason(db.session.get(Customer, customer.id), "sms") is None
    assert opt_in(customer, "keyword", "START", TUE_10AM + timedelta(seconds=1)) is False


def test_a_stale_customer_object_cannot_undo_a_newer_change(app):
    customer = make_conversation().customer
    customer_id = customer.id
    assert customer.is_opted_out is False  # this session now holds a stale copy

    steps = [lambda c: opt_out(c, "error_21610", "21610", TUE_10AM)]
    _in_threads(app, customer_id, steps, expire=False)
    assert customer.is_opted_out is False  # still the stale copy

    opt_out(customer, "keyword", "STOP", TUE_10AM)
    assert customer.is_opted_out is True  # the object follows the database
    db.session.commit()
    assert [(c.state, c.source) for c in consents(customer_id)] == [("opted_out", "error_21610")]


def test_marking_a_wrong_number_twice_cancels_once_and_keeps_the_object_in_sync(app):
    checkin = make_conversation()
    customer = checkin.customer
    later = make_conversation(customer=customer, status="scheduled")

    first = mark_wrong_number(customer)
    assert customer.is_wrong_number is True
    second = mark_wrong_number(customer)
    db.session.commit()

    assert (first, second) == ([later.id], [])
    assert db.session.get(CheckIn, later.id).status_reason == "wrong number"
