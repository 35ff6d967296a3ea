"""A local fake of Twilio's REST API 2010 (Messages, Calls, Conferences and their
Participants) over real HTTP, for tests.

Start it with the `fake_twilio` fixture, point the app at it with `make_app(env=fake.env())`
(or the `twilio_app` fixture), then inspect `fake.requests`, script failures with
`fake.fail_next(...)` / `fake.hang_next(...)` / `fake.reject_number(...)`, and post signed
status callbacks with `fake.message_callback(...)` / `fake.call_callback(...)` to a base URL
or a Flask test client.

Opt-in behaviours of the real service (all off by default):

- Messaging Services: `fake.messaging_service(pool=[...])` and `fake.env(messaging_service=True)`;
  a service message is answered `accepted` with `from` null and gets a pool number later.
- Sender queues: `FakeTwilio(queue_rate=1.0, queue_delay=...)`; a queued message has a null
  `date_sent` until its sender's turn, then is `sent`; past its ValidityPeriod it fails.
- Calls that start later: `FakeTwilio(call_start_delay=...)`, `fake.complete_call(sid)`.
- Early, duplicated, shuffled callbacks: `fake.auto_callbacks(..., early=True, duplicate=True,
  shuffle=True, seed=...)` or `fake.early_callbacks(...)`.
- Random failures: `fake.chaos(fail_rate=..., hang_rate=..., seed=...)`, `fake.calm()`.
- What customers received: `fake.sent_to()`, `fake.called()`.
- Conferences: `fake.answer_call(sid, deliver_to, digits=...)` answers a call as its callee
  would: a call created with `Url` fetches its TwiML (signed) and follows `<Say>`, `<Gather>`,
  `<Dial><Conference>` and `<Hangup>`; a call created by the Participants API joins its
  conference. A `<Gather>` takes its numDigits of `digits` (the keys the callee presses, in
  order) and posts them as `Digits` to its action, whose TwiML then replaces the rest; with no
  keys left (a voicemail or a phone menu presses nothing) it times out and the next verb
  plays (or its action gets an empty `Digits` with actionOnEmptyResult). A conference is
  created when its first participant joins (status `init`, `in-progress` once a participant
  with startConferenceOnEnter is in, `completed` at the end). `fake.hang_up(sid, deliver_to)`
  makes a party leave (endConferenceOnExit ends the conference for everyone). The
  statusCallback events the conference's statusCallbackEvent asks for (participant-join,
  participant-leave, conference-start, conference-end) and the AnnounceUrl of a conference
  update are posted, signed and in order, by `fake.deliver(deliver_to)` (the helpers call it):
  Twilio posts them asynchronously, never inside the request that caused them. What each call
  heard is in `fake.heard[call_sid]`, what was announced to a room in
  `fake.announced[conference_sid]`.

The queues and call starts are evaluated lazily, on every request and inspection, against
`fake.clock` (time.monotonic unless a test passes its own); call `fake.advance()` before
reading `fake.messages` / `fake.calls` directly.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import random
import re
import secrets
import socket
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from twilio.request_validator import RequestValidator

API = "/2010-04-01"
DEFAULT_FROM = "+15017122661"
#: the sender pool of a Messaging Service registered without one (not the plain From number)
DEFAULT_POOL = ("+15017122662", "+15017122663")
DEFAULT_VALIDITY = 36000  #: seconds a message may wait in Twilio's queue unless told otherwise
#: Twilio's error for a message whose ValidityPeriod ran out in the queue ("Validity Period
#: Expired"; 30001 "Queue overflow" is the older, more general code)
VALIDITY_EXPIRED = 30036
_ERROR_MESSAGES = {
    30001: "Queue overflow",
    30003: "Unreachable destination handset",
    30036: "Validity Period Expired",
}
#: the Twilio error code each HTTP status of a random failure carries
_CHAOS_CODES = {429: 20429, 500: 20500, 503: 20503}
_CHAOS_MESSAGES = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Unavailable"}
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ROUTES = (
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$"), "Messages"),
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages/(\w+)\.json$"), "Message"),
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls\.json$"), "Calls"),
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(\w+)\.json$"), "Call"),
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Conferences\.json$"), "Conferences"),
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Conferences/(\w+)\.json$"), "Conference"),
    (
        re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Conferences/([^/]+)/Participants\.json$"),
        "Participants",
    ),
    (
        re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Conferences/([^/]+)/Participants/(\w+)\.json$"),
        "Participant",
    ),
)
#: the statusCallbackEvent names of a conference and the StatusCallbackEvent each posts
_CONFERENCE_EVENTS = {
    "start": "conference-start",
    "end": "conference-end",
    "join": "participant-join",
    "leave": "participant-leave",
}
_GSM = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f"
)
#: how far along a message is: a status callback never moves the stored status backwards
_MESSAGE_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}
_CALL_RANK = {"queued": 0, "ringing": 1, "in-progress": 2}
_CALL_TERMINAL = ("completed", "busy", "failed", "no-answer", "canceled")
#: call status callback values that are not call resource statuses
_CALL_STATUS_OF = {"initiated": "queued", "answered": "in-progress"}


def _num_segments(body: str) -> int:
    """Twilio's count by the textbook formula (independent of the app's segments.py)."""
    if all(c in _GSM for c in body):
        units = len(body) + sum(c in "^{}\\[~]|€\f" for c in body)
        return 1 if units <= 160 else math.ceil(units / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def _rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment, usegmt=False) if moment else None


def _not_found(req) -> tuple[int, dict[str, Any]]:
    return 404, _twilio_error(404, 20404, f"The requested resource {req.path} was not found")


def _twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@dataclass
class RecordedRequest:
    """One request the fake received, as it arrived."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]
    resource: str | None  #: Messages, Message, Calls, Call, Conference(s), Participant(s), None
    at: float  #: time.monotonic() on arrival
    received_at: datetime
    status: int = 0  #: the HTTP status answered (0 while in flight)
    chaos: str | None = None  #: what chaos() did to it: "500", "429"… or "hang"

    def value(self, name: str) -> str | None:
        """The first value of a form field (or query parameter for GETs)."""
        values = self.form.get(name) or self.query.get(name)
        return values[0] if values else None

    @property
    def action(self) -> str:
        """create, list, fetch or update."""
        if self.resource in ("Messages", "Calls", "Conferences", "Participants"):
            return "create" if self.method == "POST" else "list"
        return "update" if self.method == "POST" else "fetch"


@dataclass
class _Failure:
    status: int
    code: int | None
    message: str
    method: str | None
    resource: str | None
    hang: float = 0.0
    then_process: bool = False  #: after hanging, act on the request anyway

    def matches(self, method: str, resource: str | None) -> bool:
        return (self.method in (None, method)) and (self.resource in (None, resource))


@dataclass
class _Queued:
    """A message waiting in its sender's queue."""

    leave_at: float  #: clock() when its turn comes
    expire_at: float  #: clock() when its ValidityPeriod runs out
    sender: str | None  #: the pool number a Messaging Service picked (shown once it leaves)


@dataclass
class _Callbacks:
    deliver_to: Any
    statuses: tuple[str, ...]
    early: bool
    duplicate: bool
    shuffle: bool
    rng: random.Random
    error_code: int


