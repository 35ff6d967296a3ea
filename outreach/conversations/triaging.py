"""Triage with the company's own words: the admin's phrases and the managers' examples.

`classify` (outreach.triage) is called with the phrase list: the admin-edited phrases (the
defaults while there are none) plus every example a manager said must raise the alarm, as an
urgent phrase. A reply worded exactly like an example a manager said must NOT raise the alarm
(same words, case, accents and punctuation aside) is classified again without the urgent
phrases, and its evidence says so. Examples take effect on the next reply: nothing is cached.
"""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from outreach.company import example_key
from outreach.extensions import db
from outreach.models import TriageExample, TriagePhrase
from outreach.triage import DEFAULT_PHRASES, Phrase, Triage, classify, phrases_from_rows

EXAMPLE_LABEL = "manager's example"


def load_phrases() -> tuple[Phrase, ...]:
    """The admin-edited phrases (active rows), or the defaults while the table is empty."""
    rows = list(db.session.scalars(sa.select(TriagePhrase).order_by(TriagePhrase.id)))
    return DEFAULT_PHRASES if not rows else tuple(phrases_from_rows(rows))


def load_examples() -> list[TriageExample]:
    """The managers' examples, oldest first."""
    return list(db.session.scalars(sa.select(TriageExample).order_by(TriageExample.id)))


def example_phrases(examples: list[TriageExample]) -> tuple[Phrase, ...]:
    """The examples that must raise the alarm, as urgent phrases."""
    return tuple(Phrase("urgent", e.text, EXAMPLE_LABEL) for e in examples if e.is_urgent)


def triage_text(
    text: str | None, digits: str | None = None, opt_out_type: str | None = None
) -> Triage:
    """Triage one reply with the company's phrases and the managers' examples."""
    examples = load_examples()
    phrases = load_phrases() + example_phrases(examples)
    triage = classify(text, digits, phrases, opt_out_type=opt_out_type)
    if triage.triage_class != "urgent" or not text:
        return triage
    key = example_key(text)
    calm = next((e for e in examples if not e.is_urgent and e.key == key), None)
    if calm is None:
        return triage
    quiet = tuple(p for p in phrases if p.triage_class != "urgent")
    again = classify(text, digits, quiet, opt_out_type=opt_out_type)
    because = f"not urgent: a manager's example (#{calm.id}) says so; {again.evidence}"
    return replace(again, evidence=because)
