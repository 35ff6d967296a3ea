"""Calls: automated voice check-ins and the rep's click-to-call bridge, with the TwiML they play.

A voice check-in is sent like an SMS one (sending.py's re-checks, lease, retries and
reconciliation): the attempt (check-in `queued -> sending` and a Call row without a SID) is
committed before the Calls API is asked to dial. The call fetches its TwiML from this app:
answering-machine detection leaves a short message on a machine; a person hears the policy's
text and a <Gather> of one key or a few words, stored as a reply. Click-to-call rings the rep
first and dials the customer only after the rep presses 1 (press_one_twiml, also used by the
three-way call), so a customer never reaches the rep's voicemail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from twilio.twiml.voice_response import VoiceResponse

from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.messaging import callbacks
from outreach.messaging.engine import (
    Attempt,
    Channel,
    Created,
    SendOutcome,
    attempt_row,
    reconcile_one,
    reconcile_stale,
    send_batch,
)
from outreach.messaging.errors import TransportError
from outreach.messaging.ratelimit import sender_limiter
from outreach.messaging.sending import render_checkin
from outreach.messaging.signatures import public_url
from outreach.messaging.transport import Transport, get_transport
from outreach.models import Call, CallStatusEvent, CheckIn, User, db_now, utcnow
from outreach.models.checkins import PENDING
from outreach.scheduling import transitions

log = logging.getLogger(__name__)

#: (call id, digits, speech) -> a result with an `answer` to say (or None): how a reply is kept
RecordReply = Callable[[int, str | None, str | None], Any]

STATUS_PATH = "/twilio/voice/status"
RING_SECONDS = 25  #: Calls API Timeout: ring this long, then no-answer
STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
MACHINE_DETECTION = "Enable"  #: AnsweredBy as soon as Twilio knows (human, machine_start, fax)
GATHER_SECONDS = 6  #: silence after the prompt before the Gather gives up
BRIDGE_GATHER_SECONDS = 10
PRESS_ONE_TRIES = 2  #: the rep's "press 1" prompt is said twice before the call hangs up
RATE_KEY_PREFIX = "voice:"  #: calls have their own per-sender slot sequence
FINAL_CALL_RANK = 4  #: callbacks.CALL_RANK of completed, busy, failed, no-answer, canceled
BRIDGE_WINDOW = timedelta(minutes=2)  #: a click-to-call this recent and in flight blocks another
SUMMARY_SPOKEN_MAX = 80

PROMPT = "Press 1 if all went well, or 2 if you'd like us to call you. You can also just say it."
NO_INPUT = "We did not catch an answer. Thank you, and goodbye."
THANKS = "Thank you for letting us know. Goodbye."
MACHINE_MESSAGE = (
    "Hello, this is {company}, calling to check in after your recent {event}. "
    "There is no need to call back. Goodbye."
)
#: Dial's DialCallStatus -> the outcome stored on the call and the check-in
DIAL_OUTCOMES = {
    "completed": "reached",
    "answered": "reached",
    "no-answer": "no_answer",
    "busy": "busy",
    "failed": "failed",
    "canceled": "canceled",
}
#: a dialed call's outcome as a check-in's history says it
_OUTCOME_REASONS = {
    "reached": "reached the customer",
    "no_answer": "the customer did not answer",
    "busy": "the customer's line was busy",
    "failed": "the call could not be connected",
    "canceled": "canceled",
}
_OUTCOME_WORDS = {
    "reached": "The call is logged as reached.",
    "no_answer": "The customer did not answer.",
    "busy": "The customer's line was busy.",
    "failed": "The call to the customer could not be connected.",
    "canceled": "The call was canceled.",
}


# -- paths -----------------------------------------------------------------------------------


def checkin_path(checkin_id: int) -> str:
    """Where a voice check-in call fetches its TwiML."""
    return f"/twilio/voice/checkin/{checkin_id}"


def gather_path(checkin_id: int) -> str:
    """Where the check-in call's Gather posts the customer's key or words."""
    return f"/twilio/voice/gather/{checkin_id}"


def bridge_path(call_id: int) -> str:
    """Where the rep's leg of a click-to-call fetches its TwiML."""
    return f"/twilio/voice/bridge/{call_id}"


