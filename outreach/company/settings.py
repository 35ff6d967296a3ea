"""Company settings (one row) and the triage phrases: reading, validating, changing."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.models import CompanySettings, TriageExample, TriagePhrase
from outreach.models.base import upsert_insert
from outreach.models.messages import TRIAGE_CLASSES
from outreach.models.settings import DAY_KEYS, default_week
from outreach.triage import Phrase
from outreach.triage.text import tokenize

log = logging.getLogger(__name__)

QUIET_HOURS_FLOOR = ("08:00", "21:00")  #: automated contact only inside this, whatever is set
DAY_NAMES = dict(
    zip(
        DAY_KEYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
HELP_TEXT_MAX = 480  #: three SMS segments of GSM-7
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
#: classes a phrase may put a reply in (opt-out, opt-in and help words are fixed by carriers)
PHRASE_CLASSES = tuple(
    c for c in TRIAGE_CLASSES if c not in ("opt_out", "opt_in", "help", "needs_review")
)


@cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows."""
    return frozenset(available_timezones())


def get_company_settings() -> CompanySettings:
    """The settings row, inserted with the defaults if missing (the caller commits)."""
    row = db.session.get(CompanySettings, 1)
    if row is not None:
        return row
    db.session.execute(upsert_insert(CompanySettings).values(id=1).on_conflict_do_nothing())
    return db.session.get(CompanySettings, 1)


@dataclass(frozen=True)
class SettingsInput:
    """What the settings form sends, as text or numbers, not yet checked."""

    name: str
    default_timezone: str
    quiet_end: str
    quiet_start: str
    help_text: str
    reply_window_hours: int | None
    followup_grace_hours: int | None
    reassurance_every_hours: int | None
    send_thank_you: bool
    reassure_by_email: bool = False
    #: per weekday ("mon"…"sun") the opening and closing times as typed; both empty: closed
    business_week: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {k: tuple(v) for k, v in default_week().items()}
    )
    chat_webhook_url: str = ""  #: empty: no chat alerts


def _hhmm(value: str, field: str, label: str = "") -> str:
    value = (value or "").strip()
    if len(value) == 4 and value[1] == ":":
        value = "0" + value
    if not _HHMM.match(value):
        raise ValidationError(f"{label}use a 24-hour time like 08:30", field=field)
    return value


def validate_week(hours: dict[str, tuple[str, str]]) -> dict[str, list[str]]:
    """Business hours per weekday as stored ({"mon": ["08:00", "18:00"], …}, closed days left
    out) from the times typed; ValidationError naming the day's field (`mon_open`…)."""
    week = {}
    for key in DAY_KEYS:
        opens, closes = (*(hours.get(key) or ()), "", "")[:2]
        opens, closes = str(opens or "").strip(), str(closes or "").strip()
        if not opens and not closes:
            continue
        day = DAY_NAMES[key]
        if not opens or not closes:
            empty = f"{key}_open" if not opens else f"{key}_close"
            raise ValidationError(
                f"{day}: give both times, or leave both empty when closed", field=empty
            )
        opens = _hhmm(opens, f"{key}_open", f"{day}: ")
        closes = _hhmm(closes, f"{key}_close", f"{day}: ")
        if closes <= opens:
            raise ValidationError(
                f"{day}: closing ({closes}) must be later than opening ({opens})",
                field=f"{key}_close",
            )
        week[key] = [opens, closes]
    if not week:
        raise ValidationError(
            "open at least one day: give its opening and closing", field="mon_open"
        )
    return week


def _hours(value: int | None, field: str, low: int, high: int) -> int:
    if value is None:
        raise ValidationError("required", field=field)
    if not low <= value <= high:
        raise ValidationError(f"must be between {low} and {high} hours", field=field)
    return value


