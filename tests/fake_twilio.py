"""A local fake of Twilio's REST API 2010 (Messages, Calls) over real HTTP, for tests.

Start it with the `fake_twilio` fixture, point the app at it with `make_app(env=fake.env())`
(or the `twilio_app` fixture), then inspect `fake.requests`, script failures with
`fake.fail_next(...)` / `fake.hang_next(...)` / `fake.reject_number(...)`, and post signed
status callbacks with `fake.message_callback(...)` / `fake.call_callback(...)` to a base URL
or a Flask test client.
"""

from __future__ import annotations

import base64
import json
import math
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterable, Mapping
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
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ROUTES = (
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$"), "Messages"),
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages/(\w+)\.json$"), "Message"),
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls\.json$"), "Calls"),
    (re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(\w+)\.json$"), "Call"),
)
_GSM = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f"
)


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
    resource: str | None  #: Messages, Message, Calls, Call or None
    at: float  #: time.monotonic() on arrival
    received_at: datetime
    status: int = 0  #: the HTTP status answered (0 while in flight)

    def value(self, name: str) -> str | None:
        """The first value of a form field (or query parameter for GETs)."""
        values = self.form.get(name) or self.query.get(name)
        return values[0] if values else None

    @property
    def action(self) -> str:
        """create, list, fetch or update."""
        if self.resource in ("Messages", "Calls"):
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
class FakeTwilio:
    """Twilio's REST API 2010 on 127.0.0.1, recording every request."""

    account_sid: str = field(default_factory=lambda: "AC" + secrets.token_hex(16))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    from_number: str = DEFAULT_FROM

    def __post_init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.callback_urls: dict[str, str] = {}  #: sid -> StatusCallback URL given at create
        self.next_sids: list[str] = []  #: SIDs the next created messages get, in order
        self._failures: list[_Failure] = []
        self._rejected: dict[str, tuple[int, int, str]] = {}
        self._auto: tuple[Any, tuple[str, ...]] | None = None
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        """Listen on 127.0.0.1, a free port, in a background thread."""
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
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
        """http://127.0.0.1:<port>, for TWILIO_API_BASE_URL."""
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment that points the app's Twilio transport at this fake."""
        return {
            "OUTREACH_TRANSPORT": "twilio",
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": self.from_number,
            "TWILIO_API_BASE_URL": self.base_url,
            **extra,
        }

    # -- scripting ----------------------------------------------------------------------------

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

    def reject_number(self, to: str, code: int, status: int = 400, message: str = "") -> None:
        """Make every message or call to `to` fail with this Twilio error (21211, 21610…)."""
        self._rejected[to] = (status, code, message or f"Error {code}")

    def auto_callbacks(self, deliver_to: Any, statuses: Iterable[str] = ("sent", "delivered")):
        """After each accepted message, post these statuses to its callback in a thread."""
        self._auto = (deliver_to, tuple(statuses))

    def add_message(self, to: str, body: str, from_: str | None = None, **fields: Any) -> dict:
        """Put a message in the account as if created earlier (for reconciliation tests)."""
        return self._store_message(to, from_ or self.from_number, None, body, None, fields)

    # -- inspection ---------------------------------------------------------------------------

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
        """Post a signed message status callback for sid; returns the response."""
        msg = self.messages.get(sid, {})
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": msg.get("to") or "",
            "From": msg.get("from") or self.from_number,
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
                self.messages[sid]["status"] = status
                self.messages[sid]["error_code"] = error_code
        return self.post_signed(self._callback_url(sid), params, deliver_to, signature)

    def call_callback(
        self,
        sid: str,
        status: str,
        deliver_to: Any,
        extra: Mapping[str, str] | None = None,
        signature: str | None = None,
    ):
        """Post a signed call status callback for sid; returns the response."""
        call = self.calls.get(sid, {})
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
        if auth != (self.account_sid, self.auth_token):
            return 401, _twilio_error(401, 20003, "Authenticate")
        match = next(((m, name) for rx, name in _ROUTES if (m := rx.match(req.path))), None)
        if match is None:
            return 404, _twilio_error(
                404, 20404, f"The requested resource {req.path} was not found"
            )
        m, name = match
        if m.group(1) != self.account_sid:
            return 404, _twilio_error(
                404, 20404, f"The requested resource {req.path} was not found"
            )
        if name == "Messages":
            return self._create_message(req) if req.method == "POST" else self._list_messages(req)
        if name == "Calls":
            return self._create_call(req) if req.method == "POST" else self._list_calls(req)
        store = self.messages if name == "Message" else self.calls
        if req.method != "GET":
            return 405, _twilio_error(405, 20004, "Method not allowed")
        found = store.get(m.group(2))
        if found is None:
            return 404, _twilio_error(
                404, 20404, f"The requested resource {req.path} was not found"
            )
        return 200, self._public(found)

    def _take_failure(self, req: RecordedRequest) -> _Failure | None:
        with self._lock:
            for i, failure in enumerate(self._failures):
                if failure.matches(req.method, req.resource):
                    return self._failures.pop(i)
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
        msg = self._store_message(to, from_, service, body or "", req.value("StatusCallback"), {})
        if self._auto is not None and msg["sid"] in self.callback_urls:
            deliver_to, statuses = self._auto
            threading.Thread(
                target=self._auto_post, args=(msg["sid"], deliver_to, statuses), daemon=True
            ).start()
        return 201, self._public(msg)

    def _auto_post(self, sid: str, deliver_to: Any, statuses: tuple[str, ...]) -> None:
        for status in statuses:
            self.message_callback(sid, status, deliver_to)

    def _store_message(self, to, from_, service, body, callback, fields) -> dict[str, Any]:
        now = datetime.now(UTC).replace(microsecond=0)
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
            "from": from_ if not service else None,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": "0" if service else str(_num_segments(body)),
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
        with self._lock:
            self.messages[sid] = msg
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
        now = datetime.now(UTC).replace(microsecond=0)
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
        with self._lock:
            self.calls[sid] = call
            if req.value("StatusCallback"):
                self.callback_urls[sid] = req.value("StatusCallback")
        return 201, self._public(call)

    def _list_messages(self, req: RecordedRequest):
        def keep(msg: dict[str, Any]) -> bool:
            sent = msg["date_sent"]
            checks = {
                "To": lambda v: msg["to"] == v,
                "From": lambda v: msg["from"] == v,
                "DateSent": lambda v: sent is not None and _on(sent, v, "="),
                "DateSent>": lambda v: sent is not None and _on(sent, v, ">"),
                "DateSent<": lambda v: sent is not None and _on(sent, v, "<"),
            }
            return all(
                checks[name](values[0]) for name, values in req.query.items() if name in checks
            )

        return self._page(req, "messages", [m for m in self.messages.values() if keep(m)])

    def _list_calls(self, req: RecordedRequest):
        def keep(call: dict[str, Any]) -> bool:
            checks = {"To": "to", "From": "from", "Status": "status"}
            return all(
                call[checks[name]] == values[0]
                for name, values in req.query.items()
                if name in checks
            )

        return self._page(req, "calls", [c for c in self.calls.values() if keep(c)])

    def _page(self, req: RecordedRequest, key: str, records: list[dict[str, Any]]):
        records.sort(key=lambda r: r.get("date_sent") or r["date_created"], reverse=True)
        size = min(int(req.value("PageSize") or 50), 1000)
        page = int(req.value("Page") or 0)
        chunk = records[page * size : (page + 1) * size]
        filters = {
            k: v[0] for k, v in req.query.items() if k not in ("Page", "PageSize", "PageToken")
        }

        def uri(number: int) -> str:
            query = {**filters, "PageSize": size, "Page": number}
            if number:
                query["PageToken"] = f"PA{number}"
            return f"{req.path}?{urlencode(query)}"

        has_next = (page + 1) * size < len(records)
        return 200, {
            key: [self._public(r) for r in chunk],
            "end": page * size + max(len(chunk) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1) if has_next else None,
            "page": page,
            "page_size": size,
            "previous_page_uri": uri(page - 1) if page else None,
            "start": page * size,
            "uri": uri(page),
        }

    @staticmethod
    def _public(record: dict[str, Any]) -> dict[str, Any]:
        return {k: _rfc2822(v) if isinstance(v, datetime) else v for k, v in record.items()}


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
            status, body = fake._handle(req, self._auth())
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
