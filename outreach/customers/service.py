"""Customers: the directory (search, keyset pages), editing a customer, and duplicates by phone
with a merge.

A merge moves every row that points at the removed customer (events, check-ins, messages,
calls, replies, follow-ups, consents, escalations, earlier merges) to the kept one in one
transaction, deletes the removed one and records a CustomerMerge, shown on the kept customer's
timeline. It never re-subscribes anyone: merging an opted-out customer into one who is not is
refused, and a kept customer who is opted out stays opted out, with the consent log saying so.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from outreach.company.phones import PhoneError, normalize_phone
from outreach.company.settings import get_company_settings
from outreach.customers.activity import messages_moved
from outreach.customers.consent import (
    OPTED_OUT_REASON,
    WRONG_NUMBER_REASON,
    cancel_pending,
    pause,
)
from outreach.errors import NotFound, OutreachError, ValidationError
from outreach.extensions import db, is_in
from outreach.models import (
    CheckIn,
    Consent,
    Customer,
    CustomerMerge,
    FollowUp,
    Message,
    ServiceEvent,
    User,
)
from outreach.models.base import column_int
from outreach.models.followups import OPEN_FOLLOWUP_STATES
from outreach.models.messages import Call
from outreach.scheduling.planning import zone_for_customer
from outreach.scheduling.timing import is_zone

log = logging.getLogger(__name__)

PAGE = 50
QUERY_MAX = 100  #: characters of a search that count
MIN_DIGITS = 3  #: a search with this many digits also matches phone numbers containing them
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MERGE_SOURCE = "merge"  #: Consent.source of the opt-out a merge re-states
#: what a merge moved, in words, by table: (one, several); other tables show by their name
MOVED_WORDS = {
    "service_events": ("event", "events"),
    "checkins": ("check-in", "check-ins"),
    "messages": ("text", "texts"),
    "calls": ("call", "calls"),
    "replies": ("reply", "replies"),
    "followups": ("follow-up", "follow-ups"),
    "consents": ("opt-out or opt-in record", "opt-out or opt-in records"),
    "escalations": ("alert", "alerts"),
    "customer_merges": ("earlier merge", "earlier merges"),
}


class BadCursor(OutreachError):
    """A directory page link that was altered or comes from another version."""

    status = 400
    code = "bad_cursor"


class CustomerInvalid(ValidationError):
    """An edit with one or more wrong fields; `errors` maps each field to its message, and
    `conflict` is the other customer who already has the phone, when that is one of them."""

    def __init__(self, errors: dict[str, str], conflict: Customer | None = None) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.conflict = conflict


@dataclass(frozen=True)
class DirectoryRow:
    """A customer as the directory lists them."""

    customer: Customer
    zone: str
    last_contact_at: datetime | None
    open_followups: int


@dataclass(frozen=True)
class DirectoryPage:
    """One page of the directory and the cursor of the next (None on the last page)."""

    rows: list[DirectoryRow]
    next_cursor: str | None


@dataclass
class MergeSide:
    """One of two customers offered for a merge, with how much history each has."""

    customer: Customer
    counts: dict[str, int] = field(default_factory=dict)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_filter(q: str) -> sa.ColumnElement[bool] | None:
    """What a search matches: part of the name or external id (any case), the number typed in
    any format, or a run of at least MIN_DIGITS digits inside the number; None for no search."""
    q = (q or "").strip()[:QUERY_MAX]
    if not q:
        return None
    like = _like(q)
    matches = [
        Customer.name.ilike(like, escape="\\"),
        Customer.external_id.ilike(like, escape="\\"),
    ]
    with contextlib.suppress(PhoneError):
        matches.append(Customer.phone == normalize_phone(q, require_mobile=False))
    digits = re.sub(r"\D", "", q)
    if len(digits) >= MIN_DIGITS and re.fullmatch(r"[\d\s().+\-]+", q):
        if len(digits) >= 8 and digits.startswith("0"):  # a national number's trunk 0
            digits = digits.lstrip("0")
        matches.append(Customer.phone.like(_like(digits), escape="\\"))
    return sa.or_(*matches)


def encode_cursor(customer: Customer) -> str:
    """The position after this customer in the directory's (name, id) order, for a link."""
    raw = json.dumps([customer.name, customer.id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """The (name, id) a page link continues after; BadCursor when it was altered."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, customer_id = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise BadCursor("this page link is damaged: start again from the first page") from None
    if not isinstance(name, str) or column_int(customer_id) is None or "\x00" in name:
        raise BadCursor("this page link is damaged: start again from the first page")
    return name, int(customer_id)


def directory(q: str = "", cursor: str | None = None, limit: int = PAGE) -> DirectoryPage:
    """Customers matching a search, by name then id, `limit` at a time after `cursor`."""
    query = sa.select(Customer)
    match = search_filter(q)
    if match is not None:
        query = query.where(match)
    if cursor:
        name, customer_id = decode_cursor(cursor)
        query = query.where(sa.tuple_(Customer.name, Customer.id) > sa.tuple_(name, customer_id))
    found = list(db.session.scalars(query.order_by(Customer.name, Customer.id).limit(limit + 1)))
    page = found[:limit]
    ids = [c.id for c in page]
    last = last_contacts(ids)
    open_counts = open_followup_counts(ids)
    settings = get_company_settings()
    rows = [
        DirectoryRow(
            c,
            zone_for_customer(c, settings.default_timezone)[0],
            last.get(c.id),
            open_counts.get(c.id, 0),
        )
        for c in page
    ]
    more = len(found) > limit
    return DirectoryPage(rows, encode_cursor(page[-1]) if more else None)


def last_contacts(customer_ids: list[int]) -> dict[int, datetime]:
    """Each customer's latest text or call, either way (pages to staff do not count)."""
    if not customer_ids:
        return {}
    latest: dict[int, datetime] = {}
    for model, extra in ((Message, [Message.kind != "page"]), (Call, [])):
        rows = db.session.execute(
            sa.select(model.customer_id, sa.func.max(model.created_at))
            .where(model.customer_id.in_(customer_ids), *extra)
            .group_by(model.customer_id)
        )
        for customer_id, at in rows:
            if at is not None and (customer_id not in latest or at > latest[customer_id]):
                latest[customer_id] = at
    return latest


def open_followup_counts(customer_ids: list[int]) -> dict[int, int]:
    """How many follow-ups of each customer are not yet kept."""
    if not customer_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(FollowUp.customer_id, sa.func.count())
            .where(FollowUp.customer_id.in_(customer_ids))
            .where(FollowUp.state.in_(OPEN_FOLLOWUP_STATES))
            .group_by(FollowUp.customer_id)
        ).all()
    )


