"""classify(): one reply → its triage class and the evidence a person can check.

Order (docs/triage.md):
1. Twilio's OptOutType, then carrier keywords as the whole message (STOP, START, HELP…).
2. A voice keypad answer with no speech: the digit map (an unmapped digit needs review).
3. Consent revoked in words by a strong rule → opt_out (urgent as well → urgent, and
   `consent_revoked` stays true), unless the model puts opt_out under `opt_out_veto`: then
   a probable opt-out (needs_review, sends paused, a person decides).
4. The manager's examples: a reply close enough to one gets its label.
5. Urgent: an urgent phrase of the rules, or the model's urgent probability over its threshold.
6. The model sure of opt_out (at `opt_out_sure`, no consent guard) → opt_out; else a probable
   revocation (a weak consent rule, or the model says opt_out with no rule) → needs_review
   with `probable_opt_out=True`.
7. The model's most probable class, if it is confident enough; else needs_review (in words
   the model cannot read: with `probable_opt_out=True`, so sends pause until a person reads it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from outreach.triage.consent import Revocation, consent_given, guard, revocation
from outreach.triage.legacy import MAX_CHARS, RuleResult, rules_classify
from outreach.triage.model import Model, Scores, cosine, example_text, example_vector, get_model
from outreach.triage.phrases import TRIAGE_CLASSES, Phrase
from outreach.triage.rules import DEFAULT_DIGIT_MAP, normalize_digits
from outreach.triage.signals import rule_features
from outreach.triage.text import tokenize

NEEDS_REVIEW = "needs_review"
#: a reply with fewer of its letter groups seen in training than this is unfamiliar ...
NOVEL_SHARE = 0.35
#: ... and goes to a person unless the model is at least this sure anyway
NOVEL_CONFIDENT = 0.7
#: rules evidence that decides alone, before the model: the carrier's word is final
_CARRIER_PREFIXES = ("Twilio OptOutType", "keyword '")
_EXAMPLE_CLASSES = frozenset(TRIAGE_CLASSES) - {"opt_out", "opt_in", "help", NEEDS_REVIEW}
#: ends the evidence of a reply in words the model cannot read (sends paused, see classify)
UNREADABLE = "automated sends paused until a person reads it"


def unreadable(evidence: str | None) -> bool:
    """True for the evidence of a reply paused because the model could not read its words."""
    return bool(evidence) and evidence.endswith(UNREADABLE)


@dataclass(frozen=True, slots=True)
class Triage:
    """The class of a reply, why (evidence a person can read), its 1-5 rating and sentiment.

    `probable_opt_out`: the reply probably revokes consent but no rule is sure, or it is in
    words the model cannot read (class needs_review): pause automated sends and ask a person.
    `confidence`: the model's probability for the class it chose (None when a rule or keyword
    decided alone)."""

    triage_class: str
    evidence: str
    rating: int | None = None
    sentiment: float | None = None
    also: tuple[str, ...] = ()  #: other classes the reply also matched (urgent, opt_out…)
    probable_opt_out: bool = False
    confidence: float | None = None

    @property
    def consent_revoked(self) -> bool:
        """True when the reply revokes consent for sure (opt_out, or urgent that also opts out)."""
        return self.triage_class == "opt_out" or "opt_out" in self.also


@dataclass(frozen=True, slots=True)
class Example:
    """A manager's example reply and the class it must get (urgent, or one that is not)."""

    text: str
    label: str


def _examples(examples: Iterable[Any] | None) -> list[Example]:
    found = []
    for item in examples or ():
        if isinstance(item, Example):
            text, label = item.text, item.label
        elif isinstance(item, tuple | list) and len(item) == 2:
            text, label = item
        else:
            text, label = getattr(item, "text", None), getattr(item, "label", None)
        if not isinstance(text, str) or not text.strip():
            raise ValueError("an example needs a text")
        if label not in _EXAMPLE_CLASSES:
            raise ValueError(f"an example's label must be one of {sorted(_EXAMPLE_CLASSES)}")
        found.append(Example(text, label))
    return found


