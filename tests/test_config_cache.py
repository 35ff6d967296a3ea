"""The per-process copies of settings, policies, phrases and examples (outreach.company.cache):
kept while nothing changes, reloaded on the very next request in every process when something
does. Two app instances on one database stand for two gunicorn workers (or two machines)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from outreach.auth.accounts import create_token
from outreach.company.cache import Frozen, company_settings
from outreach.company.settings import add_example, add_phrase, get_company_settings
from outreach.conversations.triaging import triage_text
from outreach.extensions import db
from outreach.models import Policy, utcnow
from outreach.scheduling.planning import planning_policies
from outreach.scheduling.policies import create_policy

POLICY = {
    "name": "Install text",
    "event_type": "install",
    "channel": "sms",
    "delay": "PT0S",
    "template": "Hi {{ customer.name }}",
}


def _event(n: int) -> dict:
    return {
        "external_id": f"cache-ev-{n}",
        "type": "install",
        "occurred_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "customer": {"external_id": f"cache-cu-{n}", "name": "Ada", "phone": "+12025550123"},
        "rep": {"email": "rep@example.com", "name": "Rep"},
    }


def _loads(app) -> int:
    cache = app.extensions.get("config_cache")
    return cache.loads if cache is not None else 0


@pytest.fixture
def two_apps(make_app):
    """Two apps (two workers) on the same database, the settings row and a token made."""
    first, second = make_app(), make_app()
    with first.app_context():
        get_company_settings()
        _, token = create_token("cache")
        db.session.commit()
    return first, second, {"Authorization": f"Bearer {token}"}


def _channels(response) -> list[str]:
    assert response.status_code == 201, response.get_json()
    return sorted(c["channel"] for c in response.get_json()["checkins"])


def test_a_new_policy_plans_the_next_event_in_the_other_process(two_apps):
    first, second, auth = two_apps
    with first.app_context():
        create_policy(POLICY)
    other = second.test_client()
    assert _channels(other.post("/api/v1/events", json=_event(1), headers=auth)) == ["sms"]
    loads = _loads(second)
    assert _channels(other.post("/api/v1/events", json=_event(2), headers=auth)) == ["sms"]
    assert _loads(second) == loads  # nothing changed: the copies were kept

    response = first.test_client().post(
        "/api/v1/policies",
        json={**POLICY, "name": "Install call", "channel": "rep_call"},
        headers=auth,
    )
    assert response.status_code == 201
    channels = _channels(other.post("/api/v1/events", json=_event(3), headers=auth))
    assert channels == ["rep_call", "sms"]
    assert _loads(second) > loads


def test_a_paused_policy_stops_planning_at_once_in_the_other_process(two_apps):
    first, second, auth = two_apps
    with first.app_context():
        policy_id = create_policy(POLICY).id
    other = second.test_client()
    assert _channels(other.post("/api/v1/events", json=_event(1), headers=auth)) == ["sms"]
    with first.app_context():  # an ORM edit of the row, as any code path may make it
        db.session.get(Policy, policy_id).is_active = False
        db.session.commit()
    assert _channels(other.post("/api/v1/events", json=_event(2), headers=auth)) == []


def test_a_settings_change_shows_in_the_other_process(two_apps):
    first, second, _ = two_apps
    with second.app_context():
        assert company_settings().reply_window_hours == 72
    with second.app_context():
        assert company_settings().reply_window_hours == 72
        kept = _loads(second)
    with first.app_context():
        get_company_settings().reply_window_hours = 5
        db.session.commit()
    with second.app_context():
        assert company_settings().reply_window_hours == 5
        assert _loads(second) == kept + 1


def test_phrases_and_examples_count_from_the_next_reply_in_the_other_process(two_apps):
    first, second, _ = two_apps
    text = "zorblax please"
    with second.app_context():
        before = triage_text(text)
    assert "phrase 'zorblax'" not in before.evidence
    with first.app_context():  # an urgent phrase decides alone, whatever the model says
        add_phrase("urgent", "zorblax")
    with second.app_context():
        after = triage_text(text)
        assert after.triage_class == "urgent" and "phrase 'zorblax'" in after.evidence
    with first.app_context():
        add_example("my gizmo went kaput again", is_urgent=True)
    with second.app_context():
        assert triage_text("my gizmo went kaput again").triage_class == "urgent"


def test_an_edit_rolled_back_is_never_served(two_apps):
    """A copy loaded inside a transaction that then rolls back carries a version no commit will
    ever have (a counter would give the next edit, made elsewhere, the same one), so it is
    dropped at the next read."""
    first, second, _ = two_apps
    with second.app_context():
        create_policy(POLICY)
        db.session.add(Policy(**{**POLICY, "name": "Never", "channel": "rep_call"}))
        db.session.flush()
        assert len(planning_policies("install")) == 2  # this transaction sees its own edit
        db.session.rollback()
    with second.app_context():
        assert [p.name for p in planning_policies("install")] == ["Install text"]
        db.session.add(Policy(**{**POLICY, "name": "Never", "channel": "rep_call"}))
        db.session.flush()
        planning_policies("install")
        db.session.rollback()
    with first.app_context():
        create_policy({**POLICY, "name": "Later", "channel": "rep_call"})
    with second.app_context():
        names = [p.name for p in planning_policies("install")]
        assert names == ["Install text", "Later"]


def test_one_cheap_query_a_transaction_once_loaded(two_apps):
    _, second, _ = two_apps
    with second.app_context():
        company_settings(), planning_policies("install"), triage_text("all good")
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with second.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            company_settings(), planning_policies("install"), triage_text("all good")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) == 1, statements
    assert "config_version" in statements[0]


def test_the_copies_are_read_only(two_apps):
    _, second, _ = two_apps
    with second.app_context():
        settings = company_settings()
        assert isinstance(settings, Frozen)
        with pytest.raises(AttributeError):
            settings.name = "Changed"
        assert get_company_settings().name == settings.name
