"""The demo's phone simulator: each customer's side of the outbox, and replies as the customer.

Only with the outbox transport. A reply (or a key pressed on a simulated call) is posted to the
app's own webhooks through its full WSGI stack, signed as Twilio signs with the outbox key, so
it takes exactly the path a real inbound SMS or call takes, signature check included.

A phone shows what reached it: the owner's own texts, and texts to them once the transport
took them (they have a SID; with the outbox the worker "sends" them, so an acknowledgement
appears once the worker ran). Texts still pending or never sent are on no phone. Texts to staff
about a customer (reminders, alerts, pages) and the rep's leg of "Call through Outreach" are on
that staff member's phone, never the customer's; the customer's phone rings only once the rep
pressed 1 and Outreach dialed them. Every thread reads in true order: by time, then as stored.
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
from outreach.models import Call, Customer, Email, Message, Reply, User

log = logging.getLogger(__name__)

INBOUND_PATH = "/twilio/sms/inbound"
EMAIL_INBOUND_PATH = "/hooks/email/mailgun/inbound"
STATUS_PATH = "/twilio/voice/status"
PHONES_MAX = 100
THREAD_MAX = 200
RINGING = ("queued", "initiated", "ringing")
#: texts to staff about a customer: on the staff member's phone, not the customer's
STAFF_KINDS = ("rep_reminder", "manager_alert", "followup_reminder", "page", "page_answer")
STAFF_REPLY = "staff_reply"  #: a text from a staff member's phone
#: what the simulated customer does with a ringing check-in call
#: what the simulated rep does when Outreach rings them for "Call through Outreach"
BRIDGE_ACTIONS = {
    "reached": "Answer, press 1: the customer picks up",
    "no-answer": "Answer, press 1: the customer does not pick up",
    "busy": "Answer, press 1: the customer's line is busy",
    "hang-up": "Answer and hang up",
    "decline": "Don't answer",
}
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
class StaffPhone:
    """A staff member's phone in the list: the latest text or call, and how many there are."""

    user: User
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
    caller: str = ""  #: on a customer's phone, the rep who called through Outreach

    @property
    def is_ringing(self) -> bool:
        """A check-in call nobody answered yet in the simulator."""
        return (
            self.call is not None
            and self.call.purpose == "voice_checkin"
            and self.call.status in RINGING
            and not self.replies
        )

    @property
    def is_ringing_bridge(self) -> bool:
        """A rep's "Call through Outreach" leg ringing on their phone, not yet answered."""
        return (
            self.call is not None
            and self.call.purpose == "click_to_call"
            and self.call.status in RINGING
            and self.call.outcome is None
        )


@dataclass(frozen=True)
class Thread:
    """A customer's messages and calls, oldest first."""

    customer: Customer
    items: list[ThreadItem] = field(default_factory=list)


@dataclass(frozen=True)
class StaffThread:
    """A staff member's texts and calls from Outreach, and their own texts, oldest first."""

    user: User
    zone: str  #: the zone their phone shows times in
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


def on_a_staff_phone():
    """The texts a staff member's phone has: theirs, and ours to them once sent."""
    return sa.and_(
        Message.user_id.is_not(None),
        sa.or_(
            sa.and_(Message.kind.in_(STAFF_KINDS), Message.twilio_sid.is_not(None)),
            sa.and_(Message.kind == STAFF_REPLY, Message.direction == "inbound"),
        ),
    )


def dialed_customer():
    """Rep calls through Outreach that reached the customer's phone (the rep pressed 1)."""
    return sa.and_(Call.purpose == "click_to_call", Call.outcome.is_not(None))


def _in_order(items: list[ThreadItem]) -> list[ThreadItem]:
    """True order: by time, a call before texts of the same instant, then as stored."""
    return sorted(
        items,
        key=lambda i: (
            i.at,
            i.kind != "call",
            i.message.id if i.message else i.call.id if i.call else 0,
        ),
    )


