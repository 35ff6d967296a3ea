"""Ratings (a bare digit, 4/5, 5 stars), keypad digits, and what makes a reply a question."""

from __future__ import annotations

import re
from collections.abc import Mapping

from outreach.triage.text import Token

#: voice Gather keypad: what each digit means (the check-in call's prompt says so)
DEFAULT_DIGIT_MAP: Mapping[str, str] = {"1": "positive", "2": "callback_requested"}

_BARE = re.compile(r"^[\W_]*([1-5])[\W_]*$")
_STARS_ONLY = re.compile(r"^\s*(⭐{1,5}|★{1,5})\s*$")
_RATING_PATTERNS = (
    re.compile(r"(?<![\d/.,])([1-5])\s*(?:/|out\s+of)\s*5(?![\d.,]?\d)", re.I),
    re.compile(r"(?<![\d/.,])([1-5])\s*(?:stars?\b|estrellas?\b|⭐)", re.I),
    re.compile(
        r"\b(?:give|rate|rating|score)\s+(?:(?:it|you|him|her|them|u|the\s+\w+)\s+)?"
        r"(?:an?\s+|a\s+solid\s+)?([1-5])(?![\d/.,]?\d)",
        re.I,
    ),
    re.compile(r"\brating\s*[:=]?\s*([1-5])(?![\d/.,]?\d)", re.I),
    re.compile(r"^\s*([1-5])\s*(?:[-\u2013\u2014:,!)]|\.(?!\d))", re.I),
)


def find_rating(text: str) -> tuple[int, str] | None:
    """(rating 1-5, the words as written) when the reply gives a rating, else None."""
    text = text.replace("\ufe0f", "")  # emoji variation selector: ⭐️ is ⭐
    bare = _BARE.match(text)
    if bare:
        return int(bare.group(1)), bare.group(1)
    stars = _STARS_ONLY.match(text)
    if stars:
        return len(stars.group(1)), stars.group(1)
    for pattern in _RATING_PATTERNS:
        found = pattern.search(text)
        if found:
            return int(found.group(1)), found.group(0).strip()
    return None


def rating_class(rating: int) -> str:
    """1-2 negative, 3 neutral, 4-5 positive."""
    return "negative" if rating <= 2 else "neutral" if rating == 3 else "positive"


def normalize_digits(digits: str | None) -> str:
    """Keypad input without the # or * that ends it."""
    return (digits or "").strip().strip("#*").strip()


QUESTION_STARTS = frozenset(
    {
        "how", "what", "whats", "what's", "when", "whens", "when's", "where", "wheres", "where's",
        "why", "who", "which", "hows", "how's",
        "can", "could", "do", "does", "did", "is", "are", "was", "were", "will", "would",
        "should", "may", "any", "anyone",
    }
)  # fmt: skip
#: Spanish interrogatives carry an accent (cómo vs como); without one, "?" has to say it
_SPANISH_QUESTION_STARTS = frozenset(
    {"qué", "cuándo", "cuánto", "cuánta", "dónde", "cómo", "quién", "cuál"}
)
_ANSWERS = frozenset({"no", "nope", "nah", "yes", "yeah", "yep", "of", "si", "course"})


def question_cue(tokens: list[Token]) -> str | None:
    """What makes the reply a question ('?' or a question word first), unless it answers itself."""
    for i, token in enumerate(tokens):
        if token.raw in ("?", "¿"):
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if token.raw == "?" and following is not None and following.fold in _ANSWERS:
                continue  # "fire the technician? no, he was great": rhetorical
            return "'?'"
    first = next((t for t in tokens if t.is_word or t.kind == "number"), None)
    if first is None or not first.is_word or tokens[-1].raw in ("!", "."):
        return None
    if sum(1 for t in tokens if t.is_word) < 3:
        return None  # "Will do", "Can do": not questions without a "?"
    if first.lower in QUESTION_STARTS or first.lower in _SPANISH_QUESTION_STARTS:
        return f"question word '{first.lower}'"
    return None


_NOT_THEM = re.compile(
    r"^\W*(?i:(?:sorry\W*)?(?:this\s+is\s+not|this\s+isn['\u2019]?t|this\s+is\s+no\s+longer|"
    r"i['\u2019]?m\s+not|i\s+am\s+not|not))\s+([A-Z][a-z]+)(?i:['\u2019]s\s+(?:phone|number))?\W*$"
)


def not_the_customer(text: str) -> str | None:
    """The name in "This is not Jennifer" / "I'm not Dave" (a wrong number), else None."""
    found = _NOT_THEM.match(text or "")
    return found.group(0).strip() if found else None
