"""E-mail: the e-mail part of the exactly-once engine (engine.py), the message itself (plain
text with an escaped HTML alternative, a Message-ID per attempt, one-click unsubscribe), and
e-mails that are not check-ins (a staff member's message, an acknowledgement).

What SMTP allows: an attempt row is committed before the server is contacted; right before
DATA the row is marked (`data_at`, its Message-ID); the server's 250 after DATA is recorded as
`accepted_id`. A failure before DATA means the server has nothing: the engine retries (a 4xx or
a network error) or fails the check-in (5xx). A failure after DATA began without a final reply
(a timeout, a dropped connection, a worker killed) leaves the outcome unknown and SMTP gives no
way to ask: the attempt is then counted as sent, never sent again (at most once), and its
Message-ID (stable for the attempt) lets anyone recognise it.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from rq import Queue

from outreach.company.settings import get_company_settings
from outreach.company.templating import TemplateRenderError, render_message
from outreach.extensions import db
from outreach.messaging.engine import (
    Attempt,
    Channel,
    Clock,
    Created,
    SendOutcome,
    reconcile_one,
    send_batch,
)
from outreach.messaging.smtp import SmtpError, send_message
from outreach.messaging.transport import Transport
from outreach.models import CheckIn, CompanySettings, Customer, Email, db_now, utcnow
from outreach.scheduling.consents import latest_consents, opted_out_reason
from outreach.scheduling.timing import zone_or_utc

log = logging.getLogger(__name__)

UNSUBSCRIBE_PATH = "/u/"
EMAIL_JOB = "jobs.emails.send_emails"
EMAIL_QUEUE = "outreach"
PENDING, SENDING, SENT, FAILED, CANCELED = "pending", "sending", "sent", "failed", "canceled"
LOST_AFTER = timedelta(minutes=2)  #: a pending or sending e-mail older than this is looked at
GIVE_UP_AFTER = timedelta(hours=24)


class Rendered(str):
    """A rendered e-mail body that also carries its subject (the engine passes the body on)."""

    subject: str = ""


def settings():
    """This process's settings (SMTP_URL, OUTREACH_EMAIL_FROM, SECRET_KEY)."""
    return current_app.extensions["settings"]


def sender_domain() -> str:
    """The domain of OUTREACH_EMAIL_FROM (Message-IDs are made under it)."""
    return (settings().email_from or "outreach.invalid").rpartition("@")[2]


def message_id_for(row_id: int, checkin_id: int | None = None) -> str:
    """The Message-ID of an attempt: derived from its check-in and row ids and the sender's
    domain, with a keyed tag so nobody can make up one of ours to thread a reply onto."""
    base = f"c{checkin_id}.a{row_id}" if checkin_id else f"e{row_id}"
    tag = hmac.new(settings().secret_key.encode(), base.encode(), hashlib.sha256).hexdigest()
    return f"<outreach.{base}.{tag[:12]}@{sender_domain()}>"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(settings().secret_key, salt="email-unsubscribe")


def unsubscribe_token(customer_id: int) -> str:
    """The signed token of a customer's one-click unsubscribe link (no row to store)."""
    return _serializer().dumps(customer_id)


def customer_of_token(token: str) -> int | None:
    """The customer id a valid unsubscribe token names, or None (forged, cut short)."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) else None


def unsubscribe_url(customer_id: int) -> str:
    """The one-click unsubscribe link of a customer (PUBLIC_BASE_URL + /u/<token>)."""
    return settings().public_base_url + UNSUBSCRIBE_PATH + unsubscribe_token(customer_id)


def html_of(text: str, footer: str | None = None) -> str:
    """The HTML alternative of a plain-text body: every character escaped, paragraphs and line
    breaks kept; nothing a template wrote is ever markup."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    parts = ["<p>" + html.escape(p.strip()).replace("\n", "<br>\n") + "</p>" for p in paragraphs]
    if footer:
        parts.append('<p style="color:#666;font-size:small">' + html.escape(footer) + "</p>")
    return "<!DOCTYPE html>\n<html><body>\n" + "\n".join(parts) + "\n</body></html>\n"


