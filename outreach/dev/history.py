"""The demo's past 30 days: events with their check-ins sent, answered, called or missed,
replies of every class and follow-ups kept, late or still open, so the dashboard has a story.

Deterministic (no randomness: patterns over the day and row numbers) and quick. Events go in
through `ingest_event` and check-ins move through `scheduling.transitions`, as live ones do;
only the clock differs: each transition, message, reply and follow-up is then stamped with the
past time it stands for. History has customers of its own, so today's demo starts clean.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from outreach.customers.activity import messages_stored
from outreach.extensions import db
from outreach.models import (
    Call,
    CheckIn,
    CheckInTransition,
    FollowUp,
    Message,
    Reply,
    User,
)

HISTORY_DAYS = 30  #: how far back the story starts
RECENT_DAYS = 4  #: the newest history day is this many days ago (the live demo covers after)
#: (area code, zone) for the history customers, all in the 555-01xx range kept for fiction
AREAS = (
    ("312", "America/Chicago"),
    ("212", "America/New_York"),
    ("415", "America/Los_Angeles"),
    ("303", "America/Denver"),
    ("602", "America/Phoenix"),
    ("713", "America/Chicago"),
)
FIRST = ("Iris", "Jonah", "Keiko", "Luis", "Maya", "Nate", "Olga", "Priya", "Quinn", "Rosa")
LAST = ("Stone", "Park", "Tanaka", "Ortiz", "Brooks", "Reyes", "Volkov", "Shah", "Hale", "Costa")
#: (type, rep email or None, summary, local time)
KINDS = (
    ("install", "sam@example.com", "Tankless water heater", "10:00"),
    ("repair", "riley@example.com", "Leaking shutoff valve", "13:30"),
    ("ticket_closed", None, "Invoice question", "11:00"),
    ("visit", "sam@example.com", "Annual furnace tune-up", "09:30"),
    ("install", "riley@example.com", "Smart thermostat", "15:00"),
    ("delivery", "riley@example.com", "Air purifier", "12:00"),
)
#: (words, triage class, rating, follow-up kind or None): replies of every class
REPLIES = (
    ("5", "positive", 5, None),
    ("All good, thanks for checking in!", "positive", None, None),
    ("It works fine I guess", "neutral", 3, None),
    ("The tap under the sink still drips a little", "negative", 2, "issue"),
    ("Do I need to change the filter every month?", "question", None, "issue"),
    ("Can someone call me tomorrow morning?", "callback_requested", None, "callback"),
    ("4", "positive", 4, None),
    ("Water is coming through the kitchen ceiling!", "urgent", None, "urgent"),
    ("The technician was late and left a mess", "negative", 1, "issue"),
    ("Wrong number, I never had a repair", "wrong_number", None, None),
    ("Thanks, all sorted", "positive", 5, None),
    ("STOP", "opt_out", None, None),
)
LABELS = {"negative": "Unhappy", "question": "Question", "callback_requested": "Call back"}
LABELS |= {"urgent": "URGENT"}
RESPONSE_TIME = timedelta(minutes=40)


def history_customers() -> list[dict]:
    """The history's own customers, as an event's `customer` object."""
    people = []
    for n in range(20):
        area, zone = AREAS[n % len(AREAS)]
        name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 3) % len(LAST)]}"
        people.append(
            {
                "external_id": f"demo-h-c-{n + 1:02d}",
                "name": name,
                "phone": f"+1{area}55501{30 + n:02d}",
                "timezone": zone,
            }
        )
    return people


def history_payloads(now: datetime, company_zone: str, names: dict[str, str]) -> list[dict]:
    """The past events, oldest first: two to four a day."""
    people = history_customers()
    zone = ZoneInfo(company_zone)
    today = now.astimezone(zone).date()
    payloads, n = [], 0
    for days_ago in range(HISTORY_DAYS, RECENT_DAYS - 1, -1):
        day = today - timedelta(days=days_ago)
        for _ in range(2 + (days_ago % 3)):
            kind, rep, summary, local = KINDS[n % len(KINDS)]
            at = datetime.combine(day, time.fromisoformat(local), tzinfo=zone)
            payload = {
                "external_id": f"demo-h-e-{n + 1:03d}",
                "type": kind,
                "occurred_at": at.isoformat(timespec="seconds"),
                "customer": people[(n * 7) % len(people)],
                "summary": summary,
            }
            if rep:
                payload["rep"] = {"email": rep, "name": names[rep]}
            payloads.append(payload)
            n += 1
    return payloads


class _Clock:
    """The past times of one check-in's transitions, stamped on them once it is played."""

    def __init__(self, checkin: CheckIn, planned_at: datetime) -> None:
        self.checkin_id = checkin.id
        self.times = [planned_at]  # the transition recorded when it was planned
        checkin.created_at = planned_at

    def at(self, when: datetime, moved: bool) -> None:
        if moved:
            self.times.append(when)

    def stamp(self) -> None:
        rows = db.session.scalars(
            sa.select(CheckInTransition)
            .where(CheckInTransition.checkin_id == self.checkin_id)
            .order_by(CheckInTransition.id)
        ).all()
        for row, when in zip(rows, self.times, strict=False):
            row.created_at = when
        db.session.execute(
            sa.update(CheckIn)
            .where(CheckIn.id == self.checkin_id)
            .values(updated_at=self.times[-1])
            .execution_options(synchronize_session=False)
        )