def _chat_url(value: str) -> str | None:
    url = (value or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 500:
        raise ValidationError(
            "an https:// URL of at most 500 characters, e.g. a Slack incoming webhook",
            field="chat_webhook_url",
        )
    return url


def validate_settings(data: SettingsInput) -> dict[str, Any]:
    """Check every setting; raise ValidationError naming the first bad field."""
    name = (data.name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError("a name of 1 to 200 characters is required", field="name")
    zone = (data.default_timezone or "").strip()
    if zone not in zone_names():
        raise ValidationError(
            "not a time zone name; use one like America/Chicago", field="default_timezone"
        )
    quiet_end = _hhmm(data.quiet_end, "quiet_end")
    quiet_start = _hhmm(data.quiet_start, "quiet_start")
    floor_start, floor_end = QUIET_HOURS_FLOOR
    if quiet_end < floor_start:
        raise ValidationError(f"sending cannot start before {floor_start}", field="quiet_end")
    if quiet_start > floor_end:
        raise ValidationError(f"sending must stop by {floor_end}", field="quiet_start")
    if quiet_start <= quiet_end:
        raise ValidationError("must be later than the time sending starts", field="quiet_start")
    help_text = (data.help_text or "").strip()
    if not help_text or len(help_text) > HELP_TEXT_MAX:
        raise ValidationError(
            f"a help text of 1 to {HELP_TEXT_MAX} characters is required", field="help_text"
        )
    business_week = validate_week(data.business_week)
    reassurance = data.reassurance_every_hours
    if reassurance is not None:
        reassurance = _hours(reassurance, "reassurance_every_hours", 1, 24 * 14)
    return {
        "name": name,
        "chat_webhook_url": _chat_url(data.chat_webhook_url),
        "default_timezone": zone,
        "quiet_end": quiet_end,
        "quiet_start": quiet_start,
        "help_text": help_text,
        "reply_window_hours": _hours(data.reply_window_hours, "reply_window_hours", 1, 24 * 30),
        "business_week": business_week,
        "followup_grace_hours": _hours(data.followup_grace_hours, "followup_grace_hours", 0, 168),
        "reassurance_every_hours": reassurance,
        "send_thank_you": bool(data.send_thank_you),
        "reassure_by_email": bool(data.reassure_by_email),
    }


def update_settings(data: SettingsInput, actor_id: int | None = None) -> CompanySettings:
    """Validate and store every setting at once; nothing changes when one is wrong."""
    values = validate_settings(data)
    row = get_company_settings()
    for key, value in values.items():
        setattr(row, key, value)
    db.session.commit()
    log.info("company settings changed by user %s", actor_id)
    return row


def list_phrases() -> list[TriagePhrase]:
    """Every triage phrase, by class then phrase."""
    return list(
        db.session.scalars(
            sa.select(TriagePhrase).order_by(TriagePhrase.triage_class, TriagePhrase.phrase)
        )
    )


def normalize_phrase(phrase: str) -> str:
    """A phrase as it is matched: lower case, single spaces."""
    return " ".join((phrase or "").lower().split())


def add_phrase(triage_class: str, phrase: str) -> TriagePhrase:
    """Add a phrase that puts a reply in a triage class."""
    if triage_class not in PHRASE_CLASSES:
        raise ValidationError(
            f"class must be one of {', '.join(PHRASE_CLASSES)}", field="triage_class"
        )
    phrase = normalize_phrase(phrase)
    if not 2 <= len(phrase) <= 200:
        raise ValidationError("a phrase of 2 to 200 characters is required", field="phrase")
    if db.session.scalar(sa.select(TriagePhrase.id).where(TriagePhrase.phrase == phrase)):
        raise Conflict(f"the phrase {phrase!r} is already in the list", field="phrase")
    row = TriagePhrase(triage_class=triage_class, phrase=phrase)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # added by someone else a moment ago
        db.session.rollback()
        raise Conflict(f"the phrase {phrase!r} is already in the list", field="phrase") from None
    log.info("triage phrase %s added", row.id)
    return row


def set_phrase_active(phrase_id: int, active: bool) -> TriagePhrase:
    """Enable or disable a phrase without losing it."""
    row = db.session.get(TriagePhrase, phrase_id)
    if row is None:
        raise NotFound("no such phrase")
    row.is_active = active
    db.session.commit()
    return row


def remove_phrase(phrase_id: int) -> None:
    """Delete a phrase."""
    row = db.session.get(TriagePhrase, phrase_id)
    if row is None:
        raise NotFound("no such phrase")
    db.session.delete(row)
    db.session.commit()
    log.info("triage phrase %s removed", phrase_id)


# -- the managers' examples -------------------------------------------------------------------

EXAMPLE_MAX = 500


def example_key(text: str) -> str:
    """The words of a reply, folded (lower case, no accents or punctuation): how an example
    is matched and kept unique."""
    return " ".join(t.fold for t in tokenize(text or "") if t.kind in ("word", "number"))


def list_examples() -> list[TriageExample]:
    """Every example, those that must raise the alarm first, then by wording."""
    return list(
        db.session.scalars(
            sa.select(TriageExample).order_by(TriageExample.is_urgent.desc(), TriageExample.key)
        )
    )


def add_example(text: str, is_urgent: bool, actor_id: int | None = None) -> TriageExample:
    """Add a reply that must (or must not) raise the alarm; it counts from the next reply."""
    text = " ".join((text or "").split())
    key = example_key(text)
    if not key or len(text) > EXAMPLE_MAX:
        raise ValidationError(
            f"write the reply as a customer would, up to {EXAMPLE_MAX} characters", field="text"
        )
    if is_urgent:
        try:
            Phrase("urgent", text)
        except ValueError:
            raise ValidationError("write at least one word", field="text") from None
    same = db.session.scalar(sa.select(TriageExample).where(TriageExample.key == key))
    if same is not None:
        where = "must raise the alarm" if same.is_urgent else "must not raise the alarm"
        raise Conflict(f"this reply is already an example that {where}", field="text")
    row = TriageExample(text=text, key=key, is_urgent=is_urgent, created_by_id=actor_id)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # added by someone else a moment ago
        db.session.rollback()
        raise Conflict("this reply is already an example", field="text") from None
    log.info("triage example %s added by user %s (urgent=%s)", row.id, actor_id, is_urgent)
    return row


def remove_example(example_id: int, actor_id: int | None = None) -> None:
    """Delete an example."""
    row = db.session.get(TriageExample, example_id)
    if row is None:
        raise NotFound("no such example")
    db.session.delete(row)
    db.session.commit()
    log.info("triage example %s removed by user %s", example_id, actor_id)
