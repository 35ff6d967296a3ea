"""The demo's phone simulator: each customer's side of the outbox, and replies as the customer.

Only with the outbox transport. A reply (or a key pressed on a simulated call) is posted to the
app's own webhooks through its full WSGI stack, signed as Twilio signs with the outbox key, so
it takes exactly the path a real inbound SMS or call takes, signature check included.

A phone shows what reached it: the customer's own texts, and texts to the customer once the
transport took them (they have a SID; with the outbox the worker "sends" them, so an
acknowledgement appears once the worker ran). Texts still pending or never sent, and texts to
staff about the customer (alerts, reminders), are not on the customer's phone.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app
from werkzeug.test import Client

from outreach.company.templating import MAX_MESSAGE_CHARS
from outreach.customers.service import get_customer
from outreach.dev.mailserver import demo_maildir, read_inbox
from outreach.errors import NotFound, ValidationError
from outreach.extensions import db
from outreach.messaging.emails import mailgun_signature
from outreach.messaging.outbox import OUTBOX_SENDER, outbox_sid
from outreach.messaging.signatures import SIGNATURE_HEADER, sign
from outreach.messaging.texts import message_body
from outreach.models import Call, Customer, Email, Message, Reply

log = logging.getLogger(__name__)

INBOUND_PATH = "/twilio/sms/inbound"
EMAIL_INBOUND_PATH = "/hooks/email/mailgun/inbound"
STATUS_PATH = "/twilio/voice/status"
PHONES_MAX = 100
THREAD_MAX = 200
RINGING = ("queued", "initiated", "ringing")
#: texts to staff about a customer: on the staff member's phone, not the customer's
STAFF_KINDS = ("rep_reminder", "manager_alert", "followup_reminder", "page", "page_answer")
#: what the simulated customer does with a ringing check-in call
CALL_ACTIONS = {
    "1": "Answer and press 1",
    "2": "Answer and press 2",
    "say": "Answer and say…",
    "voicemail": "Let it go to voicemail",
    "no-answer": "Don't answer",
}


def is_available(app: Flask | None = None) -> bool:
    """Whether this app runs the outbox transport (the simulator exists only then)."""
    return (app or current_app).extensions["settings"].transport == "outbox"


@dataclass(frozen=True)
class Phone:
    """A customer's phone in the list: the latest message or call, and how many there are."""

    customer: Customer
    last_at: datetime | None
    last_text: str
    count: int


@dataclass(frozen=True)
class ThreadItem:
    """One line of a thread: an SMS either way, or a call with what the customer said."""

    at: datetime
    kind: str  #: "out", "in" or "call"
    text: str
    status: str
    message: Message | None = None
    call: Call | None = None
    replies: tuple[Reply, ...] = ()

    @property
    def is_ringing(self) -> bool:
        """A check-in call nobody answered yet in the simulator."""
        return (
            self.call is not None
            and self.call.purpose == "voice_checkin"
            and self.call.status in RINGING
            and not self.replies
        )


@dataclass(frozen=True)
class Thread:
    """A customer's messages and calls, oldest first."""

    customer: Customer
    items: list[ThreadItem] = field(default_factory=list)


@dataclass(frozen=True)
class Posted:
    """A webhook posted as Twilio would: its HTTP status and what the app answered."""

    status: int
    said: list[str]  #: the <Say> (or <Message>) texts of the TwiML answer


def on_the_phone():
    """The messages a customer's phone has: theirs, and ours once the transport took them."""
    return sa.and_(
        Message.kind.not_in(STAFF_KINDS),
        sa.or_(Message.direction == "inbound", Message.twilio_sid.is_not(None)),
    )


def list_phones(limit: int = PHONES_MAX) -> list[Phone]:
    """Customers with their latest activity first (then the quiet ones), at most `limit`."""
    activity = sa.union_all(
        sa.select(Message.customer_id.label("customer_id"), Message.created_at.label("at")).where(
            Message.customer_id.is_not(None), on_the_phone()
        ),
        sa.select(Call.customer_id, Call.created_at).where(
            Call.customer_id.is_not(None), Call.purpose == "voice_checkin"
        ),
    ).subquery()
    stats = (
        sa.select(
            activity.c.customer_id,
            sa.func.max(activity.c.at).label("last_at"),
            sa.func.count().label("n"),
        )
        .group_by(activity.c.customer_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Customer, stats.c.last_at, stats.c.n)
        .outerjoin(stats, stats.c.customer_id == Customer.id)
        .order_by(stats.c.last_at.desc().nulls_last(), Customer.name, Customer.id)
        .limit(limit)
    ).all()
    latest = _latest_texts([customer.id for customer, _, _ in rows])
    return [
        Phone(customer, last_at, latest.get(customer.id, ""), n or 0)
        for customer, last_at, n in rows
    ]