def get_customer(customer_id: int) -> Customer:
    """A customer; NotFound when there is none."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id} (merged or removed?)")
    return customer


def same_phone(customer: Customer) -> list[Customer]:
    """The other customers with this customer's number, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Customer)
            .where(Customer.phone == customer.phone, Customer.id != customer.id)
            .order_by(Customer.id)
        )
    )


def phone_owner(phone: str, other_than: int | None = None) -> Customer | None:
    """The first customer (other than `other_than`) who has this E.164 number."""
    query = sa.select(Customer).where(Customer.phone == phone)
    if other_than is not None:
        query = query.where(Customer.id != other_than)
    return db.session.scalar(query.order_by(Customer.id).limit(1))


def customers_by_phone(customer_ids: Collection[int]) -> dict[int, list[sa.Row]]:
    """For each of these customers whose number other customers have, those others (by id):
    rows of their id, name and external_id, not loaded objects (an import asks for thousands
    per chunk: the statement runs on the session's connection, without the ORM's row
    processing); one query."""
    if not customer_ids:
        return {}
    customers = Customer.__table__
    mine = sa.select(customers.c.id, customers.c.phone).where(is_in(customers.c.id, customer_ids))
    mine = mine.subquery()
    rows = db.session.connection().execute(
        sa.select(mine.c.id.label("mine"), *(customers.c[n] for n in ("id", "name", "external_id")))
        .join(customers, sa.and_(customers.c.phone == mine.c.phone, customers.c.id != mine.c.id))
        .order_by(mine.c.id, customers.c.id)
    )
    found: dict[int, list[sa.Row]] = {}
    for row in rows:
        found.setdefault(row.mine, []).append(row)
    return found


