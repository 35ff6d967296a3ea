"""Three-way calls: Twilio rings the rep; when the rep answers they hear who is being joined
and "press 1 to start" (voice.press_one_twiml, as click-to-call), so a voicemail or a phone
menu never brings the others in. On 1 the rep enters a named conference, and its start hands
a job (`jobs.voice.join_three_way`, after the commit, never inside the webhook) the adding of
the customer and a colleague through the Participants API, each announced to the room as they
join. The job claims the call by compare-and-set (confirmed -> joining), so a repeated start
adds nobody twice.

One three-way call per customer may ring at a time: `Conference.busy_key` holds the customer's
id while it may still ring and is unique, so a second click is refused by the database. The
customer leg keeps the customer's consent and quiet hours, checked when the call is started
and again when the customer is dialed. Every leg is a Call row (purpose `conference`, party
rep, customer or guest) followed by the usual call status callbacks; the conference's own
events (participant-join, participant-leave, conference-start, conference-end) arrive signed at
`events_path` and are stored on the rep's leg.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy.exc import IntegrityError
from twilio.twiml.voice_response import Dial, VoiceResponse

from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.messaging.errors import TransportError
from outreach.messaging.ratelimit import sender_limiter
from outreach.messaging.signatures import public_url
from outreach.messaging.transport import get_transport
from outreach.messaging.voice import (
    BRIDGE_WINDOW,
    RATE_KEY_PREFIX,
    STATUS_PATH,
    call_options,
    caller_id_of,
    hangup_twiml,
    press_one_twiml,
    replay_call_events,
    store_sid,
)
from outreach.models import Call, CallStatusEvent, Conference, Customer, FollowUp, User, utcnow

log = logging.getLogger(__name__)

#: (the ended conference, its outcome in a sentence) -> None: how the outcome reaches the
#: follow-up it was started from (the conversation's note_three_way_call)
OnEnd = Callable[[Conference, str], None]

CONFERENCE_EVENTS = ("start", "end", "join", "leave")  #: statusCallbackEvent of the conference
LEG_FINAL = ("completed", "busy", "failed", "no-answer", "canceled")
STUCK_AFTER = timedelta(hours=4)  #: a joined call with no conference-end this old is over
ANNOUNCE = "Outreach: joining {name}."
CONFIRM = "Three-way call with {customer} and {guest}. Press 1 to start."
CONFIRMED = "Calling them now."
NOT_CONFIRMED = "Nobody was called. Goodbye."
JOIN_JOB = "jobs.voice.join_three_way"
JOIN_QUEUE = "outreach-high"
THREE_WAY_STARTED = "Calling your phone now: answer it, and the customer and your colleague join."
PARTY_WORDS = {"rep": "rep", "customer": "customer", "guest": "colleague"}
#: how the call ended, in words for the pages
OUTCOME_WORDS = {
    "reached": "all parties were on the call",
    "customer_not_reached": "the customer did not join",
    "customer_not_called": "the customer was not called",
    "rep_no_answer": "the rep did not answer: nobody else was called",
    "rep_not_confirmed": "the rep did not confirm: nobody else was called",
    "failed": "the call could not be placed",
}


def rep_path(conference_id: int) -> str:
    """Where the rep's leg fetches its TwiML once answered."""
    return f"/twilio/voice/conference/{conference_id}/rep"


def confirm_path(conference_id: int) -> str:
    """Where the rep's key press (1 starts the call) is posted."""
    return f"/twilio/voice/conference/{conference_id}/confirm"


def events_path(conference_id: int) -> str:
    """Where the conference posts its statusCallback events."""
    return f"/twilio/voice/conference/{conference_id}/events"


def announce_path(call_id: int) -> str:
    """Where the conference fetches the announcement of the leg that just joined."""
    return f"/twilio/voice/conference/announce/{call_id}"


def _may_call(user: User, followup: FollowUp | None) -> bool:
    from outreach.auth.roles import ADMIN, MANAGER, owner_ids_for

    if user.role in (ADMIN, MANAGER):
        return True
    if followup is None or followup.owner_id is None:
        return False
    return followup.owner_id in set(db.session.scalars(owner_ids_for(user)))


