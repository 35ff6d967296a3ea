"""The rep's page: what is on the list and in which order, the customer's context, logging calls."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from web_helpers import (
    isolated_client,
    make_checkin,
    make_customer,
    make_followup,
    make_policy,
    make_reply,
    make_user,
    now,
    sign_in,
)

from outreach.company.settings import get_company_settings
from outreach.conversations.worklist import build_worklist
from outreach.models import CheckIn, CheckInTransition, FollowUp
from outreach.rep.views import PAGE_SIZE
from outreach.scheduling.timing import local_time

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def rep(db):
    """A rep."""
    return make_user("rep", name="Sam Rep")


@pytest.fixture
def client(app, rep):
    """A client signed in as the rep; each request gets its own app context."""
    client = isolated_client(app)
    sign_in(client, rep)
    return client


def _ids(items):
    return [(i.kind, i.id) for i in items]


def test_today_has_callbacks_then_overdue_then_calls_due_today_and_the_rest_comes_up(db, rep):
    at = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 09:00 in Chicago (the company default)
    later_today = make_checkin(rep, at + timedelta(hours=8))  # 17:00 Chicago
    overdue_call = make_checkin(rep, at - timedelta(hours=20))
    tomorrow = make_checkin(rep, at + timedelta(hours=20))  # 11:00 Chicago the next day
    customer = make_customer()
    callback = make_followup(rep, customer, at + timedelta(days=2), kind="callback")
    overdue_issue = make_followup(rep, customer, at - timedelta(hours=1))
    next_week = make_followup(rep, customer, at + timedelta(days=7))
    db.session.commit()

    worklist = build_worklist(rep, at)

    assert _ids(worklist.today) == [
        ("followup", callback.id),
        ("call", overdue_call.id),
        ("followup", overdue_issue.id),
        ("call", later_today.id),
    ]
    assert _ids(worklist.upcoming) == [("call", tomorrow.id), ("followup", next_week.id)]
    assert [i.is_overdue for i in worklist.today] == [False, True, True, False]


def test_only_the_reps_own_pending_rep_calls_and_open_follow_ups_are_listed(db, rep):
    at = now()
    other = make_user("rep")
    mine = make_checkin(rep, at - timedelta(hours=1))
    make_checkin(other, at - timedelta(hours=1))
    make_checkin(rep, at - timedelta(hours=1), status="done")
    make_checkin(rep, at - timedelta(hours=1), status="canceled")
    make_checkin(rep, at - timedelta(hours=1), policy=make_policy("sms"))
    make_checkin(rep, at + timedelta(days=30))  # beyond the two-week horizon
    customer = make_customer()
    open_one = make_followup(rep, customer, at)
    make_followup(rep, customer, at, state="done")
    make_followup(other, customer, at)
    db.session.commit()

    worklist = build_worklist(rep, at)

    assert sorted(_ids(worklist.today + worklist.upcoming)) == [
        ("call", mine.id),
        ("followup", open_one.id),
    ]


def test_a_backup_sees_the_work_of_an_away_colleague(db, rep):
    at = now()
    away = make_user("rep", name="Alex Away", backup_id=rep.id, is_away=True)
    present = make_user("rep", backup_id=rep.id)
    covered = make_checkin(away, at - timedelta(hours=1))
    make_checkin(present, at - timedelta(hours=1))
    db.session.commit()

    worklist = build_worklist(rep, at)

    assert _ids(worklist.today) == [("call", covered.id)]
    assert worklist.today[0].covering_for.id == away.id


def test_the_page_shows_the_customers_context_and_their_local_time(client, db, rep):
    at = now()
    customer = make_customer("Ada Lovelace", zone="America/Los_Angeles")
    due = at - timedelta(minutes=30)
    checkin = make_checkin(
        rep, due, customer=customer, summary="Replaced the water heater", zone="America/Los_Angeles"
    )
    make_reply(customer, "The pilot light keeps going out", "negative", rating=2)
    make_followup(rep, customer, at + timedelta(days=3), promise="Technician visit on Friday")
    db.session.commit()

    html = client.get("/rep").get_data(as_text=True)

    assert "Ada Lovelace" in html
    assert "Replaced the water heater" in html
    assert "install" in html
    assert "The pilot light keeps going out" in html
    assert ">negative<" in html and "2/5" in html
    assert "Technician visit on Friday" in html
    local = due.astimezone(ZoneInfo("America/Los_Angeles"))
    assert f"({local:%a %H:%M} {local.tzname()} for the customer)" in html
    assert f'href="tel:{customer.phone}"' in html
    assert f'action="/rep/checkins/{checkin.id}/outcome"' in html


def test_click_to_call_button_appears_only_when_the_call_endpoint_exists(client, app, db, rep):
    make_checkin(rep, now() - timedelta(hours=1))
    db.session.commit()
    html = client.get("/rep").get_data(as_text=True)
    assert ("Call through Outreach" in html) == ("rep.call" in app.view_functions)


def test_customer_supplied_text_is_escaped_everywhere(client, db, rep):
    customer = make_customer(EVIL)
    make_checkin(rep, now() - timedelta(hours=1), customer=customer, summary=EVIL)
    make_reply(customer, EVIL, "question")
    make_followup(rep, customer, now() + timedelta(days=1), title=EVIL, promise=EVIL)
    db.session.commit()

    html = client.get("/rep").get_data(as_text=True)

    assert EVIL not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 6


def _seed(rep, n):
    get_company_settings()  # the row exists, as after the demo seed or any settings change
    at = now()
    for i in range(n):
        customer = make_customer(f"Customer {i}")
        # overdue calls (on today's list at any hour) and follow-ups over the coming days
        call = make_checkin(rep, at - timedelta(hours=1, minutes=i), customer=customer)
        make_reply(customer, "all good", "positive")
        make_reply(customer, "actually the tap drips", "negative")
        kind = ("callback", "issue")[i % 2]
        make_followup(rep, customer, at + timedelta(days=i % 5), kind=kind, checkin_id=call.id)


def _count_queries(db, client):
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/rep")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_page_needs_the_same_few_queries_whatever_the_number_of_rows(client, db, rep, rows):
    _seed(rep, rows)
    db.session.commit()
    queries, html = _count_queries(db, client)
    listed = build_worklist(rep, now())
    shown = min(len(listed.today), PAGE_SIZE) + min(len(listed.upcoming), 50)
    assert html.count('id="call-') + html.count('id="followup-') == shown  # a card or a row
    assert html.count('class="card') <= PAGE_SIZE
    assert queries <= 14  # user, settings, calls, follow-ups, their events, replies, promises,
    # pages waiting; the follow-ups' opening replies, notes and texts sent since; done today
    # (calls, follow-ups); the three-way guests


def test_three_and_thirty_rows_cost_the_same_number_of_queries(client, db, rep):
    _seed(rep, 3)
    db.session.commit()
    few, _ = _count_queries(db, client)
    _seed(rep, 27)
    db.session.commit()
    many, html = _count_queries(db, client)
    assert html.count('class="card') == PAGE_SIZE and "Page 1 of " in html  # more than a page
    assert few == many


def _outcome(client, checkin_id, **fields):
    data = {f"c{checkin_id}-{k}": v for k, v in fields.items()}
    return client.post(f"/rep/checkins/{checkin_id}/outcome", data=data)


def _reload(db, model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_logging_reached_marks_the_call_done_through_a_recorded_transition(client, db, rep):
    checkin = make_checkin(rep, now() - timedelta(hours=1))
    db.session.commit()

    response = _outcome(client, checkin.id, outcome="reached", note="Happy with the install")

    assert response.status_code == 302 and response.headers["Location"] == "/rep"
    row = _reload(db, CheckIn, checkin.id)
    assert (row.status, row.outcome, row.outcome_note) == (
        "done",
        "reached",
        "Happy with the install",
    )
    transition = db.session.scalars(
        sa.select(CheckInTransition).where(CheckInTransition.checkin_id == checkin.id)
    ).one()
    assert (transition.from_status, transition.to_status) == ("scheduled", "done")
    assert transition.reason == f"call logged by {rep.name}: reached the customer, all good"
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0
    page = client.get("/rep").get_data(as_text=True)
    assert f"call-{checkin.id}" not in page
    assert "Logged: Reached the customer" in page


@pytest.mark.parametrize("outcome", ["voicemail", "no_answer"])
def test_voicemail_and_no_answer_also_close_the_call(client, db, rep, outcome):
    checkin = make_checkin(rep, now() - timedelta(hours=1), status="queued")
    db.session.commit()
    assert _outcome(client, checkin.id, outcome=outcome).status_code == 302
    row = _reload(db, CheckIn, checkin.id)
    assert (row.status, row.outcome) == ("done", outcome)


def test_issue_found_opens_a_follow_up_due_at_end_of_business_in_the_customers_zone(
    client, db, rep
):
    customer = make_customer(zone="America/New_York")
    checkin = make_checkin(
        rep, now() - timedelta(hours=1), customer=customer, zone="America/New_York"
    )
    db.session.commit()
    due = date.today() + timedelta(days=3)

    response = _outcome(
        client,
        checkin.id,
        outcome="issue_found",
        note="Thermostat not holding temperature\nShe noticed it last night",
        followup_due=due.isoformat(),
        promise="I will send a technician by Thursday",
        priority="high",
    )

    assert response.status_code == 302
    assert _reload(db, CheckIn, checkin.id).status == "done"
    followup = db.session.scalars(sa.select(FollowUp)).one()
    assert followup.checkin_id == checkin.id and followup.customer_id == customer.id
    assert followup.owner_id == rep.id
    assert (followup.kind, followup.priority, followup.state) == ("issue", "high", "open")
    assert followup.title == "Thermostat not holding temperature"
    assert followup.promise == "I will send a technician by Thursday"
    local = followup.due_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.date(), local.strftime("%H:%M")) == (due, "17:00")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"outcome": "issue_found", "note": "Broken"}, "give the date"),
        ({"outcome": "issue_found", "followup_due": "2099-01-01"}, "describe the issue"),
        ({"outcome": "issue_found", "note": "x", "followup_due": "2001-01-01"}, "in the past"),
        ({"outcome": "issue_found", "note": "x", "followup_due": "2999-01-01"}, "a year away"),
        (
            {
                "outcome": "issue_found",
                "note": "x",
                "followup_due": "2099-01-01",
                "priority": "meh",
            },
            "Not a valid choice",
        ),
        ({"outcome": "issue_found", "note": "x", "followup_due": "31/02/2026"}, "Not a valid date"),
        ({"outcome": "exploded"}, "Not a valid choice"),
        ({}, "This field is required"),
        ({"outcome": "reached", "note": "x" * 2001}, "Field cannot be longer"),
    ],
)
def test_bad_outcome_input_is_an_inline_error_and_changes_nothing(client, db, rep, fields, message):
    checkin = make_checkin(rep, now() - timedelta(hours=1))
    db.session.commit()

    response = _outcome(client, checkin.id, **fields)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = re.findall(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert any(message in e for e in errors), errors
    assert _reload(db, CheckIn, checkin.id).status == "scheduled"
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 0


def test_logging_a_call_twice_is_refused_and_opens_one_follow_up(client, db, rep):
    checkin = make_checkin(rep, now() - timedelta(hours=1))
    db.session.commit()
    soon = (date.today() + timedelta(days=30)).isoformat()
    fields = {"outcome": "issue_found", "note": "Leak", "followup_due": soon}

    assert _outcome(client, checkin.id, **fields).status_code == 302
    second = _outcome(client, checkin.id, **fields)

    assert second.status_code == 302
    assert "no longer waiting" in client.get("/rep").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 1
    transitions = db.session.scalars(
        sa.select(CheckInTransition).where(CheckInTransition.checkin_id == checkin.id)
    ).all()
    assert len(transitions) == 1


def test_a_rep_cannot_log_someone_elses_call(client, db, rep):
    other = make_user("rep")
    checkin = make_checkin(other, now() - timedelta(hours=1))
    db.session.commit()
    assert _outcome(client, checkin.id, outcome="reached").status_code == 404
    assert _reload(db, CheckIn, checkin.id).status == "scheduled"
    assert _outcome(client, 999999, outcome="reached").status_code == 404


def test_a_backup_can_log_the_call_of_an_away_colleague(client, db, rep):
    away = make_user("rep", backup_id=rep.id, is_away=True)
    checkin = make_checkin(away, now() - timedelta(hours=1))
    db.session.commit()
    assert _outcome(client, checkin.id, outcome="reached").status_code == 302
    assert _reload(db, CheckIn, checkin.id).status == "done"


def test_marking_a_follow_up_done_closes_it_once(client, db, rep):
    followup = make_followup(rep, make_customer(), now())
    db.session.commit()
    url = f"/rep/followups/{followup.id}/done"

    assert client.post(url, data={f"f{followup.id}-note": "Sent the technician"}).status_code == 302
    row = _reload(db, FollowUp, followup.id)
    assert (row.state, row.outcome_note) == ("done", "Sent the technician")
    assert row.done_at is not None
    assert client.post(url).status_code == 302
    assert "already done" in client.get("/rep").get_data(as_text=True)


def test_a_rep_cannot_close_someone_elses_follow_up(client, db, rep):
    followup = make_followup(make_user("rep"), make_customer(), now())
    db.session.commit()
    assert client.post(f"/rep/followups/{followup.id}/done").status_code == 404
    assert _reload(db, FollowUp, followup.id).state == "open"


def test_the_page_is_usable_on_a_phone(client, db, rep):
    make_checkin(rep, now() - timedelta(hours=1))
    db.session.commit()
    html = client.get("/rep").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "Nothing planned for the next two weeks." in html


def test_a_call_card_says_what_goes_out_if_the_rep_does_not_call(client, db, rep):
    at = now()
    sms = make_policy("sms")
    policy = make_policy()
    policy.deadline, policy.fallback_policy_id = "PT4H", sms.id
    with_fallback = make_checkin(rep, at - timedelta(minutes=30), policy=policy)
    with_fallback.deadline_at = at + timedelta(hours=2)
    alone = make_checkin(rep, at - timedelta(minutes=20))
    alone.deadline_at = at + timedelta(hours=3)
    db.session.commit()

    page = client.get("/rep").get_data(as_text=True)

    card = page[page.index(f'id="call-{with_fallback.id}"') :]
    deadline = local_time(with_fallback.deadline_at, "America/Chicago", "%H:%M")
    assert f"A text goes out at {deadline} if you don't call." in card[:3000]
    card = page[page.index(f'id="call-{alone.id}"') :]
    deadline = local_time(alone.deadline_at, "America/Chicago", "%H:%M")
    assert f"Call by {deadline}: after that the call counts as missed." in card[:3000]


def test_filters_pages_and_collapsed_lists_keep_the_page_short(client, db, rep):
    _seed(rep, 30)  # 30 calls (3 due today) and 30 follow-ups (15 callbacks)
    done = make_checkin(rep, now() - timedelta(hours=2), customer=make_customer("Done Dana"))
    db.session.commit()
    _outcome(client, done.id, outcome="reached")

    page = client.get("/rep").get_data(as_text=True)
    calls = client.get("/rep?show=calls").get_data(as_text=True)
    followups = client.get("/rep?show=followups").get_data(as_text=True)
    second = client.get("/rep?page=2").get_data(as_text=True)

    assert page.count('class="card') == PAGE_SIZE and 'rel="next"' in page
    assert "Page 1 of" in page and "Page 2 of" in second and 'rel="prev"' in second
    assert len(page.encode()) < 150_000
    calls_today = calls[: calls.index('id="coming-up"')]
    assert 'id="followup-' not in calls_today and 'id="call-' in calls_today
    followups_today = followups[: followups.index('id="coming-up"')]
    assert 'id="call-' not in followups_today and 'id="followup-' in followups_today
    assert '<details class="list"><summary><h2 id="done-today">Done today' in page
    done_list = page[page.index('id="done-today"') :]
    assert "Done Dana" in done_list and "Reached the customer, all good" in done_list
    assert client.get("/rep?show=nonsense&page=-4").status_code == 200


def test_a_new_calendar_address_comes_with_copy_and_subscribe(client, app, db, rep):
    page = client.post("/rep/calendar").get_data(as_text=True)

    url = re.search(r'value="(https://[^"]+\.ics)"', page).group(1)
    assert f'href="webcal://{url.removeprefix("https://")}"' in page
    assert 'data-copy="feed-url"' in page and "/static/copy.js" in page


def test_a_coming_up_row_opens_as_a_full_card(client, db, rep):
    customer = make_customer("Ada Lovelace")
    later = make_followup(rep, customer, now() + timedelta(days=3), title="Bring the part")
    db.session.commit()

    listed = client.get("/rep").get_data(as_text=True)
    opened = client.get(f"/rep?open=followup-{later.id}").get_data(as_text=True)

    assert f'<li id="followup-{later.id}">' in listed and 'article class="card' not in listed
    assert f'href="/rep?open=followup-{later.id}#followup-{later.id}"' in listed
    assert f'id="followup-{later.id}"' in opened and "Mark done" in opened
    assert f'<li id="followup-{later.id}">' not in opened  # a card now, not also a row