def _best_example(model: Model, text: str, examples: list[Example]) -> tuple[Example, float] | None:
    """The manager's example nearest the reply, if it is near enough to decide."""
    if not examples:
        return None
    text_feats = model.vocab.text_features(example_text(text))  # not cached: one per reply
    best: tuple[Example, float] | None = None
    for example in examples:
        sim = cosine(text_feats, dict(example_vector(example.text)))
        if best is None or sim > best[1]:
            best = (example, sim)
    assert best is not None
    needed = model.thresholds["example"]
    if best[0].label != "urgent":
        needed += model.thresholds["example_margin"]  # silencing an alarm needs a closer match
    return best if best[1] >= needed else None


def _like(model: Model, feats: dict[int, float], label: str) -> str:
    near = model.nearest(feats, label)
    return f"like: '{near[0]}' ({near[1]})" if near and near[2] > 0.05 else ""


def _model_evidence(model: Model, text: str, feats: dict[int, float], label: str, p: float) -> str:
    words = model.reasons(text, feats, label)
    said = ", ".join(f"'{w}'" for w in words) if words else "no single word"
    like = _like(model, feats, label)
    return f"model {p:.2f} {label}: {said}" + (f"; {like}" if like else "")


def decide(
    text: str,
    rules: RuleResult,
    revoked: Revocation | None,
    scores: Scores,
    thresholds: Mapping[str, float],
    known_share: float = 1.0,
    consent_words: str | None = None,
    guarded: bool = False,
) -> tuple[str, bool, tuple[str, ...]]:
    """The class from the rules' answer, the consent rules and the model's probabilities:
    (class, probable_opt_out, also). `consent_words`: what consent.consent_given found; the
    model's opt_in needs them (a guess never re-subscribes anyone). `guarded`: a consent guard
    says the reply's stop words are about something else (consent.guard). The model alone
    opts a reply out only at `opt_out_sure` or over, with no guard, no words giving consent
    back and nothing urgent. Pure: bench/triage_train.py cross-validates it."""
    p_urgent = scores.p("urgent")
    urgent_rule = rules.triage_class == "urgent" or "urgent" in rules.also
    urgent = urgent_rule or p_urgent >= thresholds["urgent"]
    if revoked is not None and revoked.strong:
        if urgent_rule or p_urgent >= thresholds["urgent_over_opt_out"]:
            return "urgent", False, ("opt_out",)
        if not urgent and scores.p("opt_out") < thresholds.get("opt_out_veto", 0.0):
            # the model, reading the rule's verdict with every other word, does not believe it
            # ("STOP! It's perfect 😂"): automated sends pause and a person decides
            return NEEDS_REVIEW, True, ()
        return "opt_out", False, ("urgent",) if urgent else ()
    if urgent:
        return "urgent", False, ()
    if (
        not guarded
        and not consent_words
        and scores.p("opt_out") >= thresholds.get("opt_out_sure", 2.0)
    ):
        return "opt_out", False, ()
    best, p = scores.best(exclude=("urgent",))
    if (revoked is not None) or best == "opt_out" or scores.p("opt_out") >= thresholds["opt_out"]:
        return NEEDS_REVIEW, True, ()
    if best == "opt_in" and not consent_words:
        return NEEDS_REVIEW, False, ("opt_in",)
    if p < thresholds["confident"] or (known_share < NOVEL_SHARE and p < NOVEL_CONFIDENT):
        return NEEDS_REVIEW, False, ()
    return best, False, ()


