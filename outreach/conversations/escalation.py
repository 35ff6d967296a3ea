"""The fire alarm: an urgent reply pages a person at once, then the next level, until someone
takes it.

The chain is planned when the reply comes and stored on its Escalation (`plan`):
- in business hours: the customer's rep (`owner`), then the rep's backup, then the managers;
- outside business hours, for a customer without a rep, or from an unknown number: the person
  on call (`on_call`, outreach.conversations.oncall), then their backup, then the managers.
Only people who can be paged (active, not away, with a phone) are planned; nobody twice. Each
page is one SMS (a `page` text through messaging.texts) and one Page row, with a one-tap link
(a random token, stored as its SHA-256 only) and "reply 1 to take it".

Unacknowledged `escalation_minutes` (company setting) after a level was paged, the scheduler's
step (escalate_due, a pure function of the rows and `now`) pages the next level. Taking it —
a text "1" (take, ok, mine) from the paged phone, the link, or a button on a page — stops the
chain, makes the taker the follow-up's owner and texts the others paged "Taken by <name>".
Every state change is a compare-and-set (`UPDATE … WHERE step = :seen AND repaged = :rounds
AND acked_at IS NULL`),
so two schedulers, or two people tapping at once, change it once. A `needs_review` reply gets
an Escalation with no plan: it waits on the manager's attention list until someone takes it.
Logs carry ids, never numbers or words.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from outreach.conversations import oncall
from outreach.conversations.promise import business_hours, first_name, format_when
from outreach.conversations.staff import event_rep, managers, pageable
from outreach.extensions import db
from outreach.messaging.chat import escape, queue_chat_alert
from outreach.messaging.signatures import public_url
from outreach.messaging.texts import enqueue_texts, queue_text
from outreach.models import (
    CheckIn,
    CompanySettings,
    Customer,
    Escalation,
    FollowUp,
    Message,
    Page,
    Reply,
    User,
)
from outreach.models.followups import OPEN_FOLLOWUP_STATES

log = logging.getLogger(__name__)

LINK_PATH = "/a/"  #: the one-tap link: PUBLIC_BASE_URL + /a/<token>
LINK_TTL = timedelta(hours=24)  #: a link older than this no longer works
TOKEN_MAX = 64
#: what a paged person may text back to take it (case, spaces and punctuation ignored)
ACK_WORDS = frozenset({"1", "take", "take it", "ok", "okay", "mine", "its mine", "got it", "on it"})
WORDS_MAX = 160  #: the customer's words quoted in a page
SWEEP_LIMIT = 200  #: escalations handled per pass; the next pass goes on
LEVEL_NAMES = {"owner": "rep", "on_call": "on call", "backup": "backup", "manager": "manager"}
VIA_NAMES = {"sms": "by text", "link": "with the link", "web": "on the web"}


def hash_token(token: str) -> str:
    """What is stored of a one-tap link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_ack(body: str | None) -> bool:
    """Whether a staff member's text takes a page: "1", "take", "ok", "mine"…"""
    words = re.sub(r"[^a-z0-9 ]+", "", (body or "").lower().replace("'", ""))
    return " ".join(words.split()) in ACK_WORDS


# -- planning and paging -----------------------------------------------------------------


def plan_chain(
    customer: Customer | None, checkin: CheckIn | None, settings: CompanySettings, now: datetime
) -> tuple[list[list], bool]:
    """The levels to page in order, [[level, [user ids]], …] (empty levels left out), and
    whether it is outside business hours."""
    hours = business_hours(settings)
    after_hours = not hours.is_open(now)
    rep = event_rep(customer, checkin) if customer is not None else None
    if rep is not None and not after_hours:
        level, first = "owner", rep
    else:
        level, first = "on_call", oncall.on_call(now, settings, hours)
    backup = first.backup if first is not None else None  #: an away rep's backup comes first
    levels = [
        (level, [first] if first is not None else []),
        ("backup", [backup] if backup is not None else []),
        ("manager", managers()),
    ]
    plan, seen = [], set()
    for name, users in levels:
        ids = [u.id for u in users if pageable(u) and u.id not in seen]
        seen.update(ids)
        if ids:
            plan.append([name, ids])
    return plan, after_hours


@dataclass(frozen=True)
class Alarm:
    """What pulling the alarm did: the escalation, who was paged first and at which level (None
    when nobody could be paged), and the pending page texts to enqueue after the commit."""

    escalation: Escalation
    first: User | None
    level: str | None
    texts: list[int]


