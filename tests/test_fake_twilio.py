"""The fake Twilio answers like Twilio's REST API 2010, through the real `twilio` library."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
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
OTHER = "+16125550101"
POOL = ["+15005550006", "+15005550007"]
STATUS_URL = "https://outreach.test/twilio/sms/status"
LONG_AGO = date(2000, 1, 1)  #: a DateSent>/StartTime> bound every sent message passes


class _Clock:
    """A settable time.monotonic for the fake's queues and call starts."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make_fake():
    """Start fakes with options (queue_rate=…, clock=…); all are stopped after the test."""
    started: list[FakeTwilio] = []

    def make(**options) -> FakeTwilio:
        started.append(FakeTwilio(**options).start())
        return started[-1]

    yield make
    for fake in started:
        fake.stop()


def _receiver(
    fake: FakeTwilio,
    seen: list,
    path: str = "/twilio/sms/status",
    answered: threading.Event | None = None,
):
    """A Flask test client whose status-callback endpoint checks the signature and records
    (form, whether `answered` gets set within 0.3 s: the test sets it once the create call
    has returned, which cannot happen while a callback posted inside the create waits)."""
    app = Flask(__name__)

    @app.post(path)
    def status():
        ok = RequestValidator(fake.auth_token).validate(
            "https://outreach.test" + path,
            request.form,
            request.headers.get("X-Twilio-Signature", ""),
        )
        seen.append((request.form.to_dict(), answered.wait(0.3) if answered else None))
        return "", 204 if ok else 403

    return app.test_client()


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


# -- Messaging Services -----------------------------------------------------------------------


def test_a_service_message_is_accepted_without_a_sender_then_gets_a_pool_number(fake_twilio):
    service = fake_twilio.messaging_service(pool=POOL)
    client = _client(fake_twilio)
    first = client.messages.create(to=TO, messaging_service_sid=service, body="Hello")
    assert (first.status, first.from_, first.num_segments) == ("accepted", None, "0")
    fetched = client.messages(first.sid).fetch()
    assert fetched.from_ in POOL and fetched.from_ != fake_twilio.from_number
    assert (fetched.status, fetched.num_segments, fetched.messaging_service_sid) == (
        "queued",
        "1",
        service,
    )
    again = client.messages.create(to=TO, messaging_service_sid=service, body="Again")
    other = client.messages.create(to=OTHER, messaging_service_sid=service, body="Hi")
    assert client.messages(again.sid).fetch().from_ == fetched.from_  # Sticky Sender
    assert {fetched.from_, client.messages(other.sid).fetch().from_} == set(POOL)
    by_sender = client.messages.list(from_=fetched.from_)
    assert [m.sid for m in by_sender] == [again.sid, first.sid]
    assert client.messages.list(from_=fake_twilio.from_number) == []


def test_env_with_a_messaging_service_sets_the_service_and_the_from_number(fake_twilio):
    assert "TWILIO_MESSAGING_SERVICE_SID" not in fake_twilio.env()
    env = fake_twilio.env(messaging_service=True)
    service = env["TWILIO_MESSAGING_SERVICE_SID"]
    assert env["TWILIO_FROM_NUMBER"] == fake_twilio.from_number  # calls still need it
    assert fake_twilio.from_number not in fake_twilio.messaging_services[service]
    assert fake_twilio.env(messaging_service=True)["TWILIO_MESSAGING_SERVICE_SID"] == service
    msg = _client(fake_twilio).messages.create(
        to=TO, messaging_service_sid=service, body="x", from_=POOL[0]
    )
    assert (msg.status, msg.from_) == ("accepted", POOL[0])  # a chosen sender from the pool
    with pytest.raises(TwilioRestException) as err:
        _client(fake_twilio).messages.create(to=TO, messaging_service_sid="MG1", body="x")
    assert (err.value.status, err.value.code) == (400, 21705)


# -- sender queues ----------------------------------------------------------------------------