def validate_changes(data: Mapping[str, str | None], customer: Customer) -> dict[str, str | None]:
    """Name, phone, e-mail and zone from a form, checked together: the column values, or
    CustomerInvalid with every wrong field (and the customer who already has a new phone; a
    number kept as it was is not refused, even when a duplicate shares it)."""
    errors: dict[str, str] = {}
    values: dict[str, str | None] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = "Enter the customer's name."
    elif len(name) > 200:
        errors["name"] = "The name can be at most 200 characters."
    values["name"] = name
    conflict = None
    try:
        values["phone"] = normalize_phone((data.get("phone") or "").strip()[:40])
    except PhoneError as exc:
        text = str(exc)
        errors["phone"] = (
            "Enter a mobile phone number."
            if "required" in text
            else f"{text[:1].upper()}{text[1:]}."
        )
    else:
        if values["phone"] != customer.phone:
            conflict = phone_owner(values["phone"], other_than=customer.id)
        if conflict is not None:
            errors["phone"] = f"{conflict.name} already has this number."
    email = (data.get("email") or "").strip()
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        errors["email"] = "That is not an e-mail address (name@example.com)."
    values["email"] = email or None
    zone = (data.get("timezone") or "").strip()
    if zone and not is_zone(zone):
        errors["timezone"] = "Choose a time zone from the list (e.g. America/Chicago)."
    values["timezone"] = zone or None
    if errors:
        raise CustomerInvalid(errors, conflict)
    return values


def update_customer(customer_id: int, data: Mapping[str, str | None], user: User) -> list[str]:
    """Change a customer's name, phone, e-mail and zone; commits; the fields that changed.

    A new number clears the wrong-number mark (the old number was the wrong one); an opt-out
    stays (it is the customer's word, not the number's)."""
    customer = get_customer(customer_id)
    values = validate_changes(data, customer)
    changed = [key for key, value in values.items() if getattr(customer, key) != value]
    for key in changed:
        setattr(customer, key, values[key])
    if "phone" in changed:
        customer.is_wrong_number = False
    db.session.commit()
    log.info("customer %s edited by user %s: %s", customer_id, user.id, ", ".join(changed) or "-")
    return changed


def duplicate_groups(after_phone: str | None = None, limit: int = PAGE) -> tuple[list, str | None]:
    """Groups of customers sharing a number, by number, `limit` groups after `after_phone`;
    with the number to continue after (None on the last page)."""
    phones = (
        sa.select(Customer.phone)
        .group_by(Customer.phone)
        .having(sa.func.count() > 1)
        .order_by(Customer.phone)
        .limit(limit + 1)
    )
    if after_phone:
        phones = phones.where(Customer.phone > after_phone)
    found = list(db.session.scalars(phones))
    page = found[:limit]
    members = db.session.scalars(
        sa.select(Customer).where(Customer.phone.in_(page)).order_by(Customer.phone, Customer.id)
    )
    grouped: dict[str, list[Customer]] = {phone: [] for phone in page}
    for customer in members:
        grouped[customer.phone].append(customer)
    return list(grouped.values()), page[-1] if len(found) > limit else None


def _history_counts(customer_id: int) -> dict[str, int]:
    kinds = {
        "events": (ServiceEvent, []),
        "check-ins": (CheckIn, []),
        "texts": (Message, [Message.kind != "page"]),
        "follow-ups": (FollowUp, []),
    }
    return {
        label: db.session.scalar(
            sa.select(sa.func.count())
            .select_from(model)
            .where(model.customer_id == customer_id, *extra)
        )
        or 0
        for label, (model, extra) in kinds.items()
    }


def merge_sides(first_id: int, second_id: int) -> list[MergeSide]:
    """The two customers of a proposed merge with their history's size; NotFound, or
    ValidationError when both are the same customer."""
    if first_id == second_id:
        raise ValidationError("choose two different customers to merge")
    return [MergeSide(get_customer(i), _history_counts(i)) for i in (first_id, second_id)]


def merge_problem(keep: Customer, remove: Customer) -> str | None:
    """Why keeping `keep` and removing `remove` would be unsafe, or None when it is safe."""
    if keep.id == remove.id:
        return "choose two different customers to merge"
    if remove.is_opted_out and not keep.is_opted_out:
        return (
            f"{remove.name} opted out and {keep.name} did not: keeping {keep.name} would "
            f"text a number that said stop. Keep {remove.name} instead, or opt {keep.name} out "
            "first"
        )
    return None