def classify(
    text: str | None,
    digits: str | None = None,
    phrases: Iterable[Phrase] | None = None,
    *,
    opt_out_type: str | None = None,
    digit_map: Mapping[str, str] | None = None,
    examples: Iterable[Any] | None = None,
) -> Triage:
    """Triage one reply (SMS text or voice speech/keypad digits); pure: no database, no network.

    `examples`: the manager's example replies, `(text, label)` pairs (or objects with `text`
    and `label`); a reply close enough to one gets its label at once (urgent, or a class that
    is not urgent to silence a false alarm); the evidence names the example."""
    examples_list = _examples(examples)
    rules = rules_classify(text, digits, phrases, opt_out_type=opt_out_type, digit_map=digit_map)
    text = (text or "")[:MAX_CHARS]

    def result(
        triage_class: str,
        evidence: str,
        also: Iterable[str] = (),
        probable: bool = False,
        confidence: float | None = None,
    ) -> Triage:
        others = tuple(dict.fromkeys(c for c in also if c != triage_class))
        return Triage(
            triage_class, evidence, rules.rating, rules.sentiment, others, probable, confidence
        )

    if rules.evidence.startswith(_CARRIER_PREFIXES):
        return result(rules.triage_class, rules.evidence, rules.also)
    if not any(t.is_word or t.kind == "symbol" or t.kind == "number" for t in tokenize(text)):
        keypad = normalize_digits(digits)
        mapped = (DEFAULT_DIGIT_MAP if digit_map is None else digit_map).get(keypad)
        if keypad and mapped:
            return result(mapped, f"keypad {keypad} ({mapped})")
        if keypad:
            return result(NEEDS_REVIEW, f"keypad {keypad} (not mapped)")
        if not text.strip():
            return result(NEEDS_REVIEW, "empty reply")

    model = get_model()
    revoked = revocation(text)
    feats = model.vocab.features(text, rule_features(rules, revoked, text))
    scores = model.scores(feats)

    if not (revoked is not None and revoked.strong):
        match = _best_example(model, text, examples_list)
        if match is not None:
            example, sim = match
            return result(
                example.label,
                f"like the manager's example '{example.text}' ({example.label}, "
                f"similarity {sim:.2f})",
                confidence=round(sim, 3),
            )

    known = model.vocab.known_share(text)
    given = consent_given(text)
    triage_class, probable, also = decide(
        text, rules, revoked, scores, model.thresholds, known, given, guard(text) is not None
    )
    confidence = round(scores.p(triage_class), 3) if triage_class in model.classes else None
    if triage_class in ("opt_out", "urgent") and revoked is not None and revoked.strong:
        evidence = revoked.describe()
        if triage_class == "urgent":
            evidence = f"{_urgent_evidence(model, text, feats, rules, scores)}; {evidence}"
        return result(triage_class, evidence, also, confidence=confidence)
    if triage_class == "urgent":
        evidence = _urgent_evidence(model, text, feats, rules, scores)
        return result("urgent", evidence, also, confidence=confidence)
    if probable:
        why = revoked.describe() if revoked is not None else ""
        model_said = _model_evidence(model, text, feats, "opt_out", scores.p("opt_out"))
        if revoked is not None and revoked.strong:
            doubt = f"the model doubts it ({scores.p('opt_out'):.2f} opt_out)"
            evidence = f"probable opt-out, {doubt}: {why}"
        else:
            evidence = f"probable opt-out, no rule is sure: {why or model_said}"
        return result(NEEDS_REVIEW, evidence, also, probable=True, confidence=confidence)
    if triage_class == NEEDS_REVIEW and also == ("opt_in",):
        model_said = _model_evidence(model, text, feats, "opt_in", scores.p("opt_in"))
        return result(NEEDS_REVIEW, f"probable opt-in, no rule is sure: {model_said}")
    if triage_class == NEEDS_REVIEW:
        ranked = sorted(zip(scores.classes, scores.probabilities, strict=True), key=lambda x: -x[1])
        guesses = ", ".join(f"{c} {p:.2f}" for c, p in ranked[:2])
        if known < NOVEL_SHARE:
            # a reply in words we cannot read may revoke consent as well as anything else:
            # automated sends pause until a person has read it (a language with no rule and
            # no training reply: "መልእክት አቁሙ", Amharic for "stop the messages")
            evidence = f"not sure: {guesses}; unfamiliar words ({known:.0%} seen): {UNREADABLE}"
            return result(NEEDS_REVIEW, evidence, probable=True)
        return result(NEEDS_REVIEW, f"not sure: {guesses}")
    p = scores.p(triage_class)
    if triage_class == "opt_in" and given:
        evidence = f"words '{given}' (consent given back) (model {p:.2f})"
    elif rules.triage_class == triage_class and "no opinion words" not in rules.evidence:
        evidence = f"{rules.evidence} (model {p:.2f})"
    else:
        evidence = _model_evidence(model, text, feats, triage_class, p)
    return result(triage_class, evidence, also, confidence=confidence)


def _urgent_evidence(
    model: Model, text: str, feats: dict[int, float], rules: RuleResult, scores: Scores
) -> str:
    if rules.triage_class == "urgent" or rules.urgent_evidence:
        said = rules.evidence if rules.triage_class == "urgent" else rules.urgent_evidence
        return f"{said} (model {scores.p('urgent'):.2f})"
    return _model_evidence(model, text, feats, "urgent", scores.p("urgent"))