def list_phones(limit: int = PHONES_MAX) -> list[Phone]:
    """Customers with their latest activity first (then the quiet ones), at most `limit`."""
    activity = sa.union_all(
        sa.select(Message.customer_id.label("customer_id"), Message.created_at.label("at")).where(
            Message.customer_id.is_not(None), on_the_phone()
        ),
        sa.select(Call.customer_id, Call.created_at).where(
            Call.customer_id.is_not(None),
            sa.or_(Call.purpose == "voice_checkin", dialed_customer()),
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
        .where(
            Call.customer_id == customer_id,
            sa.or_(Call.purpose == "voice_checkin", dialed_customer()),
        )
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
    callers = _names({c.user_id for c in calls if c.user_id is not None})
    items += [
        ThreadItem(
            c.created_at,
            "call",
            "",
            c.status,
            call=c,
            replies=tuple(said.get(c.id, ())),
            caller=callers.get(c.user_id, ""),
        )
        for c in calls
    ]
    return Thread(customer, _in_order(items)[-limit:])


def _names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    users = db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))
    return {u.id: u.display_name for u in users}


def list_staff_phones(limit: int = PHONES_MAX) -> list[StaffPhone]:
    """Active staff with a phone number, the latest activity first."""
    activity = sa.union_all(
        sa.select(Message.user_id.label("user_id"), Message.created_at.label("at")).where(
            on_a_staff_phone()
        ),
        sa.select(Call.user_id, Call.created_at).where(
            Call.user_id.is_not(None), Call.purpose == "click_to_call"
        ),
    ).subquery()
    stats = (
        sa.select(
            activity.c.user_id,
            sa.func.max(activity.c.at).label("last_at"),
            sa.func.count().label("n"),
        )
        .group_by(activity.c.user_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(User, stats.c.last_at, stats.c.n)
        .outerjoin(stats, stats.c.user_id == User.id)
        .where(User.is_active_user.is_(True), User.phone.is_not(None))
        .order_by(stats.c.last_at.desc().nulls_last(), User.name, User.id)
        .limit(limit)
    ).all()
    latest = _latest_staff_texts([user.id for user, _, _ in rows])
    return [StaffPhone(user, last_at, latest.get(user.id, ""), n or 0) for user, last_at, n in rows]


def _latest_staff_texts(user_ids: list[int]) -> dict[int, str]:
    """Each staff member's latest text on their phone, in one query."""
    if not user_ids:
        return {}
    ranked = (
        sa.select(
            Message.user_id,
            Message.body,
            sa.func.row_number()
            .over(
                partition_by=Message.user_id,
                order_by=(Message.created_at.desc(), Message.id.desc()),
            )
            .label("n"),
        )
        .where(Message.user_id.in_(user_ids), on_a_staff_phone())
        .subquery()
    )
    rows = db.session.execute(sa.select(ranked.c.user_id, ranked.c.body).where(ranked.c.n == 1))
    return {row.user_id: row.body for row in rows}


def staff_thread(user_id: int, zone: str, limit: int = THREAD_MAX) -> StaffThread:
    """What a staff member's phone shows: texts from Outreach, their answers and the calls
    Outreach rang them for; NotFound if there is no such user with a phone."""
    user = db.session.get(User, user_id)
    if user is None or not user.phone:
        raise NotFound(f"no staff phone {user_id}")
    messages = db.session.scalars(
        sa.select(Message)
        .where(Message.user_id == user_id, on_a_staff_phone())
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    calls = db.session.scalars(
        sa.select(Call)
        .where(Call.user_id == user_id, Call.purpose == "click_to_call")
        .order_by(Call.created_at.desc(), Call.id.desc())
        .limit(limit)
    ).all()
    items = [
        ThreadItem(
            m.created_at, "in" if m.direction == "inbound" else "out", m.body, m.status, message=m
        )
        for m in messages
    ]
    items += [ThreadItem(c.created_at, "call", "", c.status, call=c) for c in calls]
    return StaffThread(user, user.timezone or zone, _in_order(items)[-limit:])


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


def _twilio_params(phone: str) -> dict[str, str]:
    settings = current_app.extensions["settings"]
    return {
        "AccountSid": "AC" + "0" * 32,
        "ApiVersion": "2010-04-01",
        "From": phone,
        "To": settings.twilio_from_number or OUTBOX_SENDER,
    }


def reply_as_customer(customer_id: int, body: str) -> Posted:
    """Send `body` as the customer's SMS to the app's inbound webhook. The app answers with an
    empty TwiML response: its reply, if any, is a text the worker sends, shown in the thread."""
    customer = get_customer(customer_id)
    status, xml = _text_from(customer.phone, body)
    log.info("simulator: customer %s replied (HTTP %s)", customer_id, status)
    return Posted(status, _said(xml) if status == 200 else [])


def reply_as_staff(user_id: int, body: str) -> Posted:
    """Send `body` from a staff member's phone to the inbound webhook ("1" takes a page)."""
    user = db.session.get(User, user_id)
    if user is None or not user.phone:
        raise NotFound(f"no staff phone {user_id}")
    status, xml = _text_from(user.phone, body)
    log.info("simulator: user %s texted (HTTP %s)", user_id, status)
    return Posted(status, _said(xml) if status == 200 else [])


def _text_from(phone: str, body: str) -> tuple[int, str]:
    """Post an SMS from this phone to the inbound webhook, signed as Twilio signs."""
    body = message_body(body)
    sid = outbox_sid("SM")
    params = {
        **_twilio_params(phone),
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    return _post(INBOUND_PATH, params)


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
    base = {**_twilio_params(customer.phone), "CallSid": sid, "Direction": "outbound-api"}
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


def answer_bridge(call_id: int, action: str) -> Posted:
    """Play the rep's leg of "Call through Outreach" as the rep would, through the bridge
    webhooks: answer and press 1 (the customer then picks up or not), hang up, or not answer."""
    call = db.session.get(Call, call_id)
    if call is None or call.purpose != "click_to_call" or call.user_id is None:
        raise NotFound(f"no call through Outreach {call_id}")
    if action not in BRIDGE_ACTIONS:
        raise ValidationError("choose what the rep does", field="action")
    sid = call.twilio_sid or outbox_sid("CA")
    base = {**_twilio_params(call.to_number), "CallSid": sid, "Direction": "outbound-api"}
    base["From"], base["To"] = base["To"], call.to_number
    if action == "decline":
        status, _ = _post(STATUS_PATH, {**base, "CallStatus": "no-answer"})
        return Posted(status, [])
    status, xml = _post(_bridge_path(call_id), {**base, "CallStatus": "in-progress"})
    said = _said(xml)
    action_url = _gather_action(xml)
    if status == 200 and action_url and action != "hang-up":
        status, xml = _post(_path(action_url), {**base, "CallStatus": "in-progress", "Digits": "1"})
        said += _said(xml)
        dial_action = _dial_action(xml)
        if status == 200 and dial_action:
            dialed = {
                **base,
                "CallStatus": "in-progress",
                "DialCallStatus": "completed" if action == "reached" else action,
                "DialCallSid": outbox_sid("CA"),
                "DialCallDuration": "30" if action == "reached" else "0",
            }
            status, xml = _post(_path(dial_action), dialed)
            said += _said(xml)
    _post(STATUS_PATH, {**base, "CallStatus": "completed", "CallDuration": "45"})
    log.info("simulator: call through Outreach %s played (%s)", call_id, action)
    return Posted(status, said)


def user_of_bridge(call_id: int) -> int:
    """The staff member a call through Outreach rang; NotFound when there is no such call."""
    user_id = db.session.scalar(
        sa.select(Call.user_id).where(Call.id == call_id, Call.purpose == "click_to_call")
    )
    if user_id is None:
        raise NotFound(f"no call through Outreach {call_id}")
    return user_id


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


def _path(url: str) -> str:
    """A webhook URL's path and query, as signed."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _bridge_path(call_id: int) -> str:
    from outreach.messaging.voice import bridge_path

    return urlsplit(bridge_path(call_id)).path


def _dial_action(xml: str) -> str | None:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    dial = root.find("Dial")
    return dial.get("action") if dial is not None else None


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
