"""The fire alarm: an urgent reply pages the rep (or the person on call), then the backup, then
the managers, until someone takes it by text, by the one-tap link or on a page; driven by a fake
clock (`now`), every step once even with two schedulers."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from conversation_helpers import (
    CUSTOMER_PHONE,
    TUE_10AM,
    followups_of,
    inbound_params,
    make_conversation,
    make_staff,
    post_inbound,
    queued_text_ids,
    texts,
)
from web_helpers import isolated_client, sign_in

from outreach.company.settings import get_company_settings
from outreach.conversations import escalation, oncall, record_inbound_sms
from outreach.conversations.promise import BusinessHours
from outreach.dispatch.sweeper import run_pass
from outreach.extensions import db
from outreach.models import Customer, Escalation, FollowUp, Message, Page, Reply, User, utcnow
from outreach.reporting.timeline import customer_timeline
from outreach.triage import Triage

CHICAGO = ZoneInfo("America/Chicago")
#: Saturday 14 March 2026, 11:09 in Chicago (CDT): outside business hours
SAT_1109 = datetime(2026, 3, 14, 11, 9, tzinfo=CHICAGO).astimezone(UTC)
WATER = "There's water all over the floor since your tech left, I want a refund"
UNKNOWN = "+16125559999"


@pytest.fixture
def team(app):
    """Sam (a rep, backed up by Jordan), Morgan the manager, a manager without a phone, and the
    customer Pat, a customer of Sam's."""
    jordan = make_staff(name="Jordan Lee")
    sam = make_staff(name="Sam Rivera", backup_id=jordan.id)
    morgan = make_staff("manager", name="Morgan Diaz")
    make_staff("manager", name="Quinn Nophone", phone="")
    return {"sam": sam, "jordan": jordan, "morgan": morgan}


def _on_call(*users: User) -> None:
    settings = get_company_settings()
    settings.on_call_user_ids = [u.id for u in users]
    db.session.commit()


def _urgent(at: datetime, text: str = WATER, from_: str = CUSTOMER_PHONE):
    return record_inbound_sms(inbound_params(text, from_=from_), now=at)


def _staff_text(user: User, body: str, at: datetime, sid: str | None = None):
    return record_inbound_sms(inbound_params(body, from_=user.phone, sid=sid), now=at)


def _pages() -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(User.name, Page.level).join(User, User.id == Page.user_id).order_by(Page.id)
    )
    return [tuple(r) for r in rows]


def _the_escalation() -> Escalation:
    db.session.expire_all()
    return db.session.scalars(sa.select(Escalation)).one()


def _token(page_text: str) -> str:
    return re.search(r"/a/([\w-]+)$", page_text).group(1)


# -- the chain ---------------------------------------------------------------------------------


def test_in_business_hours_the_rep_is_paged_at_once_and_taking_it_stops_the_chain(app, team):
    sam = team["sam"]
    checkin = make_conversation(rep=sam, sent_at=TUE_10AM - timedelta(hours=2))

    result = _urgent(TUE_10AM)

    assert _pages() == [("Sam Rivera", "owner")]
    [page_text] = texts("page")
    assert (page_text.to_number, page_text.user_id) == (sam.phone, sam.id)
    assert page_text.body.startswith(f'URGENT: Pat Example wrote "{WATER}". Call {CUSTOMER_PHONE}.')
    assert "Reply 1 to take it, or tap https://outreach.test/a/" in page_text.body
    assert result.answer == "Thanks — Sam will call you within 30 minutes."
    [followup] = followups_of(checkin.customer_id)
    assert followup.due_at == TUE_10AM + timedelta(minutes=30)
    assert escalation.escalate_due(TUE_10AM + timedelta(minutes=5)) == 0

    taken = _staff_text(sam, "1", TUE_10AM + timedelta(minutes=6))

    assert taken.reply is None and taken.message.kind == "staff_reply"
    assert taken.answer == f"It's yours: call Pat Example at {CUSTOMER_PHONE} by Tue 10:30 am."
    e = _the_escalation()
    assert (e.acked_by_id, e.acked_via, e.next_at) == (sam.id, "sms", None)
    assert e.acked_at == TUE_10AM + timedelta(minutes=6)
    assert escalation.escalate_due(TUE_10AM + timedelta(hours=2)) == 0
    assert _pages() == [("Sam Rivera", "owner")]  # nobody else is ever paged
    page = db.session.scalars(sa.select(Page)).one()
    assert (page.acked_via, page.message_id) == ("sms", page_text.id)
    assert db.session.scalars(sa.select(Reply)).one().id == result.reply.id  # "1" is no reply


