"""What the app sends to Twilio conforms to Twilio's own OpenAPI description
(tests/twilio_api/twilio_api_v2010.json):
(a) every request the fake recorded is checked against the spec's schema for its path;
(b) one check-in is sent through the Prism mock server serving that spec.
The three-way call's requests (Calls, Conference Participants, Conference update) are checked
the same way."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import requests
import sqlalchemy as sa
from fake_twilio import SEND_AT
from testenv import TWILIO_OPENAPI, run_worker
from web_helpers import (
    isolated_client,
    make_customer,
    make_followup,
    make_user,
    now,
    sign_in,
    zone_where,
)

from outreach.extensions import db
from outreach.messaging import reconcile_stale, send_checkin
from outreach.messaging.sending import _start_attempt
from outreach.messaging.transport import get_transport
from outreach.models import Call

ROOT = Path(__file__).resolve().parent.parent
#: Prism as pinned by tests/contract/package-lock.json (installed by `make test`)
PRISM = [str(ROOT / "tests" / "contract" / "node_modules" / ".bin" / "prism"), "mock"]
PRISM_START_TIMEOUT = 60  #: seconds
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@pytest.fixture(scope="module")
def spec() -> dict:
    """Twilio's OpenAPI description of REST API v2010."""
    return json.loads(TWILIO_OPENAPI.read_text())


def _operation(spec: dict, method: str, path: str) -> tuple[dict, dict[str, str]]:
    for template, item in spec["paths"].items():
        names = re.findall(r"\{(\w+)\}", template)
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "([^/]+)", re.escape(template)) + "$"
        match = re.match(pattern, path)
        if match and method.lower() in item:
            return item[method.lower()], dict(zip(names, match.groups(), strict=True))
    raise AssertionError(f"{method} {path} is not in Twilio's API description")


def _coerce(schema: dict, values: list[str]):
    kind = schema.get("type")
    if kind == "array":
        return [_coerce(schema.get("items", {}), [v]) for v in values]
    (value,) = values  # a scalar field sent more than once is an error
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value  # left as text, so the schema rejects it
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


def _validator(schema: dict, spec: dict) -> jsonschema.Draft7Validator:
    checker = jsonschema.FormatChecker()
    checker.checks("phone-number")(lambda v: not isinstance(v, str) or bool(_E164.match(v)))
    return jsonschema.Draft7Validator(
        {**schema, "components": spec["components"]}, format_checker=checker
    )