def connect_path(call_id: int) -> str:
    """Where the rep's key press (1 connects) is posted."""
    return f"/twilio/voice/bridge/{call_id}/connect"


def dialed_path(call_id: int) -> str:
    """Where the Dial to the customer posts its outcome."""
    return f"/twilio/voice/bridge/{call_id}/dialed"


def _xml(response: VoiceResponse) -> str:
    return str(response)


def hangup_twiml() -> str:
    """TwiML that ends the call at once."""
    response = VoiceResponse()
    response.hangup()
    return _xml(response)


def caller_id_of(transport: Transport) -> str | None:
    """The company's number calls are placed from (None: a Messaging Service only)."""
    return getattr(transport, "from_number", None)


def call_options() -> dict[str, object]:
    """The ring time and status callback events every outbound call is created with."""
    return {
        "timeout": RING_SECONDS,
        "status_callback_event": list(STATUS_EVENTS),
        "status_callback_method": "POST",
    }


# -- voice check-ins: the voice part of the engine -------------------------------------------


class VoiceChannel(Channel):
    """Check-ins by automated call: a Call row per attempt, found again in Twilio's call list."""

    name = "voice"
    rate_prefix = RATE_KEY_PREFIX
    model = Call
    pending_row_status = "queued"
    events = CallStatusEvent
    events_row = "call_id"

    def attempt_filter(self) -> list:
        """Only check-in calls are attempts."""
        return [Call.purpose == "voice_checkin"]

    def went_out(self):
        """Any call Twilio accepted counts (a call is not retried after it was placed)."""
        return sa.true()

    def cannot_send(self, transport: Transport) -> str | None:
        """Twilio calls need a caller number."""
        if transport.name == "twilio" and not caller_id_of(transport):
            return (
                "not called: voice calls need TWILIO_FROM_NUMBER (a Messaging Service cannot call)"
            )
        return None

    def render(self, checkin: CheckIn, company) -> str:
        """The policy's text: a template that does not render fails the check-in."""
        return render_checkin(checkin, company)

    def new_row(self, checkin: CheckIn, body: str, transport: Transport, at: datetime) -> dict:
        """An outbound check-in Call without a SID, before any call."""
        return attempt_row(
            checkin,
            at,
            purpose="voice_checkin",
            from_number=caller_id_of(transport),
            status="queued",
        )

    def create(self, transport: Transport, attempt: Attempt, now: datetime) -> Created:
        """Place the call; it fetches its TwiML from this app."""
        sid = transport.start_call(
            attempt.to_number,
            url=public_url(checkin_path(attempt.checkin_id)),
            status_callback=public_url(STATUS_PATH),
            machine_detection=MACHINE_DETECTION,
            **call_options(),
        )
        return Created(sid=sid)

    def find(self, transport: Transport, row: Call) -> list[Created]:
        """Twilio's calls that could be this attempt."""
        return [
            Created(sid=c.sid, status=c.status, created_at=c.sent_at)
            for c in transport.find_calls(row.to_number, row.attempt_started_at)
        ]

    def replay_early(self, sids: list[str]) -> None:
        """Apply the call status callbacks that came before these SIDs were stored."""
        if not sids:
            return
        pending = db.session.scalars(
            sa.select(CallStatusEvent.twilio_sid)
            .where(
                CallStatusEvent.twilio_sid.in_(sorted(set(sids))), CallStatusEvent.call_id.is_(None)
            )
            .distinct()
        ).all()
        for sid in sorted(pending):
            call = db.session.scalar(
                sa.select(Call)
                .where(Call.twilio_sid == sid)
                .execution_options(populate_existing=True)
            )
            if call is not None:
                replay_call_events(call)


