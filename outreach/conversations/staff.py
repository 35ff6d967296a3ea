"""Who is responsible: a customer's rep, a backup while someone is away, the managers, and
who can be paged (active, not away, with a phone)."""

from __future__ import annotations

import sqlalchemy as sa

from outreach.extensions import db
from outreach.models import CheckIn, Customer, ServiceEvent, User


def usable(user: User | None) -> bool:
    """Whether the user is active and not away."""
    return user is not None and user.is_active_user and not user.is_away


def pageable(user: User | None) -> bool:
    """Whether the user can be paged now: active, not away, with a phone for texts."""
    return usable(user) and bool(user.phone)


def covering(user: User | None) -> User | None:
    """The user, or their backup while the user is away (or deactivated) and a backup is set."""
    if user is None or usable(user):
        return user
    if user.backup is not None and user.backup.is_active_user:
        return user.backup
    return user if user.is_active_user else None


def managers() -> list[User]:
    """Active managers (the admins when there is no manager), by id."""
    for role in ("manager", "admin"):
        found = list(
            db.session.scalars(
                sa.select(User)
                .where(User.role == role, User.is_active_user.is_(True))
                .order_by(User.id)
            )
        )
        if found:
            return found
    return []


def event_rep(customer: Customer, checkin: CheckIn | None) -> User | None:
    """The rep of the check-in's event, else of the customer's latest event."""
    if checkin is not None:
        return checkin.event.rep or checkin.rep
    event = db.session.scalar(
        sa.select(ServiceEvent)
        .where(ServiceEvent.customer_id == customer.id, ServiceEvent.rep_id.is_not(None))
        .order_by(ServiceEvent.occurred_at.desc(), ServiceEvent.id.desc())
        .limit(1)
    )
    return event.rep if event else None


def responsible(customer: Customer, checkin: CheckIn | None) -> User | None:
    """Who owns a follow-up: the event's rep (their backup while away), else the first manager."""
    owner = covering(event_rep(customer, checkin))
    if owner is None:
        staff = managers()
        owner = staff[0] if staff else None
    return owner


def staff_with_phone(number: str) -> list[User]:
    """Active users whose phone is this number, by id."""
    if not number:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.phone == number, User.is_active_user.is_(True))
            .order_by(User.id)
        )
    )