@dataclass
class _Chaos:
    fail_rate: float
    hang_rate: float
    hang_seconds: float
    resource: str | None
    statuses: tuple[int, ...]
    rng: random.Random


@dataclass
class FakeTwilio:
    """Twilio's REST API 2010 on 127.0.0.1, recording every request."""

    account_sid: str = field(default_factory=lambda: "AC" + secrets.token_hex(16))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    from_number: str = DEFAULT_FROM
    #: Messaging Services known to the account: SID -> sender pool (see messaging_service())
    messaging_services: dict[str, Sequence[str]] = field(default_factory=dict)
    #: message segments per second each sender sends (1.0 for a US long code); None: no queue
    queue_rate: float | None = None
    #: seconds (or a callable returning seconds) a message waits before its sender may send it
    queue_delay: float | Callable[[], float] | None = None
    #: the Twilio error code of a message whose ValidityPeriod ran out in the queue
    expired_error_code: int = VALIDITY_EXPIRED
    #: seconds after which a created call is in-progress with a start_time; None: stays queued
    call_start_delay: float | None = None
    #: the time source of queues and call starts (a test may pass a settable fake clock)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.callback_urls: dict[str, str] = {}  #: sid -> StatusCallback URL given at create
        self.next_sids: list[str] = []  #: SIDs the next created messages get, in order
        #: (sid, status, HTTP status answered or None) of each automatic callback posted
        self.callbacks_posted: list[tuple[str, str, int | None]] = []
        self.errors: list[str] = []  #: tracebacks of the fake's own failures (answered 500)
        self._failures: list[_Failure] = []
        self._rejected: dict[str, tuple[int, int, str]] = {}
        self._auto: _Callbacks | None = None
        self._chaos: _Chaos | None = None
        self._lock = threading.RLock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._counter = itertools.count()
        self._order: dict[str, int] = {}  #: sid -> creation order (ties of date_created)
        self._queued: dict[str, _Queued] = {}
        self._free_at: dict[str, float] = {}  #: sender -> clock() its queue is free
        self._sticky: dict[tuple[str, str], str] = {}  #: (service, to) -> the pool number used
        self._starting: dict[str, float] = {}  #: call sid -> clock() it starts
        self.conferences: dict[str, dict[str, Any]] = {}
        #: conference sid -> {call sid: participant}: who is connecting to or in the room now
        self.participants: dict[str, dict[str, dict[str, Any]]] = {}
        self.heard: dict[str, list[str]] = {}  #: call sid -> what its own TwiML said to it
        self.announced: dict[str, list[str]] = {}  #: conference sid -> what was announced
        #: (url, StatusCallbackEvent or "announce", HTTP status) of each conference webhook posted
        self.conference_posts: list[tuple[str, str, int | None]] = []
        self._twiml_urls: dict[str, str] = {}  #: call sid -> the Url it fetches when answered
        self._joining: dict[str, str] = {}  #: call sid -> conference sid (Participants API)
        self._rooms: dict[str, dict[str, Any]] = {}  #: conference sid -> its callback settings
        self._pending: list[tuple[str, str, dict[str, str], str | None]] = []
        self._mono0, self._wall0 = self.clock(), datetime.now(UTC)
        for sid, pool in list(self.messaging_services.items()):
            self.messaging_service(sid, pool)

    # -- life cycle ---------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1") -> FakeTwilio:
        """Listen on `host`, a free port, in a background thread."""
        self._server = _Server((host, 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging requests and shut the server down."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        """http://<host>:<port>, for TWILIO_API_BASE_URL."""
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self, messaging_service: bool | str = False, **extra: str) -> dict[str, str]:
        """The environment that points the app's Twilio transport at this fake.

        messaging_service=True (or a service SID) adds TWILIO_MESSAGING_SERVICE_SID beside
        TWILIO_FROM_NUMBER, as real deployments set both (calls need the From number).
        """
        env = {
            "OUTREACH_TRANSPORT": "twilio",
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": self.from_number,
            "TWILIO_API_BASE_URL": self.base_url,
        }
        if messaging_service:
            if isinstance(messaging_service, str):
                sid = self.messaging_service(messaging_service)
            else:
                with self._lock:
                    known = next(iter(self.messaging_services), None)
                sid = known or self.messaging_service()
            env["TWILIO_MESSAGING_SERVICE_SID"] = sid
        return {**env, **extra}

    # -- scripting ----------------------------------------------------------------------------

    def messaging_service(self, sid: str | None = None, pool: Iterable[str] | None = None) -> str:
        """Register a Messaging Service with this sender pool (DEFAULT_POOL); returns its SID.

        A create naming an unregistered service registers it with DEFAULT_POOL. Calling it
        again for a known SID replaces the pool when one is given.
        """
        sid = sid or "MG" + secrets.token_hex(16)
        if not re.fullmatch(r"MG[0-9a-fA-F]{32}", sid):
            raise ValueError(f"a Messaging Service SID is MG and 32 hex digits, not {sid!r}")
        with self._lock:
            if pool is None and self.messaging_services.get(sid):
                return sid
            numbers = tuple(DEFAULT_POOL if pool is None else pool)
            bad = [n for n in numbers if not _E164.match(n)]
            if not numbers or bad:
                raise ValueError(f"a sender pool is one or more E.164 numbers, not {numbers}")
            self.messaging_services[sid] = numbers
        return sid

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        code: int | None = None,
        message: str = "Internal Server Error",
        *,
        method: str | None = None,
        resource: str | None = None,
    ) -> None:
        """Answer the next n matching requests with this HTTP status and Twilio error code."""
        with self._lock:
            for _ in range(n):
                self._failures.append(_Failure(status, code, message, method, resource))

    def hang_next(
        self,
        n: int = 1,
        seconds: float = 3.0,
        *,
        then_process: bool = False,
        method: str | None = None,
        resource: str | None = None,
    ) -> None:
        """Hold the next n matching requests for up to `seconds` (stop() releases them).

        With then_process=True the request is then carried out (a message created whose
        answer the client never saw); otherwise it is answered 504 with nothing created.
        """
        with self._lock:
            for _ in range(n):
                self._failures.append(
                    _Failure(504, None, "Gateway Timeout", method, resource, seconds, then_process)
                )

    def chaos(
        self,
        fail_rate: float = 0.15,
        hang_rate: float = 0.03,
        hang_seconds: float = 3.0,
        *,
        seed: int | random.Random = 0,
        resource: str | None = None,
        statuses: Iterable[int] = (500, 429),
    ) -> None:
        """Make a seeded random fraction of create requests fail, until calm().

        Each create of `resource` ("Messages", "Calls"; None: both) draws once: with
        probability fail_rate it is answered one of `statuses` (429 carries Twilio code 20429,
        500 20500, 503 20503) and nothing is created; with probability hang_rate it is held
        `hang_seconds` (make that longer than the client's timeout) and THEN carried out, so
        the client gives up on a request Twilio did act on. Scripted fail_next()/hang_next()
        come first. The outcome is kept in RecordedRequest.chaos.
        """
        if min(fail_rate, hang_rate) < 0 or fail_rate + hang_rate > 1:
            raise ValueError("fail_rate and hang_rate are fractions adding up to at most 1")
        if resource not in (None, "Messages", "Calls"):
            raise ValueError("resource is Messages, Calls or None (both)")
        rng = seed if isinstance(seed, random.Random) else random.Random(seed)
        with self._lock:
            self._chaos = _Chaos(fail_rate, hang_rate, hang_seconds, resource, tuple(statuses), rng)

    def calm(self) -> None:
        """Stop the random failures of chaos()."""
        with self._lock:
            self._chaos = None

    def reject_number(self, to: str, code: int, status: int = 400, message: str = "") -> None:
        """Make every message or call to `to` fail with this Twilio error (21211, 21610…)."""
        self._rejected[to] = (status, code, message or f"Error {code}")

    def auto_callbacks(
        self,
        deliver_to: Any,
        statuses: Iterable[str] = ("sent", "delivered"),
        *,
        early: bool = False,
        duplicate: bool = False,
        shuffle: bool = False,
        seed: int | random.Random = 0,
        error_code: int = 30003,
    ) -> None:
        """After each accepted message, post these statuses to its callback (None: stop).

        By default they are posted in a thread, once the message has left its sender's
        queue (at once without queue_rate/queue_delay); a message whose ValidityPeriod runs
        out gets one `failed` callback with expired_error_code instead. early=True posts
        them inside the create request, before its answer is sent, so the app hears of a SID
        it has not stored yet. duplicate=True posts each twice, shuffle=True in a random
        order (seeded: `seed` is an int or a random.Random). failed and undelivered
        callbacks carry ErrorCode=error_code.
        """
        if deliver_to is None:
            self._auto = None
            return
        rng = seed if isinstance(seed, random.Random) else random.Random(seed)
        self._auto = _Callbacks(
            deliver_to, tuple(statuses), early, duplicate, shuffle, rng, error_code
        )

    def early_callbacks(
        self, deliver_to: Any, statuses: Iterable[str] = ("sent", "delivered"), **options: Any
    ) -> None:
        """auto_callbacks(..., early=True): callbacks arrive before the create's answer."""
        self.auto_callbacks(deliver_to, statuses, early=True, **options)

    def add_message(self, to: str, body: str, from_: str | None = None, **fields: Any) -> dict:
        """Put a message in the account as if created earlier (for reconciliation tests)."""
        return self._store_message(to, from_ or self.from_number, None, body, None, fields)

    def complete_call(
        self,
        sid: str,
        status: str = "completed",
        *,
        duration: int | None = None,
        deliver_to: Any = None,
    ) -> dict[str, Any]:
        """End a call as Twilio would (completed, busy, no-answer, failed, canceled).

        Sets end_time, and start_time and duration for a completed call; with deliver_to,
        also posts the call's status callback. Returns the call as the API shows it.
        """
        if status not in _CALL_TERMINAL:
            raise ValueError(f"a call ends {', '.join(_CALL_TERMINAL)}; not {status!r}")
        self.advance()
        with self._lock:
            if sid not in self.calls:
                raise KeyError(f"fake Twilio: no call {sid}")
            self._set_call_status(sid, status, duration)
            room = self._joining.pop(sid, None)
            if room is not None:
                self.participants[room].pop(sid, None)
            public = self._public(self.calls[sid])
        if deliver_to is not None:
            extra = {"CallDuration": public["duration"]} if status == "completed" else {}
            self.call_callback(sid, status, deliver_to, extra=extra)
        return public

    # -- inspection ---------------------------------------------------------------------------

    def advance(self) -> None:
        """Apply the queue departures, expiries and call starts due by now.

        Every request and inspection helper does this first; call it before reading
        `messages` or `calls` directly.
        """
        now = self.clock()
        with self._lock:
            for sid, queued in list(self._queued.items()):
                if queued.expire_at < queued.leave_at and queued.expire_at <= now:
                    self._expire(sid, queued)
                elif queued.leave_at <= now and queued.leave_at <= queued.expire_at:
                    self._leave_queue(sid, queued.leave_at)
            for sid, start_at in list(self._starting.items()):
                if start_at <= now:
                    del self._starting[sid]
                    call = self.calls[sid]
                    if call["status"] == "queued":
                        call["status"] = "in-progress"
                        call["start_time"] = call["date_updated"] = self._wall(start_at)

    def recorded(
        self, resource: str | None = None, action: str | None = None
    ) -> list[RecordedRequest]:
        """Requests received, optionally only one resource ("Messages") and action ("create")."""
        with self._lock:
            found = list(self.requests)
        return [r for r in found if resource in (None, r.resource) and action in (None, r.action)]

    def created_messages(self) -> list[RecordedRequest]:
        """The message-create requests that were accepted (status 201)."""
        return [r for r in self.recorded("Messages", "create") if r.status == 201]

    def sent_to(self, *, exclude: Iterable[str] = ("failed",)) -> Counter[str]:
        """How many messages in the account went to each number: what customers received.

        Counts every message created (including creates whose answer the client never saw)
        or added, except those whose status is in `exclude`: a failed message (expired in
        the queue, or failed by a callback) never reached the handset. Failed creates
        (4xx, 5xx) create nothing, so they are never counted.
        """
        self.advance()
        excluded = set(exclude)
        with self._lock:
            return Counter(m["to"] for m in self.messages.values() if m["status"] not in excluded)

    def called(self, *, exclude: Iterable[str] = ("failed", "canceled")) -> Counter[str]:
        """How many calls in the account went to each number (failed/canceled never rang)."""
        self.advance()
        excluded = set(exclude)
        with self._lock:
            return Counter(c["to"] for c in self.calls.values() if c["status"] not in excluded)

    def wait_for(self, predicate, timeout: float = 5.0, interval: float = 0.01):
        """Poll until predicate() is truthy (returning it), failing after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"fake Twilio: condition not met within {timeout}s")
            time.sleep(interval)

    # -- callbacks ----------------------------------------------------------------------------

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        """X-Twilio-Signature for a POST of params to url, as Twilio computes it."""
        return RequestValidator(self.auth_token).compute_signature(url, dict(params))

    def message_callback(
        self,
        sid: str,
        status: str,
        deliver_to: Any,
        error_code: int | None = None,
        extra: Mapping[str, str] | None = None,
        signature: str | None = None,
    ):
        """Post a signed message status callback for sid; returns the response.

        A status past the queue (sending, sent, delivered…) takes a still-queued message out
        of its queue first, as sent now (a Messaging Service message gets its pool number;
        `failed` takes it out unsent); the stored status moves forward only (a late `sent`
        after `delivered` leaves it delivered).
        """
        self.advance()
        with self._lock:
            queued = self._queued.get(sid)
            if queued is not None and status == "failed":  # failed in the queue: never sent
                del self._queued[sid]
                self.messages[sid]["from"] = self.messages[sid]["from"] or queued.sender
            elif queued is not None and _MESSAGE_RANK.get(status, 0) >= _MESSAGE_RANK["sending"]:
                self._leave_queue(sid, self.clock())
                queued = None
            msg = dict(self.messages.get(sid, {}))
        sender = msg.get("from") or (queued.sender if queued else None) or self.from_number
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": msg.get("to") or "",
            "From": sender,
        }
        if msg.get("messaging_service_sid"):
            params["MessagingServiceSid"] = msg["messaging_service_sid"]
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        if status in ("delivered", "undelivered"):
            params["RawDlrDoneDate"] = datetime.now(UTC).strftime("%y%m%d%H%M")
        params.update(extra or {})
        if sid in self.messages and status in ("sent", "delivered", "undelivered", "failed"):
            with self._lock:
                stored = self.messages[sid]
                if _MESSAGE_RANK[status] >= _MESSAGE_RANK.get(stored["status"], 0):
                    stored["status"] = status
                    stored["error_code"] = error_code
                    stored["error_message"] = _ERROR_MESSAGES.get(error_code or 0)
                    stored["date_updated"] = self._wall(self.clock())
        return self.post_signed(self._callback_url(sid), params, deliver_to, signature)

    def call_callback(
        self,
        sid: str,
        status: str,
        deliver_to: Any,
        extra: Mapping[str, str] | None = None,
        signature: str | None = None,
    ):
        """Post a signed call status callback for sid; returns the response.

        The stored call follows (ringing, in-progress with a start_time, completed with an
        end_time…), never moving back from an ended call.
        """
        self.advance()
        with self._lock:
            call = dict(self.calls.get(sid, {}))
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": sid,
            "CallStatus": status,
            "Direction": "outbound-api",
            "To": call.get("to") or "",
            "From": call.get("from") or self.from_number,
            "Timestamp": format_datetime(datetime.now(UTC)),
            "SequenceNumber": str(len([r for r in self.requests if r.resource == "Call"])),
        }
        if status == "completed":
            params["CallDuration"] = "42"
        params.update(extra or {})
        if call:
            duration = params.get("CallDuration")
            with self._lock:
                self._set_call_status(
                    sid,
                    _CALL_STATUS_OF.get(status, status),
                    int(duration) if duration and duration.isdigit() else None,
                )
        return self.post_signed(self._callback_url(sid), params, deliver_to, signature)

    def post_signed(
        self, url: str, params: Mapping[str, str], deliver_to: Any, signature: str | None = None
    ):
        """POST params to url signed like Twilio; deliver_to is a base URL or a Flask client."""
        headers = {"X-Twilio-Signature": signature or self.sign(url, params)}
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if hasattr(deliver_to, "application"):  # a Flask test client
            return deliver_to.post(
                target,
                data=dict(params),
                headers=headers,
                base_url=f"{parts.scheme}://{parts.netloc}",
            )
        return requests.post(
            str(deliver_to).rstrip("/") + target, data=dict(params), headers=headers, timeout=10
        )

    def _callback_url(self, sid: str) -> str:
        url = self.callback_urls.get(sid)
        if not url:
            raise AssertionError(f"fake Twilio: {sid} was created without a StatusCallback")
        return url

    def _callback_plan(self, sid: str, auto: _Callbacks) -> list[tuple[str, int | None]]:
        """The (status, error code) callbacks auto_callbacks posts for sid, in order."""
        with self._lock:
            queued = self._queued.get(sid)
            expires = queued is not None and queued.expire_at < queued.leave_at
            if expires and not auto.early:
                return [("failed", self.expired_error_code)]
            plan = [
                (s, auto.error_code if s in ("failed", "undelivered") else None)
                for s in auto.statuses
                for _ in range(2 if auto.duplicate else 1)
            ]
            if auto.shuffle:
                auto.rng.shuffle(plan)
        return plan

    def _post_callbacks(self, sid: str, auto: _Callbacks, plan) -> None:
        for status, code in plan:
            try:
                response = self.message_callback(sid, status, auto.deliver_to, code)
                answered = getattr(response, "status_code", None)
            except Exception:
                self.errors.append(traceback.format_exc())
                answered = None
            with self._lock:
                self.callbacks_posted.append((sid, status, answered))

    def _post_when_due(self, sid: str, auto: _Callbacks, plan) -> None:
        with self._lock:
            queued = self._queued.get(sid)
            due = min(queued.leave_at, queued.expire_at) if queued else self.clock()
        while (remaining := due - self.clock()) > 0:  # polled: the clock may be a test's
            if self._release.wait(min(remaining, 0.02)):
                return  # the fake stopped
        self._post_callbacks(sid, auto, plan)

    # -- the API ------------------------------------------------------------------------------

    def _handle(self, req: RecordedRequest, auth: tuple[str, str] | None):
        failure = self._take_failure(req)
        if failure is not None:
            if failure.hang:
                self._release.wait(failure.hang)
                if not failure.then_process:
                    return failure.status, {"message": failure.message, "status": failure.status}
            else:
                body = (
                    _twilio_error(failure.status, failure.code, failure.message)
                    if failure.code is not None
                    else {"message": failure.message, "status": failure.status}
                )
                return failure.status, body
        elif (chaos := self._draw_chaos(req)) is not None:
            if chaos.then_process:
                self._release.wait(chaos.hang)
            else:
                return chaos.status, _twilio_error(chaos.status, chaos.code, chaos.message)
        if auth != (self.account_sid, self.auth_token):
            return 401, _twilio_error(401, 20003, "Authenticate")
        match = next(((m, name) for rx, name in _ROUTES if (m := rx.match(req.path))), None)
        if match is None or match[0].group(1) != self.account_sid:
            return _not_found(req)
        m, name = match
        self.advance()
        if name == "Messages":
            return self._create_message(req) if req.method == "POST" else self._list_messages(req)
        if name == "Calls":
            return self._create_call(req) if req.method == "POST" else self._list_calls(req)
        if name in ("Conferences", "Conference", "Participants", "Participant"):
            return self._conference_api(req, name, m)
        store = self.messages if name == "Message" else self.calls
        if req.method != "GET":
            return 405, _twilio_error(405, 20004, "Method not allowed")
        with self._lock:
            found = store.get(m.group(2))
            return (200, self._public(found)) if found is not None else _not_found(req)

    def _take_failure(self, req: RecordedRequest) -> _Failure | None:
        with self._lock:
            for i, failure in enumerate(self._failures):
                if failure.matches(req.method, req.resource):
                    return self._failures.pop(i)
        return None

    def _draw_chaos(self, req: RecordedRequest) -> _Failure | None:
        if req.method != "POST" or req.resource not in ("Messages", "Calls"):
            return None
        with self._lock:
            chaos = self._chaos
            if chaos is None or chaos.resource not in (None, req.resource):
                return None
            draw = chaos.rng.random()
            if draw < chaos.fail_rate:
                status = chaos.rng.choice(chaos.statuses)
                req.chaos = str(status)
                code = _CHAOS_CODES.get(status, 20500)
                message = _CHAOS_MESSAGES.get(status, "Internal Server Error")
                return _Failure(status, code, message, None, None)
            if draw < chaos.fail_rate + chaos.hang_rate:
                req.chaos = "hang"
                return _Failure(504, None, "Gateway Timeout", None, None, chaos.hang_seconds, True)
        return None

    def _create_message(self, req: RecordedRequest):
        to, body = req.value("To"), req.value("Body")
        from_, service = req.value("From"), req.value("MessagingServiceSid")
        if not to:
            return 400, _twilio_error(400, 21604, "A 'To' phone number is required.")
        if not (from_ or service):
            return 400, _twilio_error(
                400, 21603, "A 'From' phone number or MessagingServiceSid is required."
            )
        if not body and not req.value("MediaUrl") and not req.value("ContentSid"):
            return 400, _twilio_error(400, 21602, "Message body is required.")
        if not _E164.match(to):
            return 400, _twilio_error(400, 21211, f"The 'To' number {to} is not a valid number.")
        validity = req.value("ValidityPeriod")
        if validity is not None and not (validity.isdigit() and 1 <= int(validity) <= 36000):
            return 400, _twilio_error(400, 21624, "Invalid validity period value")
        if body and len(body) > 1600:
            return 400, _twilio_error(400, 21617, "The concatenated message body exceeds 1600")
        if to in self._rejected:
            status, code, message = self._rejected[to]
            return status, _twilio_error(status, code, message)
        if service and not re.fullmatch(r"MG[0-9a-fA-F]{32}", service):
            return 400, _twilio_error(400, 21705, f"The Messaging Service {service} is invalid")
        with self._lock:
            msg = self._store_message(
                to, from_, service, body or "", req.value("StatusCallback"), {}
            )
            sid = msg["sid"]
            if service and not self.messaging_services.get(service):
                self.messaging_service(service)
            sender = from_ or (self._pick_sender(service, to) if service else None)
            if self._queueing:
                self._enqueue(sid, sender, int(validity or DEFAULT_VALIDITY))
            answer = self._public(msg)
            if service and not from_ and not self._queueing:
                # no queue: the answer says accepted, and the pool number is picked at once
                msg.update(status="queued", num_segments=str(_num_segments(msg["body"])))
                msg["from"] = sender
            auto = self._auto if sid in self.callback_urls else None
            plan = self._callback_plan(sid, auto) if auto is not None else []
        if auto is not None and auto.early:
            self._post_callbacks(sid, auto, plan)  # before the answer is sent
        elif auto is not None:
            threading.Thread(
                target=self._post_when_due, args=(sid, auto, plan), daemon=True
            ).start()
        return 201, answer

    @property
    def _queueing(self) -> bool:
        return self.queue_rate is not None or self.queue_delay is not None

    def _pick_sender(self, service: str, to: str) -> str:
        """Twilio's choice from the pool: the number this recipient had before (Sticky
        Sender), else the least used one."""
        pool = self.messaging_services[service]
        sticky = self._sticky.get((service, to))
        if sticky in pool:
            return sticky
        used = Counter(self._sticky.get(key) for key in self._sticky if key[0] == service)
        number = min(pool, key=lambda n: used[n])
        self._sticky[(service, to)] = number
        return number

    def _enqueue(self, sid: str, sender: str | None, validity: int) -> None:
        """Schedule the message's turn on its sender (called with the lock held)."""
        msg = self.messages[sid]
        now = self.clock()
        delay = self.queue_delay() if callable(self.queue_delay) else self.queue_delay or 0.0
        leave_at = now + max(0.0, float(delay))
        expire_at = now + validity
        key = sender or msg["from"] or ""
        if self.queue_rate is not None:
            leave_at = max(leave_at, self._free_at.get(key, 0.0))
            if leave_at <= expire_at:  # an expiring message never takes its sender's time
                segments = _num_segments(msg["body"])
                self._free_at[key] = leave_at + segments / self.queue_rate
        msg["date_sent"] = None
        self._queued[sid] = _Queued(leave_at, expire_at, sender if msg["from"] is None else None)

    def _leave_queue(self, sid: str, at: float) -> None:
        """The message's turn came at `at` (clock()): it is sent (lock held)."""
        queued = self._queued.pop(sid, None)
        if queued is None:
            return
        msg = self.messages[sid]
        if queued.sender is not None:
            msg["from"] = queued.sender
        msg["num_segments"] = str(_num_segments(msg["body"]))
        msg["date_sent"] = msg["date_updated"] = self._wall(at)
        if _MESSAGE_RANK.get(msg["status"], 0) < _MESSAGE_RANK["sent"]:
            msg["status"] = "sent"

    def _expire(self, sid: str, queued: _Queued) -> None:
        """The message's ValidityPeriod ran out in the queue: failed, never sent (lock held)."""
        del self._queued[sid]
        msg = self.messages[sid]
        msg.update(
            status="failed",
            error_code=self.expired_error_code,
            error_message=_ERROR_MESSAGES.get(self.expired_error_code),
            date_updated=self._wall(queued.expire_at),
        )

    def _wall(self, moment: float) -> datetime:
        """The UTC time of a clock() reading, to the second."""
        return (self._wall0 + timedelta(seconds=moment - self._mono0)).replace(microsecond=0)

    def _store_message(self, to, from_, service, body, callback, fields) -> dict[str, Any]:
        now = self._wall(self.clock())
        with self._lock:
            sid = self.next_sids.pop(0) if self.next_sids else "SM" + secrets.token_hex(16)
            msg = {
                "account_sid": self.account_sid,
                "api_version": "2010-04-01",
                "body": body,
                "date_created": now,
                "date_sent": now,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": from_,
                "messaging_service_sid": service,
                "num_media": "0",
                "num_segments": "0" if service and not from_ else str(_num_segments(body)),
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "accepted" if service else "queued",
                "subresource_uris": {
                    "media": f"{API}/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
                },
                "to": to,
                "uri": f"{API}/Accounts/{self.account_sid}/Messages/{sid}.json",
                **fields,
            }
            self.messages[sid] = msg
            self._order[sid] = next(self._counter)
            if callback:
                self.callback_urls[sid] = callback
        return msg

    def _create_call(self, req: RecordedRequest):
        to, from_ = req.value("To"), req.value("From")
        if not to:
            return 400, _twilio_error(400, 21201, "No 'To' number is specified")
        if not from_:
            return 400, _twilio_error(400, 21213, "No 'From' number is specified")
        if not (req.value("Url") or req.value("Twiml") or req.value("ApplicationSid")):
            return 400, _twilio_error(400, 21205, "Url parameter is required.")
        if to in self._rejected:
            status, code, message = self._rejected[to]
            return status, _twilio_error(status, code, message)
        with self._lock:
            call = self._new_call(to, from_)
            sid = call["sid"]
            if req.value("Url"):
                self._twiml_urls[sid] = req.value("Url")
            if req.value("StatusCallback"):
                self.callback_urls[sid] = req.value("StatusCallback")
            if self.call_start_delay is not None:
                self._starting[sid] = self.clock() + self.call_start_delay
            return 201, self._public(call)

    def _new_call(self, to: str, from_: str) -> dict[str, Any]:
        """Store a new outbound-api call, queued (lock held)."""
        now = self._wall(self.clock())
        sid = "CA" + secrets.token_hex(16)
        call = {
            "sid": sid,
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "parent_call_sid": None,
            "to": to,
            "to_formatted": to,
            "from": from_,
            "from_formatted": from_,
            "phone_number_sid": None,
            "status": "queued",
            "start_time": None,
            "end_time": None,
            "duration": None,
            "price": None,
            "price_unit": "USD",
            "direction": "outbound-api",
            "answered_by": None,
            "forwarded_from": None,
            "group_sid": None,
            "caller_name": None,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": f"{API}/Accounts/{self.account_sid}/Calls/{sid}.json",
            "subresource_uris": {},
        }
        self.calls[sid] = call
        self._order[sid] = next(self._counter)
        return call

    def _set_call_status(self, sid: str, status: str, duration: int | None) -> None:
        """Move the stored call on (lock held); an ended call stays ended."""
        call = self.calls[sid]
        if call["status"] in _CALL_TERMINAL or status not in (*_CALL_RANK, *_CALL_TERMINAL):
            return
        if status in _CALL_RANK and _CALL_RANK[status] < _CALL_RANK[call["status"]]:
            return
        now = self._wall(self.clock())
        self._starting.pop(sid, None)
        call["status"] = call_status = status
        call["date_updated"] = now
        if call_status == "in-progress" and call["start_time"] is None:
            call["start_time"] = now
        if call_status in _CALL_TERMINAL:
            call["end_time"] = now
            if call_status == "completed":
                if duration is None:
                    started = call["start_time"] or now
                    duration = int((now - started).total_seconds())
                call["start_time"] = call["start_time"] or now - timedelta(seconds=duration)
            call["duration"] = str(duration if call_status == "completed" else 0)

    # -- conferences ---------------------------------------------------------------------------

    def answer_call(self, sid: str, deliver_to: Any, digits: str = "") -> dict[str, Any]:
        """The callee of call `sid` answers: it is in-progress (status callback posted); a call
        created with Url fetches its TwiML and follows it, pressing `digits` at its Gathers
        (none: a voicemail), a Participants API call joins its conference. Then every queued
        webhook is delivered. Returns the call as the API shows it."""
        self.advance()
        with self._lock:
            if sid not in self.calls:
                raise KeyError(f"fake Twilio: no call {sid}")
            call = self.calls[sid]
            if call["status"] in _CALL_TERMINAL:
                raise ValueError(f"fake Twilio: call {sid} has ended ({call['status']})")
            self._set_call_status(sid, "in-progress", None)
            if sid in self.callback_urls:
                self._pending.append(("call", sid, "in-progress", {}))
            room = self._joining.pop(sid, None)
            if room is not None:
                member = self.participants[room][sid]
                self._enter(room, sid, member["start_conference_on_enter"])
            url = self._twiml_urls.get(sid) if room is None else None
            params = {
                "AccountSid": self.account_sid,
                "ApiVersion": "2010-04-01",
                "CallSid": sid,
                "CallStatus": "in-progress",
                "Direction": "outbound-api",
                "From": call["from"],
                "To": call["to"],
            }
        self.deliver(deliver_to)
        keys = digits
        while url:
            response = self.post_signed(url, params, deliver_to)
            gathered = self._follow_twiml(sid, _text_of(response), url, keys)
            self.deliver(deliver_to)
            if gathered is None:
                break
            url, pressed, keys = gathered
            params = {**params, "Digits": pressed}
        with self._lock:
            return self._public(self.calls[sid])

    def hang_up(self, sid: str, deliver_to: Any) -> dict[str, Any]:
        """The party on call `sid` hangs up: it leaves its conference (participant-leave; an
        endConferenceOnExit participant ends the conference for everyone, the last one to
        leave ends it too) and its call is completed; queued webhooks are delivered."""
        self.advance()
        with self._lock:
            if sid not in self.calls:
                raise KeyError(f"fake Twilio: no call {sid}")
            room = next((c for c, members in self.participants.items() if sid in members), None)
            if room is not None and sid not in self._joining:
                self._leave(room, sid)
            else:
                self._end_call(sid, "completed")
        self.deliver(deliver_to)
        with self._lock:
            return self._public(self.calls[sid])

    def deliver(self, deliver_to: Any) -> int:
        """Post every queued call status callback, conference event and announcement, in the
        order they happened; returns how many were posted."""
        posted = 0
        while True:
            with self._lock:
                if not self._pending:
                    return posted
                kind, first, second, params = self._pending.pop(0)
            posted += 1
            if kind == "call":
                self.call_callback(first, second, deliver_to, extra=params)
            elif kind == "event":
                response = self.post_signed(first, params, deliver_to)
                with self._lock:
                    self.conference_posts.append((first, second, _status_of(response)))
            else:  # an announcement: fetch its TwiML and play it to the room
                response = self.post_signed(second, params, deliver_to)
                with self._lock:
                    self.announced.setdefault(first, []).extend(_says(_text_of(response)))
                    self.conference_posts.append((second, "announce", _status_of(response)))

    def _follow_twiml(self, sid: str, xml: str, url: str, keys: str) -> tuple[str, str, str] | None:
        """Play a call's TwiML: Say is heard, Gather takes keys (returning where it posts them,
        the keys pressed and those left), Dial/Conference joins, Hangup or the end hangs up."""
        verbs = list(ET.fromstring(xml)) if xml.strip() else []
        with self._lock:
            heard = self.heard.setdefault(sid, [])
            for verb in verbs:
                if verb.tag == "Say":
                    heard.append((verb.text or "").strip())
                elif verb.tag == "Gather":
                    heard.extend((say.text or "").strip() for say in verb.iter("Say"))
                    action = verb.get("action") or url
                    wanted = int(verb.get("numDigits") or len(keys) or 1)
                    if keys:
                        return action, keys[:wanted], keys[wanted:]
                    if _flag(verb.get("actionOnEmptyResult"), False):
                        return action, "", keys
                elif verb.tag == "Dial" and verb.find("Conference") is not None:
                    self._join_named(sid, verb.find("Conference"))
                    return None
                elif verb.tag == "Hangup":
                    break
                else:
                    self.errors.append(f"fake Twilio does not play <{verb.tag}>")
                    return None
            self._end_call(sid, "completed")
            return None

    def _join_named(self, sid: str, noun: ET.Element) -> None:
        """<Dial><Conference>: join the room of that name, creating it (lock held)."""
        name = (noun.text or "").strip()
        room = next(
            (
                c
                for c, conf in self.conferences.items()
                if conf["friendly_name"] == name and conf["status"] != "completed"
            ),
            None,
        )
        if room is None:
            room = self._new_conference(name)
            self._rooms[room] = {
                "callback": noun.get("statusCallback"),
                "events": set((noun.get("statusCallbackEvent") or "").split()),
                "seq": itertools.count(1),
            }
        start = _flag(noun.get("startConferenceOnEnter"), True)
        end = _flag(noun.get("endConferenceOnExit"), False)
        self.participants[room][sid] = self._participant(room, sid, None, start, end)
        self._enter(room, sid, start)

    def _new_conference(self, name: str) -> str:
        now = self._wall(self.clock())
        sid = "CF" + secrets.token_hex(16)
        base = f"{API}/Accounts/{self.account_sid}/Conferences/{sid}"
        self.conferences[sid] = {
            "account_sid": self.account_sid,
            "date_created": now,
            "date_updated": now,
            "api_version": "2010-04-01",
            "friendly_name": name,
            "region": "us1",
            "sid": sid,
            "status": "init",
            "uri": f"{base}.json",
            "subresource_uris": {
                "participants": f"{base}/Participants.json",
                "recordings": f"{base}/Recordings.json",
            },
            "reason_conference_ended": None,
            "call_sid_ending_conference": None,
        }
        self._order[sid] = next(self._counter)
        self.participants[sid] = {}
        return sid

    def _participant(self, room: str, sid: str, label, start: bool, end: bool) -> dict[str, Any]:
        now = self._wall(self.clock())
        return {
            "account_sid": self.account_sid,
            "call_sid": sid,
            "label": label,
            "call_sid_to_coach": None,
            "coaching": False,
            "conference_sid": room,
            "date_created": now,
            "date_updated": now,
            "end_conference_on_exit": end,
            "muted": False,
            "hold": False,
            "start_conference_on_enter": start,
            "status": "queued",
            "queue_time": "0",
            "uri": f"{API}/Accounts/{self.account_sid}/Conferences/{room}/Participants/{sid}.json",
        }

    def _enter(self, room: str, sid: str, start: bool) -> None:
        """A participant is connected: participant-join, and conference-start when it starts
        the conference (lock held)."""
        member = self.participants[room][sid]
        member["status"] = "connected"
        member["date_updated"] = self._wall(self.clock())
        self._event(room, "join", member)
        conf = self.conferences[room]
        if conf["status"] == "init" and start:
            conf["status"] = "in-progress"
            conf["date_updated"] = member["date_updated"]
            self._event(room, "start", None)

    def _leave(self, room: str, sid: str) -> None:
        """A participant leaves the room (lock held): its call completes, and the room ends
        when it had endConferenceOnExit or was the last one in."""
        member = self.participants[room].pop(sid, None)
        if member is None:
            return
        member["status"] = "complete"
        self._event(room, "leave", member)
        self._end_call(sid, "completed")
        if member["end_conference_on_exit"]:
            self._end_conference(room, "participant-with-end-conference-on-exit-left", sid)
        elif not self.participants[room]:
            self._end_conference(room, "last-participant-left", sid)

    def _end_conference(self, room: str, reason: str, ending_sid: str | None) -> None:
        conf = self.conferences[room]
        if conf["status"] == "completed":
            return
        conf.update(
            status="completed",
            reason_conference_ended=reason,
            call_sid_ending_conference=ending_sid,
            date_updated=self._wall(self.clock()),
        )
        for other in list(self.participants[room]):
            if self._joining.pop(other, None) is not None:
                self.participants[room].pop(other)
                self._end_call(other, "canceled")
            else:
                self._leave(room, other)
        extra = {"ReasonConferenceEnded": reason}
        if ending_sid:
            extra["CallSidEndingConference"] = ending_sid
        self._event(room, "end", None, extra)

    def _end_call(self, sid: str, status: str) -> None:
        """End a call and queue its status callback (lock held)."""
        self._set_call_status(sid, status, None)
        if sid in self.callback_urls:
            duration = self.calls[sid]["duration"]
            extra = {"CallDuration": duration} if status == "completed" else {}
            self._pending.append(("call", sid, status, extra))

    def _event(self, room: str, name: str, member, extra: Mapping[str, str] | None = None):
        """Queue a conference statusCallback event if the room asked for it (lock held)."""
        settings = self._rooms.get(room) or {}
        if not settings.get("callback") or name not in settings["events"]:
            return
        conf = self.conferences[room]
        params = {
            "AccountSid": self.account_sid,
            "ConferenceSid": room,
            "FriendlyName": conf["friendly_name"],
            "StatusCallbackEvent": _CONFERENCE_EVENTS[name],
            "SequenceNumber": str(next(settings["seq"])),
            "Timestamp": format_datetime(datetime.now(UTC)),
        }
        if member is not None:
            params.update(
                CallSid=member["call_sid"],
                Muted="false",
                Hold="false",
                Coaching="false",
                EndConferenceOnExit=str(member["end_conference_on_exit"]).lower(),
                StartConferenceOnEnter=str(member["start_conference_on_enter"]).lower(),
            )
            if member["label"]:
                params["ParticipantLabel"] = member["label"]
        params.update(extra or {})
        self._pending.append(("event", settings["callback"], _CONFERENCE_EVENTS[name], params))

    def _conference_api(self, req: RecordedRequest, name: str, m: re.Match):
        if name == "Conferences":
            checks = {
                "FriendlyName": lambda c, v: c["friendly_name"] == v,
                "Status": lambda c, v: c["status"] == v,
            }
            return self._page(req, "conferences", self.conferences, checks)
        room = m.group(2)
        with self._lock:
            conf = self.conferences.get(room)
            if conf is None:
                return _not_found(req)
            if name == "Conference" and req.method == "GET":
                return 200, self._public(conf)
            if name == "Conference":
                return self._update_conference(req, room)
            if name == "Participants" and req.method == "POST":
                return self._create_participant(req, room)
            members = self.participants[room] if conf["status"] != "completed" else {}
        if name == "Participants":
            return self._page(req, "participants", members, {})
        if req.method != "GET":
            return 405, _twilio_error(405, 20004, "Method not allowed")
        found = members.get(m.group(3))
        return (200, self._public(found)) if found is not None else _not_found(req)

    def _update_conference(self, req: RecordedRequest, room: str):
        """Status=completed ends the room; AnnounceUrl plays TwiML to everyone in it (lock held)."""
        status, announce = req.value("Status"), req.value("AnnounceUrl")
        if status not in (None, "completed"):
            return 400, _twilio_error(400, 20001, f"Invalid Status {status}")
        conf = self.conferences[room]
        if status == "completed":
            self._end_conference(room, "conference-ended-via-api", None)
        if announce:
            if conf["status"] != "in-progress":
                return 400, _twilio_error(400, 20001, "The conference is not in progress")
            params = {
                "AccountSid": self.account_sid,
                "ApiVersion": "2010-04-01",
                "ConferenceSid": room,
                "FriendlyName": conf["friendly_name"],
            }
            self._pending.append(("announce", room, announce, params))
        return 200, self._public(conf)

    def _create_participant(self, req: RecordedRequest, room: str):
        """Call To into the room from From; it joins when answered (lock held)."""
        to, from_ = req.value("To"), req.value("From")
        if not to:
            return 400, _twilio_error(400, 21201, "No 'To' number is specified")
        if not from_:
            return 400, _twilio_error(400, 21213, "No 'From' number is specified")
        if self.conferences[room]["status"] == "completed":
            return _not_found(req)
        if to in self._rejected:
            status, code, message = self._rejected[to]
            return status, _twilio_error(status, code, message)
        call = self._new_call(to, from_)
        sid = call["sid"]
        if req.value("StatusCallback"):
            self.callback_urls[sid] = req.value("StatusCallback")
        start = _flag(req.value("StartConferenceOnEnter"), True)
        end = _flag(req.value("EndConferenceOnExit"), False)
        member = self._participant(room, sid, req.value("Label"), start, end)
        self.participants[room][sid] = member
        self._joining[sid] = room
        return 201, self._public(member)

    def _list_messages(self, req: RecordedRequest):
        checks = {
            "To": lambda m, v: m["to"] == v,
            "From": lambda m, v: m["from"] == v,  # a message without a sender yet never matches
            "DateSent": lambda m, v: m["date_sent"] is not None and _on(m["date_sent"], v, "="),
            "DateSent>": lambda m, v: m["date_sent"] is not None and _on(m["date_sent"], v, ">"),
            "DateSent<": lambda m, v: m["date_sent"] is not None and _on(m["date_sent"], v, "<"),
        }
        return self._page(req, "messages", self.messages, checks)

    def _list_calls(self, req: RecordedRequest):
        checks: dict[str, Callable[[dict[str, Any], str], bool]] = {
            "To": lambda c, v: c["to"] == v,
            "From": lambda c, v: c["from"] == v,
            "Status": lambda c, v: c["status"] == v,
            "ParentCallSid": lambda c, v: c["parent_call_sid"] == v,
        }
        for name, key in (("StartTime", "start_time"), ("EndTime", "end_time")):
            for op in ("=", ">", "<"):
                checks[name + op.strip("=")] = lambda c, v, key=key, op=op: (
                    c[key] is not None and _on(c[key], v, op)
                )
        return self._page(req, "calls", self.calls, checks)

    def _page(self, req: RecordedRequest, key: str, store: dict[str, dict[str, Any]], checks):
        """One page of a list, newest first, with Twilio's paging (PageSize, Page, PageToken).

        PageToken=PA<sid> (next) and PB<sid> (previous) are cursors: the page starts after
        (or ends before) that record, so records created while a client pages do not shift
        the pages it has still to read.
        """
        try:
            size = int(req.value("PageSize") or 50)
            page = int(req.value("Page") or 0)
            if size < 1 or page < 0:
                raise ValueError
        except ValueError:
            return 400, _twilio_error(400, 20001, "Invalid PageSize or Page")
        size = min(size, 1000)
        filters = [(n, v[0]) for n, v in req.query.items() if n in checks]
        with self._lock:
            try:
                records = [r for r in store.values() if all(checks[n](r, v) for n, v in filters)]
            except ValueError as exc:
                return 400, _twilio_error(400, 20001, f"Invalid filter: {exc}")
            records.sort(key=self._newest_first)
            token = req.value("PageToken") or ""
            cursor = store.get(token[2:]) if token[:2] in ("PA", "PB") else None
            if cursor is not None and token.startswith("PA"):
                after = self._newest_first(cursor)
                chunk = [r for r in records if self._newest_first(r) > after][:size]
            elif cursor is not None:
                before = self._newest_first(cursor)
                chunk = [r for r in records if self._newest_first(r) < before][-size:]
            else:
                chunk = records[page * size : (page + 1) * size]
            has_next = bool(chunk) and chunk[-1] is not records[-1]
            body_records = [self._public(r) for r in chunk]

        def uri(number: int, page_token: str | None = None) -> str:
            query = {**dict(filters), "PageSize": size, "Page": number}
            if page_token:
                query["PageToken"] = page_token
            return f"{req.path}?{urlencode(query)}"

        return 200, {
            key: body_records,
            "end": page * size + max(len(chunk) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1, "PA" + _ident(chunk[-1])) if has_next else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": (
                uri(page - 1, "PB" + _ident(chunk[0]) if chunk else None) if page else None
            ),
            "start": page * size,
            "uri": uri(page, token or None),
        }

    def _newest_first(self, record: dict[str, Any]) -> tuple[float, int]:
        """Sort key of a list: date_created descending, then creation order descending."""
        created = record.get("date_created")
        stamp = created.timestamp() if isinstance(created, datetime) else 0.0
        return (-stamp, -self._order.get(_ident(record), -1))

    @staticmethod
    def _public(record: dict[str, Any]) -> dict[str, Any]:
        return {k: _rfc2822(v) if isinstance(v, datetime) else v for k, v in record.items()}


