"""Reply triage: a pure, local classifier (carrier keywords, consent rules, phrases, ratings,
lexicon sentiment, and a linear model over n-grams with a needs_review fallback)."""

from outreach.triage.classify import NEEDS_REVIEW, Example, Triage, classify, unreadable
from outreach.triage.consent import Revocation, revocation
from outreach.triage.phrases import DEFAULT_PHRASES, TRIAGE_CLASSES, Phrase, phrases_from_rows
from outreach.triage.rules import DEFAULT_DIGIT_MAP
from outreach.triage.sentiment import Sentiment, analyse

__all__ = [
    "DEFAULT_DIGIT_MAP",
    "DEFAULT_PHRASES",
    "NEEDS_REVIEW",
    "TRIAGE_CLASSES",
    "Example",
    "Phrase",
    "Revocation",
    "Sentiment",
    "Triage",
    "analyse",
    "classify",
    "phrases_from_rows",
    "revocation",
    "unreadable",
]
