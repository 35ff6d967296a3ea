"""Inbound replies: an SMS (or a voice Gather result) recorded once, linked, triaged, acted on.

An SMS is recorded once per MessageSid (the unique Message.twilio_sid): a retry of the webhook
finds the stored message and gets the same answer, nothing is created twice. It is linked to
the customer's most recent check-in contacted within CompanySettings.reply_window_hours (that
check-in becomes `answered`), else recorded as unsolicited; a message from a number no customer
has is recorded and flagged, never dropped. Everything for one reply is one transaction.

What we answer (the acknowledgement with its promise, the HELP text) is not put in the webhook's
TwiML: it is queued as a text in reply to the customer's message (Message.in_reply_to_id) in the
same transaction and handed to the worker after the commit, so it is sent, recorded, retried and
followed by status callbacks like every other text; the webhook answers an empty <Response/>.
The sender decides whether it may go out (HELP is answered even after an opt-out; an
acknowledgement is not sent to an opted-out customer).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from outreach.company.cache import company_settings
from outreach.conversations import escalation
from outreach.conversations.actions import ActionOutcome, act_on_reply, spoken_answer
from outreach.conversations.staff import staff_with_phone
from outreach.conversations.triaging import triage_text
from outreach.customers import consent
from outreach.customers.activity import messages_stored
from outreach.customers.consent import help_text
from outreach.errors import NotFound, ValidationError
from outreach.extensions import db
from outreach.messaging.texts import enqueue_texts, queue_text
from outreach.models import (
    Call,
    CheckIn,
    Customer,
    Message,
    Reply,
    User,
    utcnow,
)
from outreach.models.base import column_int, upsert_insert
from outreach.models.checkins import REPLYABLE, CheckInStatus
from outreach.scheduling import transitions
from outreach.triage import Triage

log = logging.getLogger(__name__)

ANSWER_KINDS = ("acknowledgement", "help", "page_answer")
MAX_MEDIA = 10  #: Twilio allows 10 media per MMS
SID_MAX, NUMBER_MAX = 64, 40
TO_MAX = 20  #: Message.to_number: a From longer than this cannot be texted back


@dataclass(frozen=True)
class InboundResult:
    """What recording one inbound SMS did. `answer` is what we answered (the body of
    `answer_message`, the text queued in reply to `message`), or None."""

    message: Message
    reply: Reply | None
    answer: str | None
    created: bool  #: False for a retry of a MessageSid already recorded
    answer_message: Message | None = None


def _media_urls(params: Mapping[str, str]) -> list[str]:
    try:
        count = int(str(params.get("NumMedia") or "0").strip())
    except ValueError:
        count = 0
    urls = []
    for i in range(min(max(count, 0), MAX_MEDIA)):
        url = (params.get(f"MediaUrl{i}") or "").strip()
        if url.startswith(("https://", "http://")):
            urls.append(url[:2000])
    return urls


def _stored(sid: str) -> Message | None:
    return db.session.scalar(sa.select(Message).where(Message.twilio_sid == sid))


def _answer_of(message: Message) -> Message | None:
    return db.session.scalar(
        sa.select(Message)
        .where(
            Message.in_reply_to_id == message.id,
            Message.direction == "outbound",
            Message.kind.in_(ANSWER_KINDS),
        )
        .order_by(Message.id)
        .limit(1)
    )


def _result(
    message: Message, reply: Reply | None, answer: Message | None, created: bool
) -> InboundResult:
    body = answer.body if answer is not None else None
    return InboundResult(message, reply, body, created, answer_message=answer)


def open_checkin(customer_ids: list[int], now: datetime, window_hours: int) -> CheckIn | None:
    """The customers' check-in most recently sent (SMS or voice) within the window, if any."""
    if not customer_ids:
        return None
    since = now - timedelta(hours=window_hours)
    contacts = sa.union_all(
        sa.select(Message.checkin_id.label("checkin_id"), Message.created_at.label("at")).where(
            Message.customer_id.in_(customer_ids),
            Message.direction == "outbound",
            Message.kind == "checkin",
            Message.checkin_id.is_not(None),
            Message.created_at >= since,
        ),
        sa.select(Call.checkin_id, Call.created_at).where(
            Call.customer_id.in_(customer_ids),
            Call.purpose == "voice_checkin",
            Call.checkin_id.is_not(None),
            Call.created_at >= since,
        ),
    ).subquery()
    return db.session.scalar(
        sa.select(CheckIn)
        .join(contacts, contacts.c.checkin_id == CheckIn.id)
        .where(CheckIn.status.in_(REPLYABLE))
        .order_by(contacts.c.at.desc(), CheckIn.id.desc())
        .limit(1)
    )