def _latest_texts(customer_ids: list[int]) -> dict[int, str]:
    """Each customer's latest message body, in one query."""
    if not customer_ids:
        return {}
    ranked = (
        sa.select(
            Message.customer_id,
            Message.body,
            sa.func.row_number()
            .over(
                partition_by=Message.customer_id,
                order_by=(Message.created_at.desc(), Message.id.desc()),
            )
            .label("n"),
        )
        .where(Message.customer_id.in_(customer_ids), on_the_phone())
        .subquery()
    )
    rows = db.session.execute(sa.select(ranked.c.customer_id, ranked.c.body).where(ranked.c.n == 1))
    return {row.customer_id: row.body for row in rows}


def thread(customer_id: int, limit: int = THREAD_MAX) -> Thread:
    """The customer's latest messages and check-in calls, oldest first; NotFound if none."""
    customer = get_customer(customer_id)
    messages = db.session.scalars(
        sa.select(Message)
        .where(Message.customer_id == customer_id, on_the_phone())
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    calls = db.session.scalars(
        sa.select(Call)
        .where(Call.customer_id == customer_id, Call.purpose == "voice_checkin")
        .order_by(Call.created_at.desc(), Call.id.desc())
        .limit(limit)
    ).all()
    said: dict[int, list[Reply]] = {}
    if calls:
        for reply in db.session.scalars(
            sa.select(Reply).where(Reply.call_id.in_([c.id for c in calls])).order_by(Reply.id)
        ):
            said.setdefault(reply.call_id, []).append(reply)
    items = [
        ThreadItem(
            m.created_at, "in" if m.direction == "inbound" else "out", m.body, m.status, message=m
        )
        for m in messages
    ]
    items += [
        ThreadItem(c.created_at, "call", "", c.status, call=c, replies=tuple(said.get(c.id, ())))
        for c in calls
    ]
    # at the same instant a call comes first, and messages in the order they were written (an
    # answer is stamped with the time of the text it answers)
    items.sort(key=lambda i: (i.at, i.kind != "call", i.message.id if i.message else 0))
    return Thread(customer, items[-limit:])


def _said(xml: str) -> list[str]:
    """The texts a TwiML answer says or sends."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return []
    return [" ".join((el.text or "").split()) for el in root.iter() if el.tag in ("Say", "Message")]


def _post(path_and_query: str, params: dict[str, str], signed: bool = True) -> tuple[int, str]:
    """POST to the app's own webhook through its WSGI stack, signed as Twilio signs (or, with
    `signed` False, carrying a signature of its own in `params`)."""
    app = current_app._get_current_object()
    base = app.extensions["settings"].public_base_url
    headers = {SIGNATURE_HEADER: sign(path_and_query, params)} if signed else {}
    db.session.rollback()  # our transaction must not hold locks the webhook's own needs
    with app.app_context():  # the webhook gets its own g and database session, as in production
        response = Client(app).post(path_and_query, data=params, headers=headers, base_url=base)
        body = response.get_data(as_text=True)
        response.close()
    db.session.expire_all()
    return response.status_code, body


def _twilio_params(customer: Customer) -> dict[str, str]:
    settings = current_app.extensions["settings"]
    return {
        "AccountSid": "AC" + "0" * 32,
        "ApiVersion": "2010-04-01",
        "From": customer.phone,
        "To": settings.twilio_from_number or OUTBOX_SENDER,
    }


def reply_as_customer(customer_id: int, body: str) -> Posted:
    """Send `body` as the customer's SMS to the app's inbound webhook. The app answers with an
    empty TwiML response: its reply, if any, is a text the worker sends, shown in the thread."""
    customer = get_customer(customer_id)
    body = message_body(body)
    sid = outbox_sid("SM")
    params = {
        **_twilio_params(customer),
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    status, xml = _post(INBOUND_PATH, params)
    log.info("simulator: customer %s replied (HTTP %s)", customer_id, status)
    return Posted(status, _said(xml) if status == 200 else [])


def answer_call(call_id: int, action: str, speech: str = "") -> Posted:
    """Play a ringing check-in call as the customer would, through the voice webhooks: answer
    and press 1 or 2 or say something, let it reach voicemail, or not answer."""
    call = db.session.get(Call, call_id)
    if call is None or call.purpose != "voice_checkin" or call.checkin_id is None:
        raise NotFound(f"no check-in call {call_id}")
    if action not in CALL_ACTIONS:
        raise ValidationError("choose what the customer does", field="action")
    speech = " ".join((speech or "").split())[:MAX_MESSAGE_CHARS]
    if action == "say" and not speech:
        raise ValidationError("write what the customer says", field="speech")
    customer = db.session.get(Customer, call.customer_id)
    if customer is None:
        raise NotFound(f"no customer for call {call_id}")
    sid = call.twilio_sid or outbox_sid("CA")
    base = {**_twilio_params(customer), "CallSid": sid, "Direction": "outbound-api"}
    base["From"], base["To"] = base["To"], customer.phone
    if action == "no-answer":
        status, _ = _post(STATUS_PATH, {**base, "CallStatus": "no-answer"})
        return Posted(status, [])
    answered_by = "machine_start" if action == "voicemail" else "human"
    path = urlsplit(_voice_url(call.checkin_id)).path
    status, xml = _post(path, {**base, "CallStatus": "in-progress", "AnsweredBy": answered_by})
    said = _said(xml)
    action_url = _gather_action(xml)
    if status == 200 and action_url and answered_by == "human":
        gathered = {"Digits": action} if action in ("1", "2") else {"SpeechResult": speech}
        parts = urlsplit(action_url)
        status, xml = _post(
            parts.path + (f"?{parts.query}" if parts.query else ""),
            {**base, "CallStatus": "in-progress", **gathered},
        )
        said += _said(xml)
    done = {**base, "CallStatus": "completed", "CallDuration": "20", "AnsweredBy": answered_by}
    _post(STATUS_PATH, done)
    log.info("simulator: call %s played (%s)", call_id, action)
    return Posted(status, said)


def customer_of_call(call_id: int) -> int:
    """The customer a check-in call went to; NotFound when there is no such call."""
    customer_id = db.session.scalar(
        sa.select(Call.customer_id).where(Call.id == call_id, Call.purpose == "voice_checkin")
    )
    if customer_id is None:
        raise NotFound(f"no check-in call {call_id}")
    return customer_id


def _voice_url(checkin_id: int) -> str:
    from outreach.messaging.voice import checkin_path

    return checkin_path(checkin_id)


def _gather_action(xml: str) -> str | None:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    gather = root.find("Gather")
    return gather.get("action") if gather is not None else None


# -- the customer's e-mail ----------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    """An e-mail in the customer's mailbox: one the demo's SMTP server received for them, or
    one they wrote (their reply, as the app recorded it)."""

    at: datetime | None
    kind: str  #: "in" (received by the customer) or "out" (written by the customer)
    subject: str
    text: str
    message_id: str


def inbox(customer: Customer) -> list[InboxItem]:
    """The customer's e-mail, oldest first: what the local SMTP server received for their
    address, and their replies."""
    if not customer.email:
        return []
    items = []
    for message in read_inbox(demo_maildir(current_app.instance_path), customer.email):
        body = message.get_body(("plain",))
        date = message.get("Date")
        items.append(
            InboxItem(
                getattr(date, "datetime", None),
                "in",
                str(message.get("Subject", "")),
                body.get_content() if body is not None else "",
                str(message.get("Message-ID", "")),
            )
        )
    written = db.session.scalars(
        sa.select(Email)
        .where(Email.customer_id == customer.id, Email.direction == "inbound")
        .order_by(Email.id.desc())
        .limit(THREAD_MAX)
    )
    items += [
        InboxItem(e.created_at, "out", e.subject, e.body, e.message_id or "") for e in written
    ]
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(items, key=lambda i: i.at or epoch)[-THREAD_MAX:]


def reply_by_email(customer_id: int, body: str) -> Posted:
    """Send `body` as the customer's e-mail reply to the latest e-mail they received, through
    the app's inbound e-mail hook, signed as Mailgun signs."""
    customer = get_customer(customer_id)
    body = message_body(body)
    received = [i for i in inbox(customer) if i.kind == "in"]
    if not customer.email or not received:
        raise ValidationError("no e-mail to reply to yet", field="body")
    latest = received[-1]
    subject = (
        latest.subject if latest.subject.lower().startswith("re:") else f"Re: {latest.subject}"
    )
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    headers = [
        ["Message-Id", f"<sim.{secrets.token_hex(8)}@{customer.email.rpartition('@')[2]}>"],
        ["In-Reply-To", latest.message_id],
        ["References", latest.message_id],
        ["Subject", subject],
    ]
    fields = {
        "timestamp": timestamp,
        "token": token,
        "signature": mailgun_signature(timestamp, token),
        "recipient": current_app.extensions["settings"].email_from or "",
        "sender": customer.email,
        "from": f"{customer.name} <{customer.email}>",
        "subject": subject,
        "body-plain": body,
        "stripped-text": body,
        "message-headers": json.dumps(headers),
    }
    status, _ = _post(EMAIL_INBOUND_PATH, fields, signed=False)
    log.info("simulator: customer %s replied by e-mail (HTTP %s)", customer_id, status)
    return Posted(status, [])
