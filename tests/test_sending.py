"""Sending SMS check-ins: rule 3 re-checks, exactly once, retries, permanent errors, reconcile."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fake_twilio import SEND_AT
from testenv import PUBLIC_BASE_URL

from outreach.company.settings import get_company_settings
from outreach.customers.consent import opt_out
from outreach.extensions import db
from outreach.messaging import engine, reconcile_stale, send_checkin, send_checkins, sending
from outreach.messaging.errors import TransportError, describe_twilio_error, is_transient
from outreach.messaging.segments import GSM7, UCS2, count_segments
from outreach.messaging.sending import (
    MAX_ATTEMPTS,
    _start_attempt,
    backoff,
    validity_period,
)
from outreach.messaging.transport import get_transport
from outreach.models import CheckIn, Consent, Customer, Message

LATER = SEND_AT + timedelta(minutes=2)  #: past any lease taken at SEND_AT


@pytest.fixture
def push(make_app):
    """Build an app with extra environment and push its context for the test."""
    contexts = []

    def _push(env):
        app = make_app(env=env)
        ctx = app.app_context()
        ctx.push()
        contexts.append(ctx)
        return app

    yield _push
    for ctx in reversed(contexts):
        ctx.pop()


def _reload(checkin_id: int) -> CheckIn:
    db.session.expire_all()
    return db.session.get(CheckIn, checkin_id)


def _messages(checkin_id: int) -> list[Message]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Message).where(Message.checkin_id == checkin_id).order_by(Message.id)
        )
    )


def _path(checkin: CheckIn) -> list[tuple[str | None, str]]:
    return [(t.from_status, t.to_status) for t in _reload(checkin.id).transitions]


# -- the happy path ------------------------------------------------------------------------


def test_send_posts_the_check_in_and_records_sid_segments_and_each_transition(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin(expires_in=timedelta(minutes=30))
    outcome = send_checkin(checkin.id, now=SEND_AT)

    (request,) = fake_twilio.created_messages()
    assert request.form == {
        "To": ["+16125550100"],
        "From": [fake_twilio.from_number],
        "Body": ["Hi Pat, how did the install go? Reply 1-5."],
        "StatusCallback": [PUBLIC_BASE_URL + "/twilio/sms/status"],
        "ValidityPeriod": ["1800"],
    }
    (message,) = _messages(checkin.id)
    assert outcome.result == "sent" and outcome.sid == message.twilio_sid
    assert message.twilio_sid in fake_twilio.messages
    assert (message.status, message.num_segments, message.encoding) == ("queued", 1, GSM7)
    assert message.attempt_started_at is not None and message.kind == "checkin"
    checkin = _reload(checkin.id)
    assert (checkin.status, checkin.attempts, checkin.lease_until) == ("sent", 1, None)
    assert _path(checkin) == [("queued", "sending"), ("sending", "sent")]
    assert message.twilio_sid in checkin.status_reason


def test_validity_period_is_the_time_left_to_expiry_between_60_and_36000_seconds():
    assert validity_period(None, SEND_AT) == 36000
    assert validity_period(SEND_AT + timedelta(hours=20), SEND_AT) == 36000
    assert validity_period(SEND_AT + timedelta(minutes=90), SEND_AT) == 5400
    assert validity_period(SEND_AT + timedelta(seconds=10), SEND_AT) == 60


def test_the_attempt_is_committed_before_twilio_is_called(push, fake_twilio, make_sms_checkin):
    app = push(fake_twilio.env(OUTREACH_TWILIO_TIMEOUT="1"))
    checkin = make_sms_checkin()
    checkin_id = checkin.id
    fake_twilio.hang_next(seconds=3.0, resource="Messages")
    outcomes = []

    def worker():
        with app.app_context():
            outcomes.append(send_checkin(checkin_id, now=SEND_AT))

    thread = threading.Thread(target=worker)
    thread.start()
    fake_twilio.wait_for(lambda: fake_twilio.recorded("Messages", "create"))
    (message,) = _messages(checkin.id)  # read while Twilio has not answered yet
    assert (message.status, message.twilio_sid) == ("sending", None)
    assert message.attempt_started_at is not None
    seen = _reload(checkin.id)
    # the lease covers the call in flight: its timeout twice over, plus slack
    assert seen.status == "sending" and seen.lease_until >= SEND_AT + engine.in_flight(1.0)
    thread.join(timeout=10)
    assert outcomes[0].result == "unknown"  # the client timed out: Twilio's record will decide


# -- rule 3 at send time -------------------------------------------------------------------


def _opt_out(checkin):
    checkin.customer.is_opted_out = True


def _expire(checkin):
    checkin.expires_at = SEND_AT - timedelta(minutes=1)


@pytest.mark.parametrize(
    ("change", "words"),
    [(_opt_out, "opted out"), (_expire, "expired")],
    ids=["opted-out", "expired"],
)
def test_what_fails_the_send_time_recheck_is_suppressed_with_why(
    twilio_app, fake_twilio, make_sms_checkin, change, words
):
    checkin = make_sms_checkin()
    change(checkin)
    db.session.commit()
    outcome = send_checkin(checkin.id, now=SEND_AT)
    checkin = _reload(checkin.id)
    assert (outcome.result, checkin.status) == ("suppressed", "suppressed")
    assert words in checkin.status_reason and checkin.status_reason.startswith("not sent")
    assert fake_twilio.requests == [] and _messages(checkin.id) == []


def test_a_canceled_check_in_is_skipped_and_not_sent(twilio_app, fake_twilio, make_sms_checkin):
    checkin = make_sms_checkin(status="canceled")
    assert send_checkin(checkin.id, now=SEND_AT).result == "skipped"
    assert _reload(checkin.id).status == "canceled" and fake_twilio.requests == []


def test_outside_the_send_window_it_is_rescheduled_to_the_next_allowed_time(
    twilio_app, fake_twilio, make_sms_checkin
):
    night = SEND_AT.replace(hour=8)  # 03:00 in Chicago: quiet hours
    checkin = make_sms_checkin(now=night)
    outcome = send_checkin(checkin.id, now=night)
    checkin = _reload(checkin.id)
    assert (outcome.result, checkin.status) == ("rescheduled", "scheduled")
    assert checkin.due_at == SEND_AT.replace(hour=13)  # 08:00 in Chicago
    assert "quiet hours" in checkin.status_reason and fake_twilio.requests == []


def test_a_template_error_fails_that_check_in_and_the_batch_goes_on(
    twilio_app, fake_twilio, make_sms_checkin
):
    bad = make_sms_checkin(template="Hi {{ customer.name | nosuchfilter }}")
    good = make_sms_checkin(phone="+16125550101")
    outcomes = send_checkins([good.id, bad.id], now=SEND_AT)
    assert {o.checkin_id: o.result for o in outcomes} == {bad.id: "failed", good.id: "sent"}
    bad = _reload(bad.id)
    assert bad.status == "failed" and "template" in bad.status_reason
    assert [r.value("To") for r in fake_twilio.created_messages()] == ["+16125550101"]


def test_send_checkins_skips_gone_and_non_sms_ids(twilio_app, fake_twilio, make_sms_checkin):
    checkin = make_sms_checkin()
    outcomes = send_checkins([checkin.id, 9999, checkin.id], now=SEND_AT)
    assert [(o.checkin_id, o.result) for o in outcomes] == [(checkin.id, "sent"), (9999, "skipped")]


# -- exactly once --------------------------------------------------------------------------


def test_duplicate_and_concurrent_jobs_send_a_check_in_once(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin_id = make_sms_checkin().id
    results = []

    def worker():
        with twilio_app.app_context():
            results.append(send_checkin(checkin_id, now=SEND_AT).result)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    results.append(send_checkin(checkin_id, now=SEND_AT).result)
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped", "skipped"]
    assert len(fake_twilio.created_messages()) == 1 and len(_messages(checkin_id)) == 1


def test_a_send_twilio_accepted_but_whose_answer_was_lost_is_adopted_not_resent(
    push, fake_twilio, make_sms_checkin
):
    push(fake_twilio.env(OUTREACH_TWILIO_TIMEOUT="1"))  # the look-up must not time out too
    checkin = make_sms_checkin()
    fake_twilio.hang_next(seconds=2.5, then_process=True, resource="Messages")
    assert send_checkin(checkin.id, now=SEND_AT).result == "unknown"
    fake_twilio.wait_for(lambda: fake_twilio.messages)
    assert reconcile_stale(SEND_AT + timedelta(seconds=5)) == []  # still within its backoff

    (outcome,) = reconcile_stale(LATER)
    (sid,) = fake_twilio.messages
    assert (outcome.result, outcome.sid) == ("sent", sid)
    assert _reload(checkin.id).status == "sent"
    assert [m.twilio_sid for m in _messages(checkin.id)] == [sid]
    list_query = fake_twilio.recorded("Messages", "list")[0].query
    # looked up by number alone: a message still in Twilio's queue has no date_sent
    assert list_query["To"] == ["+16125550100"] and not {"DateSent>", "From"} & set(list_query)
    assert len(fake_twilio.recorded("Messages", "create")) == 1


def test_a_worker_that_died_after_twilio_accepted_is_reconciled_by_body(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin()
    message = _start_attempt(checkin, get_transport(), SEND_AT)  # the attempt, committed
    fake_twilio.add_message(message.to_number, "an older, different message")
    sid = fake_twilio.add_message(message.to_number, message.body)["sid"]  # then it died

    assert send_checkin(checkin.id, now=SEND_AT).result == "skipped"  # lease still held
    (outcome,) = reconcile_stale(LATER)
    assert (outcome.result, outcome.sid) == ("sent", sid)
    assert fake_twilio.recorded("Messages", "create") == []
    assert "reconciled" in _reload(checkin.id).status_reason


def test_a_worker_that_died_before_twilio_had_it_is_retried_once_after_reconciling(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin()
    _start_attempt(checkin, get_transport(), SEND_AT)
    (outcome,) = reconcile_stale(LATER)
    assert outcome.result == "retrying"
    first = _messages(checkin.id)[0]
    assert first.status == "failed" and "no record" in first.error_message
    assert send_checkin(checkin.id, now=LATER).result == "sent"
    assert len(fake_twilio.created_messages()) == 1
    assert _path(checkin) == [
        ("queued", "sending"),
        ("sending", "queued"),
        ("queued", "sending"),
        ("sending", "sent"),
    ]


def test_a_5xx_leaves_the_outcome_unknown_until_twilios_record_is_checked(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin()
    fake_twilio.fail_next(status=500, resource="Messages")
    assert send_checkin(checkin.id, now=SEND_AT).result == "unknown"
    assert _reload(checkin.id).status == "sending"
    assert reconcile_stale(LATER)[0].result == "retrying"
    assert send_checkin(checkin.id, now=LATER).result == "sent"
    assert len(fake_twilio.created_messages()) == 1


def test_an_unreachable_twilio_is_an_unknown_outcome_not_a_crash(
    push, fake_twilio, make_sms_checkin
):
    fake_twilio.stop()  # nothing listens on its port any more
    push(fake_twilio.env())
    checkin = make_sms_checkin()
    outcome = send_checkin(checkin.id, now=SEND_AT)
    assert outcome.result == "unknown" and "could not reach Twilio" in outcome.reason
    (outcome,) = reconcile_stale(LATER)  # the look-up fails too: try again later
    assert outcome.result == "unknown" and _reload(checkin.id).status == "sending"


# -- transient and permanent errors --------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (429, None)])
def test_transient_errors_are_retried_after_a_backoff(
    twilio_app, fake_twilio, make_sms_checkin, status, code
):
    checkin = make_sms_checkin()
    fake_twilio.fail_next(status=status, code=code, message="Too Many Requests")
    outcome = send_checkin(checkin.id, now=SEND_AT)
    retry_at = SEND_AT + timedelta(seconds=10)
    checkin = _reload(checkin.id)
    assert (outcome.result, checkin.status, checkin.next_attempt_at) == (
        "retrying",
        "queued",
        retry_at,
    )
    assert _messages(checkin.id)[0].status == "failed"
    assert send_checkin(checkin.id, now=retry_at - timedelta(seconds=1)).result == "skipped"
    assert send_checkin(checkin.id, now=retry_at).result == "sent"
    assert [r.status for r in fake_twilio.recorded("Messages", "create")] == [status, 201]


def test_it_gives_up_after_the_attempt_cap_with_the_last_reason(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin(expires_in=None)
    fake_twilio.fail_next(MAX_ATTEMPTS, status=429, code=20429, message="Too Many Requests")
    now, results = SEND_AT, []
    for _ in range(MAX_ATTEMPTS):
        results.append(send_checkin(checkin.id, now=now).result)
        now = _reload(checkin.id).next_attempt_at or now
    assert results == ["retrying"] * (MAX_ATTEMPTS - 1) + ["failed"]
    checkin = _reload(checkin.id)
    assert checkin.status == "failed" and checkin.attempts == MAX_ATTEMPTS
    assert f"gave up after {MAX_ATTEMPTS} attempts" in checkin.status_reason
    assert "20429" in checkin.status_reason
    assert [backoff(n).total_seconds() for n in range(1, 8)] == [10, 20, 40, 80, 160, 320, 600]


def test_a_retry_that_would_come_after_expiry_is_suppressed(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin(expires_in=timedelta(seconds=5))
    fake_twilio.fail_next(status=429, code=20429, message="Too Many Requests")
    assert send_checkin(checkin.id, now=SEND_AT).result == "suppressed"
    checkin = _reload(checkin.id)
    assert checkin.status == "suppressed" and "expired before a retry" in checkin.status_reason


@pytest.mark.parametrize("code", [21211, 21614])
def test_permanent_errors_fail_at_once_with_words_and_are_never_retried(
    twilio_app, fake_twilio, make_sms_checkin, code
):
    checkin = make_sms_checkin()
    fake_twilio.reject_number("+16125550100", code)
    assert send_checkin(checkin.id, now=SEND_AT).result == "failed"
    checkin = _reload(checkin.id)
    assert checkin.status == "failed" and describe_twilio_error(code) in checkin.status_reason
    (message,) = _messages(checkin.id)
    assert (message.status, message.error_code) == ("failed", code)
    assert send_checkin(checkin.id, now=LATER).result == "skipped"
    assert reconcile_stale(LATER) == []
    assert len(fake_twilio.recorded("Messages", "create")) == 1


def test_error_21610_opts_the_customer_out_and_cancels_their_pending_check_ins(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin()
    pending = make_sms_checkin(customer=checkin.customer, status="scheduled")
    fake_twilio.reject_number("+16125550100", 21610)
    assert send_checkin(checkin.id, now=SEND_AT).result == "failed"
    customer = db.session.get(Customer, checkin.customer_id)
    consent = db.session.scalar(sa.select(Consent))
    assert customer.is_opted_out
    assert (consent.state, consent.source) == ("opted_out", "error_21610")
    assert _reload(pending.id).status == "canceled"
    assert "opted out" in _reload(checkin.id).status_reason


# -- senders, segments, logs ---------------------------------------------------------------


def test_a_messaging_service_sends_without_from_and_keeps_the_local_segment_count(
    push, fake_twilio, make_sms_checkin
):
    service = "MG" + "b" * 32
    env = fake_twilio.env(TWILIO_MESSAGING_SERVICE_SID=service)
    env.pop("TWILIO_FROM_NUMBER")
    push(env)
    checkin = make_sms_checkin(template="Cześć! " + "x" * 70)
    assert send_checkin(checkin.id, now=SEND_AT).result == "sent"
    (request,) = fake_twilio.created_messages()
    assert request.value("MessagingServiceSid") == service and request.value("From") is None
    (message,) = _messages(checkin.id)
    assert (message.num_segments, message.encoding, message.status) == (2, UCS2, "accepted")


def test_twilios_segment_count_is_compared_and_wins_when_it_differs(
    twilio_app, fake_twilio, make_sms_checkin, caplog
):
    body = "a" * 152 + "€" + "a" * 152  # the escape pair may not straddle two parts
    assert count_segments(body).count == 3
    checkin = make_sms_checkin(template=body)
    with caplog.at_level(logging.WARNING, logger="outreach.messaging"):
        send_checkin(checkin.id, now=SEND_AT)
    (message,) = _messages(checkin.id)
    assert message.num_segments == 2  # what the fake (and billing) says
    assert "Twilio counts 2 segments, we counted 3" in caplog.text


@pytest.mark.parametrize(
    ("body", "encoding", "units", "count"),
    [
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("{}" * 40, GSM7, 160, 1),
        ("é" * 10 + "ñ", GSM7, 11, 1),
        ("ą" * 70, UCS2, 70, 1),
        ("ą" * 71, UCS2, 71, 2),
        ("👍" * 35, UCS2, 70, 1),
        ("a" * 66 + "👍" + "a" * 67, UCS2, 135, 3),
    ],
)
def test_segments_are_counted_by_encoding_without_splitting_pairs(body, encoding, units, count):
    segments = count_segments(body)
    assert (segments.encoding, segments.units, segments.count) == (encoding, units, count)


def test_logs_carry_ids_never_phone_numbers_or_message_text(
    twilio_app, fake_twilio, make_sms_checkin, caplog
):
    ok = make_sms_checkin()
    blocked = make_sms_checkin(phone="+16125550177")
    fake_twilio.reject_number("+16125550177", 21610)
    fake_twilio.fail_next(status=500, resource="Messages")
    with caplog.at_level(logging.INFO):  # the level production logs at
        send_checkins([ok.id, blocked.id], now=SEND_AT)
        reconcile_stale(LATER)
        send_checkin(ok.id, now=LATER)
    assert caplog.records  # something was logged
    for secret in ("6125550100", "6125550177", "how did the install go"):
        assert secret not in caplog.text


def test_error_codes_are_classified_and_described_in_one_place():
    assert all(is_transient(c) for c in (20429, 30001, 30003, 30008))
    assert not any(is_transient(c) for c in (21211, 21610, 21614, 30004, 30005, 30006, 30007))
    assert is_transient(None, 503) and is_transient(None, 429) and not is_transient(None, 400)
    assert is_transient(99999, 500) and not is_transient(99999, 404)
    assert describe_twilio_error(30003).startswith("30003: the handset is unreachable")
    assert "twilio.com/docs/errors/12345" in describe_twilio_error(12345)
    assert TransportError("x", network="timeout").is_outcome_unknown
    assert not TransportError("x", code=20429, http_status=429).is_outcome_unknown


def test_the_outbox_records_with_a_fake_sid_and_simulates_delivery(app, make_sms_checkin):
    checkin = make_sms_checkin()
    outcome = send_checkin(checkin.id, now=SEND_AT)
    (message,) = _messages(checkin.id)
    assert outcome.sid == message.twilio_sid and message.twilio_sid.startswith("SMoutbox")
    assert len(message.twilio_sid) == 34 and message.status == "delivered"
    assert [(e.status, e.is_applied) for e in message.status_events] == [
        ("sent", True),
        ("delivered", True),
    ]
    assert _reload(checkin.id).status == "delivered"


# -- batches ---------------------------------------------------------------------------------


def _statements_sending(ids) -> tuple[list, int]:
    """The outcomes of send_checkins(ids) and how many SQL statements it ran."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        outcomes = send_checkins(ids, now=SEND_AT)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return outcomes, len(seen)


