"""Every route of the app, walked from app.url_map: who may reach it and who is refused.

Routes added later by anyone are picked up automatically. The rules are by endpoint name:
  - PUBLIC: anyone;
  - api.* (but api.openapi): a bearer token, never a session -> 401 without one;
  - /twilio/*: a Twilio signature -> 403 without one;
  - /hooks/*: the event source's (Mailgun's) own signature -> 403 without one;
  - rep.*: reps (and admins);
  - admin.users*, admin.tokens*, admin.settings*, admin.sources*: admins only;
  - admin.* and any other endpoint: staff (admins and managers).
An endpoint that must be public has to be added to PUBLIC here, on purpose.
"""

from __future__ import annotations

import uuid

import pytest
from web_helpers import isolated_client, make_user, sign_in
from werkzeug.routing import AnyConverter, IntegerConverter, Rule, UUIDConverter

ROLES = ("admin", "manager", "rep")
PUBLIC = {"static", "main.home", "main.healthz", "auth.login", "api.openapi", "calendar.feed"}
PUBLIC |= {"main.favicon"}  #: the app's icon
#: a page's one-tap link: its random single-use token is the credential (tests/test_escalation.py)
PUBLIC |= {"main.page_link", "main.page_link_take"}
#: an e-mail's unsubscribe link: its signed token names the customer (tests/test_email_consent.py)
PUBLIC |= {"main.email_unsubscribe", "main.email_unsubscribe_post"}
SIGNED_IN = {"auth.logout": set(ROLES)}  #: any signed-in user
ADMIN_ONLY_PREFIXES = ("admin.users", "admin.tokens", "admin.settings", "admin.sources")
STAFF = {"admin", "manager"}


def allowed_roles(endpoint: str) -> set[str]:
    """The roles that may use a session-protected endpoint (admins may use every one)."""
    if endpoint in SIGNED_IN:
        return SIGNED_IN[endpoint]
    if endpoint.startswith("rep."):
        return {"rep", "admin"}
    if endpoint.startswith(ADMIN_ONLY_PREFIXES):
        return {"admin"}
    return STAFF


def _kind(rule: Rule) -> str:
    if rule.endpoint in PUBLIC:
        return "public"
    if rule.endpoint.startswith("api."):
        return "bearer"
    if rule.rule.startswith(("/twilio/", "/hooks/")):
        return "signature"
    return "session"


def _dummy(converter) -> str:
    if isinstance(converter, IntegerConverter):
        return "1"
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, UUIDConverter):
        return str(uuid.uuid4())
    return "x"


def _url(app, rule: Rule) -> str:
    """The rule's path with a dummy value for every URL parameter."""
    adapter = app.url_map.bind("localhost")
    values = {name: _dummy(conv) for name, conv in rule._converters.items()}
    return adapter.build(rule.endpoint, values, force_external=False)


def _methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _rules(app, kind: str) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if _kind(r) == kind]


@pytest.fixture
def users(app, db):
    """One signed-in-able user of each role."""
    return {role: make_user(role) for role in ROLES}


def _client(app, user=None):
    client = isolated_client(app)
    if user is not None:
        sign_in(client, user)
    return client


def _refused_anonymous(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303) and response.headers["Location"].startswith("/login")


def test_the_walk_sees_the_pages_of_every_audience(app):
    kinds = {_kind(r) for r in app.url_map.iter_rules()}
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert {"public", "session", "bearer"} <= kinds
    assert {"rep.index", "admin.dashboard", "admin.users", "calendar.feed"} <= endpoints
    assert {"admin.attention", "admin.alarm"} <= endpoints
    assert {
        "rep.conference",
        "admin.followups_conference",
        "admin.conversations_conference",
        "admin.conversations_conference_form",
        "webhooks.conference_rep",
        "webhooks.conference_confirm",
        "webhooks.conference_events",
        "webhooks.conference_announce",
    } <= endpoints


