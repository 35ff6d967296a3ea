"""The rules' answer as model inputs: what the hand-written rules and the consent rules say."""

from __future__ import annotations

from outreach.triage.concepts import NAMES as CONCEPT_NAMES
from outreach.triage.concepts import concepts
from outreach.triage.consent import Revocation
from outreach.triage.legacy import RuleResult

RULE_CLASSES = (
    "positive", "neutral", "negative", "urgent", "callback_requested", "question",
    "wrong_number", "opt_out", "opt_in", "help",
)  # fmt: skip
EVIDENCE_KINDS = (
    "keyword", "words", "phrase", "rating", "question", "sentiment", "keypad", "empty",
)  # fmt: skip
RULE_NAMES: tuple[str, ...] = (
    *(f"rules={c}" for c in RULE_CLASSES),
    *(f"evidence={k}" for k in EVIDENCE_KINDS),
    *(f"also={c}" for c in RULE_CLASSES),
    "sentiment",
    "no_opinion",
    "revocation=strong",
    "revocation=weak",
    *CONCEPT_NAMES,
)


def rule_features(
    rules: RuleResult, revocation: Revocation | None, text: str = ""
) -> dict[str, float]:
    """The rules' verdict on a reply as named features (see RULE_NAMES), with the hazard
    concepts it names (outreach/triage/concepts.py)."""
    feats: dict[str, float] = {f"rules={rules.triage_class}": 1.0}
    kind = next((k for k in EVIDENCE_KINDS if rules.evidence.startswith(k)), None)
    if kind:
        feats[f"evidence={kind}"] = 1.0
    for other in rules.also:
        feats[f"also={other}"] = 1.0
    feats["sentiment"] = float(rules.sentiment or 0.0)
    feats["no_opinion"] = 1.0 if "no opinion words" in rules.evidence else 0.0
    if revocation is not None:
        feats["revocation=strong" if revocation.strong else "revocation=weak"] = 1.0
    feats.update(concepts(text))
    return feats