def test_unanswered_it_goes_to_the_backup_then_the_managers_after_n_minutes_each(app, team, caplog):
    caplog.set_level(logging.DEBUG)
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    minute = timedelta(minutes=1)

    assert escalation.escalate_due(TUE_10AM + 9 * minute) == 0
    assert escalation.escalate_due(TUE_10AM + 10 * minute) == 1
    assert _pages() == [("Sam Rivera", "owner"), ("Jordan Lee", "backup")]
    backup_text = texts("page")[1]
    assert backup_text.to_number == team["jordan"].phone
    assert backup_text.body.startswith("URGENT, not taken in 10 min (Sam paged): Pat Example")
    assert escalation.escalate_due(TUE_10AM + 19 * minute) == 0
    assert escalation.escalate_due(TUE_10AM + 20 * minute) == 1
    assert _pages()[2:] == [("Morgan Diaz", "manager")]  # the manager without a phone is skipped
    assert "not taken in 20 min (Sam, Jordan paged)" in texts("page")[2].body
    e = _the_escalation()
    assert (e.step, e.next_at, e.acked_at) == (3, TUE_10AM + 30 * minute, None)
    assert len(followups_of(e.customer_id)) == 1
    for secret in (CUSTOMER_PHONE, team["jordan"].phone, "Pat Example", "water"):
        assert secret not in caplog.text
    assert f"escalation {e.id} (reply {e.reply_id}) paged user {team['jordan'].id}" in caplog.text


def test_after_the_managers_it_pages_on_call_and_managers_again_then_says_unanswered(app, team):
    kim = make_staff(name="Kim Park")
    _on_call(kim)
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    minute = timedelta(minutes=1)
    for at in (10, 20):
        assert escalation.escalate_due(TUE_10AM + at * minute) == 1
    chain = [("Sam Rivera", "owner"), ("Jordan Lee", "backup"), ("Morgan Diaz", "manager")]
    assert _pages() == chain

    assert escalation.escalate_due(TUE_10AM + 29 * minute) == 0
    assert escalation.escalate_due(TUE_10AM + 30 * minute) == 1  # round 1
    round_1 = [("Kim Park", "on_call"), ("Morgan Diaz", "manager")]
    assert _pages() == chain + round_1
    body = texts("page")[3].body
    assert body.startswith("URGENT, STILL not taken in 30 min, paged again 1 of 2 (Sam, Jordan")
    assert escalation.escalate_due(TUE_10AM + 39 * minute) == 0
    assert escalation.escalate_due(TUE_10AM + 40 * minute) == 1  # round 2
    assert _pages() == chain + round_1 + round_1
    rounds = db.session.scalars(sa.select(Page.repage_round).order_by(Page.id)).all()
    assert rounds == [0, 0, 0, 1, 1, 2, 2]
    e = _the_escalation()
    assert (e.repaged, e.unanswered_at, e.next_at) == (2, None, TUE_10AM + 50 * minute)

    assert escalation.escalate_due(TUE_10AM + 50 * minute) == 1  # unanswered, nobody paged
    e = _the_escalation()
    assert (e.unanswered_at, e.next_at, e.acked_at) == (TUE_10AM + 50 * minute, None, None)
    assert len(_pages()) == 7
    assert escalation.escalate_due(TUE_10AM + 5 * 60 * minute) == 0  # and nothing more

    manager = isolated_client(app)
    sign_in(manager, team["morgan"])
    html = manager.get("/admin").get_data(as_text=True)
    card = html.split(f'id="escalation-{e.id}"')[1].split("</article>")[0]
    assert "UNANSWERED" in card and "<strong>Unanswered</strong> since 10:50 CDT" in card
    assert "2 rounds paging the person on call and the managers again" in card
    assert "<strong>Kim Park</strong> (on call, paged again: round 2), paged 10:40 CDT" in card
    tile = manager.get("/admin/dashboard").get_data(as_text=True).split('id="tile-unanswered"')[1]
    assert '<a href="/admin#waiting" class="error">1</a>' in tile.split("</div>")[0]
    timeline = manager.get(f"/admin/conversations/{e.customer_id}").get_data(as_text=True)
    assert '<strong class="error">UNANSWERED</strong> since Tue 10 Mar 10:50 CDT' in timeline
    assert "Paged again <strong>Kim Park</strong> (on call, round 1)" in timeline

    manager.post(f"/admin/attention/{e.id}/take")  # still on the list, so it can be taken

    e = _the_escalation()
    assert e.acked_by_id == team["morgan"].id
    html = manager.get("/admin").get_data(as_text=True)
    assert f'id="escalation-{e.id}"' not in html and "after going unanswered" in html
    assert 'class="error">1</a>' not in manager.get("/admin/dashboard").get_data(as_text=True)


@pytest.mark.parametrize("taken_after", [0, 1, 2, 3, 4, 5])
def test_taking_it_at_any_point_stops_the_chain_and_the_re_pages(app, team, taken_after):
    _on_call(make_staff(name="Kim Park"))
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    step = timedelta(minutes=10)
    for n in range(1, taken_after + 1):
        assert escalation.escalate_due(TUE_10AM + n * step) == 1
    paged = _pages()

    escalation.take_on_web(_the_escalation().id, team["morgan"], TUE_10AM + taken_after * step)

    for n in range(taken_after + 1, 12):
        assert escalation.escalate_due(TUE_10AM + n * step) == 0
    assert _pages() == paged
    e = _the_escalation()
    assert (e.next_at, e.acked_by_id) == (None, team["morgan"].id)
    assert (e.unanswered_at is not None) == (taken_after == 5)


