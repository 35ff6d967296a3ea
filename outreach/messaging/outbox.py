"""The outbox transport: no network; messages stay in the database and delivery is simulated."""

from __future__ import annotations

import secrets
from datetime import datetime

from outreach.config import Settings
from outreach.messaging.segments import count_segments
from outreach.messaging.transport import SentMessage

OUTBOX_SENDER = "outbox"
#: the statuses the simulated carrier reports, in order, through the callback service
SIMULATED_STATUSES = ("sent", "delivered")


def outbox_sid(prefix: str = "SM") -> str:
    """A 34-character SID that says where it came from: SMoutbox… or CAoutbox…."""
    return prefix + "outbox" + secrets.token_hex(13)


class OutboxTransport:
    """Records instead of sending: the Message row is the outbox, shown by the demo's phone."""

    name = "outbox"

    def __init__(self, settings: Settings) -> None:
        self.from_number = settings.twilio_from_number
        self.sender = settings.twilio_from_number or OUTBOX_SENDER

    def send_sms(
        self, to: str, body: str, *, status_callback: str, validity_period: int | None = None
    ) -> SentMessage:
        """Accept the message at once with a fake SID."""
        return SentMessage(
            sid=outbox_sid("SM"),
            status="queued",
            num_segments=count_segments(body).count,
            from_number=self.from_number,
            body=body,
        )

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """Nothing leaves the database, so an unrecorded outbox send never happened."""
        return []

    def start_call(self, to: str, *, url: str, status_callback: str, **options: object) -> str:
        """A fake call SID; the demo's simulator plays the call."""
        return outbox_sid("CA")

    def find_calls(self, to: str, since: datetime) -> list[SentMessage]:
        """Nothing leaves the database, so an unrecorded outbox call never happened."""
        return []

    def add_participant(
        self, conference_sid: str, to: str, *, label: str, status_callback: str, **options: object
    ) -> str:
        """A fake call SID: nothing is dialed."""
        return outbox_sid("CA")

    def announce(self, conference_sid: str, url: str) -> None:
        """Nothing to play: no conference runs without Twilio."""

    def after_send(self, sid: str) -> None:
        """Simulate the carrier: post sent, then delivered, through the callback service."""
        from outreach.messaging.callbacks import record_message_status

        for status in SIMULATED_STATUSES:
            record_message_status(
                {"MessageSid": sid, "MessageStatus": status, "ApiVersion": "2010-04-01"},
                source="outbox",
            )
