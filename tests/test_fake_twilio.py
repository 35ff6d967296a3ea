"""The fake Twilio answers like Twilio's REST API 2010, through the real `twilio` library."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import jsonschema
import pytest
import requests
from fake_twilio import FakeTwilio
from flask import Flask, request
from testenv import TWILIO_OPENAPI
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

TO = "+16125550100"


def _client(fake: FakeTwilio, token: str | None = None, timeout: float = 5.0) -> Client:
    client = Client(
        fake.account_sid,
        token or fake.auth_token,
        http_client=TwilioHttpClient(timeout=timeout),
    )
    client.api.base_url = fake.base_url
    return client


def test_create_message_answers_like_twilio_and_records_the_form(fake_twilio):
    msg = _client(fake_twilio).messages.create(
        to=TO,
        from_=fake_twilio.from_number,
        body="Hello there",
        status_callback="https://outreach.test/twilio/sms/status",
        validity_period=600,
    )
    assert msg.sid.startswith("SM") and len(msg.sid) == 34
    assert (msg.status, msg.to, msg.from_, msg.num_segments) == (
        "queued",
        TO,
        fake_twilio.from_number,
        "1",
    )
    assert msg.date_created.tzinfo is not None
    (recorded,) = fake_twilio.created_messages()
    assert recorded.form["ValidityPeriod"] == ["600"]
    assert recorded.form["StatusCallback"] == ["https://outreach.test/twilio/sms/status"]
    assert recorded.status == 201


def test_messaging_service_sends_are_accepted_without_a_segment_count(fake_twilio):
    service = "MG" + "a" * 32
    msg = _client(fake_twilio).messages.create(to=TO, messaging_service_sid=service, body="Hello")
    assert (msg.status, msg.num_segments, msg.from_) == ("accepted", "0", None)


def test_wrong_credentials_get_401_with_twilio_error_20003(fake_twilio):
    with pytest.raises(TwilioRestException) as err:
        _client(fake_twilio, token="wrong").messages.create(
            to=TO, from_=fake_twilio.from_number, body="x"
        )
    assert (err.value.status, err.value.code) == (401, 20003)
    assert fake_twilio.messages == {}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"body": "x"}, 21603),  # no From
        ({"from_": "+15017122661"}, 21602),  # no Body
        ({"from_": "+15017122661", "body": "x", "validity_period": 36001}, 21624),
    ],
)
def test_invalid_creates_get_twilio_error_codes(fake_twilio, fields, code):
    with pytest.raises(TwilioRestException) as err:
        _client(fake_twilio).messages.create(to=TO, **fields)
    assert (err.value.status, err.value.code) == (400, code)


def test_list_filters_by_recipient_and_date_sent_and_pages(fake_twilio):
    client = _client(fake_twilio)
    for i in range(5):
        client.messages.create(to=TO, from_=fake_twilio.from_number, body=f"m{i}")
    client.messages.create(to="+16125550101", from_=fake_twilio.from_number, body="other")
    today = datetime.now(UTC).date()

    listed = list(client.messages.stream(to=TO, date_sent_after=today.isoformat(), page_size=2))
    assert sorted(m.body for m in listed) == [f"m{i}" for i in range(5)]
    pages = fake_twilio.recorded("Messages", "list")
    assert len(pages) == 3  # 2 + 2 + 1, following next_page_uri
    assert pages[0].query["DateSent>"] == [today.isoformat()]
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert list(client.messages.stream(to=TO, date_sent_after=tomorrow)) == []


def test_fetch_returns_the_message_and_unknown_sids_are_404_20404(fake_twilio):
    client = _client(fake_twilio)
    sid = client.messages.create(to=TO, from_=fake_twilio.from_number, body="x").sid
    assert client.messages(sid).fetch().body == "x"
    with pytest.raises(TwilioRestException) as err:
        client.messages("SM" + "0" * 32).fetch()
    assert (err.value.status, err.value.code) == (404, 20404)


def test_fail_next_answers_the_given_status_and_code_then_recovers(fake_twilio):
    client = _client(fake_twilio)
    fake_twilio.fail_next(2, status=429, code=20429, message="Too Many Requests")
    for _ in range(2):
        with pytest.raises(TwilioRestException) as err:
            client.messages.create(to=TO, from_=fake_twilio.from_number, body="x")
        assert (err.value.status, err.value.code) == (429, 20429)
    assert client.messages.create(to=TO, from_=fake_twilio.from_number, body="x").sid
    assert [r.status for r in fake_twilio.recorded("Messages", "create")] == [429, 429, 201]


def test_rejected_number_fails_every_create_with_its_code(fake_twilio):
    fake_twilio.reject_number(TO, 21610, message="Attempt to send to unsubscribed recipient")
    with pytest.raises(TwilioRestException) as err:
        _client(fake_twilio).messages.create(to=TO, from_=fake_twilio.from_number, body="x")
    assert (err.value.status, err.value.code) == (400, 21610)


def test_hang_outlasts_the_client_timeout_and_can_create_anyway(fake_twilio):
    import requests as rq

    fake_twilio.hang_next(seconds=1.0, then_process=True)
    started = time.monotonic()
    with pytest.raises(rq.Timeout):
        _client(fake_twilio, timeout=0.3).messages.create(
            to=TO, from_=fake_twilio.from_number, body="late"
        )
    assert time.monotonic() - started < 0.9  # the client gave up before the fake answered
    fake_twilio.wait_for(lambda: fake_twilio.messages, timeout=5)
    assert [m["body"] for m in fake_twilio.messages.values()] == ["late"]


def test_calls_are_created_and_listed(fake_twilio):
    client = _client(fake_twilio)
    call = client.calls.create(
        to=TO,
        from_=fake_twilio.from_number,
        url="https://outreach.test/twilio/voice/checkin",
        status_callback="https://outreach.test/twilio/voice/status",
    )
    assert call.sid.startswith("CA") and call.status == "queued"
    assert [c.sid for c in client.calls.list(to=TO)] == [call.sid]
    with pytest.raises(TwilioRestException) as err:
        client.calls.create(to=TO, from_=fake_twilio.from_number)
    assert err.value.code == 21205


def test_status_callbacks_are_signed_over_the_status_callback_url(fake_twilio):
    received = []
    receiver = Flask(__name__)

    @receiver.post("/twilio/sms/status")
    def status():
        url = "https://outreach.test/twilio/sms/status?x=1"
        ok = RequestValidator(fake_twilio.auth_token).validate(
            url, request.form, request.headers.get("X-Twilio-Signature", "")
        )
        received.append((ok, request.form.to_dict()))
        return "", 200 if ok else 403

    sid = (
        _client(fake_twilio)
        .messages.create(
            to=TO,
            from_=fake_twilio.from_number,
            body="x",
            status_callback="https://outreach.test/twilio/sms/status?x=1",
        )
        .sid
    )
    response = fake_twilio.message_callback(sid, "undelivered", receiver.test_client(), 30003)
    assert response.status_code == 200
    ok, form = received[0]
    assert ok and form["MessageStatus"] == "undelivered" and form["ErrorCode"] == "30003"
    assert form["MessageSid"] == sid and form["To"] == TO


def test_auto_callbacks_post_each_status_over_http(fake_twilio):
    hits = []
    server = FakeTwilio().start()  # a second fake as a plain HTTP sink that records POSTs
    try:
        fake_twilio.auto_callbacks(server.base_url, statuses=("sent", "delivered"))
        _client(fake_twilio).messages.create(
            to=TO,
            from_=fake_twilio.from_number,
            body="x",
            status_callback="https://outreach.test/twilio/sms/status",
        )
        hits = server.wait_for(lambda: len(server.requests) == 2 and server.requests)
    finally:
        server.stop()
    assert [h.form["MessageStatus"] for h in hits] == [["sent"], ["delivered"]]
    assert all(h.path == "/twilio/sms/status" for h in hits)


def test_keep_alive_throughput_is_not_capped_by_nagle(fake_twilio):
    # Nagle + delayed ACKs would cap a keep-alive client near 23 requests/s (4+ s for 100).
    client = _client(fake_twilio)
    started = time.monotonic()
    for i in range(100):
        client.messages.create(to=TO, from_=fake_twilio.from_number, body=f"n{i}")
    assert time.monotonic() - started < 2.5


def test_stop_releases_hanging_requests(fake_twilio):
    fake_twilio.hang_next(seconds=30)
    errors = []

    def call():
        try:
            requests.get(fake_twilio.base_url + "/x", timeout=60)
        except requests.RequestException as exc:  # released with a 504 or a closed socket
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    fake_twilio.wait_for(lambda: fake_twilio.requests)
    started = time.monotonic()
    fake_twilio.stop()
    thread.join(timeout=10)
    assert not thread.is_alive() and time.monotonic() - started < 5


def _openapi_to_jsonschema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type, recursively."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _openapi_to_jsonschema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in node:
        out["type"] = [node["type"], "null"]
    return out


def test_responses_have_the_shapes_of_twilios_api_description(fake_twilio):
    spec = json.loads(TWILIO_OPENAPI.read_text())
    components = _openapi_to_jsonschema(spec["components"])
    checker = jsonschema.FormatChecker()
    checker.checks("date-time-rfc-2822", raises=(TypeError, ValueError))(
        lambda v: v is None or parsedate_to_datetime(v) is not None
    )
    base = f"{fake_twilio.base_url}/2010-04-01/Accounts/{fake_twilio.account_sid}"
    auth = (fake_twilio.account_sid, fake_twilio.auth_token)
    callback = "https://outreach.test/twilio/sms/status"
    form = {"To": TO, "From": fake_twilio.from_number, "Body": "x", "StatusCallback": callback}
    call_form = {"To": TO, "From": fake_twilio.from_number, "Url": callback}
    created = requests.post(f"{base}/Messages.json", data=form, auth=auth, timeout=5).json()
    answers = [
        ("Messages.json", "post", "201", created),
        (
            "Messages.json",
            "get",
            "200",
            requests.get(f"{base}/Messages.json", auth=auth, timeout=5).json(),
        ),
        (
            "Messages/{Sid}.json",
            "get",
            "200",
            requests.get(f"{base}/Messages/{created['sid']}.json", auth=auth, timeout=5).json(),
        ),
        (
            "Calls.json",
            "post",
            "201",
            requests.post(f"{base}/Calls.json", data=call_form, auth=auth, timeout=5).json(),
        ),
        (
            "Calls.json",
            "get",
            "200",
            requests.get(f"{base}/Calls.json", auth=auth, timeout=5).json(),
        ),
    ]
    for path, method, status, body in answers:
        operation = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/" + path][method]
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        schema = {**_openapi_to_jsonschema(schema), "components": components}
        jsonschema.Draft7Validator(schema, format_checker=checker).validate(body)
        record = body["messages"][0] if "messages" in body else body
        record = body["calls"][0] if "calls" in body else record
        name = "call" if "Calls" in path else "message"
        known = spec["components"]["schemas"][f"api.v2010.account.{name}"]["properties"]
        assert set(record) <= set(known), f"{method} {path}: fields Twilio does not have"
