"""Tokens of a reply: words, numbers, punctuation and emoji, with folded forms for matching."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from outreach.triage.lexicon import EMOTICONS

_TOKEN_RE = re.compile(
    r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*"  # words, with inner apostrophes (don't, who's)
    r"|\d+(?:[.,:/]\d+)*"  # numbers, 4/5, 8:30, 555-0142 comes out as two numbers
    r"|[^\w\s]",  # one punctuation mark, symbol or emoji
    re.UNICODE,
)
#: characters that only decorate the emoji before them (variation selector, joiner, skin tones)
_RSQUO = "\u2019"  #: the typographic apostrophe phones insert
_EMOJI_DECORATION = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
_EMOTICON_RE = re.compile(
    r"(?<!\S)(?:"
    + "|".join(re.escape(e) for e in sorted(EMOTICONS, key=len, reverse=True))
    + r")(?!\S)"
)
#: punctuation that ends a clause: negation and context never reach across it
CLAUSE_PUNCT = frozenset('.,;:!?¿¡…()[]"“”')
#: words that start a new clause for negation scope
CLAUSE_WORDS = frozenset({"but", "and", "so", "then", "now", "because", "pero", "y", "however"})

NEGATORS = frozenset(
    {
        "no", "not", "never", "nothing", "nobody", "none", "neither", "nor", "without", "zero",
        "nowhere", "cannot", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant",
        "couldnt", "wouldnt", "shouldnt", "wont", "havent", "hasnt", "hadnt", "aint", "ni",
        "nunca", "sin", "nada", "nadie", "tampoco", "ningun", "ninguna", "ninguno", "hakuna",
    }
)  # fmt: skip
#: "not only", "no doubt": a negator followed by these negates nothing
_PSEUDO_NEGATION = frozenset({"only", "just", "doubt", "wonder"})


@dataclass(frozen=True, slots=True)
class Token:
    """One token: as written, lower case, and folded (no accents, no apostrophes)."""

    raw: str
    lower: str
    fold: str
    kind: str  #: word, number, punct or symbol

    @property
    def is_word(self) -> bool:
        """True for letters (not numbers, punctuation or emoji)."""
        return self.kind == "word"


def strip_accents(text: str) -> str:
    """The text without combining accents (llámame → llamame); ñ becomes n."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, no accents, no apostrophes: the form phrases and idioms are matched in."""
    return strip_accents(text.casefold()).replace("'", "").replace(_RSQUO, "")


def _kind(piece: str) -> str:
    if piece[0].isdigit():
        return "number"
    if piece[0].isalpha():
        return "word"
    category = unicodedata.category(piece[0])
    return "punct" if category.startswith("P") else "symbol"


def tokenize(text: str) -> list[Token]:
    """Split a reply into tokens; emoji (and typed emoticons) become one symbol token each."""
    text = _EMOJI_DECORATION.sub("", unicodedata.normalize("NFC", text or ""))
    text = _EMOTICON_RE.sub(lambda m: EMOTICONS[m.group(0)], text)
    tokens = []
    for piece in _TOKEN_RE.findall(text):
        lower = piece.casefold().replace(_RSQUO, "'")
        tokens.append(Token(piece, lower, fold(piece), _kind(piece)))
    return tokens


def is_negator(token: Token) -> bool:
    """True for no/not/never/… and any n't contraction."""
    return token.fold in NEGATORS or token.lower.endswith("n't")


def is_boundary(token: Token) -> bool:
    """True for punctuation or a conjunction that ends a clause."""
    return token.raw in CLAUSE_PUNCT or token.fold in CLAUSE_WORDS


def negated(tokens: list[Token], index: int, window: int = 4) -> Token | None:
    """The negator governing tokens[index] (within `window` tokens, same clause), if any."""
    for back in range(1, window + 1):
        j = index - back
        if j < 0 or is_boundary(tokens[j]):
            return None
        if is_negator(tokens[j]):
            following = tokens[j + 1] if j + 1 < len(tokens) else None
            if following is not None and following.fold in _PSEUDO_NEGATION:
                return None
            return tokens[j]
    return None


def clause_span(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    """The [first, last) token range of the clause holding tokens[start:end]."""
    first = start
    while first > 0 and not is_boundary(tokens[first - 1]):
        first -= 1
    last = end
    while last < len(tokens) and not is_boundary(tokens[last]):
        last += 1
    return first, last


def sentence_span(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    """The [first, last) token range of the sentence holding tokens[start:end]."""
    stops = {".", "!", "?", "…", ";"}
    first = start
    while first > 0 and tokens[first - 1].raw not in stops:
        first -= 1
    last = end
    while last < len(tokens) and tokens[last].raw not in stops:
        last += 1
    return first, last