def test_queued_messages_have_no_date_sent_until_their_senders_turn(make_fake):
    clock = _Clock()
    fake = make_fake(queue_rate=1.0, clock=clock)  # a long code: one segment per second
    client = _client(fake)
    first = client.messages.create(to=TO, from_=fake.from_number, body="x" * 300)  # 2 segments
    second = client.messages.create(to=TO, from_=fake.from_number, body="second")
    elsewhere = client.messages.create(to=OTHER, from_="+15017122669", body="another sender")
    for msg in (first, second, elsewhere):
        assert (msg.status, msg.date_sent) == ("queued", None) and msg.date_created

    sent = {m.sid for m in client.messages.list(date_sent_after=LONG_AGO)}
    assert sent == {first.sid, elsewhere.sid}  # each sender's first message left at once
    assert {m.sid for m in client.messages.list(date_sent_before=date(2100, 1, 1))} == sent
    assert len(client.messages.list(to=TO)) == 2  # unfiltered lists still show it
    clock.now += 1.9
    waiting = client.messages(second.sid).fetch()
    assert (waiting.status, waiting.date_sent) == ("queued", None)
    clock.now += 0.1  # the two segments of `first` took the sender 2 s
    done = client.messages(second.sid).fetch()
    assert done.status == "sent" and done.date_sent == done.date_created + timedelta(seconds=2)
    on_the_day = client.messages.list(date_sent=done.date_sent.date().isoformat(), to=TO)
    assert [m.sid for m in on_the_day] == [second.sid, first.sid]


def test_service_messages_wait_accepted_and_leave_with_a_pool_number(make_fake):
    clock = _Clock()
    delays = iter([3.0, 1.0])
    fake = make_fake(queue_delay=lambda: next(delays), clock=clock)
    service = fake.messaging_service(pool=POOL)
    client = _client(fake)
    slow = client.messages.create(to=TO, messaging_service_sid=service, body="slow")
    fast = client.messages.create(to=OTHER, messaging_service_sid=service, body="fast")
    assert (slow.status, slow.from_, slow.date_sent, slow.num_segments) == (
        "accepted",
        None,
        None,
        "0",
    )
    clock.now += 1
    waiting, left = client.messages(slow.sid).fetch(), client.messages(fast.sid).fetch()
    assert (waiting.status, waiting.from_, waiting.date_sent) == ("accepted", None, None)
    assert (left.status, left.num_segments) == ("sent", "1") and left.from_ in POOL
    assert [m.sid for m in client.messages.list(from_=left.from_)] == [fast.sid]
    clock.now += 2
    both = client.messages.list(date_sent_after=LONG_AGO)
    assert [m.sid for m in both] == [fast.sid, slow.sid]  # same second: newest created first
    assert {m.from_ for m in both} == set(POOL)


def test_a_message_still_queued_when_its_validity_period_ends_fails(make_fake):
    clock = _Clock()
    fake = make_fake(queue_rate=0.1, clock=clock)  # ten seconds per segment
    client = _client(fake)
    client.messages.create(to=TO, from_=fake.from_number, body="first")
    late = client.messages.create(to=OTHER, from_=fake.from_number, body="x", validity_period=5)
    after = client.messages.create(to=TO, from_=fake.from_number, body="after")
    clock.now += 4.9
    assert client.messages(late.sid).fetch().status == "queued"
    clock.now += 0.1
    failed = client.messages(late.sid).fetch()
    assert (failed.status, failed.error_code, failed.date_sent) == ("failed", 30036, None)
    clock.now += 4.9
    assert client.messages(after.sid).fetch().date_sent is None
    clock.now += 0.1  # the expired message did not take the sender's time
    assert client.messages(after.sid).fetch().status == "sent"
    assert fake.sent_to() == Counter({TO: 2})


# -- lists ------------------------------------------------------------------------------------


