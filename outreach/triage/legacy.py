"""The hand-written rules (keywords, phrases, ratings, lexicon sentiment) by a fixed precedence.

This was the whole classifier until the learned model came; its answer is now one of the
model's inputs (and the "rules" method the cross-validation compares against)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from outreach.triage.keywords import opt_out_type_class, revocation, whole_message_keyword
from outreach.triage.phrases import (
    DEFAULT_PHRASES,
    TRIAGE_CLASSES,
    Match,
    Phrase,
    PhraseIndex,
    applies,
    compile_phrases,
    find_phrases,
)
from outreach.triage.rules import (
    DEFAULT_DIGIT_MAP,
    find_rating,
    normalize_digits,
    not_the_customer,
    question_cue,
    rating_class,
)
from outreach.triage.sentiment import Sentiment, analyse
from outreach.triage.text import Token, tokenize

COMPLAINT_AT = -0.5  #: a question this negative is a complaint ("why does it keep breaking?")
MAX_CHARS = 5000  #: longer replies are judged on their beginning
#: classes found by phrases, in order of precedence; the first wins, the others go to `also`
_PHRASE_ORDER = ("urgent", "wrong_number", "callback_requested")


@dataclass(frozen=True, slots=True)
class RuleResult:
    """The class of a reply, why (evidence a person can read), its 1-5 rating and sentiment."""

    triage_class: str
    evidence: str
    rating: int | None = None
    sentiment: float | None = None
    also: tuple[str, ...] = ()  #: other classes the reply also matched (urgent, callback…)
    urgent_evidence: str = ""  #: why the reply is also urgent, when another class came first


def _describe(matches: list[Match]) -> str:
    seen: list[str] = []
    for m in matches:
        if m.describe() not in seen:
            seen.append(m.describe())
    return "; ".join(seen[:2])


def _phrase_signals(
    text: str, tokens: list[Token], phrases: PhraseIndex, mood: Sentiment | None
) -> dict[str, str]:
    """Class → evidence for every phrase class that applies, in order of precedence."""
    score = mood.score if mood else 0.0
    signals: dict[str, str] = {}
    words = revocation(tokens)
    if words:
        signals["opt_out"] = f"words '{words}' (consent revoked)"
    for triage_class in _PHRASE_ORDER:
        matches = [
            m for m in find_phrases(tokens, phrases, triage_class) if applies(tokens, m, score)
        ]
        if matches:
            signals[triage_class] = _describe(matches)
        if triage_class == "wrong_number" and not matches and not_the_customer(text):
            signals[triage_class] = f"words '{not_the_customer(text)}' (not the customer)"
    return signals


def rules_classify(
    text: str | None,
    digits: str | None = None,
    phrases: Iterable[Phrase] | None = None,
    *,
    opt_out_type: str | None = None,
    digit_map: Mapping[str, str] | None = None,
) -> RuleResult:
    """The rules alone on one reply (SMS text or voice speech/keypad digits); pure."""
    if text is not None and not isinstance(text, str):
        raise TypeError("text must be a string or None")
    text = (text or "")[:MAX_CHARS]
    phrase_list = compile_phrases(DEFAULT_PHRASES if phrases is None else tuple(phrases))
    digit_map = DEFAULT_DIGIT_MAP if digit_map is None else digit_map
    for mapped in digit_map.values():
        if mapped not in TRIAGE_CLASSES:
            raise ValueError(f"digit_map names an unknown class {mapped!r}")
    tokens = tokenize(text)
    mood = analyse(text, tokens) if tokens else None
    found_rating = find_rating(text) if tokens else None
    rating = found_rating[0] if found_rating else None
    score = mood.score if mood else None

    def result(
        triage_class: str, evidence: str, also: Mapping[str, str] | None = None
    ) -> RuleResult:
        also = also or {}
        others = tuple(c for c in also if c != triage_class)
        urgent = also.get("urgent", "") if triage_class != "urgent" else ""
        return RuleResult(triage_class, evidence, rating, score, others, urgent)

    carrier = opt_out_type_class(opt_out_type)
    if carrier:
        return result(carrier, f"Twilio OptOutType {opt_out_type.strip().upper()}")
    keyword = whole_message_keyword(text)
    if keyword:
        return result(keyword[0], f"keyword '{keyword[1].upper()}' (whole message)")

    signals = _phrase_signals(text, tokens, phrase_list, mood)
    if signals:
        first = next(iter(signals))
        return result(first, signals[first], signals)

    keypad = normalize_digits(digits)
    if keypad and keypad in digit_map:
        return result(digit_map[keypad], f"keypad {keypad} ({digit_map[keypad]})")
    if found_rating:
        return result(rating_class(found_rating[0]), f"rating {found_rating[0]}/5")
    if not tokens:
        evidence = f"keypad {keypad} (not mapped)" if keypad else "empty reply"
        return result("neutral", evidence)

    asked = [m for m in find_phrases(tokens, phrase_list, "question") if applies(tokens, m)]
    cue = _describe(asked) if asked else question_cue(tokens)
    if cue:
        if mood is not None and mood.score <= COMPLAINT_AT:
            return result("negative", f"{mood.describe()} (a complaint put as a question)")
        return result("question", cue if asked else f"question: {cue}")

    for triage_class in ("negative", "positive", "neutral"):
        matches = [
            m
            for m in find_phrases(tokens, phrase_list, triage_class)
            if applies(tokens, m, mood.score)
        ]
        if matches:
            return result(triage_class, _describe(matches))
    return result(mood.label, mood.describe())
