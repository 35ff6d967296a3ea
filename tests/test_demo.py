"""`outreach seed-demo` and the home page that explains the demo."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from outreach.cli import cli
from outreach.dev.demo import COMPANY_NAME, COMPANY_ZONE, CUSTOMERS, PASSWORD, USERS, seed_demo
from outreach.dev.history import REPLIES, history_customers
from outreach.models import (
    CheckIn,
    CheckInTransition,
    CompanySettings,
    Customer,
    FollowUp,
    Policy,
    Reply,
    ServiceEvent,
    User,
    utcnow,
)
from outreach.reporting.figures import build_dashboard
from outreach.scheduling.planning import zone_for_customer

#: the dashboard after seeding at a fixed time: (sent, replied, replies, negative, urgent,
#: follow-ups due, on time, late, open) over 30 days, then each rep's (on time, late, missed)
STORY = (
    (48, 39, 39, 6, 3, 15, 11, 3, 1),
    (("Riley Chen", 7, 2, 3), ("Sam Rivera", 8, 2, 3)),
)
FICTIONAL = re.compile(r"^\+1\d{3}55501\d\d$")  #: 555-0100…0199, reserved for fiction


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_creates_company_people_schedules_customers_and_planned_events(db):
    seed = seed_demo()

    settings = db.session.get(CompanySettings, 1)
    assert (settings.name, settings.default_timezone) == (COMPANY_NAME, COMPANY_ZONE)
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    assert {email: users[email].role for email, *_ in USERS} == {
        "admin@example.com": "admin",
        "manager@example.com": "manager",
        "sam@example.com": "rep",
        "riley@example.com": "rep",
    }
    assert all(check_password_hash(users[e].password_hash, PASSWORD) for e, *_ in USERS)
    assert all(users[e].password_hash != PASSWORD for e, *_ in USERS)
    assert users["sam@example.com"].backup_id == users["riley@example.com"].id
    assert all(users[e].phone for e in ("manager@example.com", "sam@example.com"))

    policies = list(db.session.scalars(sa.select(Policy).order_by(Policy.id)))
    install_call = next(p for p in policies if p.channel == "rep_call")
    assert (install_call.event_type, install_call.delay, install_call.deadline) == (
        "install",
        "PT20H",
        "PT4H",
    )
    assert install_call.fallback_policy.channel == "sms"
    repair = next(p for p in policies if p.event_type == "repair")
    assert (repair.channel, repair.delay, repair.window_start, repair.window_end) == (
        "sms",
        "PT20H",
        "17:00",
        "20:00",
    )
    closed = next(p for p in policies if p.event_type == "ticket_closed")
    assert (closed.channel, closed.delay) == ("sms", "P1D")
    assert any(p.channel == "voice" for p in policies)

    customers = list(db.session.scalars(sa.select(Customer)))
    assert len(customers) == len(CUSTOMERS) + len(history_customers())
    zones = {zone_for_customer(c, settings.default_timezone)[0] for c in customers}
    assert len(zones) >= 5
    events = list(db.session.scalars(sa.select(ServiceEvent)))
    assert len({e.occurred_at.date() for e in events}) >= 3
    assert {e.source for e in events} == {"demo"}
    assert seed.events == len(events)
    assert seed.checkins == _count(db, CheckIn) > 0
    planned = db.session.scalars(sa.select(CheckIn.event_id)).all()
    assert {e.id for e in events} == set(planned)  # every demo event type has a schedule


def test_seed_demo_twice_creates_nothing_the_second_time(db):
    seed_demo()
    counts = [_count(db, m) for m in (User, Policy, Customer, ServiceEvent, CheckIn)]

    again = seed_demo()

    assert (again.users, again.policies, again.events, again.checkins) == (0, 0, 0, 0)
    assert [_count(db, m) for m in (User, Policy, Customer, ServiceEvent, CheckIn)] == counts


def test_every_demo_phone_number_is_fictional(db):
    seed_demo()
    phones = db.session.scalars(sa.select(Customer.phone)).all()
    phones += [p for p in db.session.scalars(sa.select(User.phone)) if p]
    assert phones
    assert all(FICTIONAL.match(p) for p in phones), phones


def test_seed_demo_command_prints_the_demo_logins(runner, db):
    result = runner.invoke(cli, ["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "created 4 users" in result.stdout
    for email, role, *_ in USERS:
        assert re.search(rf"{re.escape(email)}\s+password 'demo'\s+{role}", result.stdout)


def test_home_page_explains_the_demo_logins_and_links(client):
    page = client.get("/").get_data(as_text=True)
    for email, *_ in USERS:
        assert email in page
    assert "<code>demo</code>" in page
    assert 'href="/api/v1/openapi.json"' in page
    assert 'href="/healthz"' in page
    assert "outreach create-token demo" in page
    assert "https://outreach.test/api/v1/events" in page  # PUBLIC_BASE_URL of the tests


def _story(db, now) -> tuple:
    """What the dashboard says after a seed at `now`: per-day totals and each rep's calls."""
    board = build_dashboard(now)
    t = board.totals
    totals = (t.sent, t.replied, t.replies, t.negative, t.urgent, t.followups_due)
    totals += (t.followups_on_time, t.followups_late, t.followups_open)
    return totals, tuple((r.name, r.on_time, r.late, r.missed) for r in board.reps)


def test_the_demo_has_thirty_days_of_history_for_the_dashboard(db):
    seed_demo()

    board = build_dashboard(utcnow())
    busy = [d for d in board.days if d.sent]
    assert len(busy) >= 20  # most days of the month had check-ins go out
    assert board.totals.replies > 20 and board.totals.negative and board.totals.urgent
    classes = set(db.session.scalars(sa.select(Reply.triage_class)))
    assert classes >= {c for _, c, _, _ in REPLIES}  # replies of every class
    states = set(db.session.scalars(sa.select(FollowUp.state)))
    assert {"done", "overdue"} <= states
    late = [d for d in board.days if d.followups_late]
    assert late and any(d.followups_on_time for d in board.days)
    reps = {r.name: r for r in board.reps}
    assert {"Sam Rivera", "Riley Chen"} <= set(reps)
    assert sum(r.on_time for r in reps.values()) and sum(r.missed for r in reps.values())
    assert sum(r.late for r in reps.values())
    oldest = db.session.scalar(sa.select(sa.func.min(CheckInTransition.created_at)))
    assert (utcnow() - oldest).days >= 27  # stamped in the past, not at seeding time
    opted_out = db.session.scalars(sa.select(Customer).where(Customer.is_opted_out)).all()
    assert opted_out and all(c.external_id.startswith("demo-h-") for c in opted_out)


def test_the_history_is_the_same_story_whenever_it_is_seeded(db):
    now = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)  # a Wednesday, noon in Chicago

    seed_demo(now)

    assert _story(db, now) == STORY
