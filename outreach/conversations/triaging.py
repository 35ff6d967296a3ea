"""Triage with the company's own words: the admin's phrases and the managers' examples.

`classify` (outreach.triage) gets the phrase list — the admin-edited phrases (the defaults while
there are none) plus every example a manager said must raise the alarm, as an urgent phrase, so
a reply containing its words is urgent — and the examples themselves (`examples=`): a reply
close enough to one gets its label. An example that must raise the alarm is labelled urgent;
one that must not gets the class its own words get without the alarm (negative when that is
unclear). A reply worded exactly like a "must not" example (case, accents and punctuation
aside) is never urgent. Phrases and examples count from the next reply: each process keeps a
copy of them that is reloaded as soon as one changes (outreach.company.cache).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import sqlalchemy as sa

from outreach.company.cache import Frozen, cached
from outreach.company.settings import example_key
from outreach.extensions import db
from outreach.models import TriageExample, TriagePhrase
from outreach.triage import DEFAULT_PHRASES, Phrase, Triage, classify, phrases_from_rows

EXAMPLE_LABEL = "manager's example"
#: labels a "must not raise the alarm" example may carry (classify refuses the others)
CALM_LABELS = ("negative", "neutral", "positive", "question", "callback_requested")


def load_phrases() -> tuple[Phrase, ...]:
    """The admin-edited phrases (active rows), or the defaults while the table is empty."""
    rows = list(db.session.scalars(sa.select(TriagePhrase).order_by(TriagePhrase.id)))
    return DEFAULT_PHRASES if not rows else tuple(phrases_from_rows(rows))


def load_examples() -> list[TriageExample]:
    """The managers' examples, oldest first."""
    return list(db.session.scalars(sa.select(TriageExample).order_by(TriageExample.id)))


def example_phrases(examples: list[TriageExample] | tuple[Frozen, ...]) -> tuple[Phrase, ...]:
    """The examples that must raise the alarm, as urgent phrases."""
    return tuple(Phrase("urgent", e.text, EXAMPLE_LABEL) for e in examples if e.is_urgent)


@lru_cache(maxsize=256)
def calm_label(text: str) -> str:
    """The class a "must not raise the alarm" example gets: its own, without the alarm."""
    quiet = tuple(p for p in DEFAULT_PHRASES if p.triage_class != "urgent")
    found = classify(text, None, quiet).triage_class
    return found if found in CALM_LABELS else "negative"


def example_pairs(examples: list[TriageExample] | tuple[Frozen, ...]) -> list[tuple[str, str]]:
    """The examples as classify takes them: (text, label)."""
    return [(e.text, "urgent" if e.is_urgent else calm_label(e.text)) for e in examples]


@dataclass(frozen=True)
class CompanyWords:
    """What triage reads of the company: the phrases (the examples that must raise the alarm
    among them), the examples and their (text, label) pairs."""

    phrases: tuple[Phrase, ...]
    examples: tuple[Frozen, ...]
    pairs: tuple[tuple[str, str], ...]


def _load_words() -> CompanyWords:
    examples = tuple(Frozen.of(e) for e in load_examples())
    return CompanyWords(
        phrases=load_phrases() + example_phrases(examples),
        examples=examples,
        pairs=tuple(example_pairs(examples)),
    )


def company_words() -> CompanyWords:
    """The phrases and examples, kept by the process until one changes."""
    return cached("triage", _load_words)


def triage_text(
    text: str | None, digits: str | None = None, opt_out_type: str | None = None
) -> Triage:
    """Triage one reply with the company's phrases and the managers' examples."""
    words = company_words()
    phrases = words.phrases
    triage = classify(text, digits, phrases, opt_out_type=opt_out_type, examples=list(words.pairs))
    if triage.triage_class != "urgent" or not text:
        return triage
    key = example_key(text)
    calm = next((e for e in words.examples if not e.is_urgent and e.key == key), None)
    if calm is None:
        return triage
    quiet = tuple(p for p in phrases if p.triage_class != "urgent")
    calm_pairs = [pair for pair in words.pairs if pair[1] != "urgent"]
    again = classify(text, digits, quiet, opt_out_type=opt_out_type, examples=calm_pairs)
    because = f"not urgent: a manager's example (#{calm.id}) says so; {again.evidence}"
    return replace(again, evidence=because)
