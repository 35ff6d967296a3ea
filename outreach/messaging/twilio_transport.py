"""The Twilio transport: the `twilio` library with a timeout on every call and a settable base."""

from __future__ import annotations

import json
import logging
import os
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
PAGE_SIZE = 50


class TwilioTransport:
    """Sends through Twilio's REST API (or TWILIO_API_BASE_URL)."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        base = settings.twilio_api_base_url or "https://api.twilio.com"
        http_client = TwilioHttpClient(
            timeout=settings.twilio_timeout,
            logger=_http_log,
            proxy=requests.utils.get_environ_proxies(base) or None,
        )
        _read_environment_once(http_client.session)
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

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """Twilio's outbound messages to `to` from our sender with this body, created at or
        after `since` (less the clock skew), oldest first.

        The list is read newest first by To alone: a message still waiting in a sender's queue
        has no date_sent, so a DateSent filter would skip it, and a Messaging Service's message
        has the `from` of its pool, so it is matched on the service instead."""
        earliest = since.astimezone(UTC) - CLOCK_SKEW
        found: list[SentMessage] = []
        with _translated():
            for msg in self.client.messages.stream(to=to, page_size=PAGE_SIZE, limit=LOOKUP_LIMIT):
                created = msg.date_created
                if created is not None and created < earliest:
                    break  # newest first: the rest is older still
                if not str(msg.direction or "").startswith("outbound"):
                    continue
                if not self._ours(msg.messaging_service_sid, msg.from_):
                    continue
                if (msg.body or "") == body:
                    found.append(_sent(msg))
        return found[::-1]

    def _ours(self, service_sid: str | None, from_number: str | None) -> bool:
        if self.service_sid:
            return service_sid == self.service_sid
        return from_number == self.from_number

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

    def find_calls(self, to: str, since: datetime) -> list[SentMessage]:
        """Twilio's API-created calls to `to` from our number created at or after `since`
        (less the clock skew), oldest first; a call not started yet has no start_time, so
        creation time decides."""
        earliest = since.astimezone(UTC) - CLOCK_SKEW
        found: list[SentMessage] = []
        with _translated():
            records = self.client.calls.stream(
                to=to,
                from_=self.from_number or values.unset,
                page_size=PAGE_SIZE,
                limit=LOOKUP_LIMIT,
            )
            for call in records:
                created = call.date_created
                if created is not None and created < earliest:
                    break
                if str(call.direction or "") != "outbound-api":
                    continue
                found.append(
                    SentMessage(
                        sid=call.sid,
                        status=str(call.status or "queued"),
                        num_segments=None,
                        from_number=call._from,
                        sent_at=created,
                    )
                )
        return found[::-1]

    def add_participant(
        self, conference_sid: str, to: str, *, label: str, status_callback: str, **options: object
    ) -> str:
        """POST Conferences/{sid}/Participants.json: Twilio calls `to` into the conference."""
        with _translated():
            participant = self.client.conferences(conference_sid).participants.create(
                from_=self.from_number,
                to=to,
                label=label,
                status_callback=status_callback,
                start_conference_on_enter=True,
                end_conference_on_exit=False,
                beep="false",
                **options,
            )
        return participant.call_sid

    def announce(self, conference_sid: str, url: str) -> None:
        """POST Conferences/{sid}.json with AnnounceUrl: Twilio plays its TwiML to the room."""
        with _translated():
            self.client.conferences(conference_sid).update(announce_url=url, announce_method="POST")

    def after_send(self, sid: str) -> None:
        """Nothing to do: Twilio posts the status callbacks."""


def _read_environment_once(session: requests.Session) -> None:
    """requests reads proxies, ~/.netrc and the CA bundle from the environment on every call;
    the proxies were read at start-up, so the kept-alive session reads nothing per send."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session.trust_env = False
    if bundle:
        session.verify = bundle


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
        sent_at=msg.date_created,
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