def test_a_batch_runs_a_few_statements_per_send_and_records_each_sid_at_once(
    twilio_app, fake_twilio, make_sms_checkin
):
    small = [make_sms_checkin(phone=f"+1612555{n:04d}").id for n in range(2)]
    large = [make_sms_checkin(phone=f"+1612556{n:04d}").id for n in range(12)]
    get_company_settings()  # the row exists before either batch
    db.session.commit()
    small_outcomes, small_count = _statements_sending(small)
    large_outcomes, large_count = _statements_sending(large)
    assert {o.result for o in small_outcomes + large_outcomes} == {"sent"}
    per_send = (large_count - small_count) / 10
    assert per_send <= 8, f"{per_send} statements per send"
    assert len(fake_twilio.created_messages()) == 14
    assert all(m.twilio_sid for i in large for m in _messages(i))


def test_a_slow_sender_claims_fewer_sends_at_once():
    assert engine.chunk_size(0.1) == 1
    assert engine.chunk_size(10) == 10 * engine.CHUNK_SECONDS
    assert engine.chunk_size(1000) >= 100  # a whole delivery job's batch at once


def test_a_stop_received_while_a_batch_goes_out_stops_its_later_sends(
    push, fake_twilio, make_sms_checkin, monkeypatch
):
    push(fake_twilio.env(OUTREACH_SEND_RATE="100"))
    monkeypatch.setattr(engine, "FRESH", 0.0)  # consent is read again before every send
    first = make_sms_checkin()
    second = make_sms_checkin(phone="+16125550101")
    first_id, second_id, customer_id = first.id, second.id, second.customer_id
    transport = get_transport()

    send_sms = transport.send_sms

    def stop_arrives_after_the_first_send(*args, **kwargs):
        sent = send_sms(*args, **kwargs)
        opt_out(db.session.get(Customer, customer_id), "sms_stop", "STOP", SEND_AT)
        db.session.commit()
        return sent

    monkeypatch.setattr(transport, "send_sms", stop_arrives_after_the_first_send)
    outcomes = send_checkins([first_id, second_id], now=SEND_AT)
    assert [(o.checkin_id, o.result) for o in outcomes] == [
        (first_id, "sent"),
        (second_id, "suppressed"),
    ]
    second = _reload(second_id)
    assert second.status == "suppressed" and "opted out" in second.status_reason
    assert [r.value("To") for r in fake_twilio.created_messages()] == ["+16125550100"]
    (unsent,) = _messages(second_id)
    assert (unsent.status, unsent.twilio_sid) == ("failed", None)


