"""Helpers for the web-page tests: users, signing a test client in, and rows for the rep list."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from outreach.extensions import db
from outreach.models import CheckIn, Customer, FollowUp, Policy, Reply, ServiceEvent, User, utcnow

FAST_HASH = "pbkdf2:sha256:1000"  #: cheap hashing so tests stay fast; production uses the default
_seq = itertools.count(1)


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context (fresh g and db session).

    The `app` fixture keeps an app context pushed for the whole test, and Flask reuses it for
    requests, so `g` (Flask-Login's user, the CSRF token) would leak from one request to the
    next; production never shares them.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def isolated_client(app: Flask) -> IsolatedClient:
    """A test client of the app whose requests do not share `g` or the database session."""
    app.test_client_class = IsolatedClient
    return app.test_client()


def make_user(role: str, password: str | None = "correct horse battery", **values) -> User:
    """A committed user of a role, with a quickly checked password."""
    n = next(_seq)
    user = User(
        email=values.pop("email", f"{role}{n}@example.com"),
        name=values.pop("name", f"{role.title()} {n}"),
        role=role,
        password_hash=generate_password_hash(password, method=FAST_HASH) if password else None,
        **values,
    )
    db.session.add(user)
    db.session.commit()
    return user


def sign_in(client, user: User) -> None:
    """Put the user in the test client's session, as a successful sign-in does."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def make_policy(channel: str = "rep_call") -> Policy:
    """A policy to hang check-ins on."""
    policy = Policy(
        name=f"{channel} after install {next(_seq)}",
        event_type="install",
        channel=channel,
        delay="PT20H",
        template="Hi {{ customer.name }}",
    )
    db.session.add(policy)
    db.session.flush()
    return policy


def make_customer(name: str = "Ada Lovelace", zone: str | None = "America/Chicago") -> Customer:
    """A customer with a US mobile number."""
    n = next(_seq)
    customer = Customer(
        external_id=f"cust-{n}", name=name, phone=f"+1312555{n % 10000:04d}", timezone=zone
    )
    db.session.add(customer)
    db.session.flush()
    return customer


def make_checkin(
    rep: User | None,
    due_at: datetime,
    *,
    customer: Customer | None = None,
    policy: Policy | None = None,
    status: str = "scheduled",
    summary: str | None = "Replaced the water heater",
    zone: str = "America/Chicago",
) -> CheckIn:
    """A rep-call check-in for a new install event, flushed (commit it yourself)."""
    customer = customer or make_customer()
    policy = policy or make_policy()
    event = ServiceEvent(
        external_id=f"evt-{next(_seq)}",
        type="install",
        occurred_at=due_at - timedelta(hours=20),
        customer_id=customer.id,
        rep_id=rep.id if rep else None,
        summary=summary,
    )
    db.session.add(event)
    db.session.flush()
    checkin = CheckIn(
        event_id=event.id,
        customer_id=customer.id,
        policy_id=policy.id,
        rep_id=rep.id if rep else None,
        channel=policy.channel,
        status=status,
        due_at=due_at,
        earliest_at=due_at,
        timezone=zone,
    )
    db.session.add(checkin)
    db.session.flush()
    return checkin


def make_followup(
    owner: User | None, customer: Customer, due_at: datetime, kind: str = "issue", **values
) -> FollowUp:
    """An open follow-up, flushed."""
    followup = FollowUp(
        customer_id=customer.id,
        owner_id=owner.id if owner else None,
        kind=kind,
        title=values.pop("title", "Check the thermostat wiring"),
        due_at=due_at,
        **values,
    )
    db.session.add(followup)
    db.session.flush()
    return followup


def make_reply(customer: Customer, text: str, triage_class: str, **values) -> Reply:
    """A reply from a customer, flushed."""
    reply = Reply(
        customer_id=customer.id, source="sms", text=text, triage_class=triage_class, **values
    )
    db.session.add(reply)
    db.session.flush()
    return reply


def now() -> datetime:
    """The current time in UTC."""
    return utcnow()


ZONES = (
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/Chicago",
    "America/New_York",
    "Atlantic/Azores",
    "Europe/London",
    "Europe/Athens",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Bangkok",
    "Asia/Tokyo",
    "Pacific/Auckland",
)


def zone_where(hours: range, at: datetime | None = None) -> str:
    """A zone whose local hour is now within `hours` (ZONES cover every hour of the day)."""
    at = at or now()
    return next(z for z in ZONES if at.astimezone(ZoneInfo(z)).hour in hours)