def customer_leg_refusal(customer: Customer, now: datetime) -> str | None:
    """Why the customer must not be dialed now (opted out of calls, no phone, quiet hours)."""
    from outreach.company.settings import get_company_settings
    from outreach.scheduling.consents import opted_out_reason
    from outreach.scheduling.planning import company_floor, zone_for_customer
    from outreach.scheduling.timing import blocked_reason, local_time

    reason = opted_out_reason(customer, "voice")
    if reason is not None:
        return f"{customer.name} has {reason}: they are not called"
    if not customer.phone:
        return f"{customer.name} has no phone number"
    settings = get_company_settings()
    zone = zone_for_customer(customer, settings.default_timezone)[0]
    quiet = blocked_reason(now, None, zone, company_floor(settings))
    if quiet is not None:
        return (
            f"it is {local_time(now, zone, '%H:%M')} for {customer.name} ({zone}), "
            f"{quiet}: try again later"
        )
    return None


def guests_for(user: User) -> list[User]:
    """Who may be joined to a three-way call started by user: active colleagues with a phone,
    managers first."""
    from outreach.auth.roles import MANAGER

    users = db.session.scalars(
        sa.select(User)
        .where(User.id != user.id, User.is_active_user.is_(True), User.phone.is_not(None))
        .order_by(User.name, User.id)
    ).all()
    return sorted(users, key=lambda u: u.role != MANAGER)