def test_with_no_re_page_rounds_it_is_unanswered_one_interval_after_the_managers(app, team):
    settings = get_company_settings()
    settings.repage_rounds = 0
    db.session.commit()
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)

    for minutes in (10, 20, 30):
        escalation.escalate_due(TUE_10AM + timedelta(minutes=minutes))

    assert len(_pages()) == 3
    assert _the_escalation().unanswered_at == TUE_10AM + timedelta(minutes=30)


def test_two_sweeps_at_once_re_page_once(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    for minutes in (10, 20):
        escalation.escalate_due(TUE_10AM + timedelta(minutes=minutes))
    later = TUE_10AM + timedelta(minutes=30)
    stale = _the_escalation()
    db.session.expunge(stale)

    assert escalation.escalate_due(later) == 1
    assert escalation._advance(stale, later, get_company_settings()) is None
    db.session.rollback()
    assert _pages()[3:] == [("Morgan Diaz", "manager")]


def test_the_scheduler_pass_runs_the_escalation_step(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)

    result = run_pass(TUE_10AM + timedelta(minutes=11))

    assert "escalations" not in result.errors
    assert _pages() == [("Sam Rivera", "owner"), ("Jordan Lee", "backup")]


def test_an_away_rep_is_skipped_and_the_backup_is_paged_first(app, team):
    sam = team["sam"]
    sam.is_away = True
    db.session.commit()
    make_conversation(rep=sam, sent_at=TUE_10AM - timedelta(hours=2))

    result = _urgent(TUE_10AM)

    assert _pages() == [("Jordan Lee", "backup")]
    assert result.answer == "Thanks — Jordan will call you within 30 minutes."


def test_after_hours_the_person_on_call_is_paged_first_and_the_customer_is_told_so(app, team):
    kim = make_staff(name="Kim Park", backup_id=team["jordan"].id)
    _on_call(kim)
    checkin = make_conversation(rep=team["sam"], sent_at=SAT_1109 - timedelta(hours=3))

    result = _urgent(SAT_1109)

    assert _pages() == [("Kim Park", "on_call")]
    assert result.answer == "Thanks — our on-call technician will call you within 30 minutes."
    [followup] = followups_of(checkin.customer_id)
    assert (followup.owner_id, followup.due_at) == (kim.id, SAT_1109 + timedelta(minutes=30))
    assert followup.promise == (
        "The on-call technician (Kim Park) will call the customer within 30 minutes, "
        "by Sat 11:39 am CDT"
    )
    assert followup.promise != result.answer  # what was promised, not the text that said it
    assert _the_escalation().is_after_hours is True
    escalation.escalate_due(SAT_1109 + timedelta(minutes=10))
    assert _pages()[1:] == [("Jordan Lee", "backup")]  # Kim's backup, not the rep


SATURDAY_HOURS = {
    **{d: ["08:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    "sat": ["09:00", "13:00"],
}  #: Sunday closed
SUN_1109 = datetime(2026, 3, 15, 11, 9, tzinfo=CHICAGO).astimezone(UTC)


def _week(week: dict) -> None:
    settings = get_company_settings()
    settings.business_week = week
    db.session.commit()


def test_a_saturday_morning_urgent_reply_pages_the_rep_when_saturday_has_hours(app, team):
    _week(SATURDAY_HOURS)
    _on_call(make_staff(name="Kim Park"))
    make_conversation(rep=team["sam"], sent_at=SAT_1109 - timedelta(hours=3))

    result = _urgent(SAT_1109)

    assert _pages() == [("Sam Rivera", "owner")]
    assert result.answer == "Thanks — Sam will call you within 30 minutes."
    assert _the_escalation().is_after_hours is False


@pytest.mark.parametrize(
    "at",
    [
        SUN_1109,  # Sunday is closed
        datetime(2026, 3, 14, 13, 0, tzinfo=CHICAGO).astimezone(UTC),  # Saturday at closing
        datetime(2026, 3, 16, 7, 59, tzinfo=CHICAGO).astimezone(UTC),  # Monday before 08:00
    ],
)
def test_outside_the_days_hours_the_person_on_call_is_paged(app, team, at):
    _week(SATURDAY_HOURS)
    kim = make_staff(name="Kim Park")
    _on_call(kim)
    make_conversation(rep=team["sam"], sent_at=at - timedelta(hours=3))

    result = _urgent(at)

    assert _pages() == [("Kim Park", "on_call")]
    assert result.answer == "Thanks — our on-call technician will call you within 30 minutes."
    assert _the_escalation().is_after_hours is True


def test_a_stored_week_with_a_short_saturday_counts_business_time_day_by_day():
    hours = BusinessHours.from_settings("America/Chicago", SATURDAY_HOURS)
    saturday_noon = datetime(2026, 3, 14, 12, tzinfo=CHICAGO)

    assert hours.describe() == "Mon-Fri 08:00-18:00, Sat 09:00-13:00, Sun closed"
    assert hours.is_open(saturday_noon) and not hours.is_open(SUN_1109)
    assert hours.add_hours(saturday_noon, 2) == datetime(2026, 3, 16, 9, tzinfo=CHICAGO)
    assert hours.due("next_business_day", saturday_noon) == datetime(
        2026, 3, 16, 18, tzinfo=CHICAGO
    )
    assert hours.due("today", datetime(2026, 3, 14, 9, tzinfo=CHICAGO)) == datetime(
        2026, 3, 14, 13, tzinfo=CHICAGO
    )
    assert hours.closing_wall(date(2026, 3, 15)) == time(18)  # closed: the latest closing


@pytest.mark.parametrize(
    "stored", [None, {}, {"mon": ["18:00", "08:00"]}, {"sun": ["9am", "5pm"]}, ["09:00"]]
)
def test_an_unusable_stored_week_falls_back_to_weekdays_nine_to_five(stored):
    hours = BusinessHours.from_settings("America/Chicago", stored)

    assert hours.describe() == "Mon-Fri 09:00-17:00, Sat-Sun closed"


def test_after_hours_with_nobody_on_call_the_managers_are_paged(app, team):
    make_conversation(rep=team["sam"], sent_at=SAT_1109 - timedelta(hours=3))

    result = _urgent(SAT_1109)

    assert _pages() == [("Morgan Diaz", "manager")]
    assert result.answer == "Thanks — Morgan will call you within 30 minutes."


def test_with_nobody_to_page_the_reply_still_waits_on_the_list_and_the_promise_is_modest(app):
    make_conversation(rep=None, sent_at=TUE_10AM - timedelta(hours=2))

    result = _urgent(TUE_10AM)

    assert _pages() == []
    e = _the_escalation()
    assert (e.acked_at, e.next_at, e.plan) == (None, None, [])
    assert e.unanswered_at == TUE_10AM  # in red on the list at once
    assert "within 30 minutes" not in result.answer  # the business-hours promise instead


def test_the_wait_and_the_promise_follow_the_company_settings(app, team):
    settings = get_company_settings()
    settings.escalation_minutes, settings.callback_minutes = 5, 15
    db.session.commit()
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))

    result = _urgent(TUE_10AM)

    assert result.answer == "Thanks — Sam will call you within 15 minutes."
    assert escalation.escalate_due(TUE_10AM + timedelta(minutes=5)) == 1
    assert _pages()[1] == ("Jordan Lee", "backup")


# -- two schedulers --------------------------------------------------------------------------


def test_a_scheduler_that_read_a_stale_row_pages_nobody(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    later = TUE_10AM + timedelta(minutes=10)
    stale = _the_escalation()  # what this scheduler read before the other one committed
    db.session.expunge(stale)

    assert escalation.escalate_due(later) == 1  # the other scheduler
    moved = escalation._advance(stale, later, get_company_settings())

    assert moved is None
    db.session.rollback()
    assert _pages() == [("Sam Rivera", "owner"), ("Jordan Lee", "backup")]


def test_two_sweeps_at_once_page_the_backup_once(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    db.session.remove()
    later = TUE_10AM + timedelta(minutes=10)
    barrier, results, errors = threading.Barrier(4), [], []

    def sweep() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(escalation.escalate_due(later))
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    assert sorted(results) == [0, 0, 0, 1]
    assert _pages() == [("Sam Rivera", "owner"), ("Jordan Lee", "backup")]
    assert len(texts("page")) == 2


def test_a_link_and_a_text_at_once_take_it_once(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    escalation.escalate_due(TUE_10AM + timedelta(minutes=10))
    e = _the_escalation()
    sam, jordan = team["sam"], team["jordan"]
    at = TUE_10AM + timedelta(minutes=11)

    first = escalation.acknowledge(e.id, jordan, "link", at)
    second = escalation.acknowledge(e.id, sam, "sms", at)
    db.session.commit()

    assert (first.is_taken_now, second.is_taken_now) == (True, False)
    e = _the_escalation()
    assert (e.acked_by_id, e.acked_via) == (jordan.id, "link")
    assert db.session.get(FollowUp, e.followup_id).owner_id == jordan.id


# -- taking it by text -----------------------------------------------------------------------


@pytest.mark.parametrize("word", ["1", "Take", "ok!", "MINE", " take it "])
def test_the_words_that_take_a_page(word):
    assert escalation.is_ack(word)


@pytest.mark.parametrize("word", ["", "2", "no", "who is this?", "ok but later"])
def test_other_words_do_not_take_a_page(word):
    assert not escalation.is_ack(word)


def test_the_backup_takes_it_by_text_and_the_answer_says_whom_to_call(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    escalation.escalate_due(TUE_10AM + timedelta(minutes=10))

    answer = _staff_text(team["jordan"], "ok", TUE_10AM + timedelta(minutes=12))

    assert answer.answer.startswith(f"It's yours: call Pat Example at {CUSTOMER_PHONE}")
    assert answer.answer_message.kind == "page_answer"
    assert answer.answer_message.to_number == team["jordan"].phone
    e = _the_escalation()
    assert (e.acked_by_id, e.acked_via) == (team["jordan"].id, "sms")
    assert db.session.get(FollowUp, e.followup_id).owner_id == team["jordan"].id
    late = _staff_text(team["sam"], "1", TUE_10AM + timedelta(minutes=13))
    assert late.answer.startswith("Jordan Lee already took it (Pat Example, Tue 10:12 am)")


def test_when_someone_takes_it_the_others_paged_are_told_who_and_the_timeline_shows_it(app, team):
    checkin = make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    escalation.escalate_due(TUE_10AM + timedelta(minutes=10))
    escalation.escalate_due(TUE_10AM + timedelta(minutes=20))
    assert [name for name, _ in _pages()] == ["Sam Rivera", "Jordan Lee", "Morgan Diaz"]

    taken = _staff_text(team["jordan"], "1", TUE_10AM + timedelta(minutes=21))

    told = [
        (t.user_id, t.to_number, t.body) for t in texts("page_answer") if t.in_reply_to_id is None
    ]
    assert told == [
        (u.id, u.phone, "Taken by Jordan Lee: Pat Example. Nothing to do.")
        for u in (team["sam"], team["morgan"])
    ]
    assert taken.answer.startswith("It's yours")
    assert set(queued_text_ids()) >= {m.id for m in texts("page_answer")}
    timeline = customer_timeline(checkin.customer_id)
    bodies = [i.row.body for i in timeline.items if i.kind == "message"]
    assert bodies.count("Taken by Jordan Lee: Pat Example. Nothing to do.") == 2
    # taking it again, by any way, tells nobody twice
    _staff_text(team["sam"], "1", TUE_10AM + timedelta(minutes=22))
    assert escalation.take_on_web(_the_escalation().id, team["morgan"], utcnow()).texts == ()
    assert len([t for t in texts("page_answer") if t.body.startswith("Taken by")]) == 2


def test_taking_it_on_the_web_tells_the_one_paged(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)

    taken = escalation.take_on_web(_the_escalation().id, team["morgan"], TUE_10AM)

    [told] = [t for t in texts("page_answer") if t.body.startswith("Taken by")]
    assert (told.user_id, told.body) == (
        team["sam"].id,
        "Taken by Morgan Diaz: Pat Example. Nothing to do.",
    )
    assert taken.texts == (told.id,) and told.id in queued_text_ids()


def test_a_staff_text_posted_twice_takes_it_once_and_is_answered_once(app, team, client):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    params = inbound_params("1", from_=team["sam"].phone)

    for _ in range(2):
        assert post_inbound(client, params).status_code == 200

    assert len(texts("page_answer")) == 1
    assert _the_escalation().acked_by_id == team["sam"].id


def test_a_staff_text_that_is_not_a_yes_gets_a_hint_and_changes_nothing(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)

    other = _staff_text(team["sam"], "At another job, 20 min", TUE_10AM + timedelta(minutes=2))

    assert other.answer == "To take the page, reply 1."
    assert other.reply is None and _the_escalation().acked_at is None
    nothing = _staff_text(team["morgan"], "1", TUE_10AM + timedelta(minutes=3))
    assert nothing.answer == "No page is waiting for you."


# -- the one-tap link ------------------------------------------------------------------------


def _paged_now(sam: User) -> datetime:
    """An urgent reply at the real time (links expire by the real clock); Sam is paged whether
    it is business hours or not (he is on call too)."""
    _on_call(sam)
    now = utcnow()
    make_conversation(rep=sam, sent_at=now - timedelta(hours=2))
    _urgent(now)
    return now


def test_the_one_tap_link_shows_the_reply_and_takes_it_once(app, team):
    _paged_now(team["sam"])
    token = _token(texts("page")[0].body)
    stored = db.session.scalars(sa.select(Page.token_hash)).one()
    assert token not in stored and stored == escalation.hash_token(token)
    client = isolated_client(app)

    shown = client.get(f"/a/{token}")

    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Urgent: Pat Example" in html and "water all over the floor" in html
    assert "I'll take it" in html and _the_escalation().acked_at is None  # looking is not taking

    taken = client.post(f"/a/{token}")

    assert taken.status_code == 200 and "It's yours" in taken.get_data(as_text=True)
    e = _the_escalation()
    assert (e.acked_by_id, e.acked_via) == (team["sam"].id, "link")
    again = client.post(f"/a/{token}")
    assert again.status_code == 200 and "Already taken" in again.get_data(as_text=True)
    assert "Sam Rivera" in again.get_data(as_text=True)


@pytest.mark.parametrize("bad", ["nope", "{token}x", "{short}", "x" * 500, "%00", "a b"])
def test_a_wrong_link_gets_a_clear_page_never_a_500(app, team, bad):
    _paged_now(team["sam"])
    token = _token(texts("page")[0].body)
    url = "/a/" + bad.format(token=token, short=token[:-1])
    client = isolated_client(app)

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 404, url
        assert "This link does not work" in response.get_data(as_text=True)
    assert _the_escalation().acked_at is None


def test_an_expired_or_used_link_gets_a_clear_page(app, team):
    now = _paged_now(team["sam"])
    token = _token(texts("page")[0].body)
    client = isolated_client(app)
    page = db.session.scalars(sa.select(Page)).one()
    page.sent_at = now - escalation.LINK_TTL - timedelta(minutes=1)
    db.session.commit()

    expired = client.post(f"/a/{token}")

    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    assert _the_escalation().acked_at is None
    page.sent_at, page.token_used_at = now, now
    db.session.commit()
    used = client.get(f"/a/{token}")
    assert used.status_code == 410 and "already used" in used.get_data(as_text=True)


def test_the_link_form_needs_its_csrf_token(make_app, app_env):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        _paged_now(make_staff(name="Sam Rivera"))
        token = _token(texts("page")[0].body)
        client = isolated_client(app)

        forged = client.post(f"/a/{token}")

        assert forged.status_code == 400
        assert _the_escalation().acked_at is None
        html = client.get(f"/a/{token}").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        assert client.post(f"/a/{token}", data={"csrf_token": csrf}).status_code == 200
        assert _the_escalation().acked_via == "link"


# -- unknown numbers and replies to review ----------------------------------------------------


def test_an_urgent_text_from_an_unknown_number_pages_the_person_on_call(app, team):
    kim = make_staff(name="Kim Park")
    _on_call(kim)

    result = _urgent(TUE_10AM, "Gas smell in the basement, who do I call", from_=UNKNOWN)

    assert result.reply.triage_class == "urgent" and result.reply.customer_id is None
    assert _pages() == [("Kim Park", "on_call")]  # even in business hours: there is no rep
    [page_text] = texts("page")
    assert page_text.body.startswith(f'URGENT: Unknown number {UNKNOWN} wrote "Gas smell')
    assert result.answer is None  # no promise to a stranger; Kim calls back
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 0
    escalation.escalate_due(TUE_10AM + timedelta(minutes=10))
    assert _pages()[1:] == [("Morgan Diaz", "manager")]  # Kim has no backup


def test_a_reply_the_classifier_is_not_sure_of_waits_on_the_attention_list(app, team, monkeypatch):
    from outreach.conversations import inbound

    unsure = Triage("needs_review", "not sure: mixed signals")
    monkeypatch.setattr(inbound, "triage_text", lambda *args, **kwargs: unsure)
    checkin = make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))

    result = _urgent(TUE_10AM, "well the thing did the thing again I guess")

    assert result.reply.triage_class == "needs_review" and result.answer is None
    e = _the_escalation()
    assert (e.reason, e.plan, e.acked_at) == ("needs_review", [], None)
    assert _pages() == [] and followups_of(checkin.customer_id) == []
    manager = isolated_client(app)
    sign_in(manager, team["morgan"])
    html = manager.get("/admin").get_data(as_text=True)
    assert "needs review" in html and "the thing did the thing again" in html
    assert "not sure: mixed signals" in html


def test_revoking_consent_with_something_urgent_opts_out_and_still_pulls_the_alarm(app, team):
    checkin = make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))

    result = _urgent(TUE_10AM, "Stop texting me or I will call my lawyer")

    assert result.reply.triage_class in ("opt_out", "urgent")  # whichever the classifier puts first
    assert result.answer is None and texts("acknowledgement") == []
    assert db.session.get(Customer, checkin.customer_id).is_opted_out is True
    assert _pages() == [("Sam Rivera", "owner")]


# -- the attention list ---------------------------------------------------------------------


def test_the_attention_list_shows_words_names_pages_and_times_in_zones(app, team):
    make_conversation(
        rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2), timezone="America/New_York"
    )
    _urgent(TUE_10AM)
    escalation.escalate_due(TUE_10AM + timedelta(minutes=10))
    manager = isolated_client(app)
    sign_in(manager, team["morgan"])

    html = manager.get("/admin").get_data(as_text=True)

    assert "Pat Example" in html and "There&#39;s water all over the floor" in html
    assert "Wrote Tue 10 Mar 10:00 CDT" in html
    assert "(Tue 11:00 EDT for the customer)" in html
    assert "<strong>Sam Rivera</strong> (rep), paged 10:00 CDT" in html
    assert "<strong>Jordan Lee</strong> (backup), paged 10:10 CDT" in html
    assert "Next: the managers at 10:20 CDT unless someone takes it." in html
    assert f'href="tel:{CUSTOMER_PHONE}"' in html
    assert "customer #" not in html and "user #" not in html


