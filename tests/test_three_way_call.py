"""The three-way call against the fake Twilio: the rep is rung first and must press 1 (a
voicemail or a phone menu never brings the others in); once the rep is in the conference a job
run by a real `outreach worker --burst` calls the customer and a colleague into it, each
announced; the outcome and every leg are stored and shown on the customer's timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq import Queue
from testenv import PUBLIC_BASE_URL, run_worker
from web_helpers import (
    isolated_client,
    make_customer,
    make_followup,
    make_user,
    now,
    sign_in,
    zone_where,
)

from outreach.errors import Conflict, ValidationError
from outreach.extensions import db
from outreach.messaging.conference import JOIN_QUEUE, join_others, start_three_way
from outreach.models import Call, CallStatusEvent, Conference, Consent, FollowUpNote
from outreach.runtime.queues import get_redis

REP_PHONE = "+16125550142"
MANAGER_PHONE = "+16125550143"
CUSTOMER_PHONE = "+16125550144"


@pytest.fixture
def people(twilio_app):
    """A rep, a manager (both with phones) and a customer whose local time is daytime."""
    rep = make_user("rep", phone=REP_PHONE, name="Sam Rep")
    manager = make_user("manager", phone=MANAGER_PHONE, name="Max Manager")
    customer = make_customer(name="Ada Lovelace", zone=zone_where(range(10, 17)))
    customer.phone = CUSTOMER_PHONE
    followup = make_followup(rep, customer, now() + timedelta(days=1))
    db.session.commit()
    return rep, manager, customer, followup


@pytest.fixture
def web(twilio_app, people):
    """A test client signed in as the rep."""
    client = isolated_client(twilio_app)
    sign_in(client, people[0])
    return client


def _start(web, followup, guest):
    return web.post(f"/rep/followups/{followup.id}/conference", data={"guest_id": str(guest.id)})


def _conference() -> Conference:
    db.session.expire_all()
    return db.session.scalars(sa.select(Conference)).one()


def _legs() -> dict[str, Call]:
    db.session.expire_all()
    return {c.party: c for c in db.session.scalars(sa.select(Call).order_by(Call.id))}


def _work(app_env, fake_twilio, deliver_to) -> None:
    """Run the enqueued jobs in a real burst worker, then deliver what Twilio posts next."""
    done = run_worker({**app_env, **fake_twilio.env(), "OUTREACH_SEND_RATE": "1000"})
    assert done.returncode == 0, done.stderr
    fake_twilio.deliver(deliver_to)


def _rep_in(web, fake_twilio, app_env) -> str:
    """The rep answers and presses 1; the worker dials the others. Returns the rep's SID."""
    rep_sid = _legs()["rep"].twilio_sid
    fake_twilio.answer_call(rep_sid, web, digits="1")
    _work(app_env, fake_twilio, web)
    return rep_sid


