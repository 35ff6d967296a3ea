"""/admin/followups: the board's columns and marking a follow-up done with a note."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from web_helpers import isolated_client, make_customer, make_followup, make_user, now, sign_in

from outreach.models import FollowUp


@pytest.fixture
def rep(db):
    """The owner of the follow-ups."""
    return make_user("rep", name="Sam Rivera")


def _client(app, user):
    client = isolated_client(app)
    sign_in(client, user)
    return client


def _column(html: str, name: str) -> list[int]:
    section = html.split(f'id="column-{name}"')[1].split("</section>")[0]
    return [int(i) for i in re.findall(r'id="followup-(\d+)"', section)]


def _row(db, followup_id: int) -> FollowUp:
    db.session.expire_all()
    return db.session.get(FollowUp, followup_id)


def test_the_board_puts_each_follow_up_in_its_column(app, db, rep):
    customer = make_customer(name="Ada Lovelace")
    later = make_followup(rep, customer, now() + timedelta(days=2), promise="Call back Friday")
    late = make_followup(rep, customer, now() - timedelta(hours=1))  # open, but past due
    overdue = make_followup(rep, customer, now() - timedelta(days=1), state="overdue")
    escalated = make_followup(rep, customer, now() - timedelta(days=2), state="escalated")
    done = make_followup(
        rep, customer, now(), state="done", done_at=now() - timedelta(hours=1), outcome_note="fixed"
    )
    make_followup(
        rep, customer, now() - timedelta(days=30), state="done", done_at=now() - timedelta(days=20)
    )
    db.session.commit()
    html = _client(app, make_user("manager")).get("/admin/followups").get_data(as_text=True)
    assert _column(html, "open") == [later.id]
    assert _column(html, "overdue") == [overdue.id, late.id]
    assert _column(html, "escalated") == [escalated.id]
    assert _column(html, "done") == [done.id]
    assert "Call back Friday" in html and "Sam Rivera" in html and "on time" in html


def test_the_board_filters_by_owner(app, db, rep):
    kim = make_user("rep", name="Kim")
    customer = make_customer()
    mine = make_followup(rep, customer, now() + timedelta(days=1))
    make_followup(kim, customer, now() + timedelta(days=1))
    db.session.commit()
    html = (
        _client(app, make_user("admin"))
        .get(f"/admin/followups?owner={rep.id}")
        .get_data(as_text=True)
    )
    assert _column(html, "open") == [mine.id]


def test_an_admin_marks_a_follow_up_done_with_a_note(app, db, rep):
    followup = make_followup(rep, make_customer(), now() - timedelta(hours=1), state="overdue")
    db.session.commit()
    client = _client(app, make_user("admin"))
    response = client.post(
        f"/admin/followups/{followup.id}/done",
        data={"note": "Replaced the valve"},
        follow_redirects=True,
    )
    assert f"Follow-up {followup.id} marked done." in response.get_data(as_text=True)
    row = _row(db, followup.id)
    assert (row.state, row.outcome_note) == ("done", "Replaced the valve")
    assert row.done_at is not None
    again = client.post(f"/admin/followups/{followup.id}/done", follow_redirects=True)
    assert "already done" in again.get_data(as_text=True)


def test_a_manager_cannot_close_someone_elses_follow_up(app, db, rep):
    followup = make_followup(rep, make_customer(), now() + timedelta(days=1))
    db.session.commit()
    response = _client(app, make_user("manager")).post(
        f"/admin/followups/{followup.id}/done", data={"note": "x"}, follow_redirects=True
    )
    assert "only by its owner, their backup or an admin" in response.get_data(as_text=True)
    assert _row(db, followup.id).state == "open"


def test_a_too_long_note_is_refused_and_nothing_changes(app, db, rep):
    followup = make_followup(rep, make_customer(), now() + timedelta(days=1))
    db.session.commit()
    response = _client(app, make_user("admin")).post(
        f"/admin/followups/{followup.id}/done", data={"note": "x" * 2001}, follow_redirects=True
    )
    assert "Field cannot be longer than 2000 characters." in response.get_data(as_text=True)
    assert _row(db, followup.id).state == "open"


def test_reps_use_their_own_list_not_the_board(app, db, rep):
    followup = make_followup(rep, make_customer(), now() + timedelta(days=1))
    db.session.commit()
    client = _client(app, rep)
    assert client.get("/admin/followups").status_code == 403
    assert client.post(f"/admin/followups/{followup.id}/done").status_code == 403
    assert _row(db, followup.id).state == "open"