VOICE = VoiceChannel()


def send_voice_checkins(
    checkin_ids: Iterable[int],
    now: datetime | None = None,
    heartbeat: Callable[[], None] | None = None,
) -> list[SendOutcome]:
    """Place a batch of queued voice check-in calls exactly once (see engine.py)."""
    return send_batch(VOICE, checkin_ids, now, heartbeat)


def send_voice_checkin(checkin_id: int, now: datetime | None = None) -> SendOutcome:
    """Place one queued voice check-in call if every rule still allows it."""
    return send_voice_checkins([checkin_id], now)[0]


def store_sid(call: Call, sid: str) -> bool:
    """Give the call its SID, unless it already has another; True when it has this one."""
    db.session.execute(
        sa.update(Call)
        .where(Call.id == call.id, sa.or_(Call.twilio_sid.is_(None), Call.twilio_sid == sid))
        .values(twilio_sid=sid, error_code=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(call)
    return call.twilio_sid == sid


def _latest_call(checkin_id: int, purpose: str = "voice_checkin") -> Call | None:
    return db.session.scalar(
        sa.select(Call)
        .where(Call.checkin_id == checkin_id, Call.purpose == purpose)
        .order_by(Call.id.desc())
        .limit(1)
    )


def reconcile_voice_checkin(checkin_id: int, now: datetime | None = None) -> SendOutcome:
    """Settle one voice check-in left `sending` past its lease: adopt Twilio's call or retry."""
    return reconcile_one(VOICE, checkin_id, now)


def reconcile_stale_calls(now: datetime | None = None) -> list[SendOutcome]:
    """Settle voice check-ins left `sending` past their lease (the scheduler calls this)."""
    return reconcile_stale([VOICE], now or db_now())


# -- following the call ----------------------------------------------------------------------


def replay_call_events(call: Call, now: datetime | None = None) -> int:
    """Apply status callbacks that arrived before the call's SID was stored; commits."""
    if not call.twilio_sid:
        return 0
    events = db.session.scalars(
        sa.select(CallStatusEvent)
        .where(CallStatusEvent.twilio_sid == call.twilio_sid, CallStatusEvent.call_id.is_(None))
        .order_by(CallStatusEvent.id)
    ).all()
    moved = 0
    for event in sorted(events, key=lambda e: callbacks.CALL_RANK.get(e.status, -1)):
        event.call_id = call.id
        db.session.flush()
        moved += callbacks.apply_call_status(call, event.status, event.params, now or utcnow())
    db.session.commit()
    return moved


def follow_call(call: Call, status: str, now: datetime | None = None) -> None:
    """Move a voice check-in after its call's status moved (called by the callback service)."""
    if call.purpose == "click_to_call" and callbacks.CALL_RANK.get(status) == FINAL_CALL_RANK:
        release_bridge(call.checkin_id)
    if call.purpose == "conference":
        from outreach.messaging.conference import follow_leg

        follow_leg(call, status, now or utcnow())
    if call.purpose != "voice_checkin" or call.checkin_id is None:
        return
    latest = _latest_call(call.checkin_id)
    if latest is None or latest.id != call.id:
        return  # an earlier attempt's news does not move the check-in
    db.session.refresh(call)
    checkin_id = call.checkin_id
    if status == "completed":
        machine = (call.answered_by or "").startswith("machine")
        why = (
            "the call reached an answering machine: a short message was left"
            if machine
            else f"the call was answered ({call.twilio_sid})"
        )
        transitions.mark_delivered(checkin_id, why)
    elif status in ("busy", "no-answer"):
        transitions.mark_undelivered(checkin_id, f"the call was not answered ({status})")
    elif status in ("failed", "canceled"):
        code = f", error {call.error_code}" if call.error_code else ""
        transitions.mark_failed(checkin_id, f"the call {status}{code}")


# -- voice check-ins: TwiML ------------------------------------------------------------------


def _call_for(checkin_id: int, call_sid: str, purpose: str = "voice_checkin") -> Call | None:
    """The call a signed TwiML request is about: by CallSid, else the check-in's latest call
    still waiting for its SID (Twilio can ask for TwiML before the create call returned)."""
    call = db.session.scalar(sa.select(Call).where(Call.twilio_sid == call_sid))
    if call is not None:
        return call if call.checkin_id == checkin_id and call.purpose == purpose else None
    latest = _latest_call(checkin_id, purpose)
    if latest is None or latest.twilio_sid is not None:
        return None
    if store_sid(latest, call_sid):
        db.session.commit()
        return latest
    return None


def _required(params: Mapping[str, str], name: str) -> str:
    value = (params.get(name) or "").strip()
    if not value:
        raise ValidationError(f"{name} is required", field=name)
    return value[:64]


def _event_words(checkin: CheckIn) -> str:
    event = checkin.event
    words = event.type.replace("_", " ") if event is not None else "visit"
    return words


def spoken_intro(checkin: CheckIn) -> str:
    """What the call says first: the policy's template rendered for this check-in (or, if it
    no longer renders, a plain greeting)."""
    from outreach.company.settings import get_company_settings
    from outreach.company.templating import TemplateRenderError

    company = get_company_settings()
    try:
        return render_checkin(checkin, company)
    except TemplateRenderError:
        log.warning("check-in %s: template does not render for the call; plain intro", checkin.id)
        return f"Hello, this is {company.name}, checking in after your {_event_words(checkin)}."


def machine_message(checkin: CheckIn) -> str:
    """The short message left on an answering machine (never a prompt into voicemail)."""
    from outreach.company.settings import get_company_settings

    return MACHINE_MESSAGE.format(company=get_company_settings().name, event=_event_words(checkin))


def checkin_twiml(checkin_id: int, params: Mapping[str, str]) -> str:
    """TwiML for an answered check-in call: a short message for a machine, else the intro and a
    Gather of one key or speech."""
    call_sid = _required(params, "CallSid")
    checkin = db.session.get(CheckIn, checkin_id)
    call = _call_for(checkin_id, call_sid) if checkin is not None else None
    if checkin is None or call is None:
        log.warning("voice TwiML asked for check-in %s without a matching call", checkin_id)
        return hangup_twiml()
    answered_by = (params.get("AnsweredBy") or "").strip().lower()[:32]
    if answered_by:
        call.answered_by = answered_by
        db.session.commit()
    response = VoiceResponse()
    if answered_by.startswith("machine") or answered_by == "fax":
        if answered_by != "fax":
            response.say(machine_message(checkin))
        response.hangup()
        log.info("call %s reached a %s: no prompt", call.id, answered_by)
        return _xml(response)
    gather = response.gather(
        input="dtmf speech",
        num_digits=1,
        action=public_url(gather_path(checkin_id)),
        method="POST",
        timeout=GATHER_SECONDS,
        speech_timeout="auto",
        action_on_empty_result=True,
    )
    gather.say(spoken_intro(checkin))
    gather.say(PROMPT)
    response.say(NO_INPUT)
    response.hangup()
    return _xml(response)


def gather_twiml(checkin_id: int, params: Mapping[str, str], record_reply: RecordReply) -> str:
    """Store the Gather result as the customer's reply (once, through record_reply: the
    conversation's record_voice_reply) and answer with its answer or a short thanks."""
    call_sid = _required(params, "CallSid")
    call = _call_for(checkin_id, call_sid)
    response = VoiceResponse()
    digits = (params.get("Digits") or "").strip()
    speech = (params.get("SpeechResult") or "").strip()
    if call is None:
        log.warning("voice answer for check-in %s without a matching call: not stored", checkin_id)
        response.say(THANKS)
    elif not digits and not speech:
        response.say(NO_INPUT)
    else:
        result = record_reply(call.id, digits or None, speech or None)
        response.say(result.answer or THANKS)
    response.hangup()
    return _xml(response)


# -- click-to-call ---------------------------------------------------------------------------


def _may_call_for(user: User, checkin: CheckIn) -> bool:
    from outreach.auth.roles import ADMIN, MANAGER, owner_ids_for

    if user.role in (ADMIN, MANAGER):
        return True
    if checkin.rep_id is None:
        return False
    return checkin.rep_id in set(db.session.scalars(owner_ids_for(user)))


def start_click_to_call(checkin_id: int, user: User, now: datetime | None = None) -> Call:
    """Ring the user's phone for a rep call; on answer and 1 the app dials the customer with the
    company's caller ID. NotFound, ValidationError (no phone) or Conflict; commits."""
    now = now or utcnow()
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.channel != "rep_call" or not _may_call_for(user, checkin):
        raise NotFound("no such call in your list")
    if checkin.status not in PENDING:
        raise Conflict(f"this call is no longer waiting: it is {checkin.status}")
    if not user.phone:
        raise ValidationError("add your phone number to your user first", field="phone")
    transport = get_transport()
    caller_id = caller_id_of(transport)
    if transport.name == "twilio" and not caller_id:
        raise Conflict("click-to-call needs TWILIO_FROM_NUMBER (the company's caller ID)")
    if not _take_bridge(checkin_id, now):
        db.session.rollback()
        raise Conflict("a call for this check-in is already ringing: answer your phone")
    call = Call(
        direction="outbound",
        purpose="click_to_call",
        checkin_id=checkin.id,
        customer_id=checkin.customer_id,
        user_id=user.id,
        to_number=user.phone,
        from_number=caller_id,
        status="queued",
        attempt_started_at=now,
        created_at=now,
        updated_at=now,
    )
    db.session.add(call)
    db.session.commit()
    sender_limiter().acquire(RATE_KEY_PREFIX + transport.sender)
    try:
        sid = transport.start_call(
            user.phone,
            url=public_url(bridge_path(call.id)),
            status_callback=public_url(STATUS_PATH),
            **call_options(),
        )
    except TransportError as exc:
        call.status = "failed"
        call.error_code = exc.code
        release_bridge(checkin_id)
        db.session.commit()
        log.warning("click-to-call %s (check-in %s) failed: %s", call.id, checkin_id, exc.reason)
        raise Conflict(f"the call could not be placed: {exc.reason}") from None
    store_sid(call, sid)
    db.session.commit()
    replay_call_events(call)
    log.info("click-to-call %s for check-in %s by user %s placed", call.id, checkin_id, user.id)
    return call


def _take_bridge(checkin_id: int, now: datetime) -> bool:
    """Compare-and-set: the rep call's bridge is free (no click-to-call ringing for it within
    BRIDGE_WINDOW), and now taken until then; does not commit."""
    return (
        db.session.execute(
            sa.update(CheckIn)
            .where(
                CheckIn.id == checkin_id,
                CheckIn.status.in_(PENDING),
                sa.or_(CheckIn.lease_until.is_(None), CheckIn.lease_until <= now),
            )
            .values(lease_until=now + BRIDGE_WINDOW)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def release_bridge(checkin_id: int | None) -> None:
    """The click-to-call for this rep call ended: another may start; does not commit."""
    db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.id == checkin_id, CheckIn.channel == "rep_call")
        .values(lease_until=None)
        .execution_options(synchronize_session=False)
    )


def _bridge_call(call_id: int, params: Mapping[str, str]) -> Call | None:
    call_sid = _required(params, "CallSid")
    call = db.session.get(Call, call_id)
    if call is None or call.purpose != "click_to_call" or call.checkin_id is None:
        return None
    if call.twilio_sid is None:
        store_sid(call, call_sid)
        db.session.commit()
    if call.twilio_sid != call_sid:
        log.warning("bridge TwiML for call %s came from another call: hung up", call_id)
        return None
    return call


def bridge_twiml(call_id: int, params: Mapping[str, str]) -> str:
    """TwiML for the rep's leg: who the call is to, and "press 1 to connect"."""
    call = _bridge_call(call_id, params)
    if call is None:
        return hangup_twiml()
    checkin = db.session.get(CheckIn, call.checkin_id)
    about = _event_words(checkin)
    summary = (checkin.event.summary or "").strip() if checkin.event else ""
    if summary and len(summary) <= SUMMARY_SPOKEN_MAX:
        about = f"{about}: {summary}"
    prompt = f"Check-in call to {checkin.customer.name} about the {about}. Press 1 to connect."
    return press_one_twiml(prompt, public_url(connect_path(call_id)))


def press_one_twiml(prompt: str, action: str) -> str:
    """TwiML asking the rep to confirm with a key: the prompt in a one-key Gather posting the
    key to action, said once more if no key came, then a hang-up (a voicemail or a phone menu
    never gets further)."""
    response = VoiceResponse()
    for _ in range(PRESS_ONE_TRIES):
        gather = response.gather(
            input="dtmf",
            num_digits=1,
            action=action,
            method="POST",
            timeout=BRIDGE_GATHER_SECONDS,
        )
        gather.say(prompt)
    response.hangup()
    return _xml(response)


def connect_twiml(call_id: int, params: Mapping[str, str]) -> str:
    """On 1, dial the customer with the company's caller ID; anything else hangs up."""
    call = _bridge_call(call_id, params)
    if call is None or (params.get("Digits") or "").strip() != "1":
        return hangup_twiml()
    checkin = db.session.get(CheckIn, call.checkin_id)
    settings = current_app.extensions["settings"]
    caller_id = settings.twilio_from_number or call.from_number
    response = VoiceResponse()
    dial = response.dial(
        caller_id=caller_id,
        action=public_url(dialed_path(call_id)),
        method="POST",
        timeout=RING_SECONDS,
    )
    dial.number(checkin.customer.phone)
    log.info("click-to-call %s: rep pressed 1, dialing the customer", call_id)
    return _xml(response)


def record_dial_outcome(call: Call, params: Mapping[str, str], now: datetime) -> str:
    """Store the Dial's result on the call and its check-in (reached -> the rep call is done);
    a repeat of the same result changes nothing; returns the outcome."""
    raw = (params.get("DialCallStatus") or "").strip().lower()
    outcome = DIAL_OUTCOMES.get(raw, "failed")
    db.session.add(
        CallStatusEvent(
            call_id=call.id,
            twilio_sid=((params.get("DialCallSid") or "").strip() or call.twilio_sid or "")[:64],
            status=(raw or "unknown")[:20],
            params={**dict(params), "_source": "dial"},
            received_at=now,
        )
    )
    db.session.execute(
        sa.update(Call)
        .where(Call.id == call.id, Call.outcome.is_(None))
        .values(outcome=outcome, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    checkin_id = call.checkin_id
    release_bridge(checkin_id)
    caller = db.session.get(User, call.user_id) if call.user_id else None
    who = caller.display_name if caller else "a former user"
    reason = f"called through Outreach by {who}: {_OUTCOME_REASONS.get(outcome, outcome)}"
    if outcome == "reached":
        transitions.mark_done(checkin_id, reason, outcome="reached")
    else:
        db.session.execute(
            sa.update(CheckIn)
            .where(CheckIn.id == checkin_id, CheckIn.status.in_(PENDING))
            .values(outcome=outcome, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    log.info("click-to-call %s (check-in %s): %s", call.id, checkin_id, outcome)
    return outcome


def dialed_twiml(call_id: int, params: Mapping[str, str]) -> str:
    """The Dial ended: store its outcome and tell the rep."""
    call = _bridge_call(call_id, params)
    if call is None:
        return hangup_twiml()
    outcome = record_dial_outcome(call, params, utcnow())
    response = VoiceResponse()
    response.say(_OUTCOME_WORDS.get(outcome, "The call ended.") + " Goodbye.")
    response.hangup()
    return _xml(response)