def _customers_for(number: str) -> list[Customer]:
    if not number:
        return []
    return list(
        db.session.scalars(
            sa.select(Customer).where(Customer.phone == number).order_by(Customer.id.desc())
        )
    )


def _check_to(to_number: str, message_id: int) -> bool:
    """Whether To is a number this app sends from (always true with a Messaging Service)."""
    settings = current_app.extensions["settings"]
    ours = settings.twilio_from_number
    if settings.twilio_messaging_service_sid or not ours or to_number == ours:
        return True
    log.warning("inbound message %s: To is not TWILIO_FROM_NUMBER; flagged", message_id)
    return False


def record_inbound_sms(params: Mapping[str, str], now: datetime | None = None) -> InboundResult:
    """Record one inbound SMS from Twilio's webhook parameters, link, triage and act on it;
    commits. ValidationError when MessageSid or From is missing; a retry creates nothing."""
    now = now or utcnow()
    sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
    from_number = (params.get("From") or "").strip()
    if not sid or len(sid) > SID_MAX:
        log.warning("inbound SMS refused: no usable MessageSid (AccountSid %s)", _account(params))
        raise ValidationError("MessageSid is required", field="MessageSid")
    if not from_number:
        log.warning("inbound SMS %s refused: no From", sid)
        raise ValidationError("From is required", field="From")
    # a retry of a MessageSid already recorded is found when its row is stored
    # (_store_inbound): new messages, the usual case, are not looked up first
    customers = _customers_for(from_number)
    settings = company_settings()
    # a staff member's text: "1" (or no customer with the number); a customer's number is not
    # looked up among the staff otherwise (most texts)
    if not customers or escalation.is_ack(params.get("Body")):
        staff = staff_with_phone(from_number)
        if staff:
            return _record_staff_sms(params, sid, from_number, staff, settings, now)
    checkin = open_checkin([c.id for c in customers], now, settings.reply_window_hours)
    customer = checkin.customer if checkin is not None else (customers[0] if customers else None)
    checkin_id = checkin.id if checkin is not None else None  #: the row is expired once moved
    body = params.get("Body") or ""
    message = _store_inbound(
        params,
        sid,
        from_number,
        now,
        kind="reply",
        checkin_id=checkin_id,
        customer_id=customer.id if customer else None,
        media_urls=_media_urls(params) or None,
        is_flagged=customer is None,
    )
    if message is None:
        return _retry(sid)
    if not _check_to(message.to_number, message.id):
        message.is_flagged = True

    triage = triage_text(body, opt_out_type=params.get("OptOutType"))
    reply = _reply(triage, "sms", body, customer, checkin, now, message_id=message.id)
    if customer is None:
        help_answer = help_text(settings) if reply.triage_class == "help" else None
        answer = _queue_answer(message, help_answer, "help", now)
        pages = _unknown_sender_alarm(reply, settings, now)
        texts = [*pages, *([answer.id] if answer is not None else [])]
        said = (message.id, reply.id, reply.triage_class)
        result = _result(message, reply, answer, created=True)
        db.session.commit()
        enqueue_texts(texts)
        log.warning(
            "inbound message %s from an unknown number: recorded and flagged (reply %s, %s)",
            *said,
        )
        return result

    outcome = _act(reply, customer, checkin, settings, now, triage)
    _alarm_for_revoked_consent(triage, reply, customer, checkin, settings, outcome, now)
    answer = _queue_answer(message, outcome.answer, outcome.answer_kind, now)
    texts = [*outcome.texts, *([answer.id] if answer is not None else [])]
    said = (  # read before the commit expires the rows: logging then needs no reloads
        message.id,
        customer.id,
        checkin_id or "none (unsolicited)",
        reply.id,
        reply.triage_class,
        f", answered by text {answer.id}" if answer is not None else "",
    )
    result = _result(message, reply, answer, created=True)
    db.session.commit()
    enqueue_texts(texts)
    log.info("inbound message %s: customer %s, check-in %s, reply %s (%s)%s", *said)
    return result


