"""Reply triage: a pure, local classifier (keywords, phrases, ratings, lexicon sentiment)."""

from outreach.triage.classify import Triage, classify
from outreach.triage.phrases import DEFAULT_PHRASES, TRIAGE_CLASSES, Phrase, phrases_from_rows
from outreach.triage.rules import DEFAULT_DIGIT_MAP
from outreach.triage.sentiment import Sentiment, analyse

__all__ = [
    "DEFAULT_DIGIT_MAP",
    "DEFAULT_PHRASES",
    "TRIAGE_CLASSES",
    "Phrase",
    "Sentiment",
    "Triage",
    "analyse",
    "classify",
    "phrases_from_rows",
]