def pull_alarm(
    reply: Reply,
    customer: Customer | None,
    checkin: CheckIn | None,
    settings: CompanySettings,
    now: datetime,
) -> Alarm:
    """Plan the chain for an urgent reply and page its first level at once (flushed, not
    committed; the caller commits, then enqueues the texts)."""
    plan, after_hours = plan_chain(customer, checkin, settings, now)
    escalation = Escalation(
        reply_id=reply.id,
        customer_id=customer.id if customer else None,
        reason="urgent",
        plan=plan,
        step=0,
        is_after_hours=after_hours,
        next_at=now,
        created_at=now,
    )
    db.session.add(escalation)
    db.session.flush()
    texts = _advance(escalation, now, settings) or []
    first = escalation.pages[0] if escalation.pages else None
    if first is None:
        log.warning("fire alarm: reply %s, escalation %s: nobody to page", reply.id, escalation.id)
    return Alarm(escalation, first.user if first else None, first.level if first else None, texts)


def open_review(
    reply: Reply, customer: Customer | None, now: datetime, reason: str = "needs_review"
) -> Escalation:
    """Put a reply on the manager's attention list for a person to decide (flushed): one the
    classifier was not sure of, or (`reason`) a probable opt-out."""
    escalation = Escalation(
        reply_id=reply.id,
        customer_id=customer.id if customer else None,
        reason=reason,
        plan=[],
        step=0,
        next_at=None,
        created_at=now,
    )
    db.session.add(escalation)
    db.session.flush()
    log.info("reply %s on the attention list (%s): escalation %s", reply.id, reason, escalation.id)
    return escalation


def _users(ids: list[int]) -> list[User]:
    found = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids or [-1])))}
    return [found[i] for i in ids if i in found]


def _next_level(plan: list, seen: int) -> tuple[str, list[User], int] | None:
    """The plan's next level from `seen` with someone to page now: (level, people, its index)."""
    for i in range(seen, len(plan)):
        candidates = [u for u in _users(plan[i][1]) if pageable(u)]
        if candidates:
            return plan[i][0], candidates, i
    return None


def repage_targets(now: datetime, settings: CompanySettings) -> list[tuple[str, User]]:
    """Whom a re-page round pages: the person on call now, then the managers (nobody twice,
    only people who can be paged)."""
    person = oncall.on_call(now, settings, business_hours(settings))
    levels = [("on_call", [person] if person is not None else []), ("manager", managers())]
    targets, seen = [], set()
    for level, users in levels:
        for user in users:
            if pageable(user) and user.id not in seen:
                seen.add(user.id)
                targets.append((level, user))
    return targets