def test_rep_presses_1_then_the_customer_and_the_manager_are_joined_each_announced(
    web, fake_twilio, people, app_env
):
    rep, manager, customer, followup = people
    response = _start(web, followup, manager)
    assert response.status_code == 302
    (rep_create,) = fake_twilio.recorded("Calls", "create")
    assert rep_create.value("To") == REP_PHONE
    assert fake_twilio.called() == {REP_PHONE: 1}  # nobody else before the rep is in
    rep_sid = _legs()["rep"].twilio_sid

    fake_twilio.answer_call(rep_sid, web, digits="1")

    assert fake_twilio.heard[rep_sid] == [
        "Three-way call with Ada Lovelace and Max Manager. Press 1 to start.",
        "Calling them now.",
    ]
    (room,) = fake_twilio.conferences.values()
    conference = _conference()
    assert room["friendly_name"] == conference.friendly_name
    assert room["status"] == "in-progress"
    assert conference.twilio_sid == room["sid"] and conference.status == "confirmed"
    assert fake_twilio.recorded("Participants") == []  # not inside the conference-start request
    assert Queue(JOIN_QUEUE, connection=get_redis()).count >= 1

    _work(app_env, fake_twilio, web)

    assert _conference().status == "joining"
    adds = fake_twilio.recorded("Participants", "create")
    assert sorted(r.value("To") for r in adds) == [MANAGER_PHONE, CUSTOMER_PHONE]
    assert {r.path for r in adds} == {
        f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Conferences/{room['sid']}/Participants.json"
    }
    legs = _legs()
    fake_twilio.answer_call(legs["customer"].twilio_sid, web)
    fake_twilio.answer_call(legs["guest"].twilio_sid, web)
    assert fake_twilio.announced[room["sid"]] == [
        "Outreach: joining Ada Lovelace.",
        "Outreach: joining Max Manager.",
    ]
    assert len(fake_twilio.participants[room["sid"]]) == 3

    fake_twilio.hang_up(rep_sid, web)  # endConferenceOnExit: everyone leaves

    assert room["status"] == "completed"
    assert room["reason_conference_ended"] == "participant-with-end-conference-on-exit-left"
    posted = [event for _url, event, _status in fake_twilio.conference_posts]
    assert posted.count("participant-join") == 3 and posted[-1] == "conference-end"
    assert {status for _url, _event, status in fake_twilio.conference_posts} == {200}
    conference = _conference()
    assert (conference.status, conference.outcome, conference.busy_key) == (
        "ended",
        "reached",
        None,
    )
    legs = _legs()
    assert {p: (c.status, c.outcome) for p, c in legs.items()} == {
        "rep": ("completed", "joined"),
        "customer": ("completed", "joined"),
        "guest": ("completed", "joined"),
    }
    assert all(c.duration_seconds is not None for c in legs.values())

    (note,) = db.session.scalars(sa.select(FollowUpNote)).all()
    assert (note.followup_id, note.user_id, note.body) == (
        followup.id,
        rep.id,
        "Three-way call with Ada Lovelace and Max Manager: all parties were on the call.",
    )
    end_again = {
        "AccountSid": fake_twilio.account_sid,
        "ConferenceSid": room["sid"],
        "FriendlyName": room["friendly_name"],
        "StatusCallbackEvent": "conference-end",
    }
    events_url = f"{PUBLIC_BASE_URL}/twilio/voice/conference/{conference.id}/events"
    assert fake_twilio.post_signed(events_url, end_again, web).status_code == 200
    assert len(db.session.scalars(sa.select(FollowUpNote)).all()) == 1  # logged once

    manager_client = isolated_client(web.application)
    sign_in(manager_client, manager)
    page = manager_client.get(f"/admin/conversations/{customer.id}").get_data(as_text=True)
    assert "Three-way call" in page and "all parties were on the call" in page
    assert "Max Manager" in page


def test_rep_does_not_answer_nobody_else_is_called(web, fake_twilio, people):
    _rep, manager, _customer, followup = people
    _start(web, followup, manager)
    rep_sid = _legs()["rep"].twilio_sid

    fake_twilio.complete_call(rep_sid, "no-answer", deliver_to=web)

    assert fake_twilio.recorded("Participants") == []
    assert fake_twilio.called() == {REP_PHONE: 1}
    conference = _conference()
    assert (conference.status, conference.outcome, conference.busy_key) == (
        "not_answered",
        "rep_no_answer",
        None,
    )
    assert _start(web, followup, manager).status_code == 302  # free to try again
    assert len(fake_twilio.recorded("Calls", "create")) == 2


def test_a_customer_who_opted_out_of_calls_is_refused_with_a_clear_message(
    web, fake_twilio, people
):
    _rep, manager, customer, followup = people
    db.session.add(
        Consent(customer_id=customer.id, channel="voice", state="opted_out", source="keyword")
    )
    db.session.commit()

    response = _start(web, followup, manager)
    page = web.get(response.headers["Location"]).get_data(as_text=True)

    assert "Not calling: Ada Lovelace has opted out of voice: they are not called." in page
    assert fake_twilio.requests == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conference)) == 0