def _unknown_sender_alarm(reply: Reply, settings, now: datetime) -> list[int]:
    """An urgent text from a number no customer has pages the person on call (the chain goes
    on to their backup and the managers); one not understood waits for review. No follow-up
    (there is no customer to hang it on) and no promise to a stranger."""
    if reply.triage_class == "urgent":
        return escalation.pull_alarm(reply, None, None, settings, now).texts
    if reply.triage_class == "needs_review":
        escalation.open_review(reply, None, now)
    return []


def _alarm_for_revoked_consent(
    triage: Triage,
    reply: Reply,
    customer: Customer,
    checkin: CheckIn | None,
    settings,
    outcome: ActionOutcome,
    now: datetime,
) -> None:
    """A customer who revokes consent in the same breath as something urgent ("stop texting
    me or I'll call my lawyer") is opted out and the alarm is pulled all the same, whichever
    of the two the classifier put first; nothing is texted back to them."""
    signals = {reply.triage_class, *triage.also}
    if not {"opt_out", "urgent"} <= signals:
        return
    if reply.triage_class == "opt_out":
        alarm = escalation.pull_alarm(reply, customer, checkin, settings, now)
        outcome.escalation = alarm.escalation
        outcome.texts.extend(alarm.texts)
        return
    evidence = (reply.evidence or "")[:200]
    outcome.canceled = consent.opt_out(
        customer, consent.consent_source(evidence, reply.source), evidence, now
    )
    outcome.answer = outcome.answer_kind = None
    log.info("reply %s: urgent and consent revoked: opted out, alarm pulled", reply.id)


def _store_inbound(
    params: Mapping[str, str], sid: str, from_number: str, now: datetime, **fields: Any
) -> Message | None:
    """Store the Message row of an inbound SMS from Twilio's parameters, with fields; None when
    its MessageSid is stored already (a retry of the webhook, or a concurrent request). One
    INSERT … ON CONFLICT DO NOTHING: a retry is neither an error in the database's log nor a
    look-up before every new message; a concurrent insert of the same SID is waited for."""
    message = db.session.scalar(
        upsert_insert(Message)
        .values(
            direction="inbound",
            to_number=(params.get("To") or "").strip()[:20],
            from_number=from_number[:NUMBER_MAX],
            body=params.get("Body") or "",
            twilio_sid=sid,
            status="received",
            num_segments=column_int(params.get("NumSegments")),
            created_at=now,
            updated_at=now,
            **fields,
        )
        .on_conflict_do_nothing(index_elements=[Message.twilio_sid])
        .returning(Message)
    )
    if message is not None:
        messages_stored([message.customer_id], message.created_at)
    return message


def _retry(sid: str) -> InboundResult:
    """What the first request with this MessageSid recorded: a retry creates nothing."""
    message = _stored(sid)
    if message is None:  # not expected: the row that conflicted was committed
        raise RuntimeError(f"inbound message {sid}: conflicted with a row that is gone")
    reply = db.session.scalar(sa.select(Reply).where(Reply.message_id == message.id))
    log.info("inbound message %s: a retry of the same MessageSid, nothing new", message.id)
    return _result(message, reply, _answer_of(message), created=False)


def _record_staff_sms(
    params: Mapping[str, str],
    sid: str,
    from_number: str,
    staff: list[User],
    settings,
    now: datetime,
) -> InboundResult:
    """A text from a staff member's phone: "1" (take, ok, mine) takes their newest open page;
    anything else is recorded, with a hint when a page waits for them. Never a customer reply."""
    body = params.get("Body") or ""
    message = _store_inbound(params, sid, from_number, now, kind="staff_reply", user_id=staff[0].id)
    if message is None:
        return _retry(sid)
    zone = settings.default_timezone
    told: tuple[int, ...] = ()
    if escalation.is_ack(body):
        text, taken = escalation.take_by_sms(staff, now, zone)
        told = taken.texts if taken is not None else ()
    else:
        waiting = escalation.open_page_for(staff)
        text = "To take the page, reply 1." if waiting is not None else None
    answer = None
    if text:
        answer = queue_text(
            from_number,
            text,
            "page_answer",
            user_id=staff[0].id,
            in_reply_to_id=message.id,
            now=now,
        )
    db.session.commit()
    enqueue_texts([*told, *([answer.id] if answer is not None else [])])
    log.info(
        "inbound message %s from staff user %s%s",
        message.id,
        staff[0].id,
        f", answered by text {answer.id}" if answer is not None else "",
    )
    return _result(message, None, answer, created=True)