def test_lists_are_newest_first_and_pages_follow_page_tokens(fake_twilio):
    client = _client(fake_twilio)
    two_days_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    old = fake_twilio.add_message(TO, "old", date_created=two_days_ago, date_sent=two_days_ago)
    sids = [
        client.messages.create(to=TO, from_=fake_twilio.from_number, body=f"m{i}").sid
        for i in range(7)
    ]
    streamed = list(client.messages.stream(to=TO, page_size=3))
    assert [m.sid for m in streamed] == [*reversed(sids), old["sid"]]
    pages = fake_twilio.recorded("Messages", "list")
    assert [p.query.get("PageToken") for p in pages] == [None, ["PA" + sids[4]], ["PA" + sids[1]]]

    first = client.messages.page(to=TO, page_size=3)
    newer = client.messages.create(to=TO, from_=fake_twilio.from_number, body="newer").sid
    second = first.next_page()  # a cursor: the new message does not shift this page
    assert [m.sid for m in second] == [sids[3], sids[2], sids[1]]
    assert [m.sid for m in second.previous_page()] == [sids[6], sids[5], sids[4]]
    assert client.messages.list(limit=1)[0].sid == newer

    base = f"{fake_twilio.base_url}/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    auth = (fake_twilio.account_sid, fake_twilio.auth_token)
    assert requests.get(base, auth=auth, timeout=5).json()["page_size"] == 50
    huge = requests.get(base, params={"PageSize": 5000}, auth=auth, timeout=5).json()
    assert (huge["page_size"], len(huge["messages"]), huge["next_page_uri"]) == (1000, 9, None)


# -- calls ------------------------------------------------------------------------------------


def test_calls_have_no_start_time_until_they_start_and_can_be_completed(make_fake):
    clock = _Clock()
    fake = make_fake(call_start_delay=2.0, clock=clock)
    client = _client(fake)
    call = client.calls.create(
        to=TO,
        from_=fake.from_number,
        url="https://outreach.test/twilio/voice/checkin",
        status_callback="https://outreach.test/twilio/voice/status",
    )
    assert (call.status, call.start_time) == ("queued", None)
    assert client.calls.list(start_time_after=LONG_AGO) == []
    clock.now += 2
    started = client.calls(call.sid).fetch()
    assert started.status == "in-progress"
    assert started.start_time == call.date_created + timedelta(seconds=2)
    assert [c.sid for c in client.calls.list(start_time_after=LONG_AGO)] == [call.sid]
    assert [c.sid for c in client.calls.list(status="in-progress", to=TO)] == [call.sid]
    assert client.calls.list(status="completed") == []

    seen: list = []
    ended = fake.complete_call(
        call.sid, duration=30, deliver_to=_receiver(fake, seen, "/twilio/voice/status")
    )
    fetched = client.calls(call.sid).fetch()
    assert (fetched.status, fetched.duration, ended["status"]) == ("completed", "30", "completed")
    assert fetched.end_time is not None
    ((form, _),) = seen
    assert (form["CallStatus"], form["CallDuration"], form["CallSid"]) == (
        "completed",
        "30",
        call.sid,
    )
    assert fake.called() == Counter({TO: 1})


def test_call_callbacks_move_the_call_on(fake_twilio):
    client = _client(fake_twilio)
    call = client.calls.create(
        to=TO,
        from_=fake_twilio.from_number,
        url="https://outreach.test/twilio/voice/checkin",
        status_callback="https://outreach.test/twilio/voice/status",
    )
    receiver = _receiver(fake_twilio, [], "/twilio/voice/status")
    assert client.calls(call.sid).fetch().start_time is None  # the default: it never starts
    fake_twilio.call_callback(call.sid, "in-progress", receiver)
    assert client.calls(call.sid).fetch().start_time is not None
    fake_twilio.call_callback(call.sid, "completed", receiver)
    fake_twilio.call_callback(call.sid, "ringing", receiver)  # late: an ended call stays ended
    ended = client.calls(call.sid).fetch()
    assert (ended.status, ended.duration) == ("completed", "42") and ended.end_time


# -- early, duplicated and shuffled callbacks -------------------------------------------------