def test_quiet_hours_refuse_the_customer_leg(twilio_app, fake_twilio, people):
    rep, manager, customer, followup = people
    customer.timezone = zone_where(range(0, 6))
    db.session.commit()
    with pytest.raises(Conflict, match="inside quiet hours"):
        start_three_way(rep, manager.id, followup_id=followup.id)
    assert fake_twilio.requests == []


def test_a_double_click_places_one_call(web, fake_twilio, people):
    rep, manager, _customer, followup = people
    first = _start(web, followup, manager)
    second = _start(web, followup, manager)
    assert first.status_code == second.status_code == 302
    page = web.get(second.headers["Location"]).get_data(as_text=True)
    assert "a three-way call with Ada Lovelace is already ringing" in page
    assert len(fake_twilio.recorded("Calls", "create")) == 1
    with pytest.raises(Conflict):
        start_three_way(rep, manager.id, followup_id=followup.id)


def test_a_guest_is_required_and_needs_a_phone(twilio_app, fake_twilio, people):
    rep, manager, _customer, followup = people
    with pytest.raises(ValidationError, match="choose who joins"):
        start_three_way(rep, None, followup_id=followup.id)
    manager.phone = None
    db.session.commit()
    with pytest.raises(ValidationError, match="Max Manager has no phone number"):
        start_three_way(rep, manager.id, followup_id=followup.id)
    assert fake_twilio.requests == []


def test_conference_webhooks_are_signed_or_refused(web, fake_twilio, people):
    _rep, manager, _customer, followup = people
    _start(web, followup, manager)
    conference = _conference()
    for path in (
        f"/twilio/voice/conference/{conference.id}/rep",
        f"/twilio/voice/conference/{conference.id}/confirm",
        f"/twilio/voice/conference/{conference.id}/events",
        f"/twilio/voice/conference/announce/{_legs()['rep'].id}",
    ):
        params = {"ConferenceSid": "CF" + "0" * 32, "StatusCallbackEvent": "conference-start"}
        forged = fake_twilio.post_signed(PUBLIC_BASE_URL + path, params, web, signature="forged")
        assert forged.status_code == 403, path
    unnamed = {"AccountSid": fake_twilio.account_sid, "FriendlyName": conference.friendly_name}
    url = f"{PUBLIC_BASE_URL}/twilio/voice/conference/{conference.id}/events"
    assert fake_twilio.post_signed(url, unnamed, web).status_code == 422
    assert fake_twilio.recorded("Participants") == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CallStatusEvent)) == 0


def test_an_event_for_another_conference_name_changes_nothing(web, fake_twilio, people):
    _rep, manager, _customer, followup = people
    _start(web, followup, manager)
    conference = _conference()
    params = {
        "AccountSid": fake_twilio.account_sid,
        "ConferenceSid": "CF" + "1" * 32,
        "FriendlyName": "someone-else",
        "StatusCallbackEvent": "conference-start",
    }
    url = f"{PUBLIC_BASE_URL}/twilio/voice/conference/{conference.id}/events"
    assert fake_twilio.post_signed(url, params, web).status_code == 200
    assert fake_twilio.recorded("Participants") == []
    assert _conference().status == "calling_rep"


