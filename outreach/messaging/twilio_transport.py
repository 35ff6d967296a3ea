"""The Twilio transport: the `twilio` library with a timeout on every call and a settable base."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import requests
from twilio.base import exceptions as twilio_exceptions
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from outreach.config import Settings
from outreach.messaging.errors import CONNECTION, TIMEOUT, TransportError
from outreach.messaging.transport import SentMessage

log = logging.getLogger(__name__)
#: the library logs every request's URL and query (phone numbers) at INFO: keep it to warnings
_http_log = logging.getLogger(__name__ + ".http")
_http_log.setLevel(logging.WARNING)

#: RFC 9457 errors (TwilioServiceException) exist only in newer 9.x releases of the library
_HTTP_ERRORS = tuple(
    {TwilioRestException, getattr(twilio_exceptions, "TwilioServiceException", TwilioRestException)}
)
CLOCK_SKEW = timedelta(minutes=5)  #: tolerance between our clock and Twilio's
LOOKUP_LIMIT = 200  #: messages examined when reconciling one send


class TwilioTransport:
    """Sends through Twilio's REST API (or TWILIO_API_BASE_URL)."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        http_client = TwilioHttpClient(timeout=settings.twilio_timeout, logger=_http_log)
        self.client = Client(
            settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client
        )
        if settings.twilio_api_base_url:
            self.client.api.base_url = settings.twilio_api_base_url
        self.from_number = settings.twilio_from_number
        self.service_sid = settings.twilio_messaging_service_sid
        self.sender = self.service_sid or self.from_number or ""

    def send_sms(
        self, to: str, body: str, *, status_callback: str, validity_period: int | None = None
    ) -> SentMessage:
        """Create the message at Twilio (one POST; the library does not retry)."""
        with _translated():
            msg = self.client.messages.create(
                to=to,
                body=body,
                from_=values.unset if self.service_sid else self.from_number,
                messaging_service_sid=self.service_sid or values.unset,
                status_callback=status_callback,
                validity_period=validity_period if validity_period else values.unset,
            )
        return _sent(msg)

    def find_sent(self, to: str, body: str, since: datetime) -> SentMessage | None:
        """Twilio's earliest message to `to` with this body created at or after `since`."""
        earliest = since.astimezone(UTC).replace(microsecond=0) - CLOCK_SKEW
        found: list[SentMessage] = []
        with _translated():
            # Twilio may apply DateSent>= by GMT day only; the exact time is checked here.
            records = self.client.messages.stream(
                to=to, date_sent_after=earliest, limit=LOOKUP_LIMIT
            )
            for msg in records:
                created = msg.date_created or msg.date_sent
                if created is not None and created < earliest:
                    continue
                if not str(msg.direction or "").startswith("outbound"):
                    continue
                if self.from_number and msg.from_ and msg.from_ != self.from_number:
                    continue
                if (msg.body or "") == body:
                    found.append(_sent(msg))
        if len(found) > 1:
            log.warning(
                "reconcile: %d matching messages at Twilio, adopting the earliest", len(found)
            )
        return min(found, key=lambda m: m.sent_at or earliest) if found else None

    def start_call(self, to: str, *, url: str, status_callback: str, **options: object) -> str:
        """Create an outbound call; options are passed to calls.create (machine_detection…)."""
        with _translated():
            call = self.client.calls.create(
                to=to,
                from_=self.from_number,
                url=url,
                status_callback=status_callback,
                **options,
            )
        return call.sid

    def find_call(self, to: str, since: datetime) -> str | None:
        """The SID of Twilio's earliest API-created call to `to` at or after `since`, if any."""
        earliest = since.astimezone(UTC) - CLOCK_SKEW
        found = []
        with _translated():
            records = self.client.calls.stream(
                to=to, from_=self.from_number or values.unset, limit=LOOKUP_LIMIT
            )
            for call in records:
                created = call.date_created
                if created is not None and created < earliest:
                    continue
                if str(call.direction or "") != "outbound-api":
                    continue
                found.append((created or earliest, call.sid))
        if len(found) > 1:
            log.warning("reconcile: %d matching calls at Twilio, adopting the earliest", len(found))
        return min(found)[1] if found else None

    def after_send(self, sid: str) -> None:
        """Nothing to do: Twilio posts the status callbacks."""


def _sent(msg) -> SentMessage:
    try:
        segments = int(msg.num_segments) if msg.num_segments not in (None, "") else None
    except ValueError:
        segments = None
    return SentMessage(
        sid=msg.sid,
        status=str(msg.status or "queued"),
        num_segments=segments or None,  # 0 means "not known yet" (Messaging Services)
        from_number=msg.from_,
        body=msg.body,
        sent_at=msg.date_created or msg.date_sent,
    )


@contextmanager
def _translated() -> Iterator[None]:
    """Turn the library's and requests' exceptions into TransportError."""
    try:
        yield
    except _HTTP_ERRORS as exc:
        code = exc.code if isinstance(exc.code, int) else None
        raise TransportError(
            f"Twilio answered HTTP {exc.status}", code=code, http_status=exc.status
        ) from None
    except requests.Timeout:
        raise TransportError("Twilio did not answer in time", network=TIMEOUT) from None
    except requests.ConnectionError:
        raise TransportError("could not reach Twilio", network=CONNECTION) from None
    except TwilioException as exc:  # a list page that was not 200
        response = exc.args[1] if len(exc.args) > 1 else None
        status = getattr(response, "status_code", None)
        raise TransportError(
            f"Twilio answered HTTP {status}", code=_code_of(response), http_status=status
        ) from None


def _code_of(response) -> int | None:
    try:
        code = json.loads(response.text).get("code")
    except (AttributeError, ValueError, TypeError):
        return None
    return code if isinstance(code, int) else None