def test_early_callbacks_arrive_before_the_create_is_answered(fake_twilio):
    seen: list = []
    answered = threading.Event()
    service = fake_twilio.messaging_service(pool=POOL)
    receiver = _receiver(fake_twilio, seen, answered=answered)
    fake_twilio.early_callbacks(receiver, ("sent", "undelivered"))
    msg = _client(fake_twilio).messages.create(
        to=TO, messaging_service_sid=service, body="x", status_callback=STATUS_URL
    )
    answered.set()
    # no polling: both were posted before the answer, which still says accepted
    assert [(form["MessageStatus"], answered) for form, answered in seen] == [
        ("sent", False),
        ("undelivered", False),
    ]
    assert (msg.status, msg.from_) == ("accepted", None)
    sent, undelivered = (form for form, _ in seen)
    assert sent["MessageSid"] == sent["SmsSid"] == msg.sid and sent["SmsStatus"] == "sent"
    assert (sent["AccountSid"], sent["ApiVersion"], sent["To"]) == (
        fake_twilio.account_sid,
        "2010-04-01",
        TO,
    )
    assert sent["From"] in POOL and sent["MessagingServiceSid"] == service
    assert "ErrorCode" not in sent and undelivered["ErrorCode"] == "30003"
    assert fake_twilio.callbacks_posted == [(msg.sid, "sent", 204), (msg.sid, "undelivered", 204)]
    assert _client(fake_twilio).messages(msg.sid).fetch().status == "undelivered"


def test_auto_callbacks_can_be_duplicated_and_shuffled_reproducibly(fake_twilio):
    statuses = ("queued", "sent", "delivered")
    expected = [s for s in statuses for _ in range(2)]
    random.Random(7).shuffle(expected)
    assert expected[-1] != "delivered"  # so a late callback arrives after delivered
    seen: list = []
    fake_twilio.auto_callbacks(
        _receiver(fake_twilio, seen), statuses, duplicate=True, shuffle=True, seed=7
    )
    msg = _client(fake_twilio).messages.create(
        to=TO, from_=fake_twilio.from_number, body="x", status_callback=STATUS_URL
    )
    fake_twilio.wait_for(lambda: len(fake_twilio.callbacks_posted) == 6)
    assert [form["MessageStatus"] for form, _ in seen] == expected
    assert {form["From"] for form, _ in seen} == {fake_twilio.from_number}
    assert _client(fake_twilio).messages(msg.sid).fetch().status == "delivered"


def test_auto_callbacks_wait_for_the_queue_and_report_an_expiry(make_fake):
    clock = _Clock()
    fake = make_fake(queue_rate=0.1, clock=clock)
    seen: list = []
    fake.auto_callbacks(_receiver(fake, seen), ("sent", "delivered"))
    client = _client(fake)
    create = {"from_": fake.from_number, "body": "x", "status_callback": STATUS_URL}
    first = client.messages.create(to=TO, **create)
    late = client.messages.create(to=OTHER, validity_period=5, **create)
    fake.wait_for(lambda: len(seen) == 2)
    assert [(f["MessageSid"], f["MessageStatus"]) for f, _ in seen] == [
        (first.sid, "sent"),
        (first.sid, "delivered"),
    ]
    clock.now += 5
    fake.wait_for(lambda: len(seen) == 3)
    assert (seen[2][0]["MessageSid"], seen[2][0]["MessageStatus"]) == (late.sid, "failed")
    assert seen[2][0]["ErrorCode"] == "30036"


# -- chaos ------------------------------------------------------------------------------------


def _chaos_run(fake: FakeTwilio, timeout: float, count: int = 30) -> list[str]:
    """Create `count` messages to distinct numbers; what the client saw for each."""
    client = _client(fake, timeout=timeout)
    seen = []
    for i in range(count):
        try:
            client.messages.create(to=f"+1612555{i:04d}", from_=fake.from_number, body="x")
            seen.append("201")
        except TwilioRestException as exc:
            seen.append(f"{exc.status}/{exc.code}")
        except requests.Timeout:
            seen.append("timeout")
    return seen