def build_message(
    *,
    to: str,
    to_name: str | None,
    subject: str,
    body: str,
    message_id: str,
    from_name: str | None,
    unsubscribe: str | None = None,
    in_reply_to: str | None = None,
    now: datetime | None = None,
) -> EmailMessage:
    """One e-mail: plain text and its HTML alternative, our Message-ID, the List-Unsubscribe
    headers of RFC 8058 when `unsubscribe` is given, threading headers when it answers one."""
    message = EmailMessage()
    message["From"] = Address(display_name=_one_line(from_name), addr_spec=settings().email_from)
    message["To"] = Address(display_name=_one_line(to_name), addr_spec=to)
    message["Subject"] = _one_line(subject)
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    footer = None
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        footer = f"To stop these e-mails: {unsubscribe}"
    text = body.rstrip() + "\n" + (f"\n--\n{footer}\n" if footer else "")
    message.set_content(text)
    message.add_alternative(html_of(body, footer), subtype="html")
    return message


def _one_line(value: str | None) -> str:
    return " ".join((value or "").split())[:400]


def _mark_data(row_id: int, message_id: str) -> None:
    """Right before DATA: from here on the outcome may be unknown (committed)."""
    db.session.execute(
        sa.update(Email)
        .where(Email.id == row_id)
        .values(message_id=message_id, data_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _deliver(row_id: int, checkin_id: int | None, message: EmailMessage) -> None:
    """Hand one built message to SMTP, marking DATA first; SmtpError on failure."""
    message_id = message["Message-ID"]
    send_message(settings(), message, before_data=lambda: _mark_data(row_id, message_id))
    log.info("email %s (check-in %s) accepted by the SMTP server", row_id, checkin_id)


# -- check-ins through the engine ------------------------------------------------------------


class EmailChannel(Channel):
    """Check-ins by e-mail: an Email row per attempt; "found again" only when DATA began."""

    name = "email"
    rate_prefix = "email:"
    model = Email
    pending_row_status = SENDING
    sid_column = "accepted_id"
    recipient_column = "to_address"
    provider = "the SMTP log"

    def attempt_filter(self) -> list:
        """Only check-in e-mails are attempts."""
        return [Email.kind == "checkin"]

    def went_out(self):
        """Accepted by the server (a later bounce does not make it unsent)."""
        return Email.status != FAILED

    def recipient(self, customer) -> str | None:
        """The customer's e-mail address."""
        return customer.email

    def carrier(self, transport: Transport | None) -> str:
        """E-mail goes through SMTP, whatever the SMS transport is."""
        return "smtp"

    def cannot_send(self, transport: Transport) -> str | None:
        """Without SMTP_URL no e-mail can go out."""
        return None if settings().smtp_url else "e-mail is not set up (SMTP_URL is not set)"

    def render(self, checkin: CheckIn, company: CompanySettings) -> str:
        """The policy's body and subject templates for this check-in."""
        zone = zone_or_utc(checkin.timezone)
        args = (checkin.customer, checkin.rep, checkin.event, company)
        body = Rendered(render_message(checkin.policy.template, *args, zone=zone))
        subject = render_message(checkin.policy.subject or "", *args, zone=zone)
        body.subject = _one_line(subject)
        if not body.subject:
            raise TemplateRenderError("the subject is empty")
        return body

    def new_row(self, checkin: CheckIn, body: str, transport: Transport, at: datetime) -> dict:
        """An outbound check-in Email in `sending`, before any call."""
        return {
            "direction": "outbound",
            "kind": "checkin",
            "checkin_id": checkin.id,
            "customer_id": checkin.customer_id,
            "to_address": checkin.customer.email or "",
            "from_address": settings().email_from,
            "subject": getattr(body, "subject", ""),
            "body": str(body),
            "status": SENDING,
            "attempt_started_at": at,
            "created_at": at,
            "updated_at": at,
        }

    def create(self, transport: Transport, attempt: Attempt, now: datetime) -> Created:
        """Build the message and hand it to the SMTP server."""
        customer = db.session.get(Customer, attempt.customer_id)
        message_id = message_id_for(attempt.row_id, attempt.checkin_id)
        try:
            message = build_message(
                to=attempt.to_number,
                to_name=customer.name if customer else None,
                subject=getattr(attempt.body, "subject", ""),
                body=str(attempt.body),
                message_id=message_id,
                from_name=get_company_settings().name,
                unsubscribe=unsubscribe_url(attempt.customer_id),
                now=now,
            )
        except (ValueError, IndexError) as exc:  # an address the e-mail library refuses
            raise SmtpError(f"the e-mail address is not usable ({exc})", smtp_code=553) from None
        _deliver(attempt.row_id, attempt.checkin_id, message)
        return Created(message_id, SENT, created_at=now)

    def find(self, transport: Transport, row: Email) -> list[Created]:
        """SMTP cannot be asked: an attempt whose DATA began counts as sent (at most once)."""
        if row.data_at is None or not row.message_id:
            return []
        return [Created(row.message_id, SENT, created_at=row.data_at)]

    def stored_values(self, row_id: int, created: Created) -> dict:
        """The accepted Message-ID and `sent`."""
        return {
            "accepted_id": created.sid,
            "status": SENT,
            "error_code": None,
            "error_message": None,
            "updated_at": utcnow(),
        }

    def replay_early(self, sids: list[str]) -> None:
        """SMTP sends no status callbacks."""
        return None

    def orphan_sids(self, limit: int) -> list[str]:
        """SMTP sends no status callbacks."""
        return []

    def error_text(self, reason: str) -> dict:
        """E-mails keep the words of their last error."""
        return {"error_message": reason}


EMAIL = EmailChannel()


def send_email_checkins(
    checkin_ids: Iterable[int],
    now: datetime | None = None,
    heartbeat=None,
    clock: Clock | None = None,
) -> list[SendOutcome]:
    """Send a batch of queued e-mail check-ins exactly once (see engine.py); outcomes in id
    order."""
    return send_batch(EMAIL, checkin_ids, now, heartbeat, clock)


def reconcile_email_checkin(checkin_id: int, now: datetime | None = None) -> SendOutcome:
    """Settle one e-mail check-in left `sending` past its lease (sent if DATA began, else
    retried)."""
    return reconcile_one(EMAIL, checkin_id, now)


# -- e-mails that are not check-ins ----------------------------------------------------------


def queue_email(
    to: str,
    subject: str,
    body: str,
    kind: str,
    *,
    customer_id: int | None = None,
    user_id: int | None = None,
    checkin_id: int | None = None,
    in_reply_to_id: int | None = None,
    now: datetime | None = None,
) -> Email:
    """Add a pending outbound e-mail to the session (flushed, not committed); after the caller
    commits, enqueue_emails([email.id]) sends it."""
    now = now or utcnow()
    email = Email(
        direction="outbound",
        kind=kind,
        customer_id=customer_id,
        user_id=user_id,
        checkin_id=checkin_id,
        in_reply_to_id=in_reply_to_id,
        to_address=to,
        from_address=settings().email_from,
        subject=_one_line(subject),
        body=body,
        status=PENDING,
        created_at=now,
        updated_at=now,
    )
    db.session.add(email)
    db.session.flush()
    return email


def enqueue_emails(email_ids: Iterable[int]) -> int:
    """Hand committed pending e-mails to RQ (one job); 0 when Redis is down: the sweeper's
    flush_emails enqueues them again."""
    ids = sorted(set(email_ids))
    if not ids:
        return 0
    from outreach.runtime.queues import get_redis

    try:
        Queue(EMAIL_QUEUE, connection=get_redis()).enqueue_call(EMAIL_JOB, args=(ids,))
    except Exception:  # Redis down: the rows stay pending for the sweeper
        log.warning("emails %s..%s: not enqueued (Redis); the sweeper will", ids[0], ids[-1])
        return 0
    return len(ids)


def send_emails(email_ids: Sequence[int], now: datetime | None = None) -> list[str]:
    """Send each e-mail still pending; one failing never stops the others."""
    results = []
    for email_id in sorted(set(email_ids)):
        try:
            results.append(send_email(email_id, now))
        except Exception:
            db.session.rollback()
            log.exception("email %s: unexpected error while sending", email_id)
            results.append(FAILED)
    return results


def _blocked(email: Email) -> str | None:
    """Why an e-mail to a customer may not go now (opted out of e-mail, or of everything)."""
    customer = db.session.get(Customer, email.customer_id) if email.customer_id else None
    if customer is None:
        return None
    reason = opted_out_reason(customer, "email", latest_consents([customer.id], "email"))
    return None if reason == "no e-mail address" else reason


def send_email(email_id: int, now: datetime | None = None) -> str:
    """Send one pending e-mail once: claim it (pending -> sending), re-check, hand it to SMTP."""
    now = now or utcnow()
    email = db.session.get(Email, email_id)
    if email is None or email.status != PENDING:
        db.session.rollback()
        return "skipped"
    blocked = _blocked(email)
    if not settings().smtp_url:
        blocked = "e-mail is not set up (SMTP_URL is not set)"
    moved = _set(email_id, PENDING, status=CANCELED if blocked else SENDING, attempt_started_at=now)
    if blocked:
        _set(email_id, CANCELED, error_message=f"not sent: {blocked}")
    db.session.commit()
    if not moved or blocked:
        return CANCELED if blocked else "skipped"
    customer = db.session.get(Customer, email.customer_id) if email.customer_id else None
    answered = db.session.get(Email, email.in_reply_to_id) if email.in_reply_to_id else None
    try:
        message = build_message(
            to=email.to_address,
            to_name=customer.name if customer else None,
            subject=email.subject,
            body=email.body,
            message_id=message_id_for(email.id),
            from_name=get_company_settings().name,
            unsubscribe=unsubscribe_url(customer.id)
            if customer and email.user_id is None
            else None,
            in_reply_to=answered.message_id if answered else None,
            now=now,
        )
    except (ValueError, IndexError) as exc:  # an address the e-mail library refuses
        _set(email_id, SENDING, status=FAILED, error_message=f"not sent: {exc}"[:500])
        db.session.commit()
        return FAILED
    try:
        _deliver(email.id, None, message)
    except SmtpError as exc:
        if exc.is_outcome_unknown:
            why = f"outcome unknown: {exc.reason}"
            _set(
                email_id, SENDING, status=SENT, accepted_id=message["Message-ID"], error_message=why
            )
        else:
            status = PENDING if exc.is_transient else FAILED
            _set(email_id, SENDING, status=status, error_code=exc.code, error_message=exc.reason)
        db.session.commit()
        return FAILED
    _set(email_id, SENDING, status=SENT, accepted_id=message["Message-ID"])
    db.session.commit()
    return SENT


def _set(email_id: int, was: str, **values) -> bool:
    return bool(
        db.session.execute(
            sa.update(Email)
            .where(Email.id == email_id, Email.status == was)
            .values(updated_at=utcnow(), **values)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def flush_emails(now: datetime | None = None) -> int:
    """Sweeper step: an e-mail left `sending` (a worker died) is sent if DATA began, else
    pending again; pending ones whose job was lost are enqueued again, stale ones given up."""
    now = now or db_now()
    db.session.commit()
    stale = now - LOST_AFTER
    base = (Email.direction == "outbound", Email.kind != "checkin")
    db.session.execute(
        sa.update(Email)
        .where(
            *base, Email.status == SENDING, Email.updated_at <= stale, Email.data_at.is_not(None)
        )
        .values(status=SENT, accepted_id=Email.message_id, error_message="outcome unknown")
    )
    db.session.execute(
        sa.update(Email)
        .where(*base, Email.status == SENDING, Email.updated_at <= stale, Email.data_at.is_(None))
        .values(status=PENDING, updated_at=now)
    )
    db.session.execute(
        sa.update(Email)
        .where(*base, Email.status == PENDING, Email.created_at <= now - GIVE_UP_AFTER)
        .values(status=FAILED, error_message="not sent in time", updated_at=now)
    )
    ids = list(
        db.session.scalars(
            sa.select(Email.id).where(*base, Email.status == PENDING, Email.updated_at <= stale)
        )
    )
    db.session.commit()
    return enqueue_emails(ids)


# -- consent: one-click unsubscribe, bounces and complaints ---------------------------------


def unsubscribe(token: str, now: datetime | None = None) -> Customer | None:
    """The one-click unsubscribe (RFC 8058) of a signed link: e-mail stops, SMS does not;
    the customer, or None for a forged or damaged token. Commits; a second click is harmless."""
    from outreach.customers.consent import stop_email

    customer_id = customer_of_token(token)
    customer = db.session.get(Customer, customer_id) if customer_id is not None else None
    if customer is None:
        return None
    stop_email(customer, "unsubscribe", "one-click link", now or utcnow())
    db.session.commit()
    return customer


def mailgun_key() -> bytes:
    """The key Mailgun signs webhooks with (MAILGUN_WEBHOOK_SIGNING_KEY); without one, a key
    derived from SECRET_KEY, which only this app (and its demo) can sign with."""
    key = settings().inbound_email_key
    if key:
        return key.encode()
    return hmac.new(settings().secret_key.encode(), b"mailgun-outbox", hashlib.sha256).digest()


def mailgun_signature(timestamp: str, token: str) -> str:
    """Mailgun's signature: HMAC-SHA256 of timestamp + token with the signing key, in hex."""
    return hmac.new(mailgun_key(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def mailgun_signed(timestamp: object, token: object, signature: object) -> bool:
    """Whether a webhook's (timestamp, token, signature) is Mailgun's for our key."""
    if not all(isinstance(v, str) and v for v in (timestamp, token, signature)):
        return False
    return hmac.compare_digest(mailgun_signature(timestamp, token), signature.lower())


def bare_id(value: str | None) -> str:
    """A Message-ID as we store it: with its angle brackets."""
    value = (value or "").strip()
    if not value:
        return ""
    return value if value.startswith("<") else f"<{value}>"


def record_email_event(event: dict, now: datetime | None = None) -> str:
    """A Mailgun delivery event: a permanent failure (bounce) or a complaint stops e-mail to
    that customer, recorded once; anything else is only logged. What was done, in a word."""
    from outreach.customers.consent import stop_email

    now = now or utcnow()
    kind = event.get("event") if isinstance(event, dict) else None
    severity = event.get("severity")
    if kind == "failed" and severity == "permanent":
        source = "bounce"
    elif kind == "complained":
        source = "complaint"
    else:
        log.info("e-mail event %s (%s): nothing to do", str(kind)[:20], str(severity)[:20])
        return "ignored"
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    headers = message.get("headers") if isinstance(message.get("headers"), dict) else {}
    ours = db.session.scalar(
        sa.select(Email).where(Email.message_id == bare_id(str(headers.get("message-id") or "")))
    )
    customer = db.session.get(Customer, ours.customer_id) if ours and ours.customer_id else None
    recipient = str(event.get("recipient") or "").strip()
    if customer is None and recipient:
        customer = db.session.scalar(
            sa.select(Customer).where(Customer.email == recipient).order_by(Customer.id.desc())
        )
    if customer is None:
        log.warning("e-mail %s for no known customer: nothing to stop", source)
        return "unknown"
    if ours is not None:
        ours.status, ours.error_message = ("bounced" if source == "bounce" else SENT), source
    status = event.get("delivery-status")
    code = status.get("code") if isinstance(status, dict) else None
    stop_email(customer, source, f"Mailgun {kind} {code or ''}".strip(), now)
    db.session.commit()
    return source
