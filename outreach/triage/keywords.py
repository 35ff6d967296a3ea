"""Carrier keywords (the whole message only), Twilio's OptOutType, and consent revoked in words."""

from __future__ import annotations

import re

from outreach.triage.text import Token, fold

OPT_OUT_KEYWORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)
OPT_IN_KEYWORDS = frozenset({"start", "yes", "unstop"})
HELP_KEYWORDS = frozenset({"help", "info"})
#: Twilio's OptOutType webhook parameter (Advanced Opt-Out) → class
OPT_OUT_TYPES = {"STOP": "opt_out", "START": "opt_in", "HELP": "help"}
#: consent revoked in other words ("any reasonable means"); fixed here, not admin-editable
REVOCATION_PHRASES = (
    "stop texting",
    "stop sending",
    "stop messaging",
    "stop contacting",
    "quit texting",
    "remove me from",
    "take me off",
    "no more texts",
    "no more messages",
    "no more text messages",
    "dont text me",
    "do not text me",
    "dont message me",
    "do not message me",
    "dont contact me",
    "do not contact me",
    "unsubscribe me",
    "remove my number",
    "delete my number",
    "lose my number",
    "remove my phone",
    "opt me out",
    "no me manden",
    "no me envien",
    "no me escriban",
    "dejen de escribirme",
    "dejen de mandarme",
)
_EDGES = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def whole_message_keyword(text: str | None) -> tuple[str, str] | None:
    """(class, keyword) when the whole message is a carrier keyword, punctuation/emoji ignored."""
    word = _EDGES.sub("", (text or "").strip()).casefold()
    if word in OPT_OUT_KEYWORDS:
        return "opt_out", word
    if word in OPT_IN_KEYWORDS:
        return "opt_in", word
    if word in HELP_KEYWORDS:
        return "help", word
    return None


def opt_out_type_class(opt_out_type: str | None) -> str | None:
    """The class for Twilio's OptOutType parameter (STOP/START/HELP), or None."""
    return OPT_OUT_TYPES.get((opt_out_type or "").strip().upper())


_REVOCATION_WORDS = tuple(fold(p).split() for p in REVOCATION_PHRASES)


def revocation(tokens: list[Token]) -> str | None:
    """The words that revoke consent ("please stop texting me"), as written, or None."""
    folds = [t.fold for t in tokens]
    for words in _REVOCATION_WORDS:
        n = len(words)
        for i in range(len(folds) - n + 1):
            if folds[i : i + n] == words:
                return " ".join(t.lower for t in tokens[i : i + n])
    return None
