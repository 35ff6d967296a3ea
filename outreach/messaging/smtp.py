"""SMTP: hand one e-mail to the server named by SMTP_URL, and say what a failure means.

`smtp://user:pass@host:587` uses STARTTLS when the server offers it (and refuses to send a
password to a server that does not); `smtps://host:465` is TLS from the first byte. The caller
is told, through `before_data`, the moment the outcome can stop being knowable: once DATA has
begun, a timeout or a dropped connection may hide a message the server already accepted.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from urllib.parse import unquote, urlsplit

from outreach.config import Settings
from outreach.messaging.errors import TransportError

#: stages of one SMTP conversation: a failure in "data" leaves the outcome unknown
CONNECT, ENVELOPE, DATA = "connect", "envelope", "data"


class SmtpError(TransportError):
    """An SMTP send that did not succeed: the server's reply code, or a network failure, and
    the stage it happened in."""

    def __init__(self, words: str, *, smtp_code: int | None = None, stage: str = CONNECT) -> None:
        super().__init__(words, code=smtp_code, network="smtp" if smtp_code is None else None)
        self.words = words
        self.stage = stage

    @property
    def info(self) -> None:
        """SMTP codes are not Twilio's: no table entry."""
        return None

    @property
    def is_transient(self) -> bool:
        """4xx replies and network failures may pass; 5xx replies will not."""
        return self.code is None or 400 <= self.code < 500

    @property
    def is_outcome_unknown(self) -> bool:
        """No final reply to DATA: the server may hold the message."""
        return self.code is None and self.stage == DATA

    @property
    def reason(self) -> str:
        """The failure in words."""
        return self.words


def _refused(exc: smtplib.SMTPResponseException, stage: str) -> SmtpError:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    return SmtpError(
        f"the SMTP server refused it ({exc.smtp_code} {text.strip()[:200]})".replace(" )", ")"),
        smtp_code=exc.smtp_code,
        stage=stage,
    )


def _check(reply: tuple[int, bytes], ok: tuple[int, ...], stage: str) -> None:
    code, text = reply
    if code not in ok:
        raise _refused(smtplib.SMTPResponseException(code, text), stage)


def _connect(settings: Settings) -> smtplib.SMTP:
    parts = urlsplit(settings.smtp_url or "")
    implicit = parts.scheme == "smtps"
    host, timeout = parts.hostname or "", settings.smtp_timeout
    if implicit:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, parts.port or 587, timeout=timeout)
    smtp.ehlo()
    if not implicit:
        if smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        elif parts.username:
            smtp.close()
            raise SmtpError(
                "the SMTP server offers no STARTTLS; the password is not sent in clear "
                "(use smtps:// or a server with STARTTLS)",
                smtp_code=530,
            )
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp


def send_message(settings: Settings, message: EmailMessage, before_data: Callable[[], None]) -> str:
    """Hand `message` to the SMTP server (MAIL, RCPT, then `before_data()`, then DATA); the
    server's final reply in words. SmtpError on failure, with the stage it failed in."""
    stage = CONNECT
    sender = message["Return-Path"] or settings.email_from or ""
    recipient = message["To"].addresses[0].addr_spec
    smtp, accepted = None, False
    try:
        smtp = _connect(settings)
        stage = ENVELOPE
        _check(smtp.mail(sender), (250,), stage)
        _check(smtp.rcpt(recipient), (250, 251), stage)
        payload = message.as_bytes(policy=SMTP_POLICY)
        before_data()
        stage = DATA
        code, text = smtp.data(payload)
        _check((code, text), (250,), stage)
        accepted = True
    except SmtpError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise _refused(exc, stage) from None
    except smtplib.SMTPResponseException as exc:
        raise _refused(exc, stage) from None
    except smtplib.SMTPRecipientsRefused:
        raise SmtpError(
            "the SMTP server refused the recipient", smtp_code=550, stage=stage
        ) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        words = (
            "the SMTP server did not answer in time"
            if isinstance(exc, socket.timeout)
            else (f"could not talk to the SMTP server ({type(exc).__name__})")
        )
        raise SmtpError(words, stage=stage) from None
    finally:
        if smtp is not None and not accepted:
            smtp.close()
    try:  # accepted: a failed QUIT changes nothing
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
    return f"{code} {text.decode('utf-8', 'replace')}"[:200]
