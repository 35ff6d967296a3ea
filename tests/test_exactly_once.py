"""Regressions of the exactly-once engine, one per defect found against Twilio as documented
(issue 8): Messaging Services, queued messages, leases, known SIDs, re-checks at each send,
the customer's zone and phone at send time, the cap inside a chunk, early callbacks, the
reconciliation budget, dead workers and click-to-call races."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fake_twilio import SEND_AT, FakeTwilio
from rq import Queue
from rq.job import JobStatus
from test_sweeper import make_seeder
from web_helpers import make_checkin, make_user

from outreach.dispatch import sweeper
from outreach.extensions import db
from outreach.messaging import (
    callbacks,
    engine,
    reconcile_stale,
    send_checkin,
    send_checkins,
    sending,
)
from outreach.messaging.transport import get_transport
from outreach.messaging.voice import start_click_to_call
from outreach.models import Call, CheckIn, Customer, Message, utcnow
from outreach.runtime.queues import get_redis

LATER = SEND_AT + timedelta(minutes=2)  #: past any lease taken at SEND_AT


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


@pytest.fixture
def queued_service():
    """A fake Twilio with a Messaging Service whose senders hold each message 30 s."""
    fake = FakeTwilio(queue_delay=30.0).start()
    fake.messaging_service()
    yield fake
    fake.stop()


class SteppingClock(engine.Clock):
    """A clock that moves `step` on every reading (a batch that takes its time)."""

    def __init__(self, base: datetime, step: timedelta) -> None:
        super().__init__(base, moving=False)
        self.step = step
        self.readings = 0

    def now(self) -> datetime:
        """The base plus one step per earlier reading."""
        self.readings += 1
        return self.base + self.step * (self.readings - 1)


# -- 1. a Messaging Service's message, still in its sender's queue ---------------------------


def test_a_lost_answer_through_a_messaging_service_is_found_in_the_queue_not_sent_again(
    make_app, queued_service, make_sms_checkin
):
    fake = queued_service
    # the timeout leaves the reconciling look-up room on a loaded machine (at 0.3 s it timed out
    # too: "cannot reconcile yet"); the hang outlasts it
    with make_app(
        env=fake.env(messaging_service=True, OUTREACH_TWILIO_TIMEOUT="1.0")
    ).app_context():
        checkin = make_sms_checkin()
        fake.hang_next(seconds=2.5, then_process=True, resource="Messages")
        assert send_checkin(checkin.id, now=SEND_AT).result == "unknown"
        fake.wait_for(lambda: fake.messages)
        (sid,) = fake.messages
        waiting = fake.messages[sid]
        # Twilio holds it: accepted, no sender picked yet or not sent, no date_sent
        assert waiting["date_sent"] is None and waiting["from"] != fake.from_number

        (outcome,) = reconcile_stale(LATER)

        assert (outcome.result, outcome.sid) == ("sent", sid)
        assert len(fake.recorded("Messages", "create")) == 1
        assert [m.twilio_sid for m in _messages(checkin.id)] == [sid]


def test_a_plain_from_number_never_adopts_a_messaging_service_message(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin()
    message = sending._start_attempt(checkin, get_transport(), SEND_AT)
    # someone else's message to the same number, same text, through a service
    fake_twilio.add_message(
        message.to_number, message.body, from_="+15005550006", messaging_service_sid="MG" + "c" * 32
    )
    (outcome,) = reconcile_stale(LATER)
    assert outcome.result == "retrying" and _reload(checkin.id).status == "queued"


# -- 2. leases and the SID in hand -----------------------------------------------------------


def test_each_sid_is_recorded_before_the_next_call_of_the_batch(
    twilio_app, fake_twilio, make_sms_checkin
):
    first, second = make_sms_checkin(), make_sms_checkin(phone="+16125550101")
    transport = get_transport()
    seen_before_second = []
    real_send = transport.send_sms

    def observe(to, body, **options):
        if to == "+16125550101":  # the second call: is the first SID stored already?
            with twilio_app.app_context():
                seen_before_second.extend(
                    db.session.scalars(
                        sa.select(Message.twilio_sid).where(Message.checkin_id == first.id)
                    )
                )
        return real_send(to, body, **options)

    transport.send_sms = observe
    try:
        outcomes = send_checkins([first.id, second.id], now=SEND_AT)
    finally:
        del transport.send_sms
    assert [o.result for o in outcomes] == ["sent", "sent"]
    assert seen_before_second == [outcomes[0].sid]


def test_an_unknown_outcome_is_leased_from_the_failure_not_the_batch_start(
    make_app, fake_twilio, make_sms_checkin
):
    with make_app(env=fake_twilio.env(OUTREACH_TWILIO_TIMEOUT="0.5")).app_context():
        checkin = make_sms_checkin()
        fake_twilio.hang_next(seconds=1.0, resource="Messages")
        clock = engine.Clock(SEND_AT)  # moving: the hang takes half a second of it
        (outcome,) = send_checkins([checkin.id], clock=clock)
        assert outcome.result == "unknown"
        lease = _reload(checkin.id).lease_until
        assert lease >= SEND_AT + timedelta(seconds=0.5) + engine.backoff(1)


def test_the_in_flight_margin_follows_the_twilio_timeout(app):
    assert engine.in_flight(60) >= timedelta(seconds=120)
    assert engine.lease_for(60) > engine.in_flight(60) - timedelta(seconds=1)
    assert engine.lease_for(1) == engine.MIN_LEASE


def test_a_sid_recorded_after_reconciliation_put_the_row_back_wins_and_nothing_is_resent(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin()
    attempt = sending._start_attempt(checkin, get_transport(), SEND_AT)
    # the live worker is slow: the lease runs out and Twilio has nothing yet
    (outcome,) = reconcile_stale(LATER)
    assert outcome.result == "retrying" and _reload(checkin.id).status == "queued"
    # ... then its create comes back with a SID: recorded at once, it wins
    late = engine.Created(sid="SM" + "d" * 32)
    assert engine.record_created(sending.SMS, checkin.id, attempt.id, late, None, "accepted")
    assert _reload(checkin.id).status == "sent"

    assert send_checkin(checkin.id, now=LATER).result == "skipped"
    assert fake_twilio.created_messages() == []


def test_a_retry_already_claimed_is_not_sent_when_an_earlier_attempt_has_its_sid(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin()
    first = sending._start_attempt(checkin, get_transport(), SEND_AT)
    reconcile_stale(LATER)  # put back for a retry
    second = sending._start_attempt(_reload(checkin.id), get_transport(), LATER)
    # the first attempt's worker was alive after all: its SID lands while the retry is claimed
    late = engine.Created(sid="SM" + "e" * 32)
    engine.record_created(sending.SMS, checkin.id, first.id, late, None, "accepted")
    attempts = [
        engine.Attempt(
            checkin.id, second.id, checkin.customer_id, second.to_number, "x", None, None, None
        )
    ]
    lease = _reload(checkin.id).lease_until
    outcomes = engine._deliver(
        sending.SMS,
        attempts,
        lease,
        get_transport(),
        engine.get_company_settings(),
        engine.Clock(LATER, moving=False),
        lambda: None,
    )
    assert outcomes[checkin.id].result == "skipped"
    assert fake_twilio.created_messages() == []
    assert _reload(checkin.id).status == "sent"


# -- 3. SIDs we already hold are never adopted -----------------------------------------------


def test_reconciliation_skips_a_sibling_attempts_sid_instead_of_sticking(
    twilio_app, fake_twilio, make_sms_checkin
):
    sent = make_sms_checkin()
    assert send_checkin(sent.id, now=SEND_AT).result == "sent"
    # a second check-in to the same customer with the same text, whose worker died
    stale = make_sms_checkin(customer=sent.customer)
    sending._start_attempt(stale, get_transport(), SEND_AT)

    (outcome,) = reconcile_stale(LATER)

    assert outcome.result == "retrying"  # the sibling's message is not this attempt's
    assert _reload(stale.id).status == "queued"
    assert reconcile_stale(LATER + timedelta(minutes=1)) == []  # nothing left stuck


# -- 4. the floor and window with the clock at each send --------------------------------------


def test_a_batch_crossing_21_00_local_holds_the_sends_after_it(
    twilio_app, fake_twilio, make_sms_checkin
):
    # 20:59:59 in Chicago; each reading of the clock is 0.3 s later (about three a send)
    start = datetime.fromisoformat("2026-03-10T20:59:59-05:00")
    first = make_sms_checkin(now=start)
    second = make_sms_checkin(phone="+16125550101", now=start)
    clock = SteppingClock(start, timedelta(seconds=0.3))

    outcomes = send_checkins([first.id, second.id], clock=clock)

    assert [o.result for o in outcomes] == ["sent", "rescheduled"]
    held = _reload(second.id)
    assert held.status == "scheduled" and held.due_at > start + timedelta(hours=10)
    assert [r.value("To") for r in fake_twilio.created_messages()] == ["+16125550100"]
    (unsent,) = _messages(second.id)
    assert (unsent.status, unsent.twilio_sid) == ("failed", None)


# -- 5. the customer's zone and phone as they are at send time -------------------------------


def test_quiet_hours_use_the_customers_corrected_zone(twilio_app, fake_twilio, make_sms_checkin):
    checkin = make_sms_checkin(timezone="America/Chicago")  # 15:00 there at SEND_AT
    customer = db.session.get(Customer, checkin.customer_id)
    customer.timezone = "Asia/Tokyo"  # corrected: 05:00 there
    db.session.commit()
    outcome = send_checkin(checkin.id, now=SEND_AT)
    assert outcome.result == "rescheduled"
    assert fake_twilio.created_messages() == []


def test_a_corrected_phone_number_is_the_one_texted(twilio_app, fake_twilio, make_sms_checkin):
    checkin = make_sms_checkin(phone="+16125550100")
    attempts, lease = engine.claim(
        sending.SMS,
        [_reload(checkin.id)],
        get_transport(),
        engine.get_company_settings(),
        SEND_AT,
        {},
    )
    customer = db.session.get(Customer, checkin.customer_id)
    customer.phone = "+16125550199"  # corrected between the claim and the call
    db.session.commit()
    engine._deliver(
        sending.SMS,
        attempts,
        lease,
        get_transport(),
        engine.get_company_settings(),
        engine.Clock(SEND_AT, moving=False),
        lambda: None,
    )
    assert [r.value("To") for r in fake_twilio.created_messages()] == ["+16125550199"]
    assert _messages(checkin.id)[0].to_number == "+16125550199"


# -- 6. the frequency cap inside one chunk ---------------------------------------------------


def test_the_frequency_cap_holds_between_check_ins_of_one_batch(
    twilio_app, fake_twilio, make_sms_checkin
):
    first = make_sms_checkin(frequency_cap="P1D")
    second = make_sms_checkin(customer=first.customer, frequency_cap="P1D")
    outcomes = send_checkins([first.id, second.id], now=SEND_AT)
    assert [o.result for o in outcomes] == ["sent", "suppressed"]
    assert "frequency cap" in _reload(second.id).status_reason
    assert len(fake_twilio.created_messages()) == 1


# -- 7. callbacks that came before a reconciled SID ------------------------------------------


def test_an_early_failure_callback_of_a_reconciled_send_is_applied(
    make_app, fake_twilio, make_sms_checkin
):
    app = make_app(env=fake_twilio.env(OUTREACH_TWILIO_TIMEOUT="1.0"))  # room to reconcile
    with app.app_context():
        checkin = make_sms_checkin(expires_in=None)
        fake_twilio.early_callbacks(app.test_client(), ("sent", "undelivered"), error_code=30003)
        fake_twilio.hang_next(seconds=2.5, then_process=True, resource="Messages")
        assert send_checkin(checkin.id, now=SEND_AT).result == "unknown"
        fake_twilio.wait_for(lambda: len(fake_twilio.callbacks_posted) >= 2)

        (outcome,) = reconcile_stale(LATER)

        assert outcome.result == "sent"
        (message,) = _messages(checkin.id)
        assert (message.status, message.error_code) == ("undelivered", 30003)
        retried = _reload(checkin.id)
        assert retried.status == "queued" and "30003" in retried.status_reason


def test_early_callbacks_left_behind_by_a_sender_that_died_are_applied_by_the_sweeper(
    twilio_app, fake_twilio, make_sms_checkin
):
    checkin = make_sms_checkin(expires_in=None)
    message = sending._start_attempt(checkin, get_transport(), SEND_AT)
    sid = "SM" + "f" * 32
    # Twilio's callback came before the SID was stored ...
    callbacks.record_message_status({"MessageSid": sid, "MessageStatus": "delivered"})
    # ... the SID was recorded, and the sender died before replaying its chunk's callbacks
    created = engine.Created(sid=sid)
    engine.record_created(sending.SMS, checkin.id, message.id, created, None, "accepted", False)
    assert (_messages(checkin.id)[0].status, _reload(checkin.id).status) == ("queued", "sent")

    assert sweeper.reconcile_unknown_sends(LATER) == 1

    assert (_messages(checkin.id)[0].status, _reload(checkin.id).status) == (
        "delivered",
        "delivered",
    )


# -- 8. reconciliation has a time budget -----------------------------------------------------


def test_reconciliation_stops_at_its_time_budget_when_twilio_is_slow(
    make_app, fake_twilio, make_sms_checkin
):
    with make_app(env=fake_twilio.env(OUTREACH_TWILIO_TIMEOUT="0.3")).app_context():
        for n in range(6):
            checkin = make_sms_checkin(phone=f"+161255501{n:02d}")
            sending._start_attempt(checkin, get_transport(), SEND_AT)
        fake_twilio.hang_next(6, seconds=2.0, method="GET", resource="Messages")
        started = time.monotonic()

        outcomes = engine.reconcile_stale([sending.SMS], LATER, budget=0.5)

        assert time.monotonic() - started < 0.5 + 2 * 0.3 + 1.0
        assert 1 <= len(outcomes) < 6
        assert {o.result for o in outcomes} == {"unknown"}


# -- 9. a dead worker's rows are handed on within its job's lease ----------------------------


def test_rows_of_a_started_job_whose_heartbeat_stopped_are_enqueued_again(app, db, redis_url):
    ids = make_seeder(db)(3)
    assert sweeper.run_pass().jobs == 1
    (job,) = Queue(sweeper.DELIVERY_QUEUE, connection=get_redis()).get_jobs()
    job.set_status(JobStatus.STARTED)  # RQ still thinks it runs: its worker was SIGKILLed
    beat = sweeper.JobHeartbeat(job.id)
    beat()
    now = engine.db_now()
    assert sweeper.requeue_lost(now + timedelta(seconds=15), 100) == (0, 0)  # alive

    after = now + sweeper.job_lease() + timedelta(seconds=1)
    assert sweeper.requeue_lost(after, 100) == (3, 0)  # dead: handed to a new job
    db.session.expire_all()
    rows = db.session.scalars(sa.select(CheckIn).where(CheckIn.id.in_(ids))).all()
    assert {r.job_id for r in rows} != {job.id} and {r.lease_until for r in rows} == {None}


def test_a_job_taken_off_its_queue_by_a_worker_killed_before_starting_it_is_replaced(
    app, db, redis_url
):
    ids = make_seeder(db)(2)
    assert sweeper.run_pass().jobs == 1
    queue = Queue(sweeper.DELIVERY_QUEUE, connection=get_redis())
    (job,) = queue.get_jobs()
    # what a worker does when it takes a job, before it marks it started: then SIGKILL
    get_redis().lmove(queue.key, queue.intermediate_queue_key, "RIGHT", "LEFT")
    assert job.get_status(refresh=True) == JobStatus.QUEUED and queue.get_jobs() == []

    later = engine.db_now() + sweeper.REQUEUE_GRACE + timedelta(seconds=1)
    assert sweeper.requeue_lost(later, 100) == (2, 0)
    assert len(queue.get_jobs()) == 1 and queue.get_jobs()[0].id != job.id
    db.session.expire_all()
    assert {
        c.job_id for c in db.session.scalars(sa.select(CheckIn).where(CheckIn.id.in_(ids)))
    } == {queue.get_jobs()[0].id}


# -- 10. click-to-call is taken by compare-and-set -------------------------------------------


def test_two_clicks_at_the_same_moment_place_one_call(twilio_app, fake_twilio):
    rep = make_user("rep", phone="+16125550142", name="Sam Rep")
    checkin = make_checkin(rep, utcnow() - timedelta(minutes=5), status="queued")
    db.session.commit()
    rep_id, checkin_id = rep.id, checkin.id
    barrier = threading.Barrier(4)
    results = []

    def click():
        with twilio_app.app_context():
            from outreach.models import User

            user = db.session.get(User, rep_id)
            barrier.wait()
            try:
                start_click_to_call(checkin_id, user)
                results.append("placed")
            except Exception as exc:  # Conflict for the losers
                results.append(type(exc).__name__)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["Conflict"] * 3 + ["placed"]
    assert len(fake_twilio.recorded("Calls", "create")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == 1
