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


def _next_link(html: str, column: str) -> str | None:
    section = html.split(f'id="column-{column}"')[1].split("</section>")[0]
    found = re.search(r'<a rel="next" href="([^"]+)"', section)
    return found.group(1).replace("&amp;", "&") if found else None


def test_each_column_pages_by_its_own_link_in_its_order(app, db, rep):
    """30 due later, 30 overdue (half still open past due, not swept yet) and 30 done: each
    column shows its first 25 in its order, its "later ones" link the rest, the other columns
    staying where they were."""
    customer = make_customer()
    later = [
        make_followup(rep, customer, now() + timedelta(hours=1 + n % 7, minutes=n))
        for n in range(30)
    ]
    late = [
        make_followup(
            rep,
            customer,
            now() - timedelta(hours=1 + n % 5, minutes=n),
            state="overdue" if n % 2 else "open",
        )
        for n in range(30)
    ]
    done = [
        make_followup(rep, customer, now(), state="done", done_at=now() - timedelta(hours=n % 9))
        for n in range(30)
    ]
    db.session.commit()
    by_due = [f.id for f in sorted(later, key=lambda f: (f.due_at, f.id))]
    by_due_late = [f.id for f in sorted(late, key=lambda f: (f.due_at, f.id))]
    newest = [f.id for f in sorted(done, key=lambda f: (f.done_at, f.id), reverse=True)]
    client = _client(app, make_user("manager"))
    html = client.get(f"/admin/followups?owner={rep.id}").get_data(as_text=True)
    assert _column(html, "open") == by_due[:25]
    assert _column(html, "overdue") == by_due_late[:25]
    assert _column(html, "done") == newest[:25]
    assert _column(html, "escalated") == [] and _next_link(html, "escalated") is None
    assert 'Open <small class="muted">(25+)</small>' in html  # no count of the whole column

    link = _next_link(html, "overdue")
    assert link.startswith("/admin/followups?") and f"owner={rep.id}" in link
    page2 = client.get(link).get_data(as_text=True)
    assert _column(page2, "overdue") == by_due_late[25:]
    assert _next_link(page2, "overdue") is None
    assert _column(page2, "open") == by_due[:25]  # the other columns stay on their first page

    page3 = client.get(_next_link(page2, "open")).get_data(as_text=True)
    assert _column(page3, "open") == by_due[25:]
    assert _column(page3, "overdue") == by_due_late[25:]  # both columns' places kept
    page4 = client.get(_next_link(page3, "done")).get_data(as_text=True)
    assert _column(page4, "done") == newest[25:]


def test_an_altered_column_link_starts_the_board_again_not_a_500(app, db, rep):
    make_followup(rep, make_customer(), now() + timedelta(days=1))
    db.session.commit()
    client = _client(app, make_user("manager"))
    assert client.get("/admin/followups?open=%00").status_code == 400  # NUL: refused app-wide
    for bad in ("x", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMXwtMQ", "a" * 5000):
        response = client.get(f"/admin/followups?owner=mine&open={bad}")
        assert response.status_code == 302, bad
        assert response.headers["Location"] == "/admin/followups?owner=mine"
    html = client.get("/admin/followups?overdue=x", follow_redirects=True).get_data(as_text=True)
    assert "this page link is damaged" in html