def test_taking_it_on_the_attention_list_shows_who_took_it(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    e = _the_escalation()
    manager = isolated_client(app)
    sign_in(manager, team["morgan"])

    response = manager.post(f"/admin/attention/{e.id}/take")

    assert response.status_code == 302 and response.headers["Location"] == "/admin"
    e = _the_escalation()
    assert (e.acked_by_id, e.acked_via) == (team["morgan"].id, "web")
    html = manager.get("/admin").get_data(as_text=True)
    assert "You took it: Pat Example is yours to call." in html
    taken = html.split('id="taken-')[1]
    assert "<strong>Morgan Diaz</strong> on the web" in taken
    assert manager.post("/admin/attention/999999/take").status_code == 404


def test_the_rep_takes_a_page_from_the_rep_page(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    e = _the_escalation()
    rep = isolated_client(app)
    sign_in(rep, team["sam"])
    page = rep.get("/rep").get_data(as_text=True)
    assert "You are paged" in page and "water all over the floor" in page
    other = isolated_client(app)
    sign_in(other, team["jordan"])
    assert other.post(f"/rep/pages/{e.id}/take").status_code == 404  # Jordan was not paged

    assert rep.post(f"/rep/pages/{e.id}/take").status_code == 302

    assert (_the_escalation().acked_by_id, _the_escalation().acked_via) == (team["sam"].id, "web")


def test_the_timeline_shows_every_page_and_who_took_it(app, team, client, auth):
    checkin = make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    escalation.escalate_due(TUE_10AM + timedelta(minutes=10))
    _staff_text(team["jordan"], "1", TUE_10AM + timedelta(minutes=12))

    kinds = [i.kind for i in customer_timeline(checkin.customer_id).items]
    api = client.get(f"/api/v1/customers/{checkin.customer_id}/timeline", headers=auth).json

    assert kinds[-5:] == ["followup", "page", "page", "message", "ack"]  # Sam told who took it
    items = {i["kind"]: i for i in api["items"]}
    assert items["ack"]["ack"]["acked_by"]["name"] == "Jordan Lee"
    assert items["ack"]["ack"]["acked_via"] == "sms"
    assert items["page"]["page"]["level"] == "backup"
    manager = isolated_client(app)
    sign_in(manager, team["morgan"])
    html = manager.get(f"/admin/conversations/{checkin.customer_id}").get_data(as_text=True)
    assert "Paged <strong>Jordan Lee</strong> (backup) by text" in html
    assert "<strong>Jordan Lee</strong> took the urgent reply by text" in html
    assert "Fire alarm: Sam Rivera (rep), then Jordan Lee (backup)" in html


# -- the on-call rotation ------------------------------------------------------------------


def test_the_rotation_changes_hands_on_monday_at_opening(app, team):
    a, b, c = (make_staff(name=n) for n in ("Ann One", "Bo Two", "Cy Three"))
    settings = get_company_settings()
    settings.on_call_user_ids = [a.id, b.id, c.id]
    settings.on_call_start = date(2026, 3, 2)  # a Monday
    db.session.commit()
    hours = BusinessHours.uniform(CHICAGO, time(9), time(17))

    def who(*args) -> str:
        return oncall.on_call(datetime(*args, tzinfo=CHICAGO), settings, hours).name

    assert who(2026, 3, 2, 9, 0) == "Ann One"
    assert who(2026, 3, 8, 23, 0) == "Ann One"  # Sunday night
    assert who(2026, 3, 9, 8, 59) == "Ann One"  # Monday before opening (DST began on the 8th)
    assert who(2026, 3, 9, 9, 0) == "Bo Two"
    assert who(2026, 3, 16, 9, 0) == "Cy Three"
    assert who(2026, 3, 23, 9, 0) == "Ann One"
    assert who(2026, 3, 1, 12, 0) == "Cy Three"  # the week before the start
    b.is_away, b.backup_id = True, team["jordan"].id
    db.session.commit()
    assert who(2026, 3, 10, 3, 0) == "Jordan Lee"  # Bo is away: his backup covers
    b.backup_id = None
    db.session.commit()
    assert who(2026, 3, 10, 3, 0) == "Cy Three"  # no backup: the next in the rotation


def test_saving_the_rotation_puts_the_first_person_on_call_this_week(app, team):
    settings = get_company_settings()
    hours = BusinessHours.uniform(CHICAGO, time(9), time(17))
    wednesday = datetime(2026, 3, 11, 15, 0, tzinfo=CHICAGO)

    oncall.save_alarm_settings(10, 30, [team["jordan"].id, team["sam"].id], wednesday)

    assert settings.on_call_start == date(2026, 3, 9)
    assert oncall.on_call(wednesday, settings, hours).name == "Jordan Lee"
    assert oncall.on_call(wednesday + timedelta(days=6), settings, hours).name == "Sam Rivera"
    shifts = oncall.upcoming(wednesday, settings, hours, weeks=2)
    assert [s.user.name for s in shifts] == ["Jordan Lee", "Sam Rivera"]
    assert shifts[0].starts_at == datetime(2026, 3, 9, 9, 0, tzinfo=CHICAGO)
    next_week = wednesday + timedelta(days=7)
    shown = [u.id for u in oncall.current_order(next_week, settings, hours)]
    assert shown == [team["sam"].id, team["jordan"].id]  # the page shows this week's first

    oncall.save_alarm_settings(15, 30, shown, next_week)  # only the minutes changed

    assert settings.on_call_start == date(2026, 3, 9)  # the weeks go on as they were


def test_the_fire_alarm_page_saves_minutes_and_rotation_for_a_manager(app, team):
    manager = isolated_client(app)
    sign_in(manager, team["morgan"])
    form = {
        "escalation_minutes": "15",
        "callback_minutes": "45",
        "repage_rounds": "3",
        "rotation-0": str(team["jordan"].id),
        "rotation-1": str(team["sam"].id),
    }

    assert manager.post("/admin/alarm", data=form).status_code == 302

    db.session.expire_all()
    settings = get_company_settings()
    assert (settings.escalation_minutes, settings.callback_minutes) == (15, 45)
    assert settings.repage_rounds == 3
    assert settings.on_call_user_ids == [team["jordan"].id, team["sam"].id]
    html = manager.get("/admin/alarm").get_data(as_text=True)
    assert "Fire alarm settings saved." in html and "this week" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"callback_minutes": "15"}, "promise the customer at least that long"),
        ({"escalation_minutes": "0"}, "between 1 and 120 minutes"),
        ({"repage_rounds": "6"}, "between 0 and 5 rounds"),
        ({"repage_rounds": "-1"}, "between 0 and 5 rounds"),
        ({"repage_rounds": "two"}, "Not a valid integer value"),
        ({"rotation-1": "{sam}"}, "name each person once"),
        ({"rotation-1": "{quinn}"}, "Quinn Nophone has no mobile phone"),
    ],
)
def test_the_fire_alarm_page_refuses_what_the_chain_could_not_keep(app, team, changes, message):
    quinn = db.session.scalar(sa.select(User).where(User.name == "Quinn Nophone"))
    manager = isolated_client(app)
    sign_in(manager, team["morgan"])
    form = {
        "escalation_minutes": "10",
        "callback_minutes": "30",
        "repage_rounds": "2",
        "rotation-0": str(team["sam"].id),
    }
    form.update({k: v.format(sam=team["sam"].id, quinn=quinn.id) for k, v in changes.items()})

    response = manager.post("/admin/alarm", data=form)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert get_company_settings().on_call_user_ids is None


