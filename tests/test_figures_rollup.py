"""The dashboard's sent/replied rollup: equal to a recount from transitions and replies after
every path that changes it, a carrier retry counted once, and read per local day exactly."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from click.testing import CliRunner
from conversation_helpers import inbound_params
from fake_twilio import SEND_AT
from web_helpers import make_checkin, make_customer, make_policy, make_reply

from outreach.cli import cli
from outreach.conversations import record_inbound_sms
from outreach.extensions import db
from outreach.messaging import send_checkin
from outreach.models import CheckIn, CheckInFigures, CheckInTransition
from outreach.models.checkins import WENT_OUT
from outreach.reporting.figures import build_dashboard, day_bounds
from outreach.scheduling import rollup, transitions

CHICAGO = ZoneInfo("America/Chicago")


def _daytime_after(moment: datetime) -> datetime:
    local = moment.astimezone(CHICAGO)
    candidate = local.replace(hour=15, minute=0, second=0, microsecond=0)
    return candidate if candidate >= local else candidate + timedelta(days=1)


def totals() -> tuple[int, int]:
    """(went out, replied) over the whole rollup, after checking it equals a recount."""
    db.session.expire_all()
    stored, recount = rollup.stored(), rollup.recount()
    assert stored == recount
    return sum(w for w, _ in stored.values()), sum(r for _, r in stored.values())


def sends_counted_the_old_way() -> int:
    """The old definition: every transition out of `sending` into a went-out status."""
    t = CheckInTransition
    return db.session.scalar(
        sa.select(sa.func.count()).where(t.from_status == "sending", t.to_status.in_(WENT_OUT))
    )


def test_the_rollup_equals_a_recount_after_every_path(twilio_app, fake_twilio, make_sms_checkin):
    client = twilio_app.test_client()
    phones = [f"+1612555010{n}" for n in range(5)]
    a, b, c, e = (make_sms_checkin(phone=p, expires_in=None) for p in phones[:4])
    d = make_sms_checkin(phone=phones[4], status="scheduled", expires_in=None)
    assert totals() == (0, 0)

    sent_a = send_checkin(a.id, now=SEND_AT)
    assert sent_a.result == "sent" and totals() == (1, 0)
    fake_twilio.message_callback(sent_a.sid, "delivered", client)
    assert db.session.get(CheckIn, a.id).status == "delivered" and totals() == (1, 0)
    replied_at = SEND_AT + timedelta(hours=1)
    record_inbound_sms(inbound_params("All good, thanks!", from_=phones[0]), now=replied_at)
    assert db.session.get(CheckIn, a.id).status == "answered" and totals() == (1, 1)
    record_inbound_sms(inbound_params("Really, all good", from_=phones[0]), now=replied_at)
    assert totals() == (1, 1)  # a second reply: still one replied check-in

    sent_b = send_checkin(b.id, now=SEND_AT)
    fake_twilio.message_callback(sent_b.sid, "undelivered", client, error_code=30003)
    queued = db.session.get(CheckIn, b.id)
    assert queued.status == "queued" and totals() == (2, 1)
    retry = send_checkin(b.id, now=_daytime_after(queued.next_attempt_at))
    assert retry.result == "sent"
    assert totals() == (2, 1)  # the carrier retry went out again: still one check-in sent
    assert sends_counted_the_old_way() == 3  # the old figure counted b twice

    sent_c = send_checkin(c.id, now=SEND_AT)
    fake_twilio.message_callback(sent_c.sid, "failed", client)
    assert db.session.get(CheckIn, c.id).status == "failed" and totals() == (3, 1)

    assert transitions.cancel(d.id, "test: canceled by a manager")
    db.session.commit()
    assert totals() == (3, 1)

    # a reply that beats the carrier's answer: stored while `sending`, then answered (the
    # order record_inbound_sms keeps)
    assert transitions.start_sending(e.id, SEND_AT + timedelta(minutes=5))
    reply = make_reply(db.session.get(CheckIn, e.id).customer, "Yes thanks", "positive")
    reply.checkin_id = e.id
    db.session.flush()
    transitions.reply_recorded(e.id)
    assert totals() == (3, 1)
    assert transitions.answer(e.id, "the customer answered by SMS")
    db.session.commit()
    assert db.session.get(CheckIn, e.id).status == "answered" and totals() == (4, 2)


def _history(rng: random.Random, start: datetime, now: datetime) -> None:
    """Check-ins that went out at random times (some by carrier retry, some answered, some
    replied to twice or not at all), written by hand as old data would be."""
    customer = make_customer()
    policy = make_policy("sms")
    span = (now - start).total_seconds()
    for n in range(120):
        at = start + timedelta(seconds=rng.uniform(-86_400 * 3, span))
        checkin = make_checkin(None, at, customer=customer, policy=policy, status="scheduled")
        to = rng.choice(("sent", "delivered", "undelivered", "answered", "failed"))
        steps = [("scheduled", "queued", at), ("queued", "sending", at)]
        if to == "failed":
            steps.append(("sending", "failed", at))
        else:
            steps.append(("sending", "sent", at))
            if n % 4 == 0:  # a carrier retry a day later
                later = at + timedelta(days=1)
                steps += [("sent", "queued", later), ("queued", "sending", later)]
                steps.append(("sending", "sent", later + timedelta(minutes=1)))
            if to != "sent":
                steps.append(("sent", to, steps[-1][2] + timedelta(minutes=2)))
        checkin.status = steps[-1][1]
        for old, new, when in steps:
            db.session.add(
                CheckInTransition(
                    checkin_id=checkin.id,
                    from_status=old,
                    to_status=new,
                    reason="t",
                    created_at=when,
                )
            )
        for _ in range(rng.choice((0, 0, 1, 2))):
            make_reply(customer, "ok", "positive", checkin_id=checkin.id, created_at=at)
    db.session.commit()


def test_the_dashboard_from_the_rollup_equals_a_direct_recount_per_local_day(app, db):
    now = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)  # DST began in Chicago on 8 March
    bounds = day_bounds(now, "America/Chicago", 30)
    _history(random.Random(13), bounds[0].start, now)
    result = CliRunner().invoke(cli, ["rebuild-figures"])
    assert result.exit_code == 0 and "check-in figures rebuilt" in result.output

    data = build_dashboard(now)

    expected = {b.day: [0, 0] for b in bounds}
    for checkin in db.session.scalars(sa.select(CheckIn)):
        went = [t.created_at for t in checkin.transitions if t.to_status in WENT_OUT]
        if not went:
            continue
        day = next((b.day for b in bounds if b.start <= min(went) < b.end), None)
        if day is not None:
            expected[day][0] += 1
            expected[day][1] += 1 if checkin_replied(checkin.id) else 0
    assert {d.day: [d.sent, d.replied] for d in data.days} == expected
    assert sum(sent for sent, _ in expected.values()) > 50


def checkin_replied(checkin_id: int) -> bool:
    from outreach.models import Reply

    return db.session.scalar(sa.select(sa.func.count()).where(Reply.checkin_id == checkin_id)) > 0


def test_rebuild_replaces_a_drifted_rollup(app, db):
    _history(random.Random(7), datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC))
    db.session.add(
        CheckInFigures(bucket_start=datetime(2026, 3, 2, tzinfo=UTC), shard=3, went_out=99)
    )
    db.session.commit()
    assert rollup.stored() != rollup.recount()
    assert rollup.rebuild() == len(rollup.recount())
    assert rollup.stored() == rollup.recount()


def test_a_bucket_is_the_quarter_hour_in_utc():
    at = datetime(2026, 3, 8, 7, 59, 59, 999_999, tzinfo=UTC)
    assert rollup.bucket_of(at) == datetime(2026, 3, 8, 7, 45, tzinfo=UTC)
    kolkata = datetime(2026, 3, 8, 0, 0, tzinfo=ZoneInfo("Asia/Kolkata"))  # +05:30
    assert rollup.bucket_of(kolkata) == kolkata
