"""Check-in transitions (compare-and-set, forward only) and the cancel/reschedule services."""

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from outreach.errors import Conflict, ValidationError
from outreach.models import CheckIn, CheckInTransition, Customer, Policy, ServiceEvent
from outreach.models.checkins import STATUSES
from outreach.scheduling import transitions
from outreach.scheduling.checkins import cancel_checkin, reschedule_checkin

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tue 10:00 CDT
LATER = NOW + timedelta(hours=1)

#: every transition function, called with the arguments it needs
CALLS = {
    "queued": lambda i: transitions.queue(i),
    "sending": lambda i: transitions.start_sending(i, LATER),
    "sent": lambda i: transitions.mark_sent(i),
    "delivered": lambda i: transitions.mark_delivered(i),
    "undelivered": lambda i: transitions.mark_undelivered(i, "30003 unreachable"),
    "failed": lambda i: transitions.mark_failed(i, "21211 invalid number"),
    "answered": lambda i: transitions.answer(i),
    "canceled": lambda i: transitions.cancel(i, "canceled by test"),
    "suppressed": lambda i: transitions.suppress(i, "opted out"),
    "done": lambda i: transitions.mark_done(i, "called", outcome="reached"),
    "missed": lambda i: transitions.mark_missed(i),
}
#: the statuses each target may be reached from; a literal copy of the spec's order
EXPECTED_FROM = {
    "queued": {"scheduled"},
    "sending": {"scheduled", "queued"},
    "sent": {"sending"},
    "delivered": {"sending", "sent"},
    "undelivered": {"sending", "sent"},
    "failed": {"sending", "sent"},
    "answered": {"sending", "sent", "delivered", "undelivered"},
    "canceled": {"scheduled", "queued"},
    "suppressed": {"scheduled", "queued", "sending"},
    "done": {"scheduled", "queued"},
    "missed": {"scheduled", "queued"},
}


@pytest.fixture
def checkin(db):
    """A scheduled sms check-in due at NOW (Chicago customer, weekday window)."""
    customer = Customer(
        external_id="c1", name="Pat", phone="+13125550100", timezone="America/Chicago"
    )
    event = ServiceEvent(
        external_id="e1", type="install", occurred_at=NOW - timedelta(hours=2), customer=customer
    )
    policy = Policy(
        name="text",
        event_type="install",
        channel="sms",
        delay="PT0S",
        window_start="09:00",
        window_end="17:00",
        window_days="mon,tue,wed,thu,fri",
        template="Hi",
    )
    row = CheckIn(
        event=event,
        customer=customer,
        policy=policy,
        channel="sms",
        status="scheduled",
        status_reason="due",
        due_at=NOW,
        earliest_at=NOW,
        expires_at=NOW + timedelta(days=7),
        timezone="America/Chicago",
    )
    db.session.add(row)
    db.session.commit()
    return row


def set_status(db, checkin_id, status):
    db.session.execute(sa.update(CheckIn).where(CheckIn.id == checkin_id).values(status=status))
    db.session.execute(
        sa.delete(CheckInTransition).where(CheckInTransition.checkin_id == checkin_id)
    )
    db.session.commit()


def log_of(db, checkin_id):
    return list(
        db.session.execute(
            sa.select(CheckInTransition.from_status, CheckInTransition.to_status)
            .where(CheckInTransition.checkin_id == checkin_id)
            .order_by(CheckInTransition.id)
        )
    )


def test_allowed_sets_match_the_spec():
    assert {k: set(v) for k, v in transitions.ALLOWED_FROM.items()} == EXPECTED_FROM


def test_every_transition_moves_only_from_its_allowed_statuses(app, db, checkin):
    for target, call in CALLS.items():
        for current in STATUSES:
            set_status(db, checkin.id, current)
            moved = call(checkin.id)
            db.session.commit()
            should = current in EXPECTED_FROM[target]
            assert moved is should, (current, target)
            assert db.session.get(CheckIn, checkin.id).status == (target if should else current)
            assert log_of(db, checkin.id) == ([(current, target)] if should else [])


def test_a_transition_records_its_reason_and_status_reason(app, db, checkin):
    assert transitions.cancel(checkin.id, "canceled: customer called to reschedule")
    db.session.commit()
    assert checkin.status == "canceled"  # the loaded object is refreshed
    assert checkin.status_reason == "canceled: customer called to reschedule"
    (row,) = checkin.transitions
    assert (row.from_status, row.to_status, row.reason) == (
        "scheduled",
        "canceled",
        "canceled: customer called to reschedule",
    )


def test_start_sending_counts_the_attempt_and_takes_the_lease(app, db, checkin):
    assert transitions.queue(checkin.id)
    assert transitions.start_sending(checkin.id, LATER)
    db.session.commit()
    assert checkin.attempts == 1
    assert checkin.lease_until == LATER
    assert transitions.requeue(checkin.id, LATER, "30003: retry")
    assert transitions.start_sending(checkin.id, LATER)
    assert transitions.mark_sent(checkin.id)
    db.session.commit()
    assert checkin.attempts == 2
    assert checkin.lease_until is None
    assert [to for _, to in log_of(db, checkin.id)] == [
        "queued",
        "sending",
        "queued",
        "sending",
        "sent",
    ]


def test_status_written_elsewhere_is_respected_not_overwritten(app, db, checkin):
    loaded = db.session.get(CheckIn, checkin.id)
    assert loaded.status == "scheduled"
    with db.engine.begin() as other:  # another process moves it on
        other.execute(sa.update(CheckIn).where(CheckIn.id == checkin.id).values(status="sending"))
    assert transitions.cancel(checkin.id, "too late") is False
    db.session.commit()
    assert loaded.status == "sending"