def _release_stale(customer_id: int, now: datetime) -> None:
    """Free the customer's busy key from a call that stopped ringing without news."""
    db.session.execute(
        sa.update(Conference)
        .where(
            Conference.busy_key == customer_id,
            sa.or_(
                sa.and_(
                    Conference.status == "calling_rep", Conference.created_at <= now - BRIDGE_WINDOW
                ),
                Conference.created_at <= now - STUCK_AFTER,
            ),
        )
        .values(busy_key=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def start_three_way(
    user: User,
    guest_id: int | None,
    *,
    customer_id: int | None = None,
    followup_id: int | None = None,
    now: datetime | None = None,
) -> Conference:
    """Ring the user's phone for a three-way call with a customer (or a follow-up's customer)
    and a colleague (guest); NotFound, ValidationError or Conflict with a sentence; commits."""
    now = now or utcnow()
    followup = db.session.get(FollowUp, followup_id) if followup_id is not None else None
    if followup_id is not None and followup is None:
        raise NotFound("no such follow-up")
    customer_id = followup.customer_id if followup is not None else customer_id
    customer = db.session.get(Customer, customer_id) if customer_id is not None else None
    if customer is None or not _may_call(user, followup):
        raise NotFound("no such customer in your list")
    refusal = customer_leg_refusal(customer, now)
    if refusal is not None:
        raise Conflict(f"Not calling: {refusal}.")
    if not user.phone:
        raise ValidationError("add your phone number to your user first", field="phone")
    guest = db.session.get(User, guest_id) if guest_id is not None else None
    if guest is None or guest.id == user.id or not guest.is_active_user:
        raise ValidationError("choose who joins the call", field="guest_id")
    if not guest.phone:
        raise ValidationError(f"{guest.display_name} has no phone number", field="guest_id")
    transport = get_transport()
    if transport.name == "twilio" and not caller_id_of(transport):
        raise Conflict("three-way calls need TWILIO_FROM_NUMBER (the company's caller ID)")
    _release_stale(customer.id, now)
    conference = Conference(
        friendly_name=f"outreach-{secrets.token_hex(8)}",
        customer_id=customer.id,
        followup_id=followup.id if followup else None,
        user_id=user.id,
        guest_id=guest.id,
        status="calling_rep",
        busy_key=customer.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(conference)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            f"a three-way call with {customer.name} is already ringing: answer your phone"
        ) from None
    leg = _new_leg(conference, "rep", user.phone, user.id, caller_id_of(transport), now)
    db.session.commit()
    sender_limiter().acquire(RATE_KEY_PREFIX + transport.sender)
    try:
        sid = transport.start_call(
            user.phone,
            url=public_url(rep_path(conference.id)),
            status_callback=public_url(STATUS_PATH),
            **call_options(),
        )
    except TransportError as exc:
        leg.status, leg.error_code = "failed", exc.code
        _end(conference, "failed", "failed", now)
        db.session.commit()
        log.warning("three-way call %s: the rep's leg failed: %s", conference.id, exc.reason)
        raise Conflict(f"the call could not be placed: {exc.reason}") from None
    store_sid(leg, sid)
    db.session.commit()
    replay_call_events(leg)
    log.info("three-way call %s with customer %s by user %s", conference.id, customer.id, user.id)
    return conference


def _new_leg(
    conference: Conference, party: str, to: str, user_id: int | None, caller: str | None, now
) -> Call:
    leg = Call(
        direction="outbound",
        purpose="conference",
        party=party,
        conference_id=conference.id,
        customer_id=conference.customer_id,
        user_id=user_id,
        to_number=to,
        from_number=caller,
        status="queued",
        attempt_started_at=now,
        created_at=now,
        updated_at=now,
    )
    db.session.add(leg)
    db.session.flush()
    return leg


def _end(conference: Conference, status: str, outcome: str, now: datetime) -> None:
    db.session.execute(
        sa.update(Conference)
        .where(Conference.id == conference.id, Conference.ended_at.is_(None))
        .values(status=status, outcome=outcome, busy_key=None, ended_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(conference)


def _leg(conference_id: int, party: str) -> Call | None:
    return db.session.scalar(
        sa.select(Call)
        .where(Call.conference_id == conference_id, Call.party == party)
        .order_by(Call.id.desc())
        .limit(1)
    )


def _rep_call(conference_id: int, params: Mapping[str, str]) -> Conference | None:
    """The three-way call a signed TwiML request from the rep's leg is about (None: another
    call asked, or it is over)."""
    conference = db.session.get(Conference, conference_id)
    rep_leg = _leg(conference_id, "rep") if conference is not None else None
    call_sid = (params.get("CallSid") or "").strip()
    if rep_leg is None or not call_sid:
        return None
    if rep_leg.twilio_sid is None:
        store_sid(rep_leg, call_sid)
        db.session.commit()
    if rep_leg.twilio_sid != call_sid or conference.ended_at is not None:
        log.warning("three-way call %s: TwiML asked by another call: hung up", conference_id)
        return None
    return conference


def rep_twiml(conference_id: int, params: Mapping[str, str]) -> str:
    """TwiML for the rep's answered leg: who is being joined, and "press 1 to start"."""
    conference = _rep_call(conference_id, params)
    if conference is None:
        return hangup_twiml()
    customer = db.session.get(Customer, conference.customer_id)
    guest = db.session.get(User, conference.guest_id)
    prompt = CONFIRM.format(
        customer=customer.name if customer else "the customer",
        guest=guest.display_name if guest else "a colleague",
    )
    return press_one_twiml(prompt, public_url(confirm_path(conference_id)))


def confirm_twiml(
    conference_id: int, params: Mapping[str, str], now: datetime | None = None
) -> str:
    """The rep's key: 1 puts the rep in the named conference (whose start dials the others);
    any other key ends the call with nobody else called."""
    now = now or utcnow()
    conference = _rep_call(conference_id, params)
    if conference is None:
        return hangup_twiml()
    pressed = (params.get("Digits") or "").strip() == "1"
    moved = db.session.execute(
        sa.update(Conference)
        .where(Conference.id == conference_id, Conference.status == "calling_rep")
        .values(status="confirmed" if pressed else "not_answered", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    db.session.refresh(conference)
    if not pressed:
        if not moved:
            return hangup_twiml()
        _end(conference, "not_answered", "rep_not_confirmed", now)
        db.session.commit()
        log.info("three-way call %s: the rep did not press 1; nobody called", conference_id)
        response = VoiceResponse()
        response.say(NOT_CONFIRMED)
        response.hangup()
        return str(response)
    if conference.status != "confirmed":
        return hangup_twiml()
    log.info("three-way call %s: the rep pressed 1", conference_id)
    response = VoiceResponse()
    response.say(CONFIRMED)
    dial = Dial()
    dial.conference(
        conference.friendly_name,
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        beep=False,
        status_callback=public_url(events_path(conference_id)),
        status_callback_event=" ".join(CONFERENCE_EVENTS),
        status_callback_method="POST",
    )
    response.append(dial)
    return str(response)


def announce_twiml(call_id: int) -> str:
    """TwiML the conference plays to everyone as a leg joins: "Outreach: joining <name>"."""
    leg = db.session.get(Call, call_id)
    response = VoiceResponse()
    if leg is None or leg.purpose != "conference":
        return str(response)
    response.say(ANNOUNCE.format(name=_leg_name(leg)))
    return str(response)


def _leg_name(leg: Call) -> str:
    if leg.party == "customer":
        customer = db.session.get(Customer, leg.customer_id) if leg.customer_id else None
        return customer.name if customer else "the customer"
    user = db.session.get(User, leg.user_id) if leg.user_id else None
    return user.display_name if user else "a colleague"


def record_event(
    conference_id: int,
    params: Mapping[str, str],
    on_end: OnEnd | None = None,
    now: datetime | None = None,
) -> None:
    """Store one conference statusCallback event on the rep's leg and act on it: the start
    hands the adding of the customer and the guest to a job, a join is announced, the end logs
    the outcome (and hands it to on_end once)."""
    now = now or utcnow()
    conference = db.session.get(Conference, conference_id)
    rep_leg = _leg(conference_id, "rep") if conference is not None else None
    sid = (params.get("ConferenceSid") or "").strip()[:64]
    kind = (params.get("StatusCallbackEvent") or "").strip().lower()
    if not sid or not kind:
        raise ValidationError("ConferenceSid and StatusCallbackEvent are required")
    if rep_leg is None or (params.get("FriendlyName") or "") != conference.friendly_name:
        log.warning("conference event for unknown three-way call %s ignored", conference_id)
        return
    call_sid = (params.get("CallSid") or "").strip()[:64]
    leg = (
        db.session.scalar(sa.select(Call).where(Call.twilio_sid == call_sid)) if call_sid else None
    )
    db.session.add(
        CallStatusEvent(
            call_id=(leg or rep_leg).id,
            twilio_sid=call_sid or sid,
            status=kind[:20],
            params={**dict(params), "_source": "conference"},
            received_at=now,
        )
    )
    db.session.execute(
        sa.update(Conference)
        .where(Conference.id == conference_id, Conference.twilio_sid.is_(None))
        .values(twilio_sid=sid)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rep_in = kind == "conference-start" or (kind == "participant-join" and leg is rep_leg)
    if rep_in:
        _enqueue_join(conference)
    elif kind == "participant-join" and leg is not None and leg.party in ("customer", "guest"):
        _announce(sid, leg)
    elif kind == "conference-end":
        _log_outcome(conference, now, on_end)


def _enqueue_join(conference: Conference) -> None:
    """Hand the dialing of the others to a job (the rep confirmed and is in the room)."""
    db.session.refresh(conference)
    if conference.status != "confirmed":
        return
    from outreach.runtime.queues import get_redis

    try:
        Queue(JOIN_QUEUE, connection=get_redis()).enqueue_call(
            JOIN_JOB,
            args=(conference.id,),
            timeout=60,
            description=f"three-way call {conference.id}: dial the others",
        )
    except RedisError:
        log.warning("three-way call %s: not enqueued (Redis unavailable)", conference.id)


def join_others(conference_id: int, now: datetime | None = None) -> int:
    """The rep confirmed and is in: dial the customer (unless refused now) and the guest into
    the room, once however often this runs (compare-and-set confirmed -> joining); returns
    how many legs were dialed."""
    now = now or utcnow()
    taken = db.session.execute(
        sa.update(Conference)
        .where(
            Conference.id == conference_id,
            Conference.status == "confirmed",
            Conference.ended_at.is_(None),
            Conference.twilio_sid.is_not(None),
        )
        .values(status="joining", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        db.session.rollback()
        return 0
    conference = db.session.get(Conference, conference_id)
    db.session.refresh(conference)
    conference_sid = conference.twilio_sid
    transport = get_transport()
    caller = caller_id_of(transport)
    customer = db.session.get(Customer, conference.customer_id)
    guest = db.session.get(User, conference.guest_id)
    legs = []
    refusal = customer_leg_refusal(customer, now) if customer is not None else "no customer"
    if refusal is None:
        legs.append(_new_leg(conference, "customer", customer.phone, None, caller, now))
    else:
        conference.outcome = "customer_not_called"
        log.info("three-way call %s: customer not called (refused)", conference.id)
    if guest is not None and guest.phone:
        legs.append(_new_leg(conference, "guest", guest.phone, guest.id, caller, now))
    db.session.commit()
    dialed = 0
    for leg in legs:
        sender_limiter().acquire(RATE_KEY_PREFIX + transport.sender)
        try:
            sid = transport.add_participant(
                conference_sid,
                leg.to_number,
                label=leg.party,
                status_callback=public_url(STATUS_PATH),
                **call_options(),
            )
        except TransportError as exc:
            leg.status, leg.error_code = "failed", exc.code
            db.session.commit()
            log.warning(
                "three-way call %s: %s leg failed: %s", conference.id, leg.party, exc.reason
            )
            continue
        store_sid(leg, sid)
        db.session.commit()
        replay_call_events(leg)
        dialed += 1
        log.info("three-way call %s: %s leg %s dialed", conference.id, leg.party, leg.id)
    return dialed


def _announce(conference_sid: str, leg: Call) -> None:
    try:
        get_transport().announce(conference_sid, public_url(announce_path(leg.id)))
    except TransportError as exc:
        log.warning("three-way call leg %s: announcement failed: %s", leg.id, exc.reason)


def _joined(leg: Call | None) -> bool:
    if leg is None:
        return False
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CallStatusEvent)
            .where(CallStatusEvent.call_id == leg.id, CallStatusEvent.status == "participant-join")
        )
    )


def summary(conference: Conference) -> str:
    """The call in a sentence: who was on it and how it ended."""
    customer = db.session.get(Customer, conference.customer_id) if conference.customer_id else None
    guest = db.session.get(User, conference.guest_id) if conference.guest_id else None
    who = " and ".join(
        [customer.name if customer else "the customer", guest.display_name if guest else "?"]
    )
    return f"Three-way call with {who}: {OUTCOME_WORDS.get(conference.outcome or '', 'ended')}."


def _log_outcome(conference: Conference, now: datetime, on_end: OnEnd | None) -> None:
    if conference.ended_at is not None:
        return
    customer_leg = _leg(conference.id, "customer")
    if _joined(customer_leg):
        outcome = "reached"
    elif customer_leg is None:
        outcome = conference.outcome or "customer_not_called"
    else:
        outcome = "customer_not_reached"
    for leg in db.session.scalars(sa.select(Call).where(Call.conference_id == conference.id)):
        leg.outcome = leg.outcome or ("joined" if _joined(leg) else "not_joined")
    _end(conference, "ended", outcome, now)
    db.session.commit()
    log.info("three-way call %s ended: %s", conference.id, outcome)
    if on_end is not None:
        on_end(conference, summary(conference))


def follow_leg(call: Call, status: str, now: datetime) -> None:
    """A leg's call status moved: the rep's leg ending before the rep pressed 1 ends it all
    (nobody else is called: not answered, or answered by a person, voicemail or menu that did
    not confirm). Does not commit."""
    if call.party != "rep" or call.conference_id is None or status not in LEG_FINAL:
        return
    conference = db.session.get(Conference, call.conference_id)
    if conference is None or conference.status != "calling_rep":
        return
    outcome = "rep_not_confirmed" if status == "completed" else "rep_no_answer"
    _end(conference, "not_answered", outcome, now)
    call.outcome = status
    log.info("three-way call %s: the rep's leg ended %s; nobody else called", conference.id, status)
