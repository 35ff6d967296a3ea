"""Managing a follow-up: reassign, re-date, re-prioritise, notes (the service, then the board's
forms: roles, CSRF, bad input, a done follow-up refusing changes), the customer's words and the
texts sent since on each card, and "My follow-ups"."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from web_helpers import isolated_client, make_customer, make_followup, make_reply, make_user, now

from outreach.conversations.followups import (
    add_followup_note,
    card_context,
    reassign_followup,
    redate_followup,
    reprioritise_followup,
)
from outreach.errors import Conflict, NotFound, ValidationError
from outreach.messaging.texts import queue_text
from outreach.models import FollowUp, FollowUpNote

ZONE = "America/Chicago"


@pytest.fixture
def sam(db):
    return make_user("rep", name="Sam Rivera")


@pytest.fixture
def kim(db):
    return make_user("rep", name="Kim Park")


@pytest.fixture
def manager(db):
    return make_user("manager", name="Maria Lopez")


def _row(db, followup_id: int) -> FollowUp:
    db.session.expire_all()
    return db.session.get(FollowUp, followup_id)


def _history(db, followup_id: int) -> list[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.query(FollowUpNote).filter_by(followup_id=followup_id).order_by("id")
    return [(n.kind, n.body) for n in rows]


def _open(db, owner, **values) -> FollowUp:
    followup = make_followup(owner, make_customer(), now() + timedelta(days=1), **values)
    db.session.commit()
    return followup


# --- the service ---------------------------------------------------------------------------


def test_reassign_moves_the_owner_and_records_who_did_it(db, sam, kim, manager):
    followup = _open(db, sam)
    reassign_followup(followup.id, kim.id, manager)
    assert _row(db, followup.id).owner_id == kim.id
    assert _history(db, followup.id) == [("reassigned", "from Sam Rivera to Kim Park")]
    note = db.session.query(FollowUpNote).filter_by(followup_id=followup.id).one()
    assert note.user_id == manager.id and note.created_at is not None


def test_reassign_refuses_an_inactive_or_unknown_person_and_the_same_owner(db, sam, kim, manager):
    followup = _open(db, sam)
    kim.is_active_user = False
    db.session.commit()
    for owner_id in (kim.id, 999_999, None, sam.id):
        with pytest.raises(ValidationError) as err:
            reassign_followup(followup.id, owner_id, manager)
        assert err.value.field == "owner_id"
    assert _row(db, followup.id).owner_id == sam.id
    assert _history(db, followup.id) == []


def test_a_done_follow_up_cannot_be_changed_but_takes_a_note(db, sam, kim, manager):
    followup = _open(db, sam, state="done", done_at=now())
    with pytest.raises(Conflict, match="already done"):
        reassign_followup(followup.id, kim.id, manager)
    with pytest.raises(Conflict):
        redate_followup(followup.id, "2099-01-01T10:00", ZONE, manager)
    with pytest.raises(Conflict):
        reprioritise_followup(followup.id, "urgent", manager)
    add_followup_note(followup.id, "Customer called to say thanks", manager)
    row = _row(db, followup.id)
    assert (row.owner_id, row.priority) == (sam.id, "normal")
    assert _history(db, followup.id) == [("note", "Customer called to say thanks")]


def test_reassign_is_compare_and_set(db, sam, kim, manager, monkeypatch):
    """Someone else reassigned it between reading and writing: the second change is refused."""
    from outreach.conversations import followups as service

    followup = _open(db, sam)
    db.session.expire_all()
    stale = db.session.get(FollowUp, followup.id)
    stale.owner  # noqa: B018 (loaded, as the request read it)
    db.session.expunge(stale)
    other = make_user("manager")
    reassign_followup(followup.id, other.id, manager)
    monkeypatch.setattr(service, "_editable", lambda *_: stale)
    with pytest.raises(Conflict, match="meanwhile"):
        reassign_followup(followup.id, kim.id, manager)
    assert _row(db, followup.id).owner_id == other.id
    assert [kind for kind, _ in _history(db, followup.id)] == ["reassigned"]


def test_redate_reads_the_time_in_the_viewers_zone(db, sam, manager):
    followup = _open(db, sam, state="overdue", reminded_at=now())
    target = (now() + timedelta(days=3)).astimezone(ZoneInfo(ZONE))
    raw = target.strftime("%Y-%m-%dT%H:%M")
    redate_followup(followup.id, raw, ZONE, manager)
    row = _row(db, followup.id)
    assert row.due_at == target.replace(second=0, microsecond=0)
    assert (row.state, row.reminded_at) == ("open", None)  # reminded again at the new time
    assert _history(db, followup.id)[0][0] == "redated"


@pytest.mark.parametrize(
    ("raw", "words"),
    [("", "give the new date"), ("tomorrow", "give the new date"), ("2001-01-01T10:00", "past")],
)
def test_redate_refuses_bad_times(db, sam, manager, raw, words):
    followup = _open(db, sam)
    with pytest.raises(ValidationError, match=words) as err:
        redate_followup(followup.id, raw, ZONE, manager)
    assert err.value.field == "due_at"
    far = (now() + timedelta(days=800)).strftime("%Y-%m-%dT%H:%M")
    with pytest.raises(ValidationError, match="within the next year"):
        redate_followup(followup.id, far, ZONE, manager)


def test_reprioritise_and_bad_priorities(db, sam, manager):
    followup = _open(db, sam)
    reprioritise_followup(followup.id, "urgent", manager)
    assert _row(db, followup.id).priority == "urgent"
    assert _history(db, followup.id) == [("reprioritised", "normal → urgent")]
    for bad in ("urgent", "critical", ""):
        with pytest.raises(ValidationError):
            reprioritise_followup(followup.id, bad, manager)


def test_notes_need_words_and_a_limit(db, sam, manager):
    followup = _open(db, sam)
    for bad in ("", "   ", "x" * 2001):
        with pytest.raises(ValidationError):
            add_followup_note(followup.id, bad, manager)


def test_a_rep_changes_only_their_own_or_covered_follow_ups(db, sam, kim):
    followup = _open(db, sam)
    with pytest.raises(NotFound):
        add_followup_note(followup.id, "mine now", kim)
    sam.backup_id, sam.is_away = kim.id, True
    db.session.commit()
    add_followup_note(followup.id, "Covering for Sam: called, no answer", kim)
    assert _history(db, followup.id)[0][1].startswith("Covering for Sam")


def test_the_card_has_the_customers_words_and_texts_sent_since(db, sam):
    customer = make_customer(name="Ada Lovelace")
    before = queue_text(customer.phone, "Old check-in", "checkin", customer_id=customer.id)
    before.created_at = now() - timedelta(days=3)
    reply = make_reply(customer, "?", "question")
    followup = make_followup(sam, customer, now() + timedelta(days=1), reply_id=reply.id)
    followup.created_at = now() - timedelta(hours=2)
    ack = queue_text(
        customer.phone, "Sam will get back to you", "acknowledgement", customer_id=customer.id
    )
    staff = queue_text(
        sam.phone or "+13125559999",
        "Reminder",
        "followup_reminder",
        customer_id=customer.id,
        user_id=sam.id,
    )
    db.session.commit()
    cards = card_context([followup])
    assert cards.replies[followup.id].text == "?"
    assert [m.id for m in cards.sent_since[followup.id]] == [ack.id]
    assert staff.id not in [m.id for m in cards.sent_since[followup.id]]


# --- the board's forms -----------------------------------------------------------------------


def _client(app, user):
    from web_helpers import sign_in

    client = isolated_client(app)
    sign_in(client, user)
    return client


def test_a_manager_reassigns_and_notes_from_the_board(app, db, sam, kim, manager):
    followup = _open(db, sam)
    client = _client(app, manager)
    answer = client.post(
        f"/admin/followups/{followup.id}/reassign",
        data={"owner_id": kim.id},
        follow_redirects=True,
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "reassigned." in html
    assert "from Sam Rivera to Kim Park" in html and "Maria Lopez" in html
    answer = client.post(
        f"/admin/followups/{followup.id}/note",
        data={"body": "Parts ordered"},
        follow_redirects=True,
    )
    assert "Parts ordered" in answer.get_data(as_text=True)
    assert _row(db, followup.id).owner_id == kim.id


@pytest.mark.parametrize(
    ("action", "data", "words"),
    [
        ("reassign", {"owner_id": "abc"}, "choose an active person"),
        ("redate", {"due_at": "next week"}, "give the new date and time"),
        ("redate", {"due_at": "2001-01-01T09:00"}, "in the past"),
        ("priority", {"priority": "critical"}, "choose one of low, normal, high, urgent"),
        ("note", {"body": ""}, "write the note first"),
    ],
)
def test_bad_input_answers_422_with_the_reason(app, db, sam, manager, action, data, words):
    followup = _open(db, sam)
    answer = _client(app, manager).post(f"/admin/followups/{followup.id}/{action}", data=data)
    assert answer.status_code == 422
    assert words in answer.get_data(as_text=True)
    row = _row(db, followup.id)
    assert (row.owner_id, row.priority) == (sam.id, "normal")


def test_a_done_follow_up_refuses_changes_with_409(app, db, sam, kim, manager):
    followup = _open(db, sam, state="done", done_at=now())
    client = _client(app, manager)
    for action, data in (
        ("reassign", {"owner_id": kim.id}),
        ("priority", {"priority": "high"}),
        ("redate", {"due_at": "2099-01-01T09:00"}),
    ):
        answer = client.post(f"/admin/followups/{followup.id}/{action}", data=data)
        assert answer.status_code == 409
        assert "already done" in answer.get_data(as_text=True)
    assert _row(db, followup.id).owner_id == sam.id


def test_reps_and_strangers_are_refused(app, db, sam, kim):
    followup = _open(db, sam)
    assert (
        _client(app, sam)
        .post(f"/admin/followups/{followup.id}/reassign", data={"owner_id": kim.id})
        .status_code
        == 403
    )
    assert (
        isolated_client(app)
        .post(f"/admin/followups/{followup.id}/note", data={"body": "x"})
        .status_code
        == 302
    )
    assert (
        _client(app, make_user("manager"))
        .post("/admin/followups/999999/note", data={"body": "x"})
        .status_code
        == 404
    )
    assert _history(db, followup.id) == []


def test_the_forms_need_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from outreach.extensions import db

        owner, other = make_user("rep"), make_user("rep")
        followup = make_followup(owner, make_customer(), now() + timedelta(days=1))
        db.session.commit()
        client = _client(app, make_user("admin"))
        for action, data in (("reassign", {"owner_id": other.id}), ("note", {"body": "x"})):
            assert (
                client.post(f"/admin/followups/{followup.id}/{action}", data=data).status_code
                == 400
            )
        assert _row(db, followup.id).owner_id == owner.id


def test_my_follow_ups_lists_the_managers_own(app, db, sam, manager):
    mine = _open(db, manager, title="Call the landlord")
    theirs = _open(db, sam, title="Check the wiring")
    html = _client(app, manager).get("/admin/followups?owner=mine").get_data(as_text=True)
    assert "My follow-ups" in html
    assert f'id="followup-{mine.id}"' in html and f'id="followup-{theirs.id}"' not in html


def test_the_card_quotes_the_customer_not_the_triage_evidence(app, db, sam, manager):
    customer = make_customer(name="Grace Hopper")
    reply = make_reply(customer, "When is the technician coming back?", "question")
    make_followup(
        sam, customer, now() + timedelta(days=1), reply_id=reply.id, title="Question: question: '?'"
    )
    queue_text(
        customer.phone,
        "Sam will get back to you by Tue 5 pm",
        "acknowledgement",
        customer_id=customer.id,
    )
    db.session.commit()
    html = _client(app, manager).get("/admin/followups").get_data(as_text=True)
    assert "“When is the technician coming back?”" in html
    assert "question: " not in html
    assert (
        "Sam will get back to you by Tue 5 pm" in html
        and "Texted to Grace Hopper since (1)" in html
    )


def test_a_rep_covering_sees_what_was_texted_and_the_notes(app, db, sam, kim, manager):
    customer = make_customer(name="Grace Hopper")
    reply = make_reply(customer, "The heater clicks at night", "negative")
    # due an hour ago: on today's list at any hour of the day (a later one may be tomorrow's)
    followup = make_followup(sam, customer, now() - timedelta(hours=1), reply_id=reply.id)
    queue_text(
        customer.phone,
        "Sorry to hear that, Sam will call you",
        "acknowledgement",
        customer_id=customer.id,
    )
    sam.backup_id, sam.is_away = kim.id, True
    db.session.commit()
    add_followup_note(followup.id, "Parts arrive Tuesday", manager)
    html = _client(app, kim).get("/rep").get_data(as_text=True)
    assert "covering for Sam Rivera" in html
    assert "“The heater clicks at night”" in html
    assert "Sorry to hear that, Sam will call you" in html
    assert "Parts arrive Tuesday" in html


def test_the_customers_timeline_shows_the_follow_ups_notes_and_changes(app, db, sam, kim, manager):
    followup = _open(db, sam)
    reassign_followup(followup.id, kim.id, manager)
    add_followup_note(followup.id, "Left a voicemail", manager)
    html = (
        _client(app, manager)
        .get(f"/admin/conversations/{followup.customer_id}")
        .get_data(as_text=True)
    )
    assert "reassigned from Sam Rivera to Kim Park" in html
    assert html.index("from Sam Rivera to Kim Park") < html.index("Left a voicemail")


def test_acting_from_my_follow_ups_comes_back_to_my_follow_ups(app, db, manager):
    mine = _open(db, manager)
    client = _client(app, manager)
    for action, data in (("note", {"body": "On my way"}), ("done", {"note": "Fixed"})):
        answer = client.post(f"/admin/followups/{mine.id}/{action}", data={**data, "owner": "mine"})
        assert answer.status_code == 302 and answer.headers["Location"].endswith("owner=mine")
    assert _row(db, mine.id).state == "done"
