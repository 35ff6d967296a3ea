"""customers.last_message_at, which orders /admin/conversations, equals a recount from the
messages after every path that stores or moves a message, and the keyset pages walk the same
customers in the same order as grouping all messages did."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from conversation_helpers import TUE_10AM, inbound_params, make_conversation, make_staff
from fake_twilio import SEND_AT
from web_helpers import isolated_client, make_customer, make_user, now, sign_in

from outreach.conversations import record_inbound_sms
from outreach.conversations.manual import send_manual_sms
from outreach.customers import activity, service
from outreach.dev.demo import seed_demo
from outreach.messaging import send_checkin
from outreach.messaging.texts import queue_text
from outreach.models import Customer, Message

ROOT = Path(__file__).resolve().parent.parent


def stored() -> dict[int, object]:
    """Every customer's stored latest message time that is set."""
    from outreach.extensions import db

    db.session.expire_all()
    rows = db.session.execute(sa.select(Customer.id, Customer.last_message_at))
    return {customer_id: at for customer_id, at in rows if at is not None}


def assert_matches_recount() -> None:
    assert stored() == activity.recount()


def test_an_outbound_text_moves_the_time_up_and_never_back(db):
    ada = make_customer()
    db.session.commit()
    queue_text(ada.phone, "Hi", "manual", customer_id=ada.id, now=now())
    queue_text(ada.phone, "Earlier", "manual", customer_id=ada.id, now=now() - timedelta(days=1))
    db.session.commit()
    assert stored() == {ada.id: activity.recount()[ada.id]}
    assert_matches_recount()


def test_a_check_in_sent_by_the_engine_is_counted(twilio_app, fake_twilio, make_sms_checkin):
    checkin = make_sms_checkin(expires_in=timedelta(minutes=30))
    assert activity.recount() == {}
    send_checkin(checkin.id, now=SEND_AT)
    assert list(activity.recount()) == [checkin.customer_id]
    assert_matches_recount()


def test_a_manual_text_from_the_page_is_counted(app, db):
    staff = make_user("manager")
    ada = make_customer(zone="UTC")
    db.session.commit()
    before = ada.updated_at
    send_manual_sms(ada.id, "We are on our way", staff, now=now().replace(hour=12))
    assert_matches_recount()
    assert db.session.get(Customer, ada.id).updated_at == before  # not a change to the record


def test_inbound_replies_staff_texts_and_unknown_numbers(db):
    make_conversation(sent_at=TUE_10AM - timedelta(hours=2))
    assert_matches_recount()
    record_inbound_sms(inbound_params("All good, thanks"), now=TUE_10AM)
    record_inbound_sms(inbound_params("who is this?", from_="+16125550999"), now=TUE_10AM)
    staff = make_staff(phone="+16125550188")
    record_inbound_sms(inbound_params("ok", from_=staff.phone), now=TUE_10AM)
    assert len(activity.recount()) == 1
    assert_matches_recount()


def test_a_merge_moves_the_newer_time_to_the_kept_customer(db):
    manager = make_user("manager")
    keep, drop = make_customer(name="Ada"), make_customer(name="Ada L.")
    drop.phone = keep.phone
    db.session.commit()
    queue_text(keep.phone, "old", "manual", customer_id=keep.id, now=now() - timedelta(days=2))
    queue_text(drop.phone, "new", "manual", customer_id=drop.id, now=now())
    db.session.commit()
    service.merge_customers(keep.id, drop.id, manager, now())
    assert set(stored()) == {keep.id}
    assert_matches_recount()


def test_the_demo_history_is_counted(db):
    seed_demo()
    assert len(activity.recount()) > 5
    assert_matches_recount()


def test_every_module_that_stores_a_message_keeps_the_time():
    writers = []
    for path in sorted((ROOT / "outreach").rglob("*.py")):
        text = path.read_text()
        if "models" not in path.parts and re.search(
            r"\bMessage\(\s*$|insert\((Message|channel\.model)\)", text, re.M
        ):
            writers.append(path.name)
            assert "messages_stored(" in text, path
    assert sorted(writers) == ["engine.py", "history.py", "inbound.py", "texts.py"]


def old_order(q: str = "") -> list[int]:
    """The order grouping every message gave before the column existed."""
    from outreach.extensions import db

    last = (
        sa.select(Message.customer_id, sa.func.max(Message.created_at).label("at"))
        .group_by(Message.customer_id)
        .subquery()
    )
    active_at = sa.func.coalesce(last.c.at, Customer.updated_at)
    query = sa.select(Customer.id).outerjoin(last, last.c.customer_id == Customer.id)
    if q:
        query = query.where(Customer.name.ilike(f"%{q}%"))
    return list(db.session.scalars(query.order_by(active_at.desc(), Customer.id.desc())))


def walk(q: str = "", limit: int = 3) -> list[int]:
    seen, cursor = [], None
    while True:
        rows, cursor = activity.conversation_list(q, cursor, limit)
        seen += [c.id for c, _ in rows]
        if cursor is None:
            return seen


def test_the_pages_walk_the_same_order_as_grouping_every_message(db):
    base = now() - timedelta(days=10)
    customers = [make_customer(name=f"Cust {n}") for n in range(11)]
    db.session.commit()
    for n, c in enumerate(customers):
        c.updated_at = base + timedelta(hours=n % 4)  # ties: the id decides
    db.session.commit()
    for n, c in enumerate(customers[::2]):
        queue_text(c.phone, "hi", "manual", customer_id=c.id, now=base + timedelta(hours=n))
    db.session.commit()
    assert walk() == old_order() and len(walk()) == 11
    assert walk("cust 1") == old_order("cust 1") == [customers[10].id, customers[1].id]


def test_the_page_links_walk_older_and_a_damaged_link_starts_again(app, db):
    client = isolated_client(app)
    sign_in(client, make_user("manager"))
    for n in range(55):
        make_customer(name=f"Person {n:02d}")
    db.session.commit()
    first = client.get("/admin/conversations").get_data(as_text=True)
    [link] = re.findall(r'href="(/admin/conversations\?after=[^"]+)"', first)
    second = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "← Newest" in second and "Older →" not in second
    assert second.count("/admin/conversations/") == 5
    damaged = client.get("/admin/conversations?after=bm90IGEgY3Vyc29y")
    assert damaged.status_code == 302
    assert client.get(damaged.headers["Location"]).status_code == 200


def test_rebuild_figures_recounts_the_time_after_messages_are_edited_by_hand(app, db):
    from click.testing import CliRunner

    from outreach.cli import cli

    ada, grace = make_customer(), make_customer(name="Grace")
    db.session.commit()
    queue_text(ada.phone, "hi", "manual", customer_id=ada.id, now=now())
    db.session.execute(
        sa.insert(Message),
        [{"direction": "outbound", "kind": "manual", "customer_id": grace.id, "to_number": "+1"}],
    )
    db.session.execute(sa.delete(Message).where(Message.customer_id == ada.id))
    db.session.commit()
    assert stored() != activity.recount()
    result = CliRunner().invoke(cli, ["rebuild-figures"])
    assert result.exit_code == 0 and "latest message time recounted" in result.output
    assert set(stored()) == {grace.id}
    assert_matches_recount()