def _flag(value: str | None, default: bool) -> bool:
    """A TwiML or form boolean ("true"/"false"), or default when absent."""
    return default if value in (None, "") else value.strip().lower() == "true"


def _text_of(response) -> str:
    """The body of a requests or Flask test client response."""
    if hasattr(response, "get_data"):
        return response.get_data(as_text=True)
    return response.text


def _status_of(response) -> int | None:
    return getattr(response, "status_code", None)


def _says(xml: str) -> list[str]:
    """The <Say> texts of a TwiML document."""
    if not xml.strip():
        return []
    return [(say.text or "").strip() for say in ET.fromstring(xml).iter("Say")]


def _ident(record: dict[str, Any]) -> str:
    """A record's SID (a participant is known by its call's)."""
    return record.get("sid") or record["call_sid"]


def _on(moment: datetime, value: str, op: str) -> bool:
    """Twilio's DateSent filters: a GMT date (whole day) or, in this fake, a full timestamp."""
    if len(value) == 10:
        day = date.fromisoformat(value)
        ours = moment.date()
        return {"=": ours == day, ">": ours >= day, "<": ours <= day}[op]
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return {"=": moment == when, ">": moment >= when, "<": moment <= when}[op]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def get_request(self):
        conn, addr = super().get_request()
        # Without TCP_NODELAY, Nagle + delayed ACKs cap a keep-alive client at ~23 requests/s.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            parts = urlsplit(self.path)
            resource = next((name for rx, name in _ROUTES if rx.match(parts.path)), None)
            req = RecordedRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                form=parse_qs(raw, keep_blank_values=True),
                headers=dict(self.headers.items()),
                resource=resource,
                at=time.monotonic(),
                received_at=datetime.now(UTC),
            )
            with fake._lock:
                fake.requests.append(req)
            try:
                status, body = fake._handle(req, self._auth())
            except Exception:
                fake.errors.append(traceback.format_exc())
                status, body = 500, _twilio_error(500, 20500, "Internal Server Error")
            req.status = status
            payload = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _auth(self) -> tuple[str, str] | None:
            header = self.headers.get("Authorization") or ""
            if not header.startswith("Basic "):
                return None
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return None
            return user, password

    return Handler