def describe_moved(moved: Mapping[str, int] | None) -> str:
    """What a merge moved, as a person says it: "2 events, 3 check-ins and 5 texts"."""
    order = list(MOVED_WORDS)
    parts = [
        f"{count} {MOVED_WORDS.get(table, (table, table))[0 if count == 1 else 1]}"
        for table, count in sorted(
            (moved or {}).items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99
        )
        if count
    ]
    if not parts:
        return "nothing to move"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _customer_columns() -> list[sa.Column]:
    """Every column of every table that points at customers.id (read from the models, so a
    table added later is moved too)."""
    return [
        fk.parent
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == Customer.__tablename__ and fk.column.name == "id"
    ]


def _restate_opt_out(customer_id: int, remove_id: int, now: datetime) -> None:
    """After moving consent rows, make the kept (opted-out) customer's latest row an opt-out,
    so no moved opt-in can read as consent."""
    latest = db.session.execute(
        sa.select(Consent.state, Consent.created_at)
        .where(Consent.customer_id == customer_id)
        .order_by(Consent.created_at.desc(), Consent.id.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.state == "opted_out":
        return
    at = now if latest is None or latest.created_at <= now else latest.created_at
    db.session.add(
        Consent(
            customer_id=customer_id,
            channel="all",
            state="opted_out",
            source=MERGE_SOURCE,
            evidence=f"kept opted out when customer {remove_id} was merged in",
            created_at=at,
        )
    )


def merge_customers(keep_id: int, remove_id: int, user: User, now: datetime) -> CustomerMerge:
    """Fold `remove_id` into `keep_id` in one transaction (commits): every row pointing at it
    moves, it is deleted, and the merge is recorded on the kept customer's timeline.

    Refused (ValidationError) when unsafe (merge_problem); NotFound when either is gone. Both
    rows are locked first, in id order, so a concurrent merge or consent change waits."""
    if keep_id == remove_id:
        raise ValidationError("choose two different customers to merge")
    conn = db.session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    locked = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Customer)
            .where(Customer.id.in_([keep_id, remove_id]))
            .order_by(Customer.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    if keep_id not in locked or remove_id not in locked:
        db.session.rollback()
        raise NotFound("one of the two customers is gone (merged already?)")
    keep, remove = locked[keep_id], locked[remove_id]
    problem = merge_problem(keep, remove)
    if problem:
        db.session.rollback()
        raise ValidationError(problem, field="keep")
    moved: dict[str, int] = {}
    for column in _customer_columns():
        count = db.session.execute(
            sa.update(column.table)
            .where(column == remove_id)
            .values({column.name: keep_id})
            .execution_options(synchronize_session=False)
        ).rowcount
        if count:
            moved[column.table.name] = moved.get(column.table.name, 0) + count
    record = CustomerMerge(
        customer_id=keep_id,
        merged_customer_id=remove_id,
        merged_external_id=remove.external_id,
        merged_name=remove.name,
        merged_phone=remove.phone,
        merged_email=remove.email,
        user_id=user.id,
        moved=moved,
        created_at=now,
    )
    if moved.get("messages"):
        messages_moved(keep_id)
    _carry_flags(keep, remove, now)
    db.session.execute(
        sa.delete(Customer)
        .where(Customer.id == remove_id)
        .execution_options(synchronize_session=False)
    )
    db.session.add(record)
    db.session.commit()
    db.session.expire_all()
    log.info(
        "customer %s merged into %s by user %s: %s",
        remove_id,
        keep_id,
        user.id,
        ", ".join(f"{n} {t}" for t, n in sorted(moved.items())) or "nothing moved",
    )
    return record


def _carry_flags(keep: Customer, remove: Customer, now: datetime) -> None:
    """What the removed customer's state means for the kept one: an opted-out kept customer
    stays opted out (its moved pending check-ins canceled), a pause waiting on a person is
    kept, a wrong-number mark on the same number stays."""
    if keep.is_opted_out:
        _restate_opt_out(keep.id, remove.id, now)
        cancel_pending(keep.id, OPTED_OUT_REASON)
    elif remove.paused_at is not None and keep.paused_at is None:
        pause(keep, remove.paused_reason or f"probable opt-out of customer {remove.id}", now)
    if remove.is_wrong_number and remove.phone == keep.phone:
        keep.is_wrong_number = True
        cancel_pending(keep.id, WRONG_NUMBER_REASON)
    if remove.is_happy:
        keep.is_happy = True