def test_the_customer_not_answering_is_logged_and_the_others_still_talk(
    web, fake_twilio, people, app_env
):
    _rep, manager, _customer, followup = people
    _start(web, followup, manager)
    _rep_in(web, fake_twilio, app_env)
    legs = _legs()
    fake_twilio.complete_call(legs["customer"].twilio_sid, "no-answer", deliver_to=web)
    fake_twilio.answer_call(legs["guest"].twilio_sid, web)
    (room,) = fake_twilio.conferences
    assert fake_twilio.announced[room] == ["Outreach: joining Max Manager."]
    fake_twilio.hang_up(legs["guest"].twilio_sid, web)  # the colleague leaves; the rep stays
    assert _conference().status == "joining"
    fake_twilio.hang_up(legs["rep"].twilio_sid, web)
    conference = _conference()
    assert (conference.status, conference.outcome) == ("ended", "customer_not_reached")
    assert _legs()["customer"].status == "no-answer"


def test_a_customer_who_opts_out_while_the_rep_is_ringing_is_not_dialed(
    web, fake_twilio, people, app_env
):
    _rep, manager, customer, followup = people
    _start(web, followup, manager)
    db.session.add(
        Consent(customer_id=customer.id, channel="all", state="opted_out", source="keyword")
    )
    db.session.commit()
    _rep_in(web, fake_twilio, app_env)
    assert [r.value("To") for r in fake_twilio.recorded("Participants", "create")] == [
        MANAGER_PHONE
    ]
    assert fake_twilio.called() == {REP_PHONE: 1, MANAGER_PHONE: 1}
    fake_twilio.hang_up(_legs()["rep"].twilio_sid, web)
    assert _conference().outcome == "customer_not_called"


def test_quiet_hours_reached_while_the_rep_is_ringing_keep_the_customer_off(
    web, fake_twilio, people, app_env
):
    _rep, manager, customer, followup = people
    _start(web, followup, manager)
    customer.timezone = zone_where(range(0, 6))
    db.session.commit()
    _rep_in(web, fake_twilio, app_env)
    assert [r.value("To") for r in fake_twilio.recorded("Participants", "create")] == [
        MANAGER_PHONE
    ]
    assert "customer" not in _legs()
    assert CUSTOMER_PHONE not in fake_twilio.called()


def test_a_manager_starts_one_from_the_customers_page_and_the_board(
    twilio_app, fake_twilio, people
):
    rep, manager, customer, followup = people
    staff = isolated_client(twilio_app)
    sign_in(staff, manager)
    page = staff.get(f"/admin/conversations/{customer.id}").get_data(as_text=True)
    assert f"/admin/conversations/{customer.id}/conference" in page
    chooser = staff.get(f"/admin/conversations/{customer.id}/conference")
    assert chooser.status_code == 200
    assert "Three-way call with Ada Lovelace" in chooser.get_data(as_text=True)
    assert "Sam Rep (rep)" in chooser.get_data(as_text=True)

    started = staff.post(
        f"/admin/conversations/{customer.id}/conference", data={"guest_id": str(rep.id)}
    )
    assert started.headers["Location"] == f"/admin/conversations/{customer.id}"
    (create,) = fake_twilio.recorded("Calls", "create")
    assert create.value("To") == MANAGER_PHONE
    assert _conference().followup_id is None

    again = staff.post(f"/admin/followups/{followup.id}/conference", data={"guest_id": "x"})
    assert again.status_code == 422
    assert "choose who joins the call" in again.get_data(as_text=True)
    busy = staff.post(f"/admin/followups/{followup.id}/conference", data={"guest_id": rep.id})
    assert busy.status_code == 409
    assert "already ringing" in busy.get_data(as_text=True)
    assert len(fake_twilio.recorded("Calls", "create")) == 1
    assert staff.post("/admin/conversations/999999/conference").status_code == 404


def test_a_rep_cannot_call_about_someone_elses_follow_up(twilio_app, fake_twilio, people):
    _rep, manager, customer, _followup = people
    other = make_user("rep", phone="+16125550199", name="Other Rep")
    theirs = make_followup(other, customer, now() + timedelta(days=1))
    db.session.commit()
    web = isolated_client(twilio_app)
    sign_in(web, people[0])
    response = web.post(f"/rep/followups/{theirs.id}/conference", data={"guest_id": manager.id})
    assert response.status_code == 404
    assert fake_twilio.requests == []


