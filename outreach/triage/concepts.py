"""Hazard and escalation concepts, in several languages, as model inputs.

The n-grams learn words seen in training; these lists name what an urgent reply is *about*
(water where it should not be, gas, fire, a body in trouble, a vulnerable person, the law,
money back…) in words a customer may use that the training replies did not, and pairs of
them ("water" + "ceiling", "gas" + "smell") that make a hazard without any single alarming
word. A trailing `*` matches any ending; several words match as a phrase.
"""

from __future__ import annotations

import re
from functools import lru_cache

from outreach.triage.text import fold

CONCEPTS: dict[str, tuple[str, ...]] = {
    "water": (
        "water", "agua", "eau", "wasser", "acqua", "flood*", "inund*", "leak*", "fuga*",
        "gotea*", "goteo", "drip*", "pour*", "gush*", "spray*", "squirt*", "burst*", "revent*",
        "overflow*", "desbord*", "soak*", "empap*", "mojad*", "puddle*", "charco*", "sewage",
        "aguas negras", "fuite", "vazamento", "vazando", "tropfen", "rohrbruch",
    ),
    "place": (
        "ceiling", "techo", "plafond", "teto", "decke", "floor*", "piso", "suelo", "wall*",
        "pared*", "basement", "sotano", "everywhere", "todas partes", "todos lados", "partout",
        "light fixture", "lampara", "outlet*", "panel", "attic", "atico", "kitchen", "cocina",
    ),
    "gas": (
        "gas", "propane", "propano", "rotten egg*", "huevo* podrido*", "hiss*", "silb*",
        "sizzl*", "gaz", "gás",
    ),
    "smell": (
        "smell*", "odor*", "odour*", "olor*", "huele*", "oler", "cheiro", "odeur", "stink*",
        "apesta*", "fumes", "riecht", "geruch",
    ),
    "fire": (
        "smok*", "humo", "fumee", "fumaca", "fire", "fuego", "incendi*", "feu", "flame*",
        "llama", "llamas", "burn*", "quem*", "brul*", "scorch*", "melt*", "derreti*", "spark*",
        "chispa*", "etincel*", "charred", "black*", "ennegrec*", "hot to the touch",
        "muy caliente", "brennt", "rauch",
    ),
    "electric": (
        "outlet*", "enchufe*", "breaker*", "panel", "wire*", "wiring", "cable*", "shock*",
        "descarga*", "electrocut*", "buzz*", "zumb*", "volt*", "electric*", "electri*",
    ),
    "co": ("carbon monoxide", "monoxido", "co alarm", "co detector", "monoxyde"),
    "alarm": ("alarm*", "detector*", "beep*", "going off", "sonando", "pita*"),
    "body": (
        "breath*", "respir*", "chest", "pecho", "bleed*", "sangr*", "blood*", "fever*",
        "fiebre", "temperatura", "swell*", "swollen", "hinch*", "inflam*", "pus", "faint*",
        "desmay*", "passed out", "dizz*", "mare*", "vomit*", "throw* up", "unconscious",
        "numb*", "seizure*", "convuls*", "allerg*", "hives", "throat", "garganta", "stroke",
        "slur*", "heart", "corazon", "infect*", "lip", "labio*", "face", "cara", "jaw",
        "mandibula", "pain", "dolor", "douleur",
    ),
    "injury": (
        "hurt", "injur*", "herid*", "lastim*", "cut", "cortad*", "cortó", "corto", "broke my",
        "fractur*", "hospital*", "er", "emergency room", "urgencias", "ambulan*", "911",
        "stitches", "puntos", "hit my", "fell on", "cayo", "golpe*",
    ),
    "vehicle": (
        "brake*", "freno*", "steering", "direccion", "volante", "wheel*", "rueda*", "tire*",
        "llanta*", "stall*", "highway", "freeway", "autopista", "carretera", "driving",
        "manejando", "pedal",
    ),
    "vulnerable": (
        "baby", "babies", "bebe", "newborn", "infant", "elderly", "anciano*", "abuel*",
        "grandma", "grandpa", "grandmother", "grandfather", "pregnant", "embarazada", "oxygen",
        "oxigeno", "disabled", "sick", "enferm*", "toddler", "kids", "ninos", "92", "90", "85",
        "years old", "anos",
    ),
    "temperature": (
        "no heat", "sin calefaccion", "freezing", "congel*", "helando", "cold", "frio",
        "calor", "heat", "degrees", "grados", "100", "105", "110", "below zero", "bajo cero",
    ),
    "emergency": (
        "emergency", "emergencia", "emergencia*", "urgent*", "asap", "right now",
        "ahora mismo", "danger*", "peligro*", "unsafe", "scared", "miedo", "terrified",
        "panic*", "freaking out", "help", "ayuda", "auxilio", "immediately", "inmediato*",
        "socorro", "evacuat*", "fire department", "bomberos",
    ),
    "legal": (
        "lawyer*", "abogad*", "attorney*", "sue", "suing", "demand*", "lawsuit", "court",
        "corte", "tribunal", "bbb", "better business", "attorney general", "fcc", "ftc",
        "consumer", "consumidor", "profeco", "license board", "licensing board", "report you",
        "reportar*", "denunci*", "review*", "yelp", "news", "noticias", "avocat", "advogado",
    ),
    "money": (
        "refund*", "reembols*", "money back", "dinero", "chargeback", "charge back",
        "dispute*", "disput*", "bank", "banco", "credit card", "tarjeta", "rembours*",
        "reembolso", "devolu*",
    ),
    "cancel": (
        "cancel*", "cancelar", "terminate", "switch*", "another company", "otra compania",
        "competitor", "never use", "never again", "nunca mas", "done with you", "contract",
        "contrato",
    ),
    "manager": (
        "manager*", "gerente", "supervisor*", "boss", "jefe", "owner", "dueno", "corporate",
        "escalat*", "someone in charge", "encargado",
    ),
}  # fmt: skip
#: pairs that make a hazard together
PAIRS: tuple[tuple[str, str], ...] = (
    ("water", "place"),
    ("water", "electric"),
    ("gas", "smell"),
    ("fire", "electric"),
    ("fire", "smell"),
    ("co", "alarm"),
    ("body", "emergency"),
    ("body", "injury"),
    ("vulnerable", "temperature"),
    ("vehicle", "emergency"),
)
NAMES: tuple[str, ...] = (
    *(f"concept={c}" for c in CONCEPTS),
    *(f"concept={a}+{b}" for a, b in PAIRS),
)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    out = {}
    for name, terms in CONCEPTS.items():
        parts = []
        for term in terms:
            word = re.escape(fold(term).rstrip("*"))
            parts.append(word + (r"\w*" if term.endswith("*") else r"\b"))
        out[name] = re.compile(r"\b(?:" + "|".join(parts) + ")")
    return out


def concepts(text: str) -> dict[str, float]:
    """The concepts (and pairs) a reply names, as features: concept=water, concept=gas+smell."""
    folded = fold(text or "")
    found = {name for name, pattern in _patterns().items() if pattern.search(folded)}
    feats = {f"concept={c}": 1.0 for c in found}
    for a, b in PAIRS:
        if a in found and b in found:
            feats[f"concept={a}+{b}"] = 1.0
    return feats
