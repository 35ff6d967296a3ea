"""/admin dashboard: today's numbers and 30-day series from aggregate SQL, charts as SVG."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from web_helpers import (
    isolated_client,
    make_checkin,
    make_customer,
    make_followup,
    make_policy,
    make_reply,
    make_user,
    sign_in,
)

from outreach.models import CheckInTransition
from outreach.reporting.charts import Series, column_chart
from outreach.reporting.figures import build_dashboard, day_bounds
from outreach.scheduling import rollup

#: Friday 20 March 2026, 18:00 UTC = 13:00 in Chicago (CDT, UTC-5; DST began on 8 March)
NOW = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)
TODAY = date(2026, 3, 20)


def went_out(checkin, at: datetime, to: str = "sent") -> None:
    """Record that a check-in left `sending` at a time."""
    checkin.status = to
    for old, new, when in (("queued", "sending", at - timedelta(seconds=5)), ("sending", to, at)):
        checkin.transitions.append(
            CheckInTransition(from_status=old, to_status=new, reason="test", created_at=when)
        )


@pytest.fixture
def admin(db):
    """An admin."""
    return make_user("admin", name="Ada Admin")


def test_day_bounds_are_local_days_in_utc_across_a_dst_change():
    bounds = day_bounds(NOW, "America/Chicago", 30)
    assert len(bounds) == 30
    assert bounds[-1].day == TODAY and bounds[0].day == TODAY - timedelta(days=29)
    assert bounds[-1].start == datetime(2026, 3, 20, 5, 0, tzinfo=UTC)
    lengths = {b.day: b.end - b.start for b in bounds}
    assert lengths[date(2026, 3, 8)] == timedelta(hours=23)
    assert lengths[date(2026, 3, 7)] == timedelta(hours=24)
    assert all(a.end == b.start for a, b in pairwise(bounds))


def test_sent_and_reply_rate_are_counted_per_local_day(app, db):
    sms = make_policy("sms")
    customer = make_customer()
    rows = [make_checkin(None, NOW, customer=customer, policy=make_policy("sms")) for _ in range(4)]
    went_out(rows[0], datetime(2026, 3, 20, 15, 0, tzinfo=UTC))  # today 10:00 CDT
    went_out(rows[1], datetime(2026, 3, 20, 16, 0, tzinfo=UTC), to="delivered")
    went_out(rows[2], datetime(2026, 3, 20, 4, 30, tzinfo=UTC))  # 19 March 23:30 CDT
    went_out(rows[3], datetime(2026, 1, 1, 16, 0, tzinfo=UTC))  # before the 30 days
    make_reply(customer, "all good", "positive", checkin_id=rows[0].id)
    make_reply(customer, "thanks", "positive", checkin_id=rows[0].id)  # one check-in, two replies
    make_checkin(None, NOW, customer=customer, policy=sms, status="scheduled")  # never went out
    db.session.commit()
    rollup.rebuild()  # the history above was written by hand, not through transitions

    data = build_dashboard(NOW)

    assert data.zone == "America/Chicago"
    assert (data.today.day, data.today.sent, data.today.replied) == (TODAY, 2, 1)
    assert data.today.reply_rate == 50.0
    yesterday = data.days[-2]
    assert (yesterday.day, yesterday.sent, yesterday.replied) == (date(2026, 3, 19), 1, 0)
    assert data.totals.sent == 3
    assert data.days[0].reply_rate is None


def test_negative_and_urgent_replies_per_day(app, db):
    customer = make_customer()
    for text, triage_class, at in (
        ("it leaks", "negative", NOW - timedelta(hours=1)),
        ("smoke!", "urgent", NOW - timedelta(hours=2)),
        ("cold again", "negative", NOW - timedelta(days=3)),
        ("great", "positive", NOW - timedelta(hours=1)),
    ):
        make_reply(customer, text, triage_class, created_at=at)
    db.session.commit()

    data = build_dashboard(NOW)

    assert (data.today.negative, data.today.urgent, data.today.replies) == (1, 1, 3)
    assert data.days[-4].negative == 1
    assert (data.totals.negative, data.totals.urgent) == (2, 1)


def test_followups_kept_on_time_late_and_not_done(app, db):
    rep = make_user("rep")
    customer = make_customer()
    due = NOW - timedelta(hours=3)
    on_time = make_followup(rep, customer, due, state="done", done_at=due - timedelta(hours=1))
    make_followup(rep, customer, due, state="done", done_at=due + timedelta(hours=1))
    make_followup(rep, customer, due, state="overdue")
    make_followup(rep, customer, NOW + timedelta(hours=3))  # not due yet: not counted
    db.session.commit()

    data = build_dashboard(NOW)

    today = data.today
    assert (today.followups_due, today.followups_on_time) == (3, 1)
    assert (today.followups_late, today.followups_open) == (1, 1)
    assert today.followups_rate == pytest.approx(33.3)
    assert on_time.state == "done"
    assert (data.snapshot.followups_open, data.snapshot.followups_overdue) == (2, 1)


def _rep_call(rep, status: str, done_after: timedelta | None, deadline: timedelta | None):
    due = NOW - timedelta(days=2)
    checkin = make_checkin(rep, due, status=status)
    checkin.deadline_at = due + deadline if deadline else None
    if done_after is not None:
        checkin.transitions.append(
            CheckInTransition(
                from_status="scheduled", to_status="done", reason="t", created_at=due + done_after
            )
        )
    return checkin


def test_personal_calls_per_rep_on_time_late_and_missed(app, db):
    sam = make_user("rep", name="Sam")
    kim = make_user("rep", name="Kim")
    _rep_call(sam, "done", timedelta(hours=1), timedelta(hours=4))
    _rep_call(sam, "done", timedelta(hours=5), timedelta(hours=4))
    _rep_call(sam, "missed", None, timedelta(hours=4))
    _rep_call(kim, "done", timedelta(hours=30), None)  # no deadline: on time
    _rep_call(kim, "scheduled", None, timedelta(hours=4))  # still pending: not counted
    early = _rep_call(kim, "done", timedelta(hours=-3), timedelta(hours=4))
    early.due_at = NOW + timedelta(hours=2)  # called before it came due: counted, on time
    db.session.commit()

    reps = {r.name: r for r in build_dashboard(NOW).reps}

    assert (reps["Sam"].on_time, reps["Sam"].late, reps["Sam"].missed) == (1, 1, 1)
    assert reps["Sam"].on_time_rate == pytest.approx(33.3)
    assert (reps["Kim"].on_time, reps["Kim"].late, reps["Kim"].missed) == (2, 0, 0)
    assert [r.name for r in build_dashboard(NOW).reps] == ["Sam", "Kim"]  # misses first


def test_snapshot_counts_what_is_pending_today(app, db):
    rep = make_user("rep")
    make_checkin(rep, NOW + timedelta(hours=2))  # 15:00 CDT today
    make_checkin(rep, NOW + timedelta(days=2))
    make_checkin(None, NOW + timedelta(hours=1), policy=make_policy("sms"))
    make_checkin(rep, NOW + timedelta(hours=1), status="canceled")
    db.session.commit()

    snap = build_dashboard(NOW).snapshot

    assert (snap.pending, snap.due_today, snap.rep_calls_today) == (3, 2, 1)


def test_dashboard_page_shows_numbers_and_svg_charts(app, db, admin):
    customer = make_customer()
    make_reply(customer, "smoke!", "urgent")
    db.session.commit()
    client = isolated_client(app)
    sign_in(client, admin)

    html = client.get("/admin/dashboard").get_data(as_text=True)

    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 5
    assert "Negative and urgent replies per day" in html
    urgent = '<dt><a href="/admin">Urgent replies</a></dt><dd><a href="/admin">1</a></dd>'
    assert urgent in html  # the tile links to the attention list it counts
    assert "<script" not in html


def test_managers_see_the_dashboard_and_reps_do_not(app, db):
    manager, rep = isolated_client(app), isolated_client(app)
    sign_in(manager, make_user("manager"))
    sign_in(rep, make_user("rep"))
    assert manager.get("/admin/dashboard").status_code == 200
    assert rep.get("/admin/dashboard").status_code == 403


def test_a_count_chart_has_no_half_ticks_and_keeps_its_last_date_inside():
    days = [f"{d:02d} Nov" for d in range(1, 31)]
    svg = str(column_chart(days, [Series("check-ins", [0] * 29 + [1])], title="Check-ins"))

    ticks = re.findall(r'class="axis" text-anchor="end">([^<]*)</text>', svg)
    assert "0.5" not in ticks and "0" in ticks and "1" in ticks
    last = re.search(r'<text x="([\d.]+)" y="180" class="axis" text-anchor="end">30 Nov<', svg)
    assert last and float(last.group(1)) <= 640 - 8  # ends inside the plot, not cut off
    assert svg.count(">26 Nov<") == 1 and ">28 Nov<" not in svg  # no label crowds the last
    rates = str(column_chart(days, [Series("rate", [50.0] * 30)], title="Rate", unit="%"))
    assert ">50%</text>" in rates  # a rate keeps its middle line