def test_chaos_fails_a_seeded_fraction_and_hangs_some_creates_that_then_happen(make_fake):
    fake = make_fake()
    fake.chaos(fail_rate=0.3, hang_rate=0.1, hang_seconds=2.0, seed=1, resource="Messages")
    seen = _chaos_run(fake, timeout=1.0)
    fake.wait_for(lambda: all(r.status for r in fake.recorded("Messages", "create")), timeout=10)
    labels = [r.chaos for r in fake.recorded("Messages", "create")]
    expected = {None: "201", "500": "500/20500", "429": "429/20429", "hang": "timeout"}
    assert seen == [expected[label] for label in labels]
    assert {"500", "429", "hang", None} <= set(labels)
    # a hung create was carried out: the customer got it though the client saw a timeout
    reached = {f"+1612555{i:04d}" for i, label in enumerate(labels) if label in (None, "hang")}
    assert fake.sent_to() == Counter(reached)
    assert len(fake.messages) == len(reached)

    again = make_fake()  # the same seed draws the same outcomes
    again.chaos(fail_rate=0.3, hang_rate=0.1, hang_seconds=0.01, seed=1, resource="Messages")
    _chaos_run(again, timeout=5)
    assert [r.chaos for r in again.recorded("Messages", "create")] == labels

    fake.calm()
    assert _chaos_run(fake, timeout=5, count=5) == ["201"] * 5
    fake.fail_next(status=503, code=20503, message="Unavailable")
    assert _chaos_run(fake, timeout=5, count=2) == ["503/20503", "201"]


def test_chaos_only_touches_its_resource_and_is_thread_safe(fake_twilio):
    fake_twilio.chaos(fail_rate=0.25, hang_rate=0, seed=11, resource="Messages", statuses=[503])
    call = _client(fake_twilio).calls.create(
        to=TO, from_=fake_twilio.from_number, url="https://outreach.test/twilio/voice/checkin"
    )
    failures = Counter()

    def worker(n: int) -> None:
        client = _client(fake_twilio)
        for i in range(25):
            try:
                client.messages.create(
                    to=f"+1612556{n:02d}{i:02d}", from_=fake_twilio.from_number, body="x"
                )
            except TwilioRestException as exc:
                failures[(exc.status, exc.code)] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    creates = fake_twilio.recorded("Messages", "create")
    failed = [r for r in creates if r.chaos]
    assert len(creates) == 200 and set(failures) == {(503, 20503)}
    assert sum(failures.values()) == len(failed) and 20 <= len(failed) <= 80
    assert sum(fake_twilio.sent_to().values()) == len(fake_twilio.messages) == 200 - len(failed)
    assert fake_twilio.called() == Counter({TO: 1}) and call.sid in fake_twilio.calls


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