# -- the managers' examples -------------------------------------------------------------------


def test_a_managers_example_raises_the_alarm_from_the_next_reply(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    before = _urgent(TUE_10AM, "The breaker keeps tripping when the dryer runs")
    manager = isolated_client(app)
    sign_in(manager, team["morgan"])
    example = {"text": "breaker keeps tripping", "is_urgent": "yes"}
    assert manager.post("/admin/alarm/examples", data=example).status_code == 302

    after = _urgent(TUE_10AM + timedelta(minutes=1), "The breaker keeps tripping again")

    assert before.reply.triage_class != "urgent"
    assert after.reply.triage_class == "urgent"
    assert "manager's example" in after.reply.evidence


def test_an_example_that_must_not_raise_the_alarm_calms_that_wording(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    manager = isolated_client(app)
    sign_in(manager, team["morgan"])
    calm = {"text": "Small leak under the sink, no rush", "is_urgent": "no"}
    assert manager.post("/admin/alarm/examples", data=calm).status_code == 302

    same = _urgent(TUE_10AM, "small leak under the sink - no rush!")
    other = _urgent(TUE_10AM + timedelta(minutes=1), "Big leak under the sink, hurry")

    assert same.reply.triage_class != "urgent"
    assert "manager's example" in same.reply.evidence
    assert other.reply.triage_class == "urgent"
    twice = manager.post("/admin/alarm/examples", data={**calm, "is_urgent": "yes"})
    assert twice.status_code == 422 and "already an example" in twice.get_data(as_text=True)


def test_the_try_box_shows_the_class_and_the_evidence(app, team):
    manager = isolated_client(app)
    sign_in(manager, team["morgan"])

    html = manager.get("/admin/alarm", query_string={"try": WATER}).get_data(as_text=True)

    assert "This raises the alarm." in html
    assert "phrase &#39;water all over&#39; (urgent: safety)" in html
    calm = manager.get("/admin/alarm", query_string={"try": "All good, thanks!"})
    assert "This does not raise the alarm." in calm.get_data(as_text=True)


def test_only_staff_see_the_attention_list_and_the_fire_alarm_page(app, team):
    rep = isolated_client(app)
    sign_in(rep, team["sam"])
    for url in ("/admin", "/admin/alarm"):
        assert rep.get(url).status_code == 403
    assert (
        rep.post("/admin/alarm/examples", data={"text": "x", "is_urgent": "yes"}).status_code == 403
    )


def test_a_page_is_recorded_as_a_text_with_its_own_kind(app, team):
    make_conversation(rep=team["sam"], sent_at=TUE_10AM - timedelta(hours=2))
    _urgent(TUE_10AM)
    page = db.session.scalars(sa.select(Page)).one()
    message = db.session.get(Message, page.message_id)
    assert (message.kind, message.status, message.user_id) == ("page", "pending", team["sam"].id)