def test_a_late_delivered_callback_does_not_undo_an_answer(app, db, checkin):
    for step in ("queued", "sending", "sent", "answered"):
        assert CALLS[step](checkin.id)
    assert transitions.mark_delivered(checkin.id) is False
    assert transitions.mark_failed(checkin.id, "late") is False
    db.session.commit()
    assert checkin.status == "answered"


def test_queue_many_moves_only_scheduled_rows_and_records_each(app, db, checkin):
    for current in STATUSES:
        set_status(db, checkin.id, current)
        moved = transitions.queue_many([checkin.id], "due: queued for sending")
        db.session.commit()
        should = current == "scheduled"
        assert moved == ([checkin.id] if should else [])
        assert log_of(db, checkin.id) == ([("scheduled", "queued")] if should else [])
        if should:
            assert (checkin.status, checkin.status_reason) == ("queued", "due: queued for sending")


def test_hand_over_moves_queued_rows_of_the_old_job_and_records_only_a_lost_one(app, db, checkin):
    set_status(db, checkin.id, "queued")
    db.session.execute(sa.update(CheckIn).values(job_id="old", lease_until=LATER))
    db.session.commit()
    assert transitions.hand_over([checkin.id], "other", "new", "re-enqueued: job other") == []
    assert transitions.hand_over([checkin.id], "old", "retry", None) == [checkin.id]
    db.session.commit()
    assert (checkin.job_id, checkin.lease_until, checkin.status_reason) == ("retry", None, "due")
    assert log_of(db, checkin.id) == []  # a due retry is no transition
    assert transitions.hand_over([checkin.id], "retry", "new", "re-enqueued: job retry was gone")
    db.session.commit()
    assert checkin.job_id == "new"
    assert log_of(db, checkin.id) == [("queued", "queued")]
    set_status(db, checkin.id, "sending")
    assert transitions.hand_over([checkin.id], "new", "newer", "re-enqueued") == []


def test_concurrent_start_sending_has_exactly_one_winner(app, db, checkin):
    checkin_id = checkin.id
    assert transitions.queue(checkin_id)
    db.session.commit()
    barrier = threading.Barrier(4)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(transitions.start_sending(checkin_id, LATER))
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    db.session.expire_all()
    assert [to for _, to in log_of(db, checkin_id)] == ["queued", "sending"]
    assert db.session.get(CheckIn, checkin_id).attempts == 1


def test_initial_transition_is_recorded_for_a_new_row(app, db, checkin):
    row = CheckIn(
        event_id=checkin.event_id,
        customer_id=checkin.customer_id,
        policy_id=checkin.policy_id,
        channel="sms",
        status="suppressed",
        status_reason="suppressed: opted out",
        due_at=NOW,
        earliest_at=NOW,
        timezone="UTC",
    )
    # a second check-in for the same event needs another policy (unique event/policy)
    row.policy = Policy(name="p2", event_type="install", channel="sms", delay="PT0S", template="x")
    db.session.add(row)
    transitions.record_initial(row)
    db.session.commit()
    assert log_of(db, row.id) == [(None, "suppressed")]


# -- services


def test_cancel_checkin_cancels_a_pending_one(app, db, checkin):
    result = cancel_checkin(checkin.id, "customer asked")
    assert result.status == "canceled"
    assert result.status_reason == "canceled: customer asked"


def test_cancel_checkin_is_a_conflict_when_final(app, db, checkin):
    set_status(db, checkin.id, "delivered")
    with pytest.raises(Conflict, match="is delivered"):
        cancel_checkin(checkin.id, "too late")
    assert db.session.get(CheckIn, checkin.id).status == "delivered"


def test_reschedule_moves_it_and_reapplies_the_window(app, db, checkin):
    saturday = datetime(2026, 3, 14, 10, 0, tzinfo=CHICAGO)
    result = reschedule_checkin(checkin.id, saturday, NOW)
    assert result.status == "scheduled"
    assert result.due_at == datetime(2026, 3, 16, 9, 0, tzinfo=CHICAGO)
    assert result.timing_reason.startswith("moved from Sat 10:00 (requested) to Mon 09:00")
    assert log_of(db, checkin.id)[-1] == ("scheduled", "scheduled")


def test_reschedule_brings_a_queued_checkin_back_to_scheduled(app, db, checkin):
    assert transitions.queue(checkin.id)
    db.session.commit()
    when = datetime(2026, 3, 11, 11, 0, tzinfo=CHICAGO)
    result = reschedule_checkin(checkin.id, when, NOW)
    assert (result.status, result.due_at) == ("scheduled", when)
    assert result.timing_reason == "due Wed 11:00 America/Chicago: rescheduled on request"


@pytest.mark.parametrize(
    ("when", "words"),
    [
        (NOW - timedelta(minutes=1), "in the past"),
        (NOW + timedelta(days=9), "expired"),
        (datetime(2026, 3, 11, 11, 0), "UTC offset"),
    ],
)
def test_reschedule_refuses_bad_times_on_due_at(app, db, checkin, when, words):
    with pytest.raises(ValidationError) as info:
        reschedule_checkin(checkin.id, when, NOW)
    assert info.value.field == "due_at"
    assert words in info.value.message
    assert db.session.get(CheckIn, checkin.id).due_at == NOW


def test_reschedule_is_a_conflict_once_sending(app, db, checkin):
    set_status(db, checkin.id, "sending")
    with pytest.raises(Conflict):
        reschedule_checkin(checkin.id, NOW + timedelta(hours=2), NOW)