def test_responses_have_the_shapes_of_twilios_api_description(fake_twilio, make_fake):
    spec = json.loads(TWILIO_OPENAPI.read_text())
    components = _openapi_to_jsonschema(spec["components"])
    checker = jsonschema.FormatChecker()
    checker.checks("date-time-rfc-2822", raises=(TypeError, ValueError))(
        lambda v: v is None or parsedate_to_datetime(v) is not None
    )

    def check(path: str, method: str, status: str, body: dict) -> dict:
        operation = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/" + path][method]
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        schema = {**_openapi_to_jsonschema(schema), "components": components}
        jsonschema.Draft7Validator(schema, format_checker=checker).validate(body)
        name = "call" if "Calls" in path else "message"
        records = body.get("messages") or body.get("calls") or [body]
        known = spec["components"]["schemas"][f"api.v2010.account.{name}"]["properties"]
        for record in records:
            assert set(record) <= set(known), f"{method} {path}: fields Twilio does not have"
        return body

    queueing = make_fake(queue_delay=60)  # every message waits a minute in the queue
    checked = []
    for fake in (fake_twilio, queueing):
        base = f"{fake.base_url}/2010-04-01/Accounts/{fake.account_sid}"
        auth = (fake.account_sid, fake.auth_token)

        def post(path: str, form: dict, base=base, auth=auth) -> dict:
            return requests.post(f"{base}/{path}", data=form, auth=auth, timeout=5).json()

        def get(path: str, params: dict | None = None, base=base, auth=auth) -> dict:
            return requests.get(f"{base}/{path}", params, auth=auth, timeout=5).json()

        form = {"To": TO, "From": fake.from_number, "Body": "x", "StatusCallback": STATUS_URL}
        service = {"To": TO, "MessagingServiceSid": fake.messaging_service(), "Body": "x"}
        call_form = {"To": TO, "From": fake.from_number, "Url": STATUS_URL}
        created = check("Messages.json", "post", "201", post("Messages.json", form))
        accepted = check("Messages.json", "post", "201", post("Messages.json", service))
        fetched = check("Messages/{Sid}.json", "get", "200", get(f"Messages/{created['sid']}.json"))
        first = check("Messages.json", "get", "200", get("Messages.json", {"PageSize": 1}))
        second = check("Messages.json", "get", "200", get(first["next_page_uri"].split("/")[-1]))
        call = check("Calls.json", "post", "201", post("Calls.json", call_form))
        calls = check("Calls.json", "get", "200", get("Calls.json"))
        check("Calls/{Sid}.json", "get", "200", get(f"Calls/{call['sid']}.json"))
        assert (accepted["status"], accepted["from"], accepted["num_segments"]) == (
            "accepted",
            None,
            "0",
        )
        assert first["next_page_uri"] and first["messages"][0]["sid"] == accepted["sid"]
        assert second["previous_page_uri"] and second["next_page_uri"] is None
        assert call["start_time"] is None and calls["calls"][0]["start_time"] is None
        checked.append(fetched)
    assert checked[0]["date_sent"] is not None  # no queue: sent at once (the default)
    assert (checked[1]["status"], checked[1]["date_sent"]) == ("queued", None)


def _room_app(fake: FakeTwilio, seen: list):
    """A Flask test client playing the app's part in a conference: the rep's TwiML dials the
    room, every signed conference event is recorded, an announcement says a name."""
    app = Flask(__name__)
    base = "https://outreach.test"

    def signed() -> bool:
        return RequestValidator(fake.auth_token).validate(
            base + request.path, request.form, request.headers.get("X-Twilio-Signature", "")
        )

    @app.post("/rep")
    def rep():
        assert signed()
        return (
            "<Response><Say>Joining the room.</Say><Dial><Conference "
            'startConferenceOnEnter="true" endConferenceOnExit="true" '
            f'statusCallback="{base}/events" statusCallbackEvent="start end join leave">'
            "room-1</Conference></Dial></Response>"
        )

    @app.post("/events")
    def events():
        seen.append((request.form.to_dict(), signed()))
        return ""

    @app.post("/announce")
    def announce():
        assert signed() and request.form["ConferenceSid"].startswith("CF")
        return "<Response><Say>Outreach: joining Ada.</Say></Response>"

    @app.post("/status")
    def status():
        assert signed()
        return ""

    return app.test_client()


