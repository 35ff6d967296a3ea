"""What a transport does (send an SMS, find one sent earlier, place a call) and which one runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import Flask, current_app


@dataclass(frozen=True)
class SentMessage:
    """A message as the transport (Twilio) knows it."""

    sid: str
    status: str
    num_segments: int | None  #: None when the transport does not know yet (Messaging Services)
    from_number: str | None
    body: str | None = None
    sent_at: datetime | None = None  #: when Twilio created it


class Transport(Protocol):
    """Twilio or the local outbox; every method raises errors.TransportError on failure."""

    name: str
    sender: str  #: the From number or Messaging Service SID: the rate-limit key

    def send_sms(
        self, to: str, body: str, *, status_callback: str, validity_period: int | None = None
    ) -> SentMessage:
        """Hand one SMS over for sending."""
        ...

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """Messages from our sender with this body to `to` created since `since`, oldest first."""
        ...

    def start_call(self, to: str, *, url: str, status_callback: str, **options: object) -> str:
        """Place an outbound call that fetches its TwiML from url; returns the call SID."""
        ...

    def find_calls(self, to: str, since: datetime) -> list[SentMessage]:
        """Calls our number placed to `to` created since `since`, oldest first."""
        ...

    def add_participant(
        self, conference_sid: str, to: str, *, label: str, status_callback: str, **options: object
    ) -> str:
        """Call `to` into a running conference (Participants API); returns the call SID."""
        ...

    def announce(self, conference_sid: str, url: str) -> None:
        """Play the TwiML at url to everyone in the conference."""
        ...

    def after_send(self, sid: str) -> None:
        """Called once the send is recorded (the outbox simulates delivery here)."""
        ...


def get_transport(app: Flask | None = None) -> Transport:
    """The transport chosen by OUTREACH_TRANSPORT, built once per app and process."""
    app = app or current_app._get_current_object()
    transport = app.extensions.get("outreach.transport")
    if transport is None:
        settings = app.extensions["settings"]
        if settings.transport == "twilio":
            from outreach.messaging.twilio_transport import TwilioTransport

            transport = TwilioTransport(settings)
        else:
            from outreach.messaging.outbox import OutboxTransport

            transport = OutboxTransport(settings)
        app.extensions["outreach.transport"] = transport
    return transport