def play(
    checkin: CheckIn, planned_at: datetime, n: int, now: datetime, staff: dict[str, User]
) -> None:
    """What happened to one past check-in, by its row number: sent and maybe answered, or a
    rep's call made on time, late or missed."""
    from outreach.customers import consent
    from outreach.messaging.outbox import outbox_sid
    from outreach.scheduling import transitions

    clock = _Clock(checkin, planned_at)
    if checkin.status not in ("scheduled", "queued") or checkin.due_at >= now:
        clock.stamp()
        return
    due = checkin.due_at
    if checkin.channel == "rep_call":
        rep = checkin.rep.display_name if checkin.rep else "the manager"
        deadline = checkin.deadline_at or due + timedelta(hours=4)
        if n % 5 == 4:
            clock.at(deadline, transitions.mark_missed(checkin.id))
        else:
            late = n % 5 == 3
            when = deadline + timedelta(minutes=50) if late else due + timedelta(minutes=35)
            outcome = "voicemail" if late else "reached"
            words = "left a voicemail" if late else "reached the customer, all good"
            moved = transitions.mark_done(
                checkin.id, f"call logged by {rep}: {words}", outcome=outcome
            )
            clock.at(when, moved)
        clock.stamp()
        return
    clock.at(due, transitions.queue(checkin.id))
    clock.at(due, transitions.start_sending(checkin.id, due + timedelta(minutes=1)))
    if checkin.channel == "voice":
        db.session.add(_call(checkin, due, outbox_sid("CA")))
        clock.at(due + timedelta(seconds=30), transitions.mark_sent(checkin.id, "call placed"))
    else:
        db.session.add(_text(checkin, due, outbox_sid("SM")))
        messages_stored([checkin.customer_id], due)
        clock.at(due, transitions.mark_sent(checkin.id))
        clock.at(due + timedelta(seconds=5), transitions.mark_delivered(checkin.id))
    if n % 5 == 4:  # one in five never answer
        clock.stamp()
        return
    told = db.session.scalar(sa.select(sa.func.count(Reply.id)))  # each class in turn
    words, triage_class, rating, kind = REPLIES[told % len(REPLIES)]
    replied_at = due + timedelta(minutes=12 + (n % 5) * 37)
    if replied_at >= now:
        clock.stamp()
        return
    reply = Reply(
        customer_id=checkin.customer_id,
        checkin_id=checkin.id,
        source="voice" if checkin.channel == "voice" else "sms",
        text=words,
        rating=rating,
        triage_class=triage_class,
        evidence=words if rating is None else f"rating {rating}",
        created_at=replied_at,
    )
    db.session.add(reply)
    db.session.flush()
    clock.at(replied_at, transitions.answer(checkin.id))
    clock.stamp()
    if triage_class == "opt_out":
        consent.opt_out(checkin.customer, "keyword", words, replied_at)
    elif triage_class == "wrong_number":
        checkin.customer.is_wrong_number = True
    if kind:
        db.session.add(_followup(checkin, reply, kind, n, now, staff))


def _text(checkin: CheckIn, at: datetime, sid: str) -> Message:
    return Message(
        direction="outbound",
        kind="checkin",
        checkin_id=checkin.id,
        customer_id=checkin.customer_id,
        to_number=checkin.customer.phone,
        body=f"Hi {checkin.customer.name.split()[0]}, how did it go? Reply 1-5, or tell us.",
        twilio_sid=sid,
        status="delivered",
        created_at=at,
        updated_at=at,
    )


def _call(checkin: CheckIn, at: datetime, sid: str) -> Call:
    return Call(
        purpose="voice_checkin",
        checkin_id=checkin.id,
        customer_id=checkin.customer_id,
        to_number=checkin.customer.phone,
        twilio_sid=sid,
        status="completed",
        answered_by="human",
        duration_seconds=25,
        created_at=at,
        updated_at=at,
    )


def _followup(
    checkin: CheckIn, reply: Reply, kind: str, n: int, now: datetime, staff: dict[str, User]
) -> FollowUp:
    """The follow-up the reply opened: most kept on time, some late, the newest still open."""
    owner = checkin.rep or staff["manager@example.com"]
    opened = reply.created_at
    due = opened + (timedelta(hours=2) if kind == "urgent" else timedelta(days=1))
    label = LABELS.get(reply.triage_class, "Follow up")
    followup = FollowUp(
        customer_id=checkin.customer_id,
        owner_id=owner.id,
        checkin_id=checkin.id,
        reply_id=reply.id,
        kind=kind,
        title=f'{label}: "{reply.text}"'[:300],
        priority="urgent" if kind == "urgent" else ("high" if kind == "callback" else "normal"),
        due_at=due,
        created_at=opened,
    )
    opened_before = db.session.scalar(sa.select(sa.func.count(FollowUp.id)))
    if due < now - timedelta(days=8) or opened_before % 2:
        done_at = due + timedelta(hours=5) if n % 4 == 1 else opened + RESPONSE_TIME
        followup.state, followup.done_at = "done", min(done_at, now)
        followup.outcome_note = "Talked it through; sorted." if kind != "urgent" else "Sent a tech."
    elif due < now:
        followup.state, followup.reminded_at = "overdue", due
    return followup