def test_a_voicemail_that_presses_nothing_calls_nobody_else(web, fake_twilio, people, app_env):
    _rep, manager, customer, followup = people
    _start(web, followup, manager)
    rep_sid = _legs()["rep"].twilio_sid

    fake_twilio.answer_call(rep_sid, web)  # the rep's voicemail: greeting, beep, no key
    _work(app_env, fake_twilio, web)

    assert fake_twilio.recorded("Participants") == []
    assert fake_twilio.called() == {REP_PHONE: 1}
    assert fake_twilio.conferences == {}
    prompt = "Three-way call with Ada Lovelace and Max Manager. Press 1 to start."
    assert fake_twilio.heard[rep_sid] == [prompt, prompt]  # said once more, then hung up
    assert fake_twilio.calls[rep_sid]["status"] == "completed"
    conference = _conference()
    assert (conference.status, conference.outcome, conference.busy_key) == (
        "not_answered",
        "rep_not_confirmed",
        None,
    )
    staff = isolated_client(web.application)
    sign_in(staff, manager)
    page = staff.get(f"/admin/conversations/{customer.id}").get_data(as_text=True)
    assert "the rep did not confirm: nobody else was called" in page
    assert _start(web, followup, manager).status_code == 302  # free to try again


def test_another_key_calls_nobody_else(web, fake_twilio, people, app_env):
    _rep, manager, _customer, followup = people
    _start(web, followup, manager)
    rep_sid = _legs()["rep"].twilio_sid

    fake_twilio.answer_call(rep_sid, web, digits="9")  # a phone menu, or the wrong key
    _work(app_env, fake_twilio, web)

    assert fake_twilio.heard[rep_sid] == [
        "Three-way call with Ada Lovelace and Max Manager. Press 1 to start.",
        "Nobody was called. Goodbye.",
    ]
    assert fake_twilio.conferences == {}
    assert fake_twilio.called() == {REP_PHONE: 1}
    conference = _conference()
    assert (conference.status, conference.outcome) == ("not_answered", "rep_not_confirmed")
    late_one = {"CallSid": rep_sid, "Digits": "1", "AccountSid": fake_twilio.account_sid}
    url = f"{PUBLIC_BASE_URL}/twilio/voice/conference/{conference.id}/confirm"
    again = fake_twilio.post_signed(url, late_one, web).get_data(as_text=True)
    assert "<Hangup" in again and "<Conference" not in again  # a late 1 changes nothing
    assert _conference().status == "not_answered"


def test_a_repeated_conference_start_adds_nobody_twice(web, fake_twilio, people, app_env):
    _rep, manager, _customer, followup = people
    _start(web, followup, manager)
    rep_sid = _legs()["rep"].twilio_sid
    fake_twilio.answer_call(rep_sid, web, digits="1")
    conference = _conference()
    (room,) = fake_twilio.conferences.values()
    start_again = {
        "AccountSid": fake_twilio.account_sid,
        "ConferenceSid": room["sid"],
        "FriendlyName": room["friendly_name"],
        "StatusCallbackEvent": "conference-start",
    }
    url = f"{PUBLIC_BASE_URL}/twilio/voice/conference/{conference.id}/events"
    for _ in range(2):
        assert fake_twilio.post_signed(url, start_again, web).status_code == 200
    assert Queue(JOIN_QUEUE, connection=get_redis()).count == 4  # rep's join, start, twice more

    _work(app_env, fake_twilio, web)

    adds = fake_twilio.recorded("Participants", "create")
    assert sorted(r.value("To") for r in adds) == [MANAGER_PHONE, CUSTOMER_PHONE]
    assert sorted(c.party for c in _legs().values()) == ["customer", "guest", "rep"]
    assert join_others(conference.id) == 0
    assert len(fake_twilio.recorded("Participants", "create")) == 2