def _queue_answer(
    inbound: Message, body: str | None, kind: str | None, now: datetime
) -> Message | None:
    """Queue our answer as a pending text to the number that wrote, in reply to its message
    (flushed, not committed; the caller enqueues it after the commit)."""
    if not body:
        return None
    to_number = inbound.from_number or ""
    if len(to_number) > TO_MAX:
        log.warning("inbound message %s: From is not a number to text; not answered", inbound.id)
        return None
    return queue_text(
        to_number,
        body,
        kind or "acknowledgement",
        customer_id=inbound.customer_id,
        checkin_id=inbound.checkin_id,
        in_reply_to_id=inbound.id,
        now=now,
    )


def _account(params: Mapping[str, str]) -> str:
    return (params.get("AccountSid") or "-")[:34]


def _reply(
    triage: Triage,
    source: str,
    text: str,
    customer: Customer | None,
    checkin: CheckIn | None,
    now: datetime,
    *,
    message_id: int | None = None,
    call_id: int | None = None,
    email_id: int | None = None,
) -> Reply:
    reply = Reply(
        customer_id=customer.id if customer else None,
        checkin_id=checkin.id if checkin else None,
        message_id=message_id,
        call_id=call_id,
        email_id=email_id,
        source=source,
        text=text,
        rating=triage.rating,
        triage_class=triage.triage_class,
        evidence=triage.evidence,
        sentiment=triage.sentiment,
        is_unsolicited=checkin is None,
        created_at=now,
    )
    db.session.add(reply)
    db.session.flush()
    if checkin is not None:
        transitions.reply_recorded(checkin.id)
    return reply


def _act(
    reply: Reply,
    customer: Customer,
    checkin: CheckIn | None,
    settings,
    now: datetime,
    triage: Triage,
) -> ActionOutcome:
    if checkin is not None and checkin.status != CheckInStatus.ANSWERED:
        how = {"sms": "by SMS", "email": "by e-mail"}.get(reply.source, "on the call")
        transitions.answer(checkin.id, f"the customer answered {how} (reply {reply.id})")
    probable = triage.probable_opt_out and not triage.consent_revoked
    return act_on_reply(reply, customer, checkin, settings, now, probable_opt_out=probable)


# -- voice -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceReplyResult:
    """A voice Gather result recorded: the reply, and the promise to speak back (if any)."""

    reply: Reply
    answer: str | None
    created: bool


def record_voice_reply(
    call_id: int, digits: str | None, speech: str | None, now: datetime | None = None
) -> VoiceReplyResult:
    """Record a voice Gather result for a call (keypad digits and/or speech), triage it like an
    SMS and act on it; commits. The same result posted again creates nothing. NotFound when
    the call does not exist."""
    now = now or utcnow()
    call = db.session.get(Call, call_id)
    if call is None:
        raise NotFound(f"no call {call_id}")
    digits = (digits or "").strip()[:32] or None
    speech = (speech or "").strip() or None
    text = speech or digits or ""
    same = db.session.scalar(
        sa.select(Reply)
        .where(Reply.call_id == call_id, Reply.source == "voice", Reply.text == text)
        .order_by(Reply.id)
        .limit(1)
    )
    if same is not None:
        return VoiceReplyResult(same, _voice_answer(same), created=False)
    checkin = db.session.get(CheckIn, call.checkin_id) if call.checkin_id else None
    customer = db.session.get(Customer, call.customer_id) if call.customer_id else None
    if customer is None and checkin is not None:
        customer = checkin.customer
    triage = triage_text(speech, digits)
    reply = _reply(triage, "voice", text, customer, checkin, now, call_id=call_id)
    answer = None
    if customer is not None:
        settings = company_settings()
        outcome = _act(reply, customer, checkin, settings, now, triage)
        answer = outcome.answer
        db.session.commit()
        enqueue_texts(outcome.texts)
    else:
        db.session.commit()
    log.info("call %s: voice reply %s (%s)", call_id, reply.id, reply.triage_class)
    return VoiceReplyResult(reply, answer, created=True)


def _voice_answer(reply: Reply) -> str | None:
    if reply.triage_class == "help":
        return help_text(company_settings())
    return spoken_answer(reply, company_settings())