def test_every_non_public_page_refuses_an_anonymous_user(app, db):
    client = _client(app)
    failures = []
    for rule in _rules(app, "session"):
        url = _url(app, rule)
        for method in _methods(rule):
            response = client.open(url, method=method)
            if not _refused_anonymous(response):
                failures.append(f"{method} {url} ({rule.endpoint}) -> {response.status_code}")
    assert failures == [], (
        "these routes let an anonymous user in; protect them, or add them to PUBLIC in "
        "tests/test_roles.py if they really are public"
    )


def test_anonymous_user_is_redirected_to_login_with_next(app, db):
    response = _client(app).get("/admin/tokens")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Ftokens"


def test_every_page_refuses_the_wrong_role_with_403(app, users):
    clients = {role: _client(app, user) for role, user in users.items()}
    failures, checked = [], 0
    for rule in _rules(app, "session"):
        url = _url(app, rule)
        for role in set(ROLES) - allowed_roles(rule.endpoint):
            for method in _methods(rule):
                response = clients[role].open(url, method=method)
                checked += 1
                if response.status_code != 403:
                    failures.append(
                        f"{role}: {method} {url} ({rule.endpoint}) -> {response.status_code}"
                    )
    assert checked > 10
    assert failures == []


def test_every_page_lets_the_right_roles_in(app, users):
    clients = {role: _client(app, user) for role, user in users.items()}
    failures = []
    for rule in _rules(app, "session"):
        if "GET" not in rule.methods:
            continue
        url = _url(app, rule)
        for role in allowed_roles(rule.endpoint):
            response = clients[role].get(url)
            refused = response.status_code in (401, 403) or (
                response.status_code == 302 and response.headers["Location"].startswith("/login")
            )
            if refused or response.status_code >= 500:
                failures.append(f"{role}: GET {url} ({rule.endpoint}) -> {response.status_code}")
    assert failures == []


def test_api_endpoints_want_a_bearer_token_not_a_session(app, users):
    signed_in_admin = _client(app, users["admin"])
    failures = []
    for rule in _rules(app, "bearer"):
        url = _url(app, rule)
        for method in _methods(rule):
            for client in (_client(app), signed_in_admin):
                response = client.open(url, method=method, json={})
                if response.status_code != 401:
                    failures.append(f"{method} {url} ({rule.endpoint}) -> {response.status_code}")
    assert failures == []


def test_webhooks_refuse_unsigned_requests(app, users):
    from outreach.events.sources import SourceInput, create_source

    create_source(  # the walk's dummy slug "x", so /hooks/x reaches a source's signature check
        SourceInput(
            name="x",
            slug="x",
            signature_header="X-Signature",
            signature_encoding="hex",
            timestamp_header="",
            tolerance_seconds=None,
            mapping='{"fields": {"external_id": "a", "type": "b", "occurred_at": "c", '
            '"customer.external_id": "d", "customer.name": "e", "customer.phone": "f"}}',
        )
    )
    failures = []
    assert any(r.rule.startswith("/hooks/") for r in _rules(app, "signature"))
    for rule in _rules(app, "signature"):
        url = _url(app, rule)
        for method in _methods(rule):
            response = _client(app, users["admin"]).open(url, method=method, data={})
            if response.status_code != 403:
                failures.append(f"{method} {url} ({rule.endpoint}) -> {response.status_code}")
    assert failures == []


@pytest.mark.parametrize(
    ("endpoint", "roles"),
    [
        ("rep.index", {"rep", "admin"}),
        ("admin.dashboard", {"admin", "manager"}),
        ("admin.attention", {"admin", "manager"}),
        ("admin.attention_take", {"admin", "manager"}),
        ("admin.alarm", {"admin", "manager"}),
        ("admin.alarm_example_add", {"admin", "manager"}),
        ("admin.some_page_added_later", {"admin", "manager"}),
        ("admin.users_edit", {"admin"}),
        ("admin.tokens_revoke", {"admin"}),
        ("admin.settings_phrase_add", {"admin"}),
        ("admin.sources_edit", {"admin"}),
        ("reports.anything", {"admin", "manager"}),
    ],
)
def test_role_rules_by_endpoint_name(endpoint, roles):
    assert allowed_roles(endpoint) == roles
