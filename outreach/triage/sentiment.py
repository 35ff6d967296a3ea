"""A small VADER-like sentiment analyser: valences, negation, boosters, "but", emoji, sarcasm."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from outreach.triage.lexicon import (
    BOOSTERS,
    COMPARATIVES,
    EMOJI,
    HEDGES,
    IDIOMS,
    LEXICON,
    MODAL_NEGATORS,
    NEGATED,
    SARCASM_COST_GERUNDS,
    SARCASM_EMOJI,
    SARCASM_MARKERS,
    SARCASM_OPENER_FILLERS,
)
from outreach.triage.phrases import resolved_after, resolved_before
from outreach.triage.text import Token, clause_span, is_boundary, negated, strip_accents, tokenize

POSITIVE_AT = 0.2  #: compound score at or above which a reply is positive
NEGATIVE_AT = -0.15  #: at or below which it is negative (a missed complaint costs more)
_NEGATION_FLIP = -0.74
_CAPS_BOOST = 0.733
_BANG_BOOST = 0.292
_BUT_WORDS = frozenset({"but", "pero", "however"})
_CONTRAST_BEFORE, _CONTRAST_AFTER = 0.5, 1.5
_HEDGE_SCALE = 0.4
_IDIOMS_BY_FIRST: dict[str, list[tuple[list[str], float]]] = {}
for _idiom, _valence in IDIOMS.items():
    _IDIOMS_BY_FIRST.setdefault(_idiom.split()[0], []).append((_idiom.split(), _valence))
_HEDGE_WORDS = [h.split() for h in HEDGES]
#: words whose sting depends on the clause: "works again" is good news, "broken again" is not
_CONTEXTUAL = frozenset({"again", "still", "otra vez", "sigue", "todavia"})


@dataclass(slots=True)
class Sentiment:
    """The compound score (-1..+1) and the words that made it, with their valences."""

    score: float
    words: list[tuple[str, float]] = field(default_factory=list)
    sarcastic: bool = False

    @property
    def label(self) -> str:
        """positive, negative or neutral by the thresholds."""
        if self.score >= POSITIVE_AT:
            return "positive"
        if self.score <= NEGATIVE_AT:
            return "negative"
        return "neutral"

    def describe(self) -> str:
        """sentiment -0.62: 'broken', 'again' — the strongest words on the winning side."""
        sign = 1 if self.score > 0 else -1
        side = [(w, v) for w, v in self.words if v * sign > 0] if self.score else []
        side.sort(key=lambda wv: -abs(wv[1]))
        names = ", ".join(f"'{w}'" for w, _ in side[:3]) or "no opinion words"
        return f"sentiment {self.score:+.2f}: {names}"


_RUNS_OF_THREE = re.compile(r"(.)\1{2,}")
_RUNS = re.compile(r"(.)\1+")
_TABLES = {"lexicon": LEXICON, "negated": NEGATED, "boosters": BOOSTERS}


@lru_cache(maxsize=8192)
def _lookup_key(table: str, key: str) -> float | None:
    values = _TABLES[table]
    if key in values:
        return values[key]
    if "'" in key:
        return None
    plural = [key[:-1], key[:-2]] if key.endswith("s") and len(key) > 4 else []
    squeezed = [_RUNS_OF_THREE.sub(r"\1\1", key), _RUNS.sub(r"\1", key)]
    for candidate in [*squeezed, key + "g" if key.endswith("in") else "", *plural]:
        if candidate in values:
            return values[candidate]
    return None


def _lookup(table: str, token: Token) -> float | None:
    return _lookup_key(table, strip_accents(token.lower))


def _idioms(tokens: list[Token]) -> dict[int, tuple[int, float]]:
    """Idioms found: start index → (end index, valence); longest first, no overlaps."""
    folds = [t.fold for t in tokens]
    candidates = []
    for i, word in enumerate(folds):
        for words, valence in _IDIOMS_BY_FIRST.get(word, ()):
            n = len(words)
            if folds[i : i + n] == words:
                candidates.append((-n, i, valence))
    taken: set[int] = set()
    found: dict[int, tuple[int, float]] = {}
    for negative_length, i, valence in sorted(candidates):
        span = range(i, i - negative_length)
        if not taken.intersection(span):
            found[i] = (span.stop, valence)
            taken.update(span)
    return found


def _contains(tokens: list[Token], words: list[str]) -> bool:
    folds = [t.fold for t in tokens]
    n = len(words)
    return any(folds[i : i + n] == words for i in range(len(folds) - n + 1))


def _word_valence(tokens: list[Token], i: int, all_caps: bool) -> tuple[float, bool]:
    """The valence of tokens[i] in context, and whether a negator turned it."""
    token = tokens[i]
    base = _lookup("lexicon", token)
    override = _lookup("negated", token)
    if base is None and override is None:
        return 0.0, False
    key = strip_accents(token.lower)
    negator = negated(tokens, i, window=3)
    if negator is None:
        valence = base or 0.0
    elif override is not None:
        valence = override
    elif base and base > 0 and key in COMPARATIVES and negator.fold in MODAL_NEGATORS:
        valence, negator = base, None  # "never had a better experience"
    else:
        valence = (base or 0.0) * _NEGATION_FLIP
    if not valence:
        return 0.0, False
    for back, decay in ((1, 1.0), (2, 0.95), (3, 0.9)):
        j = i - back
        if j < 0 or is_boundary(tokens[j]):
            break
        boost = _lookup("boosters", tokens[j])
        if boost and not _lookup("lexicon", tokens[j]):
            valence += math.copysign(1.0, valence) * boost * decay
    if token.raw.isupper() and len(token.raw) > 1 and not all_caps:
        valence += math.copysign(_CAPS_BOOST, valence)
    return valence, negator is not None


def _harm_gerund(token: Token, valence: float) -> bool:
    return token.is_word and token.fold.endswith("ing") and valence < 0


def _sarcasm(tokens: list[Token], vals: list[float], text: str) -> list[int]:
    """Indexes of praise words used sarcastically ("great, broken again", "love paying $300")."""
    lower = text.casefold()
    if any(t.raw in SARCASM_EMOJI for t in tokens) or any(
        re.search(rf"(?<!\w){re.escape(m)}(?!\w)", lower) for m in SARCASM_MARKERS
    ):
        return [i for i, v in enumerate(vals) if v > 0 and tokens[i].is_word]
    flipped = []
    stop = next((i for i, t in enumerate(tokens) if t.raw in {",", ".", "!", "…"}), None)
    if stop is not None and 0 < stop <= 4:
        opener = range(stop)
        praise = [i for i in opener if vals[i] > 0]
        plain = all(vals[i] > 0 or tokens[i].fold in SARCASM_OPENER_FILLERS for i in opener)
        rest_neg = sum(v for v in vals[stop + 1 :] if v < 0)
        rest_pos = sum(v for v in vals[stop + 1 :] if v > 0)
        real = tokens[0].fold == "real" and len(praise) == 1
        if praise and plain and (real or (rest_neg <= -0.5 and rest_pos < -rest_neg)):
            flipped.extend(praise)
    for i, token in enumerate(tokens[:-1]):
        j = i + 2 if tokens[i + 1].fold in ("job", "for", "work") else i + 1
        if vals[i] > 0 and token.is_word and j < len(tokens) and _harm_gerund(tokens[j], vals[j]):
            flipped.append(i)  # "great job breaking my gate", "thanks for scratching the floor"
            continue
        if token.fold in ("love", "loved", "loving", "enjoy", "enjoyed") and vals[i] > 0:
            nxt = tokens[i + 1].fold
            after = tokens[i + 2].fold if i + 2 < len(tokens) else ""
            rest_neg = sum(v for v in vals[i + 1 :] if v < 0)
            if (
                nxt in SARCASM_COST_GERUNDS
                or (nxt == "having" and after == "to")
                or (nxt in ("how", "that") and rest_neg <= -0.9)
            ):
                flipped.append(i)
    return flipped


def analyse(text: str | None, tokens: list[Token] | None = None) -> Sentiment:
    """Score a reply from -1 (very negative) to +1 (very positive), with the words that count."""
    tokens = tokenize(text or "") if tokens is None else tokens
    words = [t for t in tokens if t.is_word]
    all_caps = bool(words) and all(t.raw.isupper() for t in words if len(t.raw) > 1)
    vals = [0.0] * len(tokens)
    names: dict[int, str] = {}
    skip: set[int] = set()
    for start, (end, valence) in _idioms(tokens).items():
        vals[start] = valence
        names[start] = " ".join(t.lower for t in tokens[start:end])
        skip.update(range(start, end))
    for i, token in enumerate(tokens):
        if i in skip:
            continue
        if token.kind == "symbol":
            vals[i] = EMOJI.get(token.raw, 0.0)
        elif token.is_word:
            vals[i], turned = _word_valence(tokens, i, all_caps)
            if turned:
                names[i] = f"{token.lower} (negated)"
        if vals[i] and i not in names:
            names[i] = token.lower
    for i in range(len(tokens)):
        if vals[i] < 0 and (names.get(i) in _CONTEXTUAL):
            first, _ = clause_span(tokens, i, i + 1)
            if any(vals[j] > 0 for j in range(first, i)):
                vals[i] = 0.0  # "works again", "still going strong"
    for i in range(len(tokens)):
        if vals[i] < 0 and names.get(i) not in _CONTEXTUAL and tokens[i].is_word:
            fix = resolved_before(tokens, i)
            fix = resolved_after(tokens, i + 1) if fix is None else fix
            if fix is not None:  # "the banging stopped", "fixed the leaking pipe"
                vals[i] = abs(vals[i]) * 0.5
                names[i] = f"{names[i]} (resolved)"
                vals[fix] = max(vals[fix], 0.0)
    sarcastic = _sarcasm(tokens, vals, text or "")
    for i in sarcastic:
        vals[i] = -abs(vals[i]) * 0.9
        names[i] = f"{names[i]} (sarcastic)"
    but = next((i for i, t in enumerate(tokens) if t.fold in _BUT_WORDS), None)
    if but is not None:
        for i in range(len(vals)):
            if i < but:
                vals[i] *= _CONTRAST_BEFORE
            elif i > but:
                vals[i] *= _CONTRAST_AFTER
    total = sum(vals)
    if total:
        bangs = min(sum(1 for t in tokens if t.raw == "!"), 4)
        total += math.copysign(bangs * _BANG_BOOST, total)
    score = total / math.sqrt(total * total + 15) if total else 0.0
    idiom_starts = {i for i in names if " " in names[i]}
    hedged = any(_contains(tokens, h) for h in _HEDGE_WORDS) and not any(
        names[i] == "so far so good" for i in idiom_starts
    )
    if hedged:
        score *= _HEDGE_SCALE
    contributions = [(names[i], round(v, 3)) for i, v in enumerate(vals) if v]
    return Sentiment(round(score, 4), contributions, bool(sarcastic))
