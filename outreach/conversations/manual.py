"""A text or an e-mail typed by staff to a customer: the same rules as every customer text
(e-mail: as every e-mail, consent but no quiet hours).

Refused, with the reason in words, when the customer opted out of SMS (or is a wrong number)
or when it is quiet hours in the customer's zone (then the reason says when sending opens);
otherwise queued as a `manual` Message (messaging.texts.queue_text) and handed to the worker,
which re-checks opt-out and quiet hours at send time.
"""

from __future__ import annotations

import logging
from datetime import datetime

from outreach.company.settings import get_company_settings
from outreach.customers.service import get_customer
from outreach.errors import Conflict, ValidationError
from outreach.extensions import db
from outreach.messaging.emails import enqueue_emails, queue_email
from outreach.messaging.texts import enqueue_texts, message_body, queue_text
from outreach.models import Customer, Email, Message, User, utcnow
from outreach.scheduling.consents import opted_out_reason
from outreach.scheduling.planning import company_floor, zone_for_customer
from outreach.scheduling.timing import blocked_reason, first_allowed, format_local

log = logging.getLogger(__name__)

EMAIL_MAX = 20_000
SUBJECT_MAX = 200


def manual_sms_blocked(customer: Customer, now: datetime) -> str | None:
    """Why a text to the customer cannot go now (opted out, wrong number, quiet hours), or None."""
    blocked = opted_out_reason(customer, "sms")
    if blocked:
        return f"the customer is marked {blocked}: no texts may be sent to them"
    settings = get_company_settings()
    zone, _source = zone_for_customer(customer, settings.default_timezone)
    floor = company_floor(settings)
    quiet = blocked_reason(now, None, zone, floor)
    if quiet is None:
        return None
    opens = first_allowed(now, None, zone, floor)
    when = f"; sending opens {format_local(opens, zone)} {zone}" if opens else ""
    return f"it is {format_local(now, zone)} {zone} for the customer, {quiet}{when}"


def send_manual_sms(
    customer_id: int, body: str, user: User, now: datetime | None = None
) -> Message:
    """Queue a staff-written text to a customer and hand it to the worker; commits.

    NotFound for an unknown customer, ValidationError (field body) for an empty or too long
    text, Conflict when the customer opted out or it is quiet hours where they are.
    """
    now = now or utcnow()
    customer = get_customer(customer_id)
    body = message_body(body)
    blocked = manual_sms_blocked(customer, now)
    if blocked:
        raise Conflict(f"Not sent: {blocked}.", code="blocked")
    message = queue_text(
        customer.phone, body, "manual", customer_id=customer.id, user_id=user.id, now=now
    )
    db.session.commit()
    enqueue_texts([message.id])
    log.info("manual text %s to customer %s queued by user %s", message.id, customer.id, user.id)
    return message


def manual_email_blocked(customer: Customer) -> str | None:
    """Why an e-mail to the customer cannot go (no address, opted out of e-mail), or None."""
    blocked = opted_out_reason(customer, "email")
    if blocked == "no e-mail address":
        return "the customer has no e-mail address"
    if blocked:
        return f"the customer is marked {blocked}: no e-mails may be sent to them"
    return None


def send_manual_email(
    customer_id: int, subject: str, body: str, user: User, now: datetime | None = None
) -> Email:
    """Queue a staff-written e-mail to a customer and hand it to the worker; commits.

    NotFound for an unknown customer, ValidationError (subject, body) for an empty or too long
    one, Conflict when the customer has no address or opted out of e-mail. Quiet hours do not
    apply to e-mail."""
    now = now or utcnow()
    customer = get_customer(customer_id)
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    if not subject:
        raise ValidationError("write a subject", field="subject")
    if len(subject) > SUBJECT_MAX:
        raise ValidationError(f"keep the subject under {SUBJECT_MAX} characters", field="subject")
    if not body:
        raise ValidationError("write the message first", field="body")
    if len(body) > EMAIL_MAX:
        raise ValidationError(f"keep the message under {EMAIL_MAX} characters", field="body")
    blocked = manual_email_blocked(customer)
    if blocked:
        raise Conflict(f"Not sent: {blocked}.", code="blocked")
    email = queue_email(
        customer.email, subject, body, "manual", customer_id=customer.id, user_id=user.id, now=now
    )
    db.session.commit()
    enqueue_emails([email.id])
    log.info("manual e-mail %s to customer %s queued by user %s", email.id, customer.id, user.id)
    return email