#: 15:00 in Chicago on a Tuesday: inside the quiet-hours floor and any usual window
SEND_AT = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
DEFAULT_TEMPLATE = "Hi {{ customer.first_name }}, how did the {{ event.type }} go? Reply 1-5."


@pytest.fixture
def make_sms_checkin():
    """A callable creating a customer, event, SMS policy and a check-in (queued by default),
    committed in the current app context; times are relative to `now` (SEND_AT)."""
    from outreach.extensions import db
    from outreach.models import CheckIn, Customer, Policy, ServiceEvent

    def make(
        *,
        phone: str = "+16125550100",
        template: str = DEFAULT_TEMPLATE,
        status: str = "queued",
        now: datetime = SEND_AT,
        expires_in: timedelta | None = timedelta(hours=20),
        customer: Any = None,
        timezone: str = "America/Chicago",
        **policy_fields: Any,
    ):
        tag = secrets.token_hex(6)
        if customer is None:
            customer = Customer(
                external_id=f"cust-{tag}", name="Pat Example", phone=phone, timezone=timezone
            )
        event = ServiceEvent(
            external_id=f"evt-{tag}",
            type="install",
            occurred_at=now - timedelta(hours=20),
            customer=customer,
        )
        policy = Policy(
            name=f"sms {tag}",
            event_type="install",
            channel="sms",
            delay="PT20H",
            template=template,
            **policy_fields,
        )
        checkin = CheckIn(
            event=event,
            customer=customer,
            policy=policy,
            channel="sms",
            status=status,
            due_at=now,
            earliest_at=now,
            expires_at=now + expires_in if expires_in is not None else None,
            timezone=timezone,
            timing_reason="test",
        )
        db.session.add(checkin)
        db.session.commit()
        return checkin

    return make


@pytest.fixture
def fake_twilio():
    """A running fake Twilio for one test."""
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def twilio_app(make_app, fake_twilio):
    """The app configured to send through the fake Twilio, with an app context pushed."""
    app = make_app(env=fake_twilio.env())
    with app.app_context():
        yield app
