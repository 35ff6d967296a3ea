"""Demo data: a company, its staff, schedules, customers and recent events; safe to run twice.

Every demo phone number is in the 555-0100…0199 range, which North American numbering
reserves for fiction, so a demo run with real Twilio credentials texts nobody.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from outreach.extensions import db
from outreach.models import Policy, User, utcnow

log = logging.getLogger(__name__)

COMPANY_NAME = "Brightside Home Services"
COMPANY_ZONE = "America/Chicago"
PASSWORD = "demo"

#: (email, role, name, phone, what they see)
USERS = (
    ("admin@example.com", "admin", "Avery Admin", None, "schedules, queue, messages, users"),
    ("manager@example.com", "manager", "Morgan Lee", "+13125550100", "alerts, follow-ups"),
    ("sam@example.com", "rep", "Sam Rivera", "+13125550101", "today's calls (/rep)"),
    ("riley@example.com", "rep", "Riley Chen", "+13125550102", "Sam's backup (/rep)"),
)
BACKUPS = {"sam@example.com": "riley@example.com", "riley@example.com": "sam@example.com"}
ON_CALL = ("sam@example.com", "riley@example.com")  #: the on-call rotation, a week each

#: policies by name; "fallback" names another policy of this list
POLICIES: tuple[dict[str, Any], ...] = (
    {
        "name": "Install: text check-in if the rep has not called",
        "event_type": "install",
        "channel": "sms",
        "delay": "PT20H",
        "window": {"start": "10:00", "end": "19:00"},
        "template": (
            "Hi {{ customer.first_name }}, it's {{ company.name }}. How is everything working "
            "since the {{ event.summary or 'install' }} went in? Reply 1-5 (5 = great), or tell "
            "us what we can fix."
        ),
        "expire_after": "P3D",
    },
    {
        "name": "Install: rep calls the evening after",
        "event_type": "install",
        "channel": "rep_call",
        "delay": "PT20H",
        "deadline": "PT4H",
        "fallback": "Install: text check-in if the rep has not called",
        "template": (
            "Call {{ customer.name }} about the install{% if event.summary %} "
            "({{ event.summary }}){% endif %}: is everything working, any questions?"
        ),
        "expire_after": "P3D",
    },
    {
        "name": "Repair: evening text",
        "event_type": "repair",
        "channel": "sms",
        "delay": "PT20H",
        "window": {"start": "17:00", "end": "20:00"},
        "template": (
            "Hi {{ customer.first_name }}, {{ rep.first_name or 'your technician' }} from "
            "{{ company.name }} here. Is the repair holding up? Reply 1-5, or tell us about "
            "anything that is still not right."
        ),
        "expire_after": "P3D",
        "frequency_cap": "P7D",
    },
    {
        "name": "Ticket closed: next-day text",
        "event_type": "ticket_closed",
        "channel": "sms",
        "delay": "P1D",
        "template": (
            "Hi {{ customer.first_name }}, we closed your support ticket yesterday. Did we solve "
            "it? "
            "Reply 1-5, or tell us what is still open. - {{ company.name }}"
        ),
        "expire_after": "P2D",
        "skip_if_answered": True,
    },
    {
        "name": "Ticket closed: e-mail",
        "event_type": "ticket_closed",
        "channel": "email",
        "delay": "PT1H",
        "subject": "Did we solve it, {{ customer.first_name }}?",
        "template": (
            "Hi {{ customer.first_name }},\n\nwe closed your support ticket"
            "{% if event.summary %} ({{ event.summary }}){% endif %}. Did we solve it? Just "
            "reply to this e-mail and tell us, in a word or a few lines.\n\n{{ company.name }}"
        ),
        "expire_after": "P3D",
    },
    {
        "name": "Visit: text five minutes after",
        "event_type": "visit",
        "channel": "sms",
        "delay": "PT5M",
        "template": (
            "Hi {{ customer.first_name }}, thanks for having {{ rep.first_name or 'us' }} over "
            "today. How did the visit go? Reply 1-5, or tell us anything we missed. "
            "- {{ company.name }}"
        ),
        "expire_after": "P1D",
    },
    {
        "name": "Delivery: automated call",
        "event_type": "delivery",
        "channel": "voice",
        "delay": "PT3H",
        "window": {"start": "10:00", "end": "19:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
        "template": (
            "Hello {{ customer.first_name }}, this is {{ company.name }} checking on your "
            "delivery. "
            "On your keypad, rate it from 1 to 5, or press 0 to ask us to call you back."
        ),
        "expire_after": "P2D",
    },
)

#: (external_id, name, phone, timezone or None: from the number, email or None)
CUSTOMERS = (
    ("demo-c-1001", "Ada Okafor", "+13125550123", None, "ada@example.net"),
    ("demo-c-1002", "Ben Whitaker", "+12125550142", None, None),
    ("demo-c-1003", "Carmen Diaz", "+14155550111", None, "carmen@example.net"),
    ("demo-c-1004", "Dev Patel", "+13035550166", None, None),
    ("demo-c-1005", "Elena Novak", "+16025550177", None, None),
    ("demo-c-1006", "Frank Kahale", "+18085550188", None, None),
    ("demo-c-1007", "Grace Liu", "+17135550144", "America/Chicago", "grace@example.net"),
    ("demo-c-1008", "Hank Moreno", "+16175550155", "America/New_York", None),
)

#: (external_id, type, customer external_id, days ago, local time, rep email or None, summary)
EVENTS = (
    ("demo-e-2001", "install", "demo-c-1001", 3, "10:30", "sam@example.com", "Water heater"),
    ("demo-e-2002", "repair", "demo-c-1002", 3, "14:00", "riley@example.com", "Furnace igniter"),
    ("demo-e-2003", "ticket_closed", "demo-c-1003", 2, "11:15", None, "Billing question"),
    ("demo-e-2004", "install", "demo-c-1004", 2, "09:00", "sam@example.com", "Thermostat"),
    ("demo-e-2005", "delivery", "demo-c-1005", 1, "13:00", "riley@example.com", "Dehumidifier"),
    ("demo-e-2006", "repair", "demo-c-1006", 1, "10:00", "sam@example.com", "AC condenser fan"),
    ("demo-e-2007", "install", "demo-c-1007", 1, "15:30", "sam@example.com", "Water softener"),
    ("demo-e-2008", "ticket_closed", "demo-c-1008", 1, "16:45", None, "Warranty paperwork"),
    ("demo-e-2009", "repair", "demo-c-1001", 0, "08:30", "riley@example.com", "Garbage disposal"),
    ("demo-e-2010", "install", "demo-c-1002", 0, "09:15", "sam@example.com", "Smart smoke alarms"),
)


@dataclass
class DemoSeed:
    """What seed_demo created this time (all zero on a second run)."""

    users: int = 0
    policies: int = 0
    events: int = 0
    checkins: int = 0


def login_lines() -> list[str]:
    """The demo logins, one line each, for the terminal."""
    return [
        f"  {email:<22} password {PASSWORD!r:<8} {role:<8} {what}"
        for email, role, _, _, what in USERS
    ]


def demo_data_present() -> bool:
    """Whether seed_demo has run on this database (the demo admin exists)."""
    return db.session.scalar(sa.select(User.id).where(User.email == USERS[0][0])) is not None


def _seed_company() -> None:
    from outreach.company.settings import get_company_settings

    settings = get_company_settings()
    settings.name = COMPANY_NAME
    settings.default_timezone = COMPANY_ZONE
    db.session.commit()


def _seed_users(seed: DemoSeed) -> None:
    from outreach.auth.accounts import create_user

    by_email = {}
    for email, role, name, phone, _ in USERS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = create_user(email, role, name=name, phone=phone, password=PASSWORD)
            seed.users += 1
        by_email[email] = user
    for email, backup in BACKUPS.items():
        if by_email[email].backup_id is None:
            by_email[email].backup_id = by_email[backup].id
    from outreach.company.settings import get_company_settings

    settings = get_company_settings()
    if not settings.on_call_user_ids:
        settings.on_call_user_ids = [by_email[email].id for email in ON_CALL]
    db.session.commit()


def _seed_policies(seed: DemoSeed) -> None:
    from outreach.scheduling.policies import create_policy

    ids: dict[str, int] = {}
    for spec in POLICIES:
        existing = db.session.scalar(
            sa.select(Policy.id).where(Policy.name == spec["name"], Policy.is_deleted.is_(False))
        )
        if existing is not None:
            ids[spec["name"]] = existing
            continue
        data = {k: v for k, v in spec.items() if k != "fallback"}
        if "fallback" in spec:
            data["fallback_policy_id"] = ids[spec["fallback"]]
        ids[spec["name"]] = create_policy(data).id
        seed.policies += 1


def _occurred_at(now: datetime, zone_name: str, days_ago: int, local: str) -> str:
    zone = ZoneInfo(zone_name)
    day = now.astimezone(zone).date() - timedelta(days=days_ago)
    at = datetime.combine(day, time.fromisoformat(local), tzinfo=zone)
    if at > now:
        at = now - timedelta(hours=1)
    return at.astimezone(zone).isoformat(timespec="seconds")


def _event_payloads(now: datetime) -> list[dict[str, Any]]:
    from outreach.company.phones import zone_for_phone

    customers = {c[0]: c for c in CUSTOMERS}
    names = {email: name for email, _, name, _, _ in USERS}
    payloads = []
    for external_id, kind, customer_id, days_ago, local, rep, summary in EVENTS:
        _, name, phone, zone, email = customers[customer_id]
        customer = {"external_id": customer_id, "name": name, "phone": phone}
        if zone:
            customer["timezone"] = zone
        if email:
            customer["email"] = email
        payload = {
            "external_id": external_id,
            "type": kind,
            "occurred_at": _occurred_at(
                now, zone or zone_for_phone(phone) or COMPANY_ZONE, days_ago, local
            ),
            "customer": customer,
            "summary": summary,
        }
        if rep:
            payload["rep"] = {"email": rep, "name": names[rep]}
        payloads.append(payload)
    return payloads


def _seed_history(seed: DemoSeed, now: datetime) -> None:
    """The past 30 days (outreach.dev.history), once: a second run finds every event stored."""
    from outreach.dev.history import history_payloads, play
    from outreach.events.ingest import ingest_event
    from outreach.scheduling import rollup

    staff = {u.email: u for u in db.session.scalars(sa.select(User))}
    names = {email: name for email, _, name, _, _ in USERS}
    n = 0
    for payload in history_payloads(now, COMPANY_ZONE, names):
        planned_at = datetime.fromisoformat(payload["occurred_at"]) + timedelta(minutes=2)
        result = ingest_event(payload, source="demo", now=planned_at)
        if not result.created:
            continue
        seed.events += 1
        seed.checkins += len(result.checkins)
        for checkin in result.checkins:
            play(checkin, planned_at, n, now, staff)
            n += 1
        db.session.commit()
    if n:
        rollup.rebuild()  # play() back-dates the transitions it records


def seed_demo(now: datetime | None = None) -> DemoSeed:
    """Create the demo company, users, policies, customers and events that are missing."""
    from outreach.events.ingest import ingest_event

    now = now or utcnow()
    seed = DemoSeed()
    _seed_company()
    _seed_users(seed)
    _seed_policies(seed)
    _seed_history(seed, now)
    for payload in _event_payloads(now):
        result = ingest_event(payload, source="demo", now=now)
        if result.created:
            seed.events += 1
            seed.checkins += len(result.checkins)
    log.info(
        "demo data: %d users, %d policies, %d events, %d check-ins created",
        seed.users,
        seed.policies,
        seed.events,
        seed.checkins,
    )
    return seed