def test_conferences_start_with_the_first_participant_and_post_the_events_asked_for(fake_twilio):
    seen: list = []
    web = _room_app(fake_twilio, seen)
    twilio = _client(fake_twilio)
    rep = twilio.calls.create(
        to=TO,
        from_=fake_twilio.from_number,
        url="https://outreach.test/rep",
        status_callback="https://outreach.test/status",
    )
    assert fake_twilio.conferences == {}  # nothing until someone joins

    fake_twilio.answer_call(rep.sid, web)

    assert fake_twilio.heard[rep.sid] == ["Joining the room."]
    (room,) = twilio.conferences.list(friendly_name="room-1")
    assert (room.status, room.friendly_name) == ("in-progress", "room-1")
    assert [(e["StatusCallbackEvent"], e.get("CallSid")) for e, _ in seen] == [
        ("participant-join", rep.sid),
        ("conference-start", None),
    ]
    assert all(ok for _, ok in seen) and seen[0][0]["ConferenceSid"] == room.sid
    assert seen[0][0]["EndConferenceOnExit"] == "true"

    added = twilio.conferences(room.sid).participants.create(
        from_=fake_twilio.from_number,
        to=OTHER,
        label="customer",
        status_callback="https://outreach.test/status",
    )
    assert (added.status, added.label, added.conference_sid) == ("queued", "customer", room.sid)
    assert fake_twilio.calls[added.call_sid]["to"] == OTHER
    fake_twilio.answer_call(added.call_sid, web)
    fetched = twilio.conferences(room.sid).participants(added.call_sid).fetch()
    assert fetched.status == "connected"
    assert len(twilio.conferences(room.sid).participants.list()) == 2
    twilio.conferences(room.sid).update(announce_url="https://outreach.test/announce")
    fake_twilio.deliver(web)
    assert fake_twilio.announced[room.sid] == ["Outreach: joining Ada."]

    fake_twilio.hang_up(rep.sid, web)  # endConferenceOnExit: the room ends for everyone

    ended = twilio.conferences(room.sid).fetch()
    assert (ended.status, ended.reason_conference_ended, ended.call_sid_ending_conference) == (
        "completed",
        "participant-with-end-conference-on-exit-left",
        rep.sid,
    )
    events = [e["StatusCallbackEvent"] for e, _ in seen]
    assert events[2:] == [
        "participant-join",
        "participant-leave",
        "participant-leave",
        "conference-end",
    ]
    assert seen[-1][0]["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left"
    assert twilio.calls(added.call_sid).fetch().status == "completed"
    assert twilio.conferences(room.sid).participants.list() == []
    with pytest.raises(TwilioRestException) as gone:
        twilio.conferences(room.sid).participants.create(from_=fake_twilio.from_number, to=TO)
    assert gone.value.status == 404


def _menu_app(fake: FakeTwilio, keys: list):
    """A Flask test client whose call asks for one key (twice), then hangs up; the key's
    action answers with what was pressed."""
    app = Flask(__name__)
    base = "https://outreach.test"
    ask = (
        f'<Gather input="dtmf" numDigits="1" action="{base}/key" timeout="10">'
        "<Say>Press 1.</Say></Gather>"
    )

    @app.post("/menu")
    def menu():
        return f"<Response>{ask}{ask}<Say>No key.</Say><Hangup/></Response>"

    @app.post("/key")
    def key():
        valid = RequestValidator(fake.auth_token).validate(
            base + request.path, request.form, request.headers.get("X-Twilio-Signature", "")
        )
        keys.append((request.form["Digits"], request.form["CallSid"], valid))
        return f"<Response><Say>You pressed {request.form['Digits']}.</Say></Response>"

    return app.test_client()


def test_a_gather_posts_the_keys_pressed_or_times_out_into_the_next_verb(fake_twilio):
    keys: list = []
    web = _menu_app(fake_twilio, keys)
    twilio = _client(fake_twilio)
    url = "https://outreach.test/menu"
    person = twilio.calls.create(to=TO, from_=fake_twilio.from_number, url=url)
    voicemail = twilio.calls.create(to=OTHER, from_=fake_twilio.from_number, url=url)

    fake_twilio.answer_call(person.sid, web, digits="1")
    fake_twilio.answer_call(voicemail.sid, web)  # presses nothing

    assert fake_twilio.heard[person.sid] == ["Press 1.", "You pressed 1."]
    assert fake_twilio.heard[voicemail.sid] == ["Press 1.", "Press 1.", "No key."]
    assert keys == [("1", person.sid, True)]
    assert {fake_twilio.calls[s]["status"] for s in (person.sid, voicemail.sid)} == {"completed"}
    assert fake_twilio.errors == []


def test_a_participant_who_does_not_answer_never_joins(fake_twilio):
    seen: list = []
    web = _room_app(fake_twilio, seen)
    twilio = _client(fake_twilio)
    rep = twilio.calls.create(to=TO, from_=fake_twilio.from_number, url="https://outreach.test/rep")
    fake_twilio.answer_call(rep.sid, web)
    (room,) = fake_twilio.conferences
    added = twilio.conferences(room).participants.create(from_=fake_twilio.from_number, to=OTHER)
    fake_twilio.complete_call(added.call_sid, "no-answer")
    assert [p.call_sid for p in twilio.conferences(room).participants.list()] == [rep.sid]
    assert "participant-join" not in [
        e["StatusCallbackEvent"] for e, _ in seen if e.get("CallSid") == added.call_sid
    ]


def test_conference_responses_have_the_shapes_of_twilios_api_description(fake_twilio):
    spec = json.loads(TWILIO_OPENAPI.read_text())
    components = _openapi_to_jsonschema(spec["components"])
    # the enum's own description: "When a conference is in progress, will be `null`" (the
    # property is a bare $ref, which cannot say nullable in OpenAPI 3.0)
    reason = components["schemas"]["conference_enum_reason_conference_ended"]
    assert "in progress, will be `null`" in reason["description"]
    reason.update(type=["string", "null"], enum=[*reason["enum"], None])
    checker = jsonschema.FormatChecker()
    checker.checks("date-time-rfc-2822", raises=(TypeError, ValueError))(
        lambda v: v is None or parsedate_to_datetime(v) is not None
    )
    web = _room_app(fake_twilio, [])
    base = f"{fake_twilio.base_url}/2010-04-01/Accounts/{fake_twilio.account_sid}"
    auth = (fake_twilio.account_sid, fake_twilio.auth_token)
    call = requests.post(
        f"{base}/Calls.json",
        data={"To": TO, "From": fake_twilio.from_number, "Url": "https://outreach.test/rep"},
        auth=auth,
        timeout=5,
    ).json()
    fake_twilio.answer_call(call["sid"], web)
    (room,) = fake_twilio.conferences

    def check(template: str, path: str, method: str, status: str, name: str, **form) -> dict:
        send = requests.post if method == "post" else requests.get
        response = send(f"{base}/{path}", data=form or None, auth=auth, timeout=5)
        assert response.status_code == int(status), response.text
        body = response.json()
        operation = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/" + template][method]
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        schema = {**_openapi_to_jsonschema(schema), "components": components}
        jsonschema.Draft7Validator(schema, format_checker=checker).validate(body)
        known = spec["components"]["schemas"][f"api.v2010.account.{name}"]["properties"]
        for record in body.get("conferences") or body.get("participants") or [body]:
            assert set(record) <= set(known), f"{method} {path}: fields Twilio does not have"
        return body

    add = {"From": fake_twilio.from_number, "To": OTHER, "Label": "guest"}
    part = "conference.participant"
    added = check(
        "Conferences/{ConferenceSid}/Participants.json",
        f"Conferences/{room}/Participants.json",
        "post",
        "201",
        part,
        **add,
    )
    check(
        "Conferences/{ConferenceSid}/Participants.json",
        f"Conferences/{room}/Participants.json",
        "get",
        "200",
        part,
    )
    check(
        "Conferences/{ConferenceSid}/Participants/{CallSid}.json",
        f"Conferences/{room}/Participants/{added['call_sid']}.json",
        "get",
        "200",
        part,
    )
    listed = check("Conferences.json", "Conferences.json", "get", "200", "conference")
    fetched = check(
        "Conferences/{Sid}.json", f"Conferences/{room}.json", "get", "200", "conference"
    )
    updated = check(
        "Conferences/{Sid}.json",
        f"Conferences/{room}.json",
        "post",
        "200",
        "conference",
        AnnounceUrl="https://outreach.test/announce",
    )
    assert listed["conferences"][0]["sid"] == fetched["sid"] == updated["sid"] == room
    assert set(fetched) == set(
        spec["components"]["schemas"]["api.v2010.account.conference"]["properties"]
    )
    assert set(added) == set(
        spec["components"]["schemas"]["api.v2010.account.conference.participant"]["properties"]
    )
