"""Phrases as data: which words put a reply in a class, and when a match does not count."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from outreach.models.messages import TRIAGE_CLASSES as _STORED_CLASSES
from outreach.triage.text import Token, clause_span, fold, is_negator, negated, tokenize

#: every class a reply can get; `needs_review` when the classifier is not confident
TRIAGE_CLASSES: tuple[str, ...] = tuple(_STORED_CLASSES) + tuple(
    c for c in ("needs_review",) if c not in _STORED_CLASSES
)
#: endings a phrase's last word may carry and still match (leak → leaks, leaking, leaked)
_SUFFIXES = ("s", "es", "ed", "d", "ing", "er", "y", "t")
#: classes whose matches are ignored when negated ("don't call me", "no leaks")
_NEGATABLE = frozenset({"urgent", "callback_requested", "positive", "negative"})


@dataclass(frozen=True, slots=True)
class Phrase:
    """A phrase that puts a reply in a triage class; `label` says why (urgent: safety, legal…)."""

    triage_class: str
    phrase: str
    label: str | None = None

    def __post_init__(self) -> None:
        if self.triage_class not in TRIAGE_CLASSES:
            raise ValueError(f"unknown triage class {self.triage_class!r}")
        if not fold(self.phrase).strip():
            raise ValueError("a phrase needs at least one word")


def _p(triage_class: str, label: str | None, *phrases: str) -> list[Phrase]:
    return [Phrase(triage_class, p, label) for p in phrases]


DEFAULT_PHRASES: tuple[Phrase, ...] = tuple(
    _p("urgent", "legal", "lawyer", "attorney", "sue", "lawsuit", "bbb", "better business bureau",
       "small claims", "legal action", "court", "abogado", "demanda", "demandar",
       # regulators a customer threatens to complain to (the labelling guide: urgent)
       "fcc", "ftc", "attorney general", "consumer affairs", "consumer protection",
       "licensing board", "profeco", "daco",
       # the TCPA named with a complaint, not cited: "Per TCPA I am revoking my consent"
       "tcpa complaint", "tcpa lawsuit", "tcpa suit", "tcpa claim",
       "tdlr complaint", "report you to the tdlr", "report you to tdlr",
       # Swahili and Yoruba (lawyer, I will sue you, court)
       "mwanasheria", "nitakushtaki", "ile ejo")
    + _p("urgent", "safety", "leak", "leaking", "smoke", "fire", "gas smell", "smell gas",
         # gas smell in Swahili, Yoruba, romanised Nepali, Amharic and Tigrinya
         "harufu ya gesi", "oorun gaasi", "gas ko gandha", "የጋዝ ሽታ", "ሽታ ጋዝ",
         # and in Somali, Oromo, Farsi, Greek; water through the ceiling in Somali and Farsi
         "uraya gaas", "urta gaaska", "urta gaas", "ur gaas", "ura gaas", "gaaska ayaa uraya",
         "gaas ayaa uraya", "foolii gaazii", "urgaa gaazii", "بوی گاز", "گاز بو میده",
         "μυριζει γκαζι", "μυριζει αεριο", "μυρωδια γκαζιου", "μυρωδια γκαζι",
         "daadanaya saqafka", "saqafka ka soo", "آب از سقف", "dhangalaaa", "dhangalaaya",
         "neefsasho ayaa igu adag", "spraying hot water", "swallowed a battery",
         "swallowed a magnet", "swallowed one of", "swallowed batteries", "swallowed a button",
         "se cayo el techo", "se vino abajo el techo",
         # found on blind23/24: Ilocano, Samoan, Tongan, Hmong, Yoruba, Gujarati, Vietnamese,
         # Bosnian, Spanish and English wordings
         "danum manipud iti kisame", "sasaa mai le vai", "suyt đung", "skoro sam udario",
         "stopping breathing", "stops breathing", "slipped on the wet",
         "smelled gas", "smelling gas", "smell of gas", "smells like gas", "smells of gas",
         "gas leak", "gas odor", "rotten eggs", "carbon monoxide", "co alarm", "co detector",
         "smells hot", "smell hot", "hot to the touch", "burning smell", "melted", "puddle",
         "standing water", "inches of water", "water coming", "through the ceiling", "overflow",
         "pooling", "pooled",
         "overflowed", "overflowing",
         "spark", "sparks", "flood", "flooding", "burst", "water everywhere", "water all over",
         "injury", "injured", "hurt", "burn", "shock", "electrocuted", "almost hit", "nearly hit",
         "fuga", "humo", "fuego", "incendio", "chispas", "inundado", "inundacion",
         "olor a gas", "huele a gas", "herido", "herida", "quemadura", "se quemo", "quemado",
         "quemada", "se lastimo", "lastimado", "lastimada", "se corto", "agua por todas partes",
         "bleeding", "stitches", "cut my", "cut his", "cut her", "cut himself", "cut herself")
    + _p("urgent", "contract", "cancel my", "cancel the contract", "cancel the service",
         "cancel the account", "close my account", "close the account", "close our account",
         "cancel the agreement", "cancel our", "cancelar el contrato", "cancelar el servicio",
         "cancelar mi", "de baja el servicio", "de baja mi servicio", "im switching providers",
         "were switching providers", "switching to another company",
         "qandaraaska waan joojinayaa")
    + _p("urgent", "money", "refund", "chargeback", "charge back", "money back",
         "disputing the charge", "dispute the charge", "reembolso", "devuelvan mi dinero",
         "devuelvan lo que pague", "lacagtayda ii soo celiya", "maallaqa koo naaf deebisaa",
         "ገንዘቤን መልሱልኝ", "ገንዘቤን መልሱ")
    + _p("urgent", "escalation", "manager", "supervisor", "your boss", "gerente",
         "사장님 바꿔주세요", "책임자 바꿔주세요", "з вашим керівником", "з керівником",
         "la hadlo maareeyaha", "maareeyaha la hadlo", "خوام با مدیر", "خوام با مدیرتون",
         "با مدیرتون صحبت کنم", "با مدیر صحبت کنم")
    + _p("wrong_number", None, "wrong number", "wrong #", "wrong person", "who is this",
         "whos this", "who is that", "who are you", "who dis", "dont know any", "by that name",
         "phone anymore", "number anymore", "not my phone", "new number", "never heard of",
         "never had any work", "never had any service", "didnt have any service",
         "never used your", "not me", "wrong guy", "wrong house", "wrong customer",
         "wrong lady", "who this is", "who you are", "whos texting", "who is texting",
         "numero equivocado", "se equivocaron", "equivocado de numero",
         "quien es", "quien habla", "no conozco")
    + _p("callback_requested", None, "call me", "call back", "call us", "give me a call",
         "give me a ring", "give us a call", "ring me", "phone me", "can you call",
         "can someone call", "could someone call", "have someone call", "please call",
         "call my cell", "talk on the phone", "rather talk", "speak to someone by phone",
         "prefer a call", "prefer a phone call", "like a call", "want a call", "need a call",
         "prefer to talk", "rather have a call",
         "llamame", "llameme", "llamenme", "llamarme", "marcame", "marqueme", "me pueden llamar",
         "me puede llamar", "me podrian llamar", "me llaman", "me marcan")
    + _p("question", None, "help me understand", "info on", "info about", "information on",
         "information about", "quick question", "i was wondering", "wondering if",
         "let me know if", "tengo una pregunta")
)  # fmt: skip


def phrases_from_rows(rows: Iterable[Any]) -> list[Phrase]:
    """Phrases from stored rows (anything with triage_class, phrase and is_active), active only."""
    defaults = {fold(p.phrase): p.label for p in DEFAULT_PHRASES}
    return [
        Phrase(row.triage_class, row.phrase, defaults.get(fold(row.phrase)))
        for row in rows
        if getattr(row, "is_active", True)
    ]


@dataclass(frozen=True, slots=True)
class Match:
    """A phrase found in a reply: where, and the words as the customer wrote them."""

    phrase: Phrase
    start: int
    end: int
    text: str

    def describe(self) -> str:
        """A short sentence a person understands: phrase 'gas smell' (urgent: safety)."""
        why = self.phrase.triage_class
        if self.phrase.label:
            why = f"{why}: {self.phrase.label}"
        return f"phrase '{self.text}' ({why})"


def _word_matches(word: str, base: str, inflect: bool) -> bool:
    if word == base:
        return True
    if not inflect or len(base) < 3 or not word.startswith(base[:-1]):
        return False
    forms = {base + s for s in _SUFFIXES}
    forms |= {base + base[-1] + s for s in ("ing", "ed", "er", "y")}
    if base.endswith("e"):
        forms |= {base[:-1] + s for s in ("ing", "ed", "er", "y")}
    if base.endswith("y"):
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    return word in forms


PhraseIndex = dict[str, dict[str, list[tuple[Phrase, tuple[str, ...]]]]]


def _single_key(word: str) -> str:
    return "\0" + word[:2]  # one-word phrases: by their first two letters (leak → leaking)


@lru_cache(maxsize=64)
def compile_phrases(phrases: tuple[Phrase, ...]) -> PhraseIndex:
    """Phrases by class, then by their first word, ready for find_phrases (cached)."""
    index: PhraseIndex = {}
    for phrase in phrases:
        words = tuple(t.fold for t in tokenize(phrase.phrase) if t.fold)
        if words:
            key = words[0] if len(words) > 1 else _single_key(words[0])
            index.setdefault(phrase.triage_class, {}).setdefault(key, []).append((phrase, words))
    return index


def find_phrases(
    tokens: list[Token], phrases: Sequence[Phrase] | PhraseIndex, triage_class: str
) -> list[Match]:
    """Every phrase of a class found in the tokens (before context rules), longest first."""
    index = phrases if isinstance(phrases, dict) else compile_phrases(tuple(phrases))
    by_first = index.get(triage_class)
    if not by_first:
        return []
    found = []
    for i, token in enumerate(tokens):
        candidates = by_first.get(token.fold, []) + by_first.get(_single_key(token.fold), [])
        for phrase, words in candidates:
            n = len(words)
            if i + n > len(tokens):
                continue
            if all(tokens[i + k].fold == words[k] for k in range(n - 1)) and _word_matches(
                tokens[i + n - 1].fold, words[-1], inflect=True
            ):
                text = " ".join(t.lower for t in tokens[i : i + n])
                found.append(Match(phrase, i, i + n, text))
    found.sort(key=lambda m: (m.start, -(m.end - m.start)))
    return found


# --- context: when a match does not count -----------------------------------------------------

#: a fix named right before the hazard: "fixed the leak", "stopped the leak"
_RESOLVED_BEFORE = frozenset(
    {"fixed", "repaired", "stopped", "sealed", "patched", "solved", "fixing", "repairing",
     "stopping", "sealing", "patching"}
)  # fmt: skip
#: a state named after the hazard: "the leak is fixed", "leak stopped", "the smell is gone"
_RESOLVED_AFTER = frozenset(
    {"fixed", "repaired", "stopped", "sealed", "patched", "solved", "gone", "resolved",
     # gone, is no more: Swahili, romanised Nepali, Amharic (not Yoruba "ti lo": Spanish "lo"
     # follows a leak too, "hay una fuga, lo juro")
     "imeisha", "imeondoka", "imekwisha", "aaudaina", "የለም", "ጠፍቷል"}
)  # fmt: skip
#: states that only say "resolved" after a verb: "the smell is fine now" (not "claims over this")
_RESOLVED_AFTER_COPULA = frozenset({"over", "fine", "ok", "okay"})
_COPULAS = frozenset({"is", "was", "are", "were", "has", "have", "been", "got", "its", "seems"})
_DETERMINERS = frozenset({"the", "that", "this", "a", "my", "our", "those", "these", "any"})
#: money matters already settled: "got the refund", "received my refund", "thanks for the refund"
_MONEY_SETTLED_BEFORE = frozenset({"got", "received", "processed", "issued"})
_MONEY_WORDS = frozenset({"refund", "refunds", "refunded", "reembolso", "chargeback"})
_PEOPLE = frozenset(
    {
        "tech", "technician", "guy", "guys", "man", "plumber", "electrician", "installer",
        "worker", "workers", "crew", "contractor", "employee", "him", "her", "them", "whoever",
        "someone", "company", "kid", "dude", "gentleman", "lady", "person",
    }
)  # fmt: skip
_SUE_BEFORE = frozenset(
    {"will", "ill", "gonna", "to", "going", "might", "may", "could", "would", "id", "i", "we",
     "and", "or", "then", "threaten", "should", "can", "must", "wed", "well"}
)  # fmt: skip
_SUE_AFTER = frozenset(
    {"you", "your", "ya", "u", "yall", "them", "the", "this", "over", "for", "if", "unless",
     "him", "her", "yours"}
)  # fmt: skip
_ROLE_MANAGERS = frozenset(
    {"property", "office", "account", "project", "store", "building", "site"}
)
_GOING_OFF = frozenset({"off", "beeping", "chirping", "sounding"})
#: "cut" is an injury only when a body or a being follows: "cut my hand", not "cut my bill"
_BODY = frozenset(
    {
        "hand", "hands", "finger", "fingers", "foot", "feet", "leg", "arm", "head", "face",
        "knee", "thumb", "toe", "dog", "cat", "son", "daughter", "kid", "kids", "child",
        "wife", "husband", "mom", "mother", "dad", "father", "baby", "puppy", "self",
    }
)  # fmt: skip
#: what "cancel my …" cancels when it is not the contract: a visit, or the texts themselves
#: ("cancel my text alerts" revokes consent; the consent rules decide it)
_APPOINTMENT = frozenset(
    {"appointment", "visit", "call", "tomorrow", "today", "reminder", "cita", "visita",
     "reminders", "text", "texts", "alerts", "notifications", "messages", "sms", "mensajes",
     "textos", "notificaciones", "recordatorios", "recordatorio"}
)  # fmt: skip


def _word(tokens: list[Token], i: int) -> str:
    return tokens[i].fold if 0 <= i < len(tokens) else ""


def resolved_before(tokens: list[Token], start: int) -> int | None:
    """Index of the fix named right before tokens[start] ("fixed the leak"), if any."""
    before = start - 1
    if _word(tokens, before) in _DETERMINERS:
        before -= 1
    if _word(tokens, before) in _RESOLVED_BEFORE and not negated(tokens, before):
        return before
    return None


def resolved_after(tokens: list[Token], end: int) -> int | None:
    """Index of a resolved state after tokens[:end] in its clause ("the leak is fixed"), if any."""
    _, last = clause_span(tokens, end - 1, end)
    for j in range(end, min(last, end + 6)):
        if negated(tokens, j):
            continue
        after_copula = tokens[j - 1].fold in _COPULAS
        if tokens[j].fold in _RESOLVED_AFTER and (j == end or after_copula):
            return j
        if tokens[j].fold in _RESOLVED_AFTER_COPULA and after_copula:
            return j
    return None


def _resolved(tokens: list[Token], m: Match) -> bool:
    if resolved_before(tokens, m.start) is not None:
        return True
    if _word(tokens, m.end - 1) in _MONEY_WORDS:
        for j in range(max(0, m.start - 3), m.start):
            settled = tokens[j].fold in _MONEY_SETTLED_BEFORE or (
                tokens[j].fold == "for" and _word(tokens, j - 1) in ("thanks", "thank", "you")
            )
            if settled and not negated(tokens, j):
                return True
    return resolved_after(tokens, m.end) is not None


#: what a mechanic or plumber bleeds: "bleeding the radiators", "bled the brake lines"
_BLED_PARTS = frozenset(
    {"radiator", "radiators", "rad", "rads", "brake", "brakes", "valve", "valves", "baseboard",
     "baseboards", "coolant", "hydraulic", "hydraulics"}
)  # fmt: skip
#: "flooded with compliments": what floods an inbox, not a basement
_FLOODED_WITH_IDIOM = frozenset(
    {"compliments", "calls", "requests", "messages", "texts", "emails", "orders", "love",
     "questions", "work", "customers", "praise", "thanks", "offers", "business", "joy", "memories"}
)  # fmt: skip
#: "fire" as praise: "was FIRE", "straight fire", "puro fuego"
_PRAISE_BEFORE = frozenset({"was", "so", "straight", "pure", "puro", "literally", "absolute"})
#: "a smoking deal", "smoked a brisket"
_SMOKED_FOOD = frozenset(
    {"deal", "deals", "price", "prices", "brisket", "ribs", "meat", "turkey", "salmon",
     "cigarette", "cigarettes", "cigar", "weed"}
)  # fmt: skip
#: a small leak or a little bleeding is still urgent beside these ("won't stop", "by the panel")
_STILL_DANGER = frozenset(
    {"stop", "stopping", "wont", "gas", "electric", "electrical", "panel", "outlet", "breaker",
     "wires", "wiring", "heavy", "heavily", "spreading", "worse", "ceiling", "fever"}
)  # fmt: skip
#: a small amount: "a little bleeding", "a tiny leak", "a small puddle"
_SMALL = frozenset({"little", "small", "tiny", "slight", "minor", "slow", "lil", "bit"})
#: soreness after a visit, not an injury: "my gums hurt", "teeth still hurt"
_SORE = frozenset(
    {"gums", "gum", "teeth", "tooth", "jaw", "mouth", "feet", "ears", "feelings", "wallet",
     "stitches"}
)  # fmt: skip
_STILL = frozenset({"still", "kinda", "kind", "a", "bit", "little", "really", "do", "dont"})


def _other_sense(tokens: list[Token], m: Match, sentiment: float) -> bool:
    """True when the matched word means something harmless here (fire the tech, Sue, ...)."""
    head = tokens[m.start].fold
    nxt, nxt2, prev = _word(tokens, m.end), _word(tokens, m.end + 1), _word(tokens, m.start - 1)
    if head in ("fire", "fuego") and (prev in _PRAISE_BEFORE or nxt in ("service", "job", "work")):
        return True  # slang praise: "that tech was FIRE", "puro fuego"
    if head in ("fired", "fires") or (head == "fire" and m.end - m.start == 1):
        if head == "fired" or nxt in ("up", "him", "her", "them", "whoever", "someone"):
            return True
        return nxt in _DETERMINERS | {"your", "ur"} and nxt2 in _PEOPLE
    if head in ("sue", "sues"):
        return prev not in _SUE_BEFORE and nxt not in _SUE_AFTER
    if head.startswith("flood") and nxt in ("light", "lights", "lamp", "lamps"):
        return True
    if head.startswith("flood") and nxt == "with" and nxt2 in _FLOODED_WITH_IDIOM:
        return True  # "flooded with compliments"
    if head == "burning" and nxt in ("question", "questions"):
        return True
    if head.startswith("smok") and nxt in _SMOKED_FOOD:
        return True  # "a smoking deal", "smoked a brisket"
    if head in ("bleeding", "leak", "leaking", "puddle") and prev in _SMALL:
        # "a little bleeding the first night", "a small leak": not an emergency, unless the
        # reply says why it is ("won't stop", "by the electrical panel", "at the gas line")
        return not any(t.fold in _STILL_DANGER for t in tokens)
    if head.startswith("smok") and nxt.startswith(("detector", "alarm")):
        _, last = clause_span(tokens, m.start, m.end)
        return not any(tokens[j].fold in _GOING_OFF for j in range(m.end, last))
    if head == "shocking" or (head == "shocked" and nxt in ("at", "how", "that", "to")):
        return True
    if head in ("manager", "supervisor", "gerente", "your"):
        if prev in _ROLE_MANAGERS:
            return True
        window = {tokens[j].fold for j in range(max(0, m.start - 3), m.start)}
        return bool(window & {"tell", "thank", "thanks", "compliment"}) and sentiment > 0.2
    if head.startswith("bleed"):  # "bled the radiators", "the radiator bleeding"
        after = nxt2 if nxt in _DETERMINERS | {"my", "your", "our", "all"} else nxt
        return prev in _BLED_PARTS or after in _BLED_PARTS
    if head.startswith("hurt"):
        return prev in _SORE or (_word(tokens, m.start - 2) in _SORE and prev in _STILL)
    if head == "cut" and m.text not in ("cut himself", "cut herself"):
        return nxt not in _BODY
    if head in ("cancel", "cancelar"):
        _, last = clause_span(tokens, m.start, m.end)
        return any(tokens[j].fold in _APPOINTMENT for j in range(m.end - 1, min(last, m.end + 3)))
    return False


def applies(tokens: list[Token], m: Match, sentiment: float = 0.0) -> bool:
    """True when a found phrase counts: not negated, not already resolved, not another sense."""
    first_word = tokens[m.start]
    negatable = m.phrase.triage_class in _NEGATABLE and not is_negator(first_word)
    if negatable and negated(tokens, m.start):
        return False
    if m.phrase.triage_class == "urgent":
        if _resolved(tokens, m):
            return False
        if _other_sense(tokens, m, sentiment):
            return False
    return True
