"""Planning check-ins for an event: policies, zones, timing, caps, opt-outs, fallbacks."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from outreach.company.settings import get_company_settings
from outreach.models import (
    CheckIn,
    CheckInTransition,
    CompanySettings,
    Consent,
    Customer,
    ServiceEvent,
    User,
)
from outreach.scheduling.checkins import sendable_now
from outreach.scheduling.planning import plan_event, plan_fallback
from outreach.scheduling.policies import create_policy, delete_policy, update_policy
from outreach.scheduling.transitions import mark_missed

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # Tue 10:00 CDT
SMS = {
    "name": "Evening-after text",
    "event_type": "install",
    "channel": "sms",
    "delay": "PT8H",
    "template": "Hi {{ customer.first_name }}",
}


@pytest.fixture
def make_event(db):
    """A callable: an event (with a new customer and rep) of a type, at a time."""
    counter = iter(range(1, 10_000))

    def _make(
        type_="install",
        occurred_at=NOW - timedelta(hours=1),
        timezone="America/Chicago",
        phone="+13125550100",
        customer=None,
    ):
        n = next(counter)
        if customer is None:
            customer = Customer(
                external_id=f"c{n}", name=f"Pat Customer{n}", phone=phone, timezone=timezone
            )
        rep = User(email=f"rep{n}@example.com", name=f"Sam Rep{n}", role="rep")
        event = ServiceEvent(
            external_id=f"e{n}", type=type_, occurred_at=occurred_at, customer=customer, rep=rep
        )
        db.session.add(event)
        db.session.flush()
        return event

    return _make


def transitions_of(db, checkin):
    return list(
        db.session.execute(
            sa.select(
                CheckInTransition.from_status, CheckInTransition.to_status, CheckInTransition.reason
            )
            .where(CheckInTransition.checkin_id == checkin.id)
            .order_by(CheckInTransition.id)
        )
    )


def test_one_checkin_per_active_policy_of_the_event_type(app, db, make_event):
    sms = create_policy(SMS)
    week = create_policy({**SMS, "name": "Week later", "delay": "P7D"})
    create_policy({**SMS, "event_type": "repair"})
    create_policy({**SMS, "active": False})
    deleted = create_policy(SMS)
    delete_policy(deleted.id)
    planned = plan_event(make_event(), NOW)
    db.session.commit()
    assert sorted(c.policy_id for c in planned) == [sms.id, week.id]
    assert all(c.status == "scheduled" for c in planned)


def test_planned_checkin_carries_its_timing_and_first_transition(app, db, make_event):
    create_policy(SMS)
    event = make_event(occurred_at=datetime(2026, 3, 10, 16, 0, tzinfo=CHICAGO))
    (checkin,) = plan_event(event, NOW)
    db.session.commit()
    assert checkin.due_at == datetime(2026, 3, 11, 8, 0, tzinfo=CHICAGO)  # 00:00 + quiet hours
    assert checkin.earliest_at == datetime(2026, 3, 11, 0, 0, tzinfo=CHICAGO)
    assert checkin.timezone == "America/Chicago"
    assert checkin.channel == "sms"
    assert checkin.customer_id == event.customer_id
    assert checkin.rep_id == event.rep_id
    assert checkin.expires_at is None
    assert checkin.timing_reason.startswith("moved from Wed 00:00 (event + 8 hours) to Wed 08:00")
    assert transitions_of(db, checkin) == [(None, "scheduled", checkin.timing_reason)]
    assert checkin.status_reason == checkin.timing_reason


def test_planning_twice_creates_nothing(app, db, make_event):
    create_policy(SMS)
    event = make_event()
    first = plan_event(event, NOW)
    again = plan_event(event, NOW)
    db.session.commit()
    assert len(first) == 1 and again == []
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 1


def test_zone_comes_from_the_phone_then_the_company_default(app, db, make_event):
    create_policy(SMS)
    by_phone = plan_event(make_event(timezone=None, phone="+12125550100"), NOW)[0]
    by_company = plan_event(make_event(timezone=None, phone="+447700900123"), NOW)[0]
    assert by_phone.timezone == "America/New_York"
    assert by_company.timezone == get_company_settings().default_timezone == "America/Chicago"


def test_company_settings_row_is_created_with_defaults_when_missing(app, db):
    assert db.session.get(CompanySettings, 1) is None
    row = get_company_settings()
    assert row.id == 1 and row.quiet_end == "08:00"


def test_company_quiet_hours_are_applied(app, db, make_event):
    settings = get_company_settings()
    settings.quiet_end = "09:30"
    create_policy({**SMS, "delay": "PT0S"})
    event = make_event(occurred_at=datetime(2026, 3, 11, 7, 0, tzinfo=CHICAGO))
    (checkin,) = plan_event(event, NOW)
    assert checkin.due_at == datetime(2026, 3, 11, 9, 30, tzinfo=CHICAGO)


def test_expired_checkin_is_suppressed_with_the_reason(app, db, make_event):
    create_policy({**SMS, "window": {"start": "09:00", "end": "17:00", "days": ["mon"]}})
    create_policy({**SMS, "name": "expiring", "expire_after": "P1D"})
    update_policy(
        1,
        {
            **SMS,
            "expire_after": "P1D",
            "window": {"start": "09:00", "end": "17:00", "days": ["mon"]},
        },
    )
    event = make_event(occurred_at=datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO))
    weekly, daily = sorted(plan_event(event, NOW), key=lambda c: c.policy_id)
    assert weekly.status == "suppressed"
    assert weekly.status_reason.startswith("suppressed: expired — the first allowed time Mon 09:00")
    assert weekly.due_at == datetime(2026, 3, 16, 9, 0, tzinfo=CHICAGO)
    assert transitions_of(db, weekly)[0][:2] == (None, "suppressed")
    assert daily.status == "scheduled"


def test_opted_out_customer_is_suppressed(app, db, make_event):
    create_policy(SMS)
    event = make_event()
    event.customer.is_opted_out = True
    (checkin,) = plan_event(event, NOW)
    assert checkin.status == "suppressed"
    assert checkin.status_reason == "suppressed: opted out"


def test_sms_opt_out_in_the_consent_log_spares_the_rep_call(app, db, make_event):
    create_policy(SMS)
    create_policy({**SMS, "name": "call", "channel": "rep_call"})
    event = make_event()
    db.session.add(
        Consent(customer_id=event.customer_id, channel="sms", state="opted_out", source="keyword")
    )
    by_channel = {c.channel: c for c in plan_event(event, NOW)}
    assert by_channel["sms"].status == "suppressed"
    assert by_channel["sms"].status_reason == "suppressed: opted out of sms"
    assert by_channel["rep_call"].status == "scheduled"


def test_frequency_cap_suppresses_a_second_checkin_on_the_channel(app, db, make_event):
    create_policy({**SMS, "frequency_cap": "P2D"})
    first = make_event()
    (one,) = plan_event(first, NOW)
    second = make_event(customer=first.customer, occurred_at=NOW)
    (two,) = plan_event(second, NOW)
    assert one.status == "scheduled"
    assert two.status == "suppressed"
    assert two.status_reason.startswith(f"suppressed: frequency cap: check-in {one.id} on sms")
    later = make_event(customer=first.customer, occurred_at=NOW + timedelta(days=3))
    (three,) = plan_event(later, NOW)
    assert three.status == "scheduled"


def test_frequency_cap_ignores_other_channels_and_canceled_checkins(app, db, make_event):
    create_policy({**SMS, "frequency_cap": "P2D"})
    first = make_event()
    (one,) = plan_event(first, NOW)
    one.status = "canceled"
    db.session.flush()
    (two,) = plan_event(make_event(customer=first.customer, occurred_at=NOW), NOW)
    assert two.status == "scheduled"


@pytest.mark.parametrize(
    ("status", "went_out_ago", "capped"),
    [
        ("sent", timedelta(hours=20), True),  # due two days ago, held, out 20 hours ago
        ("delivered", timedelta(hours=5), True),
        ("sending", timedelta(hours=1), True),  # its outcome is not known yet
        ("sent", timedelta(hours=30), False),
        ("failed", timedelta(hours=5), False),  # it never left
    ],
)
def test_planning_and_the_send_time_check_apply_one_frequency_cap(
    app, db, make_event, status, went_out_ago, capped
):
    create_policy({**SMS, "delay": "PT0S", "frequency_cap": "P1D"})
    earlier = make_event(occurred_at=NOW - timedelta(days=2))
    (other,) = plan_event(earlier, NOW - timedelta(days=2))
    other.status = status
    db.session.add(
        CheckInTransition(
            checkin_id=other.id,
            from_status="queued",
            to_status="sending",
            reason="x",
            created_at=NOW - went_out_ago,
        )
    )
    db.session.flush()
    (checkin,) = plan_event(make_event(customer=earlier.customer, occurred_at=NOW), NOW)
    planned_capped = checkin.status == "suppressed"
    checkin.status = "scheduled"
    db.session.flush()
    reason = sendable_now(checkin, checkin.due_at)
    assert planned_capped == capped
    assert (reason is not None and reason.startswith("frequency cap")) == capped


def test_rep_call_gets_the_rep_and_a_deadline(app, db, make_event):
    create_policy({**SMS, "channel": "rep_call", "deadline": "P1D"})
    event = make_event()
    (call,) = plan_event(event, NOW)
    assert call.rep_id == event.rep_id
    assert call.deadline_at == call.due_at + timedelta(days=1)


def test_fallback_policy_is_planned_only_when_the_rep_misses(app, db, make_event):
    sms = create_policy({**SMS, "delay": "PT2H"})
    call = create_policy(
        {
            **SMS,
            "channel": "rep_call",
            "delay": "PT0S",
            "deadline": "PT4H",
            "fallback_policy_id": sms.id,
        }
    )
    event = make_event()
    planned = plan_event(event, NOW)
    assert [c.policy_id for c in planned] == [call.id]
    rep_call = planned[0]
    later = rep_call.deadline_at + timedelta(minutes=1)
    assert mark_missed(rep_call.id)
    fallback = plan_fallback(rep_call, later)
    db.session.commit()
    assert fallback.policy_id == sms.id
    assert fallback.fallback_of_id == rep_call.id
    assert fallback.channel == "sms"
    assert fallback.status == "scheduled"
    assert fallback.due_at == later
    assert "fallback for missed rep call" in fallback.timing_reason
    assert plan_fallback(rep_call, later).id == fallback.id  # a second run changes nothing
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 2


def test_fallback_inherits_the_rep_calls_expiry(app, db, make_event):
    sms = create_policy({**SMS, "delay": "PT2H"})
    create_policy(
        {
            **SMS,
            "channel": "rep_call",
            "delay": "PT0S",
            "deadline": "PT4H",
            "expire_after": "PT6H",
            "fallback_policy_id": sms.id,
        }
    )
    (rep_call,) = plan_event(make_event(), NOW)
    fallback = plan_fallback(rep_call, rep_call.expires_at + timedelta(hours=1))
    assert fallback.status == "suppressed"
    assert fallback.expires_at == rep_call.expires_at
    assert "expired" in fallback.status_reason


def test_no_fallback_without_a_live_active_fallback_policy(app, db, make_event):
    sms = create_policy(SMS)
    create_policy({**SMS, "channel": "rep_call", "deadline": "PT4H", "fallback_policy_id": sms.id})
    (rep_call,) = plan_event(make_event(), NOW)
    update_policy(sms.id, {**SMS, "active": False})
    assert plan_fallback(rep_call, NOW + timedelta(days=1)) is None


def test_sendable_now_rechecks_everything_at_send_time(app, db, make_event):
    create_policy(
        {
            **SMS,
            "delay": "PT0S",
            "window": {"start": "09:00", "end": "17:00", "days": ["mon", "tue"]},
            "expire_after": "P2D",
            "skip_if_answered": True,
            "frequency_cap": "P1D",
        }
    )
    create_policy({**SMS, "name": "first", "skip_if_answered": False})
    event = make_event()
    checkin, sibling = sorted(plan_event(event, NOW), key=lambda c: c.policy_id)
    db.session.commit()
    assert sendable_now(checkin, NOW) is None
    assert sendable_now(checkin, NOW + timedelta(hours=8)) == (
        "outside the window (Mon, Tue 09:00\u201317:00)"
    )
    assert sendable_now(checkin, NOW + timedelta(days=3)).startswith("expired")
    sibling.status = "answered"
    db.session.flush()
    assert sendable_now(checkin, NOW) == f"answered earlier in the sequence (check-in {sibling.id})"
    sibling.status = "sent"
    db.session.add(
        CheckInTransition(
            checkin_id=sibling.id, from_status="queued", to_status="sending", reason="x"
        )
    )
    db.session.flush()
    assert sendable_now(checkin, NOW).startswith(f"frequency cap: check-in {sibling.id} on sms")
    event.customer.is_opted_out = True
    assert sendable_now(checkin, NOW) == "opted out"
    checkin.status = "canceled"
    assert sendable_now(checkin, NOW) == "canceled"