def test_a_batch_running_past_its_lease_extends_it_only_while_it_still_holds_it(
    twilio_app, fake_twilio, make_sms_checkin
):
    ours, taken = make_sms_checkin(), make_sms_checkin(phone="+16125550101")
    attempts = []
    for checkin in (ours, taken):
        message = sending._start_attempt(checkin, get_transport(), SEND_AT)
        attempts.append(engine.Attempt(checkin.id, message.id, 0, "", "", None, None, None))
    lease = _reload(ours.id).lease_until
    reconciler_lease = SEND_AT + timedelta(minutes=5)
    db.session.execute(
        sa.update(CheckIn).where(CheckIn.id == taken.id).values(lease_until=reconciler_lease)
    )
    db.session.commit()
    # the batch has been going for 20 s of its lease: the next call could outlast it
    clock = engine.Clock(SEND_AT + timedelta(seconds=20), moving=False)

    new_lease, kept = engine._keep_lease(clock, 0.0, lease, attempts)

    assert kept == {ours.id}
    assert new_lease == SEND_AT + timedelta(seconds=20) + engine.lease_for()
    assert _reload(ours.id).lease_until == new_lease
    assert _reload(taken.id).lease_until == reconciler_lease
    # with time to spare, nothing is written
    assert engine._keep_lease(engine.Clock(SEND_AT, False), 0.0, new_lease, attempts[:1]) == (
        new_lease,
        {ours.id},
    )