def _violations(spec: dict, req) -> list[str]:
    """Everything in one recorded request that Twilio's description does not allow."""
    op, path_params = _operation(spec, req.method, req.path)
    problems = []
    for param in op.get("parameters", []):
        if param["in"] == "path":
            for error in _validator(param["schema"], spec).iter_errors(path_params[param["name"]]):
                problems.append(f"path {param['name']}: {error.message}")
    query_params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
    for name, values in req.query.items():
        if name not in query_params:
            problems.append(f"unknown query parameter {name}")
            continue
        value = _coerce(query_params[name]["schema"], values)
        for error in _validator(query_params[name]["schema"], spec).iter_errors(value):
            problems.append(f"query {name}: {error.message}")
    if req.method == "POST":
        schema = op["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        properties = schema["properties"]
        problems += [f"unknown form field {n}" for n in req.form if n not in properties]
        instance = {n: _coerce(properties[n], v) for n, v in req.form.items() if n in properties}
        problems += [f"form: {e.message}" for e in _validator(schema, spec).iter_errors(instance)]
    if not req.headers.get("Authorization", "").startswith("Basic "):
        problems.append("no HTTP Basic authorization")
    return problems


def test_every_request_the_app_makes_conforms_to_twilios_api_description(
    twilio_app, fake_twilio, make_sms_checkin, spec
):
    send_checkin(make_sms_checkin().id, now=SEND_AT)  # a create
    stale = make_sms_checkin(phone="+16125550101", expires_in=timedelta(minutes=5))
    _start_attempt(stale, get_transport(), SEND_AT)
    reconcile_stale(SEND_AT + timedelta(minutes=2))  # a list, then a retry later
    get_transport().start_call(
        "+16125550100",
        url="https://outreach.test/twilio/voice/checkin",
        status_callback="https://outreach.test/twilio/voice/status",
    )
    seen = {(r.method, r.resource) for r in fake_twilio.requests}
    assert seen == {("POST", "Messages"), ("GET", "Messages"), ("POST", "Calls")}
    for req in fake_twilio.requests:
        assert _violations(spec, req) == [], f"{req.method} {req.path}"


def test_the_three_way_calls_requests_conform_to_twilios_api_description(
    twilio_app, fake_twilio, spec, app_env
):
    rep = make_user("rep", phone="+16125550142", name="Sam Rep")
    manager = make_user("manager", phone="+16125550143", name="Max Manager")
    customer = make_customer(name="Ada Lovelace", zone=zone_where(range(10, 17)))
    followup = make_followup(rep, customer, now() + timedelta(days=1))
    db.session.commit()
    web = isolated_client(twilio_app)
    sign_in(web, rep)
    web.post(f"/rep/followups/{followup.id}/conference", data={"guest_id": str(manager.id)})
    legs = {c.party: c.twilio_sid for c in db.session.scalars(sa.select(Call))}
    fake_twilio.answer_call(legs["rep"], web, digits="1")
    done = run_worker({**app_env, **fake_twilio.env(), "OUTREACH_SEND_RATE": "1000"})
    assert done.returncode == 0, done.stderr
    db.session.expire_all()
    for party, sid in ((c.party, c.twilio_sid) for c in db.session.scalars(sa.select(Call))):
        if party != "rep":
            fake_twilio.answer_call(sid, web)
    fake_twilio.hang_up(legs["rep"], web)

    seen = {(r.method, r.resource) for r in fake_twilio.requests}
    assert seen == {("POST", "Calls"), ("POST", "Participants"), ("POST", "Conference")}
    for req in fake_twilio.requests:
        assert req.status in (200, 201), f"{req.method} {req.path}: {req.status}"
        assert _violations(spec, req) == [], f"{req.method} {req.path}"


def test_the_contract_check_catches_what_twilio_would_reject(fake_twilio, spec):
    url = f"{fake_twilio.base_url}/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    requests.post(url, data={"Body": "x", "ValidityPeriod": "soon", "Colour": "red"}, timeout=5)
    (req,) = fake_twilio.requests
    assert sorted(_violations(spec, req)) == [
        "form: 'To' is a required property",
        "form: 'soon' is not of type 'integer'",
        "no HTTP Basic authorization",
        "unknown form field Colour",
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def prism(tmp_path):
    """Prism mocking Twilio's API from the spec on 127.0.0.1; fails (never skips) if it cannot."""
    if not Path(PRISM[0]).exists():
        pytest.fail("Prism is not installed: run `make test` (it runs npm ci in tests/contract)")
    port = _free_port()
    log_path = tmp_path / "prism.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*PRISM, "-p", str(port), "-h", "127.0.0.1", str(TWILIO_OPENAPI)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so its node child stops with it
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + PRISM_START_TIMEOUT
    try:
        while True:
            try:
                requests.get(base + "/", timeout=5)  # any answer (Prism's 404) means it is up
                break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Prism did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have exited on its own
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_a_check_in_sent_through_prism_is_accepted_by_twilios_api_description(
    make_app, make_sms_checkin, prism
):
    env = {
        "OUTREACH_TRANSPORT": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
        "TWILIO_AUTH_TOKEN": "prism-token",
        "TWILIO_FROM_NUMBER": "+15017122661",
        "TWILIO_API_BASE_URL": prism,
    }
    with make_app(env=env).app_context():
        outcome = send_checkin(make_sms_checkin().id, now=SEND_AT)
    # Prism answers 422 to a request that breaks the spec and 401 without Basic auth;
    # a valid one gets the spec's example message.
    assert (outcome.result, outcome.sid) == ("sent", "SM" + "a" * 32)
