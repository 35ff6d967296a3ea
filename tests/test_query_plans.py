"""The lists read their page from an index matching their sort, and the dashboard its figures
from index ranges and the rollup: no scan of a big table, no sort of it, on the first page and
on a cursor page (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from web_helpers import make_user, sign_in

from outreach.admin.followups import build_board
from outreach.admin.messages import list_messages
from outreach.conversations.worklist import build_worklist
from outreach.customers import activity
from outreach.customers.service import directory
from outreach.models import (
    CheckIn,
    CheckInTransition,
    Consent,
    Customer,
    FollowUp,
    Message,
    Policy,
    Reply,
    ServiceEvent,
    User,
    utcnow,
)
from outreach.models.checkins import UNSETTLED
from outreach.reporting.checkin_list import CheckinQuery, list_checkins
from outreach.reporting.figures import build_dashboard

EVENTS, POLICIES = 5_000, 4  #: 20,000 check-ins: enough rows for the planner to prefer an index


@pytest.fixture
def many(db):
    """20,000 check-ins: the past ones delivered or answered, the future ones scheduled."""
    now = utcnow()
    policy_ids = []
    for n in range(POLICIES):
        policy = Policy(
            name=f"p{n}", event_type="install", channel="sms", delay="PT0S", template="Hi"
        )
        db.session.add(policy)
        db.session.flush()
        policy_ids.append(policy.id)
    customer_id = db.session.scalar(
        sa.insert(Customer).returning(Customer.id),
        {"external_id": "c", "name": "C", "phone": "+14155550100", "timezone": "UTC"},
    )
    db.session.execute(
        sa.insert(ServiceEvent),
        [
            {
                "id": i + 1,
                "external_id": f"e{i}",
                "type": "install",
                "occurred_at": now,
                "customer_id": customer_id,
            }
            for i in range(EVENTS)
        ],
    )
    rows = []
    for i in range(EVENTS * POLICIES):
        due = now + timedelta(minutes=(i * 7919) % (EVENTS * POLICIES) - 17_000)
        rows.append(
            {
                "event_id": i // POLICIES + 1,
                "customer_id": customer_id,
                "policy_id": policy_ids[i % POLICIES],
                "channel": "sms",
                "status": "scheduled" if due > now else ("delivered", "answered")[i % 2],
                "due_at": due,
                "earliest_at": now,
                "timezone": "UTC",
            }
        )
    db.session.execute(sa.insert(CheckIn), rows)
    db.session.commit()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return now


def plan_of(db, query: CheckinQuery) -> str:
    """The plan of the one statement list_checkins runs for this query."""
    seen = []

    def capture(_conn, _cursor, statement, parameters, *_args) -> None:
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        list_checkins(query)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    db.session.rollback()
    [(statement, parameters)] = seen
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            return "\n".join(
                conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
            )
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(row[-1] for row in rows)


def assert_index_without_sort(plan: str, index: str) -> None:
    if "Index Scan" in plan or "Limit" in plan:  # PostgreSQL
        assert f"Index Scan using {index} on checkins" in plan, plan
        assert "Sort" not in plan and "Seq Scan" not in plan, plan
    else:  # SQLite
        assert f"USING INDEX {index}" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def cursor_at(db, position: int, *where) -> tuple:
    row = db.session.execute(
        sa.select(CheckIn.due_at, CheckIn.id)
        .where(*where)
        .order_by(CheckIn.due_at, CheckIn.id)
        .offset(position)
        .limit(1)
    ).one()
    return tuple(row)


def test_the_api_list_first_page_and_a_cursor_page_read_the_due_at_id_index(db, many):
    assert_index_without_sort(plan_of(db, CheckinQuery(limit=50)), "ix_checkins_due_at_id")
    after = cursor_at(db, 2_500)
    plan = plan_of(db, CheckinQuery(after=after, limit=50))
    assert_index_without_sort(plan, "ix_checkins_due_at_id")
    if db.engine.dialect.name == "postgresql":  # the cursor is the index range, not a filter
        assert "Index Cond: (ROW(due_at, id) >" in plan, plan


def test_a_cursor_page_is_the_rows_after_the_cursor_in_due_at_id_order(db, many):
    after = cursor_at(db, 2_500)
    page, more = list_checkins(CheckinQuery(after=after, limit=50))
    expected = db.session.scalars(
        sa.select(CheckIn.id).order_by(CheckIn.due_at, CheckIn.id).offset(2_501).limit(50)
    ).all()
    assert [c.id for c in page] == expected and more


def test_the_admin_queue_upcoming_view_reads_the_partial_unsettled_index(db, many):
    # SQLite matches a partial index's IN list only against literals, not bound parameters:
    # there the page is read in order from (due_at, id), still without a sort
    index = "ix_checkins_unsettled_due_at_id"
    if db.engine.dialect.name != "postgresql":
        index = "ix_checkins_due_at_id"
    first = CheckinQuery(statuses=UNSETTLED, limit=50)
    assert_index_without_sort(plan_of(db, first), index)
    after = cursor_at(db, 1_000, CheckIn.status.in_(UNSETTLED))
    paged = CheckinQuery(statuses=UNSETTLED, after=after, limit=50)
    assert_index_without_sort(plan_of(db, paged), index)


def test_one_status_reads_the_status_due_at_id_index_in_order(db, many):
    after = cursor_at(db, 1_000, CheckIn.status == "answered")
    for query in (
        CheckinQuery(statuses=("answered",), limit=50),
        CheckinQuery(statuses=("answered",), after=after, limit=50),
    ):
        assert_index_without_sort(plan_of(db, query), "ix_checkins_status_due_at")


def vacuum_analyze(db) -> None:
    """VACUUM ANALYZE on PostgreSQL (what autovacuum does to settled tables: index-only scans
    need it), ANALYZE on SQLite."""
    if db.engine.dialect.name != "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


@pytest.fixture
def history(db, many):
    """On top of the 20,000 check-ins (most scheduled ones moved a month later): two
    transitions each, 5,000 replies and 2,000 follow-ups over 400 days (one in ten open)."""
    customer_id = db.session.scalar(sa.select(Customer.id))
    db.session.execute(
        sa.insert(Reply),
        [
            {
                "customer_id": customer_id,
                "checkin_id": i + 1,
                "source": "sms",
                "text": "ok",
                "triage_class": ("positive", "negative", "urgent")[i % 3],
                "created_at": many - timedelta(hours=(i * 7919) % 9_600),
            }
            for i in range(5_000)
        ],
    )
    db.session.execute(
        sa.insert(FollowUp),
        [
            {
                "customer_id": customer_id,
                "title": "t",
                "state": ("open", "overdue", "escalated")[i % 3] if i % 10 == 0 else "done",
                "due_at": many - timedelta(hours=(i * 7919) % 9_600),
                "done_at": None if i % 10 == 0 else many,
            }
            for i in range(2_000)
        ],
    )
    later = [  # a backlog planned weeks ahead: few of the pending are due today
        {"id": i, "due_at": due + timedelta(days=30)}
        for i, due in db.session.execute(
            sa.select(CheckIn.id, CheckIn.due_at).where(
                CheckIn.status == "scheduled", CheckIn.id % 20 != 0
            )
        )
    ]
    db.session.execute(sa.update(CheckIn), later)
    checkins = db.session.execute(sa.select(CheckIn.id, CheckIn.status, CheckIn.due_at)).all()
    db.session.execute(
        sa.insert(CheckInTransition),
        [
            {"checkin_id": i, "from_status": old, "to_status": new, "reason": "t", "created_at": at}
            for i, status, at in checkins
            for old, new in ((None, "scheduled"), ("sending", status))
        ],
    )
    db.session.commit()
    vacuum_analyze(db)
    return many


def plans_of(db, run) -> list[tuple[str, str]]:
    """(statement, plan) of every statement `run()` executes."""
    seen = []

    def capture(_conn, _cursor, statement, parameters, *_args) -> None:
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    db.session.rollback()
    out = []
    with db.engine.connect() as conn:
        for statement, parameters in seen:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            if db.engine.dialect.name == "postgresql":
                rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
            else:
                found = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                rows = [row[-1] for row in found]
            out.append((statement, "\n".join(rows)))
    return out


BIG_TABLES = ("checkins", "checkin_transitions", "replies", "followups")


def test_the_dashboard_reads_index_ranges_and_the_rollup_never_a_big_table(db, history):
    plans = plans_of(db, lambda: build_dashboard(history))
    assert len(plans) >= 6
    for statement, plan in plans:
        # pending and due today: at 20,000 rows PostgreSQL's estimate (status and due_at taken
        # as independent) makes a scan as cheap as the partial unsettled index it reads at
        # 1,000,000 (bench/README.md); SQLite must still search an index
        due_today = "checkins.due_at <" in statement and "checkins.status IN" in statement
        for table in BIG_TABLES:
            if due_today and table == "checkins" and db.engine.dialect.name == "postgresql":
                continue
            assert f"Seq Scan on {table}" not in plan, (statement, plan)  # PostgreSQL
            assert not re.search(rf"\bSCAN {table}\b", plan), (statement, plan)  # SQLite
    joined = "\n".join(plan for _, plan in plans)
    assert "ix_replies_created_class" in joined, joined
    assert "ix_followups_due_state_done" in joined, joined
    assert "checkin_figures" in joined, joined


@pytest.fixture
def lists(db):
    """20,000 customers (one in a hundred opted out, with its consent row), 20,000 messages and
    5,000 follow-ups (one in ten still open, the others done over 400 days)."""
    now = utcnow()
    db.session.execute(
        sa.insert(Customer),
        [
            {
                "external_id": f"c{i}",
                "name": f"Customer {i * 7919 % 20_000:05d}",
                "phone": f"+1415{i:07d}",
                "timezone": "UTC",
                "is_opted_out": i % 100 == 0,
            }
            for i in range(20_000)
        ],
    )
    db.session.execute(
        sa.insert(Consent),
        [
            {"customer_id": i + 1, "state": "opted_out", "source": "keyword", "evidence": "STOP"}
            for i in range(0, 20_000, 100)
        ],
    )
    db.session.execute(
        sa.insert(Message),
        [
            {
                "direction": "outbound",
                "kind": "checkin",
                "customer_id": i % 20_000 + 1,
                "to_number": "+14150000000",
                "body": "Hi",
                "status": "delivered",
                "created_at": now - timedelta(minutes=20_000 - i),
            }
            for i in range(20_000)
        ],
    )
    db.session.execute(
        sa.insert(FollowUp),
        [
            {
                "customer_id": i % 20_000 + 1,
                "title": "t",
                "state": ("open", "overdue", "escalated")[i % 3] if i % 10 == 0 else "done",
                "due_at": now - timedelta(hours=(i * 7919) % 9_600),
                "done_at": None if i % 10 == 0 else now - timedelta(hours=(i * 7919) % 9_600),
            }
            for i in range(5_000)
        ],
    )
    db.session.commit()
    vacuum_analyze(db)
    return now


def _no_scan(plans: list[tuple[str, str]], *tables: str) -> str:
    for statement, plan in plans:
        for table in tables:
            assert f"Seq Scan on {table}" not in plan, (statement, plan)  # PostgreSQL
            assert not re.search(rf"\bSCAN {table}\b(?! USING)", plan), (statement, plan)
    return "\n".join(plan for _, plan in plans)


def test_the_messages_list_reads_its_primary_key_backwards_without_a_sort(db, lists):
    for before in (None, 10_000):
        [(_, plan), *_] = plans_of(db, lambda before=before: list_messages({}, before))
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
        if db.engine.dialect.name == "postgresql":
            assert "Index Scan Backward using pk_messages on messages" in plan, plan


def test_the_customer_directory_reads_the_name_id_index_on_every_page(db, lists):
    first = directory()
    assert first.next_cursor
    for cursor in (None, first.next_cursor):
        plans = plans_of(db, lambda cursor=cursor: directory("", cursor))
        [(_, plan), *_] = plans
        assert "ix_customers_name_id" in plan, plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
        _no_scan(plans, "customers", "messages", "followups")


def test_the_followup_board_reads_indexes_and_the_done_column_its_own(db, lists):
    joined = _no_scan(plans_of(db, lambda: build_board(lists)), "followups")
    assert "ix_followups_state_done_at_id" in joined, joined


def _board_plans(db, now, owner_id=None, after=None) -> list[str]:
    plans = plans_of(db, lambda: build_board(now, owner_id, after))
    assert len(plans) == 5, plans  # open, overdue (two states), escalated, done
    _no_scan(plans, "followups")
    for statement, plan in plans:
        # one owner's few rows of a column: PostgreSQL may fetch that index range as a bitmap
        # and sort the handful it holds (estimated 2 here) rather than walk it in order
        if owner_id is None or db.engine.dialect.name != "postgresql":
            assert "Sort" not in plan and "TEMP B-TREE" not in plan, (statement, plan)
    return [plan for _, plan in plans]


def test_every_page_of_every_board_column_is_an_index_range_in_its_order(db, lists):
    """Each column's page, first or later, everyone's or one owner's, is read in order from an
    index on (state, due_at, id), (state, done_at, id) or the same after owner_id: no sort, no
    count, nothing read past the page (keyset, not OFFSET)."""
    now = lists - timedelta(days=200)  # half the open ones due later: every column is long
    first = build_board(now)
    assert set(first.more) == {"open", "overdue", "escalated", "done"}, first.more
    after = {column: activity.decode_cursor(cursor) for column, cursor in first.more.items()}
    for cursors in (None, after):
        plans = _board_plans(db, now, None, cursors)
        for plan in plans[:4]:
            assert "ix_followups_state_due_at_id" in plan, plan
        assert "ix_followups_state_done_at_id" in plans[4], plans[4]
        if db.engine.dialect.name == "postgresql" and cursors:
            assert "ROW(due_at, id) >" in plans[0], plans[0]  # the cursor is the index range
    owners = [make_user("manager").id for _ in range(20)]  # the board of one of 20 people
    db.session.execute(
        sa.update(FollowUp).values(
            owner_id=sa.case(*((FollowUp.id % 20 == n, owner) for n, owner in enumerate(owners)))
        )
    )
    db.session.commit()
    owner = db.session.get(User, owners[0])
    vacuum_analyze(db)
    plans = _board_plans(db, now, owner.id, after)
    for plan in plans:  # (the few rows of one owner and state: either owner index will do)
        assert re.search(r"ix_followups_owner_state_(due|done)_at_id", plan), plan
    if db.engine.dialect.name != "postgresql":
        assert "ix_followups_owner_state_done_at_id" in plans[4], plans[4]


def test_the_opt_outs_page_counts_from_the_partial_opted_out_index(app, db, lists):
    client = app.test_client()
    sign_in(client, make_user("admin"))
    joined = _no_scan(plans_of(db, lambda: client.get("/admin/optouts")), "customers")
    assert "ix_customers_opted_out" in joined, joined


def test_the_conversations_list_reads_its_two_partial_indexes_without_a_sort(db, lists):
    activity.rebuild()
    db.session.execute(
        sa.update(Customer).where(Customer.id % 10 == 0).values(last_message_at=None)
    )
    db.session.commit()
    vacuum_analyze(db)
    rows, cursor = activity.conversation_list()
    assert len(rows) == activity.PAGE and cursor
    for after in (None, cursor):
        plans = plans_of(db, lambda after=after: activity.conversation_list("", after))
        assert len(plans) == 2, plans
        indexes = ("ix_customers_last_message_at_id", "ix_customers_quiet_updated_at_id")
        for (_, plan), index in zip(plans, indexes, strict=True):
            assert index in plan, plan
            assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
        _no_scan(plans, "customers", "messages")


def test_the_rep_list_reads_the_calls_to_make_from_their_partial_index(db, many):
    """/rep's rep calls: a range of (rep_id, due_at, id) over only the calls still to make, not
    the rep's every pending check-in (at 1,000,000 check-ins a scan of those was parallelised,
    ~10 ms of launching workers for 150 rows)."""
    reps = [make_user("rep").id for _ in range(20)]
    db.session.execute(
        sa.update(CheckIn).values(
            rep_id=sa.case(*((CheckIn.id % 20 == n, rep) for n, rep in enumerate(reps))),
            channel=sa.case((CheckIn.id % 5 == 0, "rep_call"), else_="sms"),
        )
    )
    db.session.commit()
    vacuum_analyze(db)
    rep = db.session.get(User, reps[0])
    plans = plans_of(db, lambda: build_worklist(rep, many, with_context=False))
    [plan] = [p for s, p in plans if "FROM checkins" in s and "checkins.channel =" in s]
    _no_scan([("", plan)], "checkins")
    if db.engine.dialect.name == "postgresql":
        assert "ix_checkins_pending_rep_calls" in plan, plan