def _advance(escalation: Escalation, now: datetime, settings: CompanySettings) -> list[int] | None:
    """Page what comes next: the plan's next level that has someone to page now; after the
    last level, the person on call and the managers again (`repage_rounds` rounds); after
    that, mark it unanswered. Compare-and-set on (`step`, `repaged`); None when another
    scheduler moved it first (or it was taken)."""
    plan, seen, seen_rounds = escalation.plan or [], escalation.step, escalation.repaged
    step, rounds, unanswered_at = seen, seen_rounds, None
    next_at = now + timedelta(minutes=settings.escalation_minutes)
    found = _next_level(plan, seen)
    if found is not None:
        level, users, index = found
        step, targets = index + 1, [(level, u) for u in users]
    else:
        step, targets = len(plan), []
        if rounds < settings.repage_rounds:
            targets = repage_targets(now, settings)
            rounds += 1 if targets else 0
        if not targets:
            unanswered_at, next_at = now, None
    moved = db.session.execute(
        sa.update(Escalation)
        .where(
            Escalation.id == escalation.id,
            Escalation.step == seen,
            Escalation.repaged == seen_rounds,
            Escalation.acked_at.is_(None),
            Escalation.unanswered_at.is_(None),
        )
        .values(step=step, repaged=rounds, next_at=next_at, unanswered_at=unanswered_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        return None
    escalation.step, escalation.repaged, escalation.next_at = step, rounds, next_at
    escalation.unanswered_at = unanswered_at
    if unanswered_at is not None:
        log.warning(
            "fire alarm: escalation %s (reply %s) unanswered after %d re-page rounds",
            escalation.id,
            escalation.reply_id,
            rounds,
        )
    repage = (rounds, settings.repage_rounds) if found is None else None
    texts = [_page(escalation, user, level, now, repage) for level, user in targets]
    first = seen == 0 and seen_rounds == 0
    _alert_chat(escalation, targets, first, repage, settings, now)
    return texts


def chat_text(
    escalation: Escalation,
    targets: list[tuple[str, User]],
    first: bool,
    repage: tuple[int, int] | None,
) -> tuple[str, str]:
    """The chat alert for a step of the chain, (kind, text): who wrote what and who is paged
    now, without the customer's number (a chat channel is read by many)."""
    customer = escalation.customer
    who = escape(customer.name if customer else "An unknown number")
    paged = ", ".join(
        f"{escape(u.display_name)} ({LEVEL_NAMES.get(level, level)})" for level, u in targets
    )
    link = f"<{public_url('/admin/attention')}|Take it>"
    if escalation.unanswered_at is not None:
        return "unanswered", f":rotating_light: Nobody took {who}'s urgent reply. {link}"
    if first:
        words = escape(_quote(escalation.reply.text))
        now_paging = f"Paging {paged}." if paged else "Nobody could be paged."
        return "urgent", f':rotating_light: URGENT: {who} wrote "{words}". {now_paging} {link}'
    again = f", paged again ({repage[0]} of {repage[1]})" if repage else ""
    return "escalated", f"Still not taken: {who}'s urgent reply now goes to {paged}{again}. {link}"


def _alert_chat(
    escalation: Escalation,
    targets: list[tuple[str, User]],
    first: bool,
    repage: tuple[int, int] | None,
    settings: CompanySettings,
    now: datetime,
) -> None:
    if not settings.chat_webhook_url:
        return
    kind, text = chat_text(escalation, targets, first, repage)
    alert = queue_chat_alert(settings, kind, text, escalation.id, now)
    log.info("fire alarm: escalation %s: chat alert %s (%s)", escalation.id, alert.id, kind)


def _page(
    escalation: Escalation,
    user: User,
    level: str,
    now: datetime,
    repage: tuple[int, int] | None = None,
) -> int:
    token = secrets.token_urlsafe(16)
    earlier = list(escalation.pages)
    page = Page(
        escalation=escalation,
        reply_id=escalation.reply_id,
        user_id=user.id,
        level=level,
        repage_round=repage[0] if repage else 0,
        token_hash=hash_token(token),
        sent_at=now,
    )
    db.session.add(page)
    db.session.flush()
    body = page_text(escalation, earlier, public_url(LINK_PATH + token), now, repage)
    message = queue_text(
        user.phone, body, "page", customer_id=escalation.customer_id, user_id=user.id, now=now
    )
    page.message_id = message.id
    log.warning(
        "fire alarm: escalation %s (reply %s) paged user %s as %s (page %s, text %s)",
        escalation.id,
        escalation.reply_id,
        user.id,
        level,
        page.id,
        message.id,
    )
    return message.id


def _quote(text: str) -> str:
    words = " ".join((text or "").split())
    return words if len(words) <= WORDS_MAX else words[: WORDS_MAX - 3].rstrip() + "..."


def page_text(
    escalation: Escalation,
    earlier: list[Page],
    link: str,
    now: datetime,
    repage: tuple[int, int] | None = None,
) -> str:
    """The page: who wrote what, whom to call, how to take it, and who did not answer before
    (and, paged again, which round of how many)."""
    reply, customer = escalation.reply, escalation.customer
    number = call_number(escalation)
    who = customer.name if customer else f"Unknown number {number}"
    head = "URGENT"
    if earlier:
        waited = max(1, int((now - earlier[0].sent_at).total_seconds() // 60))
        names = ", ".join(dict.fromkeys(first_name(p.user.name) or "?" for p in earlier if p.user))
        head = f"URGENT, not taken in {waited} min ({names} paged)"
        if repage:
            head = f"URGENT, STILL not taken in {waited} min, paged again {repage[0]} of "
            head += f"{repage[1]} ({names} paged)"
    return (
        f'{head}: {who} wrote "{_quote(reply.text)}". Call {number}. '
        f"Reply 1 to take it, or tap {link}"
    )


def _sender(reply: Reply) -> str:
    if reply.message_id is None:
        return "unknown"
    return db.session.scalar(sa.select(Message.from_number).where(Message.id == reply.message_id))


# -- the scheduler's step ----------------------------------------------------------------


def escalate_due(now: datetime) -> int:
    """One scheduler step: every escalation whose level went unanswered until `now` pages its
    next level, pages again, or is marked unanswered (compare-and-set, one commit each);
    returns how many moved."""
    from outreach.conversations.followups import get_company_settings

    db.session.commit()
    settings = get_company_settings()
    due = list(
        db.session.scalars(
            sa.select(Escalation)
            .where(Escalation.next_at <= now, Escalation.acked_at.is_(None))
            .options(selectinload(Escalation.pages).selectinload(Page.user))
            .order_by(Escalation.next_at, Escalation.id)
            .limit(SWEEP_LIMIT)
        )
    )
    moved = 0
    for escalation in due:
        texts = _advance(escalation, now, settings)
        if texts is None:
            db.session.rollback()
            continue
        db.session.commit()
        enqueue_texts(texts)
        moved += 1
        if not texts and escalation.unanswered_at is None:
            log.warning("fire alarm: escalation %s: nobody left to page", escalation.id)
    return moved


# -- taking it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Taken:
    """The result of trying to take an escalation: whether this call took it, and the row
    (with who holds it when someone else was first)."""

    escalation: Escalation
    is_taken_now: bool
    texts: tuple[int, ...] = ()  #: "Taken by …" texts to the others paged, to enqueue


def acknowledge(escalation_id: int, user: User, via: str, now: datetime) -> Taken | None:
    """Take an escalation for `user` once (compare-and-set): no more pages, the user's pages
    marked taken, the follow-up theirs (flushed, not committed). None when it does not exist."""
    moved = db.session.execute(
        sa.update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.acked_at.is_(None))
        .values(acked_at=now, acked_by_id=user.id, acked_via=via, next_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    escalation = db.session.get(Escalation, escalation_id, populate_existing=True)
    if escalation is None:
        return None
    if moved:
        db.session.execute(
            sa.update(Page)
            .where(
                Page.escalation_id == escalation_id,
                Page.user_id == user.id,
                Page.acked_at.is_(None),
            )
            .values(acked_at=now, acked_via=via)
            .execution_options(synchronize_session=False)
        )
        if escalation.followup_id is not None:
            db.session.execute(
                sa.update(FollowUp)
                .where(
                    FollowUp.id == escalation.followup_id,
                    FollowUp.state.in_(OPEN_FOLLOWUP_STATES),
                )
                .values(owner_id=user.id, updated_at=now)
                .execution_options(synchronize_session=False)
            )
        db.session.flush()
        db.session.expire(escalation)
        log.warning(
            "fire alarm: escalation %s (reply %s) taken by user %s %s",
            escalation_id,
            escalation.reply_id,
            user.id,
            via,
        )
        return Taken(escalation, True, _tell_the_others(escalation, user, now))
    return Taken(escalation, False)


def _tell_the_others(escalation: Escalation, taker: User, now: datetime) -> tuple[int, ...]:
    """A short "Taken by <name>" text to everyone else paged for it, so they stop (queued in
    the caller's transaction, on the customer's timeline); the pending text ids."""
    others = {p.user_id: p.user for p in escalation.pages if p.user_id != taker.id and p.user}
    who = _customer_words(escalation)
    texts = []
    for user in others.values():
        if not user.phone:
            continue
        message = queue_text(
            user.phone,
            f"Taken by {taker.display_name}: {who}. Nothing to do.",
            "page_answer",
            customer_id=escalation.customer_id,
            user_id=user.id,
            now=now,
        )
        texts.append(message.id)
    if texts:
        log.info(
            "fire alarm: escalation %s: %d others told it was taken", escalation.id, len(texts)
        )
    return tuple(texts)


def open_page_for(users: list[User]) -> Page | None:
    """The newest page to one of these users that nobody has taken yet."""
    if not users:
        return None
    return db.session.scalar(
        sa.select(Page)
        .join(Escalation, Escalation.id == Page.escalation_id)
        .where(Page.user_id.in_([u.id for u in users]), Escalation.acked_at.is_(None))
        .order_by(Page.sent_at.desc(), Page.id.desc())
        .limit(1)
    )


def _last_page_for(users: list[User]) -> Page | None:
    return db.session.scalar(
        sa.select(Page)
        .where(Page.user_id.in_([u.id for u in users]))
        .order_by(Page.sent_at.desc(), Page.id.desc())
        .limit(1)
    )


def call_number(escalation: Escalation) -> str | None:
    """Whom to call back: the customer's phone, or the unknown sender's number."""
    if escalation.customer is not None:
        return escalation.customer.phone
    return _sender(escalation.reply)


def _customer_words(escalation: Escalation) -> str:
    customer = escalation.customer
    return customer.name if customer else "the unknown number"


def take_by_sms(users: list[User], now: datetime, zone: str) -> tuple[str, Taken | None]:
    """A paged person texted "1": take their newest open page; the answer to text back."""
    page = open_page_for(users)
    if page is None:
        last = _last_page_for(users)
        escalation = last.escalation if last is not None else None
        if escalation is not None and escalation.acked_at is not None:
            return _taken_answer(escalation, users, zone), None
        return "No page is waiting for you.", None
    taken = acknowledge(page.escalation_id, page.user, "sms", now)
    if taken is None:
        return "No page is waiting for you.", None
    if not taken.is_taken_now:
        return _taken_answer(taken.escalation, users, zone), taken
    escalation = taken.escalation
    number = call_number(escalation)
    due = db.session.get(FollowUp, escalation.followup_id) if escalation.followup_id else None
    by = f" by {format_when(due.due_at, zone)}" if due is not None else ""
    return f"It's yours: call {_customer_words(escalation)} at {number}{by}.", taken


def _taken_answer(escalation: Escalation, users: list[User], zone: str) -> str:
    holder = escalation.acked_by
    when = format_when(escalation.acked_at, zone)
    if holder is not None and holder.id in {u.id for u in users}:
        return f"You already took it ({_customer_words(escalation)}, {when})."
    name = holder.display_name if holder else "Someone"
    return f"{name} already took it ({_customer_words(escalation)}, {when}). Nothing to do."


# -- the one-tap link --------------------------------------------------------------------


@dataclass(frozen=True)
class LinkCheck:
    """What a one-tap link is worth now: `ok` (can take it), `unknown`, `expired`, `used`,
    or `taken` (someone already has it; `page.escalation.acked_by` says who)."""

    state: str
    page: Page | None = None


def check_link(token: str, now: datetime) -> LinkCheck:
    """Look a link's token up (by its hash) and say whether it can still take the page."""
    if not token or len(token) > TOKEN_MAX:
        return LinkCheck("unknown")
    page = db.session.scalar(sa.select(Page).where(Page.token_hash == hash_token(token)))
    if page is None:
        return LinkCheck("unknown")
    if page.escalation.acked_at is not None:
        return LinkCheck("taken", page)
    if page.token_used_at is not None:
        return LinkCheck("used", page)
    if page.sent_at + LINK_TTL < now:
        return LinkCheck("expired", page)
    return LinkCheck("ok", page)


def take_by_link(token: str, now: datetime) -> LinkCheck:
    """Use a one-tap link once: take the page for the person it was sent to; commits."""
    check = check_link(token, now)
    if check.state != "ok":
        return check
    page = check.page
    used = db.session.execute(
        sa.update(Page)
        .where(Page.id == page.id, Page.token_used_at.is_(None))
        .values(token_used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not used or page.user is None:
        db.session.rollback()
        return LinkCheck("used", page)
    taken = acknowledge(page.escalation_id, page.user, "link", now)
    db.session.commit()
    enqueue_texts(taken.texts if taken is not None else ())
    db.session.refresh(page)
    if taken is None or not taken.is_taken_now:
        return LinkCheck("taken", page)
    return LinkCheck("ok", page)


def take_on_web(
    escalation_id: int, user: User, now: datetime, *, paged_only: bool = False
) -> Taken | None:
    """Take an escalation from a page's button; commits. None when it does not exist (or,
    with `paged_only`, when the user was not paged for it)."""
    if paged_only and not db.session.scalar(
        sa.select(Page.id).where(Page.escalation_id == escalation_id, Page.user_id == user.id)
    ):
        return None
    taken = acknowledge(escalation_id, user, "web", now)
    db.session.commit()
    enqueue_texts(taken.texts if taken is not None else ())
    return taken


def waiting_pages(user: User) -> list[Page]:
    """The pages to this user nobody has taken yet, newest first (the rep's page shows them)."""
    return list(
        db.session.scalars(
            sa.select(Page)
            .join(Escalation, Escalation.id == Page.escalation_id)
            .where(Page.user_id == user.id, Escalation.acked_at.is_(None))
            .options(
                joinedload(Page.escalation).joinedload(Escalation.reply),
                joinedload(Page.escalation).joinedload(Escalation.customer),
            )
            .order_by(Page.sent_at.desc(), Page.id.desc())
            .limit(20)
        ).unique()
    )
