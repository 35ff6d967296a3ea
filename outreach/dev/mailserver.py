"""A real SMTP server on localhost for the demo and the tests (aiosmtpd): every message it
accepts is kept in a Maildir (the phone simulator's inbox reads it) and in memory."""

from __future__ import annotations

import logging
import mailbox
import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

#: the header that carries the envelope's recipients into the stored copy
ENVELOPE_TO = "X-Envelope-To"
DEMO_FROM = "checkins@outreach.test"  #: the demo's sender when OUTREACH_EMAIL_FROM is not set


def demo_maildir(instance_path: Path | str) -> Path:
    """Where the demo's SMTP server keeps what it received (the simulator's inboxes)."""
    return Path(instance_path) / "mailbox"


@dataclass(frozen=True)
class Received:
    """One message the server accepted: its envelope and its parsed form."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage


class MailHandler:
    """aiosmtpd handler: accept every message, store it (Maildir and memory)."""

    def __init__(self, maildir: Path | None = None) -> None:
        if maildir is not None:
            Path(maildir).parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(maildir, create=True) if maildir else None
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store the message; 250."""
        data = envelope.original_content or b""
        headers = f"{ENVELOPE_TO}: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        message = message_from_bytes(headers + data, policy=policy.default)
        with self.lock:
            self.received.append(
                Received(envelope.mail_from or "", tuple(envelope.rcpt_tos), message)
            )
            if self.maildir is not None:
                self.maildir.add(headers + data)
        return "250 2.0.0 OK: queued"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages received for this envelope recipient, oldest first."""
        with self.lock:
            return [r.message for r in self.received if address in r.rcpt_tos]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start_mail_server(
    handler: MailHandler | None = None, host: str = "127.0.0.1", port: int | None = None
) -> tuple[Controller, MailHandler]:
    """Start an SMTP server on host:port (a free port when None) in a thread; stop() it."""
    handler = handler or MailHandler()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per connection
    controller = Controller(handler, hostname=host, port=port or free_port(host))
    controller.start()
    return controller, handler


def read_inbox(maildir: Path, address: str) -> list[EmailMessage]:
    """The messages a Maildir holds for this recipient (envelope), oldest first."""
    if not maildir.exists():
        return []
    wanted = address.strip().lower()
    found = []
    for raw in mailbox.Maildir(maildir, factory=None, create=False):
        message = message_from_bytes(raw.as_bytes(), policy=policy.default)
        recipients = [a.strip().lower() for a in str(message.get(ENVELOPE_TO, "")).split(",")]
        if wanted in recipients:
            found.append(message)
    return sorted(found, key=_sent_at)


def _sent_at(message: EmailMessage) -> float:
    header = message.get("Date")
    stamp = getattr(header, "datetime", None)
    return stamp.timestamp() if stamp is not None else 0.0
