"""Replies by e-mail: an inbound e-mail (Mailgun's parsed form) recorded once per Message-ID,
threaded to the check-in whose e-mail it answers (In-Reply-To, References), then triaged and
acted on by the same steps as an SMS reply (inbound._reply, inbound._act); our answer, if any,
is an e-mail in the same thread."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from outreach.company.settings import get_company_settings
from outreach.conversations.inbound import _act, _reply, _unknown_sender_alarm
from outreach.conversations.triaging import triage_text
from outreach.errors import ValidationError
from outreach.extensions import db
from outreach.messaging.emails import bare_id, enqueue_emails, queue_email
from outreach.messaging.texts import enqueue_texts
from outreach.models import CheckIn, Customer, Email, Reply, utcnow

log = logging.getLogger(__name__)

_IDS = re.compile(r"<[^<>\s]{1,250}>")
MAX_TEXT = 20_000


@dataclass(frozen=True)
class EmailReplyResult:
    """What recording one inbound e-mail did."""

    email: Email
    reply: Reply | None
    created: bool  #: False for the same Message-ID posted again
    answer: Email | None = None


def _headers(fields: Mapping[str, str]) -> dict[str, str]:
    """The e-mail's headers: Mailgun's `message-headers` (a JSON list of [name, value]), then
    the same headers posted as fields of their own."""
    found: dict[str, str] = {}
    try:
        pairs = json.loads(fields.get("message-headers") or "[]")
    except ValueError:
        pairs = []
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
            found.setdefault(pair[0].lower(), pair[1])
    for name in ("Message-Id", "In-Reply-To", "References"):
        if fields.get(name):
            found.setdefault(name.lower(), fields[name])
    return found


def _thread(headers: Mapping[str, str]) -> tuple[str | None, Email | None]:
    """The In-Reply-To as written, and our outbound e-mail it (or References) names."""
    named = _IDS.findall(headers.get("in-reply-to", "")) + _IDS.findall(
        headers.get("references", "")
    )
    ours = None
    if named:
        ours = db.session.scalar(
            sa.select(Email)
            .where(Email.message_id.in_(named[:50]), Email.direction == "outbound")
            .order_by(Email.id.desc())
            .limit(1)
        )
    return (named[0] if named else None), ours


def _customer_for(address: str) -> Customer | None:
    if not address:
        return None
    return db.session.scalar(
        sa.select(Customer).where(Customer.email == address).order_by(Customer.id.desc()).limit(1)
    )


def record_email_reply(fields: Mapping[str, str], now: datetime | None = None) -> EmailReplyResult:
    """Record one inbound e-mail (Mailgun's fields), thread, triage and act on it; commits.
    ValidationError without a Message-Id or a sender; the same Message-Id again creates
    nothing."""
    now = now or utcnow()
    headers = _headers(fields)
    message_id = bare_id(headers.get("message-id"))
    sender = parseaddr(fields.get("from") or fields.get("sender") or "")[1].strip()
    if not message_id or len(message_id) > 255:
        raise ValidationError("Message-Id is required", field="Message-Id")
    if not sender or len(sender) > 254:
        raise ValidationError("from is required", field="from")
    existing = _stored(message_id)
    if existing is not None:
        return _again(existing)
    in_reply_to, ours = _thread(headers)
    checkin = db.session.get(CheckIn, ours.checkin_id) if ours and ours.checkin_id else None
    customer = db.session.get(Customer, ours.customer_id) if ours and ours.customer_id else None
    customer = customer or _customer_for(sender)
    text = (fields.get("stripped-text") or fields.get("body-plain") or "").strip()[:MAX_TEXT]
    email = Email(
        direction="inbound",
        kind="reply",
        checkin_id=checkin.id if checkin else None,
        customer_id=customer.id if customer else None,
        to_address=(fields.get("recipient") or "")[:254],
        from_address=sender,
        subject=" ".join((fields.get("subject") or "").split())[:400],
        body=text,
        message_id=message_id,
        in_reply_to=in_reply_to,
        in_reply_to_id=ours.id if ours else None,
        status="received",
        created_at=now,
        updated_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(email)
            db.session.flush()
    except IntegrityError:  # the same Message-Id, recorded by a concurrent post
        db.session.rollback()
        existing = _stored(message_id)
        if existing is None:
            raise
        return _again(existing)
    triage = triage_text(text)
    reply = _reply(triage, "email", text, customer, checkin, now, email_id=email.id)
    settings = get_company_settings()
    if customer is None:
        pages = _unknown_sender_alarm(reply, settings, now)
        db.session.commit()
        enqueue_texts(pages)
        log.warning("inbound e-mail %s from an unknown sender (reply %s)", email.id, reply.id)
        return EmailReplyResult(email, reply, created=True)
    outcome = _act(reply, customer, checkin, settings, now, triage)
    answer = None
    if outcome.answer and customer.email:
        subject = email.subject if email.subject.lower().startswith("re:") else None
        answer = queue_email(
            customer.email,
            subject or f"Re: {email.subject or settings.name or 'your reply'}",
            outcome.answer,
            "acknowledgement",
            customer_id=customer.id,
            checkin_id=email.checkin_id,
            in_reply_to_id=email.id,
            now=now,
        )
    db.session.commit()
    enqueue_texts(outcome.texts)
    enqueue_emails([answer.id] if answer is not None else [])
    log.info(
        "inbound e-mail %s: customer %s, check-in %s, reply %s (%s)",
        email.id,
        customer.id,
        checkin.id if checkin else "none (unsolicited)",
        reply.id,
        reply.triage_class,
    )
    return EmailReplyResult(email, reply, created=True, answer=answer)


def _stored(message_id: str) -> Email | None:
    return db.session.scalar(
        sa.select(Email).where(Email.message_id == message_id, Email.direction == "inbound")
    )


def _again(email: Email) -> EmailReplyResult:
    reply = db.session.scalar(sa.select(Reply).where(Reply.email_id == email.id))
    log.info("inbound e-mail %s: the same Message-Id again, nothing new", email.id)
    return EmailReplyResult(email, reply, created=False)
