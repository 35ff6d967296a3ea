"""Hazard and escalation concepts, in several languages, as model inputs.

The n-grams learn words seen in training; these lists name what an urgent reply is *about*
(water where it should not be, gas, fire, a body in trouble, a vulnerable person, the law,
money back…) in words a customer may use that the training replies did not, and pairs of
them ("water" + "ceiling", "gas" + "smell") that make a hazard without any single alarming
word. A trailing `*` matches any ending; several words match as a phrase. Terms in Chinese or
Korean (no spaces between words) match anywhere in the reply.
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
        "agua", "inond*", "alag*", "vaza*", "deborde*", "uberschwemm*", "undicht", "perdita",
        "allag*", "вод*", "теч*", "затоп*", "протека*", "漏水", "淹", "水", "누수", "물이", "nuoc",
        "ro ri", "ngap", "tubig", "tumutulo", "baha", "dlo", "running over",
    ),
    "place": (
        "ceiling", "techo", "plafond", "teto", "decke", "floor*", "piso", "suelo", "wall*",
        "pared*", "basement", "sotano", "everywhere", "todas partes", "todos lados", "partout",
        "light fixture", "lampara", "outlet*", "panel", "attic", "atico", "kitchen", "cocina",
        "closet", "bathroom", "bano", "cuisine", "cozinha", "kuche", "cucina", "soffitto",
        "потол*", "кухн*", "天花板", "厨房", "천장", "부엌", "tran nha", "bep", "kisame",
    ),
    "gas": (
        "gas", "propane", "propano", "rotten egg*", "huevo* podrido*", "hiss*", "silb*",
        "sizzl*", "gaz", "gás", "газ*", "煤气", "燃气", "天然气", "가스", "mui ga", "khi ga",
    ),
    "smell": (
        "smell*", "odor*", "odour*", "olor*", "huele*", "oler", "cheiro", "odeur", "stink*",
        "apesta*", "reek*", "fumes", "riecht", "geruch", "odore", "puzza", "пахн*", "запах*", "味",
        "냄새", "mui", "amoy", "sant",
    ),
    "fire": (
        "smok*", "humo", "fumee", "fumaca", "fire", "fuego", "incendi*", "feu", "flame*",
        "llama", "llamas", "burn*", "quem*", "brul*", "scorch*", "melt*", "derreti*", "spark*",
        "chispa*", "etincel*", "charred", "black*", "ennegrec*", "hot to the touch",
        "muy caliente", "brennt", "rauch", "overheat*", "super hot", "getting hot", "red hot",
        "fogo", "faisca*", "incendie", "feuer", "funken", "brand", "fumo", "fuoco", "scintill*",
        "дым*", "огон*", "пожар*", "искр*", "горит", "烟", "火", "연기", "불이", "불꽃", "khoi",
        "chay", "usok", "umuusok", "apoy", "dife", "lafimen", "boom",
    ),
    "electric": (
        "outlet*", "enchufe*", "breaker*", "panel", "wire*", "wiring", "cable*", "shock*",
        "descarga*", "electrocut*", "zap*", "buzz*", "zumb*", "volt*", "electric*", "electri*",
        "toque", "apagador", "tomada", "prise", "steckdose", "strom", "presa", "ток", "розетк*",
        "провод*", "电", "插座", "전기", "콘센트", "dien", "kuryente",
    ),
    "co": ("carbon monoxide", "monoxido", "co alarm", "co detector", "monoxyde"),
    "alarm": ("alarm*", "detector*", "beep*", "going off", "sonando", "pita*"),
    "body": (
        "breath*", "respir*", "chest", "pecho", "bleed*", "sangr*", "blood*", "fever*",
        "fiebre", "temperatura", "swell*", "swollen", "hinch*", "inflam*", "pus", "faint*",
        "desmay*", "passed out", "dizz*", "mare*", "vomit*", "throw* up", "unconscious",
        "numb*", "seizure*", "convuls*", "allerg*", "hives", "throat", "garganta", "stroke",
        "slur*", "heart", "corazon", "infect*", "lip", "labio*", "face", "cara", "jaw",
        "mandibula", "pain", "dolor", "douleur", "incision", "drows*", "wake up", "hard to wake",
        "swallow*", "confus*", "chok*", "blue lips", "cheek", "mouth", "eye", "ojo", "boca",
        "febre", "inchad*", "respirar", "saign*", "fievre", "gonfl*", "respirer", "blut*",
        "fieber", "geschwollen", "atmen", "atemnot", "sangu*", "febbre", "gonfi*", "кров*",
        "температур*", "опух*", "дыш*", "бол*", "流血", "出血", "发烧", "肿", "呼吸", "疼", "출혈",
        "열이", "부어", "숨", "chay mau", "sot", "sung", "dugo", "lagnat", "namamaga",
        "huminga", "lafyev", "nause*", "clot*", "lips", "oozing", "despierta", "wont wake",
    ),
    "injury": (
        "hurt", "injur*", "herid*", "lastim*", "cut", "cortad*", "cortó", "corto", "broke my",
        "fractur*", "hospital*", "er", "emergency room", "urgencias", "ambulan*", "911",
        "stitches", "puntos", "hit my", "fell on", "cayo", "golpe*", "hopital", "krankenhaus",
        "ospedale", "больниц*", "скор*", "医院", "急诊", "병원", "응급", "benh vien", "ospital",
        "lopital", "hit by", "atropell*", "fell in", "fell down", "bitten", "mordi*",
    ),
    "vehicle": (
        "brake*", "freno*", "steering", "direccion", "volante", "wheel*", "rueda*", "tire*",
        "llanta*", "stall*", "highway", "freeway", "autopista", "carretera", "driving",
        "manejando", "pedal", "middle lane", "merging", "traffic", "intersection", "avenida",
        "trafico", "rolling", "rolled", "wobbl*", "came off", "fell off", "lug nut*",
        "freio*", "frein*", "bremse*", "freni", "тормоз*", "刹车", "브레이크", "phanh", "preno",
    ),
    "vulnerable": (
        "baby", "babies", "bebe", "newborn", "infant", "elderly", "anciano*", "abuel*",
        "grandma", "grandpa", "grandmother", "grandfather", "pregnant", "embarazada", "oxygen",
        "oxigeno", "dialysis", "dialisis", "chemo*", "quimio*", "insulin*", "wheelchair",
        "silla de ruedas", "disabled", "sick", "enferm*", "toddler", "kids", "ninos", "92", "90",
        "85",
        "years old", "anos", "twins", "weeks old", "months old", "yr old", "year old", "idos*",
        "personne agee", "ребен*", "младен*", "бабушк*", "пожил*", "宝宝", "婴儿", "老人", "아기",
        "할머니", "노인", "em be", "lola", "sanggol",
    ),
    "temperature": (
        "no heat", "sin calefaccion", "freezing", "congel*", "helando", "cold", "frio",
        "calor", "heat", "degrees", "grados", "100", "105", "110", "below zero", "bajo cero",
        "froid", "kalt", "freddo", "холод*", "мороз*", "冷", "추워", "lanh", "chaud", "heiss",
        "caldo", "жар*", "热", "더워", "nong",
    ),
    "emergency": (
        "emergency", "emergencia", "emergencia*", "urgent*", "asap", "right now",
        "ahora mismo", "danger*", "peligro*", "unsafe", "scared", "miedo", "terrified",
        "panic*", "freaking out", "help", "ayuda", "auxilio", "immediately", "inmediato*",
        "socorro", "evacuat*", "fire department", "bomberos", "urgence", "notfall", "emergenza",
        "срочно", "помогите", "紧急", "救命", "긴급", "도와", "khan cap", "cuu", "tulong", "ijan*",
        "perigo", "gefahr*", "pericolo", "опасн*", "危险", "위험", "nguy hiem", "break-in*",
        "break in*", "broken into", "robbed", "robo", "locked in", "locked inside", "trapped",
        "atrapad*", "encerrad*",
    ),
    "legal": (
        "lawyer*", "abogad*", "attorney*", "sue", "suing", "demand*", "lawsuit", "court",
        "corte", "tribunal", "bbb", "better business", "attorney general", "fcc", "ftc",
        "consumer", "consumidor", "profeco", "license board", "licensing board", "report you",
        "reportar*", "denunci*", "review*", "yelp", "news", "noticias", "avocat", "advogado",
        "nextdoor", "facebook", "google", "social media", "redes sociales", "tell everyone",
        "telling everyone", "everyone i know", "channel", "tv station", "anwalt", "klage",
        "avvocato", "адвокат", "суд", "жалоб*", "律师", "起诉", "投诉", "변호사", "고소", "luat su",
        "kien", "resena*",
    ),
    "money": (
        "refund*", "reembols*", "money back", "dinero", "chargeback", "charge back",
        "dispute*", "disput*", "bank", "banco", "credit card", "tarjeta", "rembours*",
        "reembolso", "devolu*", "geld zuruck", "rimborso", "dinheiro de volta", "my money",
        "stop payment", "every penny", "penny back", "deposit back", "anticipo", "charging back",
        "stopped the check", "возврат*", "верните деньги", "退款", "退钱", "환불", "hoan tien",
    ),
    "cancel": (
        "cancel*", "cancelar", "terminate", "switch*", "another company", "otra compania",
        "competitor", "never use", "never again", "nunca mas", "done with you", "contract",
        "contrato", "porting", "port out", "port my number", "lost a customer", "competencia",
        "competition", "going elsewhere", "somewhere else", "other provider", "otro proveedor",
        "kundig*", "annul*", "resili*", "disdett*", "расторг*", "取消", "해지", "rescindir",
        "cancelamento",
    ),
    "toxic": (
        "poison*", "toxic", "bait", "chemical*", "bleach", "ingest*", "veneno", "envenen*",
        "quimico*", "cloro", "pesticide*",
    ),
    "runaway": (
        "wont shut off", "wont turn off", "cant shut off", "cant turn off", "wont stop heating",
        "no se apaga", "no apaga", "ne s eteint pas", "geht nicht aus", "stuck on",
    ),
    "manager": (
        "manager*", "gerente", "supervisor*", "boss", "jefe", "owner", "dueno", "corporate",
        "escalat*", "someone in charge", "encargado", "above you", "above the", "who owns",
        "your boss", "higher up", "someone higher", "responsable", "direttore", "начальник*",
        "руководител*", "经理", "老板", "主管", "매니저", "책임자", "quan ly", "authority",
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
    ("body", "vulnerable"),
    ("toxic", "vulnerable"),
    ("water", "emergency"),
)
NAMES: tuple[str, ...] = (
    *(f"concept={c}" for c in CONCEPTS),
    *(f"concept={a}+{b}" for a, b in PAIRS),
)


#: scripts written without spaces between words (CJK ideographs, Hangul)
_UNSPACED = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, tuple[re.Pattern[str], re.Pattern[str] | None]]:
    """Per concept: the words (from a word's start) and the unspaced-script terms (anywhere)."""
    out = {}
    for name, terms in CONCEPTS.items():
        words, anywhere = [], []
        for term in terms:
            word = re.escape(fold(term).rstrip("*"))
            if _UNSPACED.match(term):
                anywhere.append(word)
            else:
                words.append(word + (r"\w*" if term.endswith("*") else r"\b"))
        out[name] = (
            re.compile(r"\b(?:" + "|".join(words) + ")"),
            re.compile("|".join(anywhere)) if anywhere else None,
        )
    return out


def concepts(text: str) -> dict[str, float]:
    """The concepts (and pairs) a reply names, as features: concept=water, concept=gas+smell."""
    folded = fold(text or "")
    unspaced = _UNSPACED.search(folded) is not None
    found = {
        name
        for name, (words, anywhere) in _patterns().items()
        if words.search(folded) or (unspaced and anywhere is not None and anywhere.search(folded))
    }
    feats = {f"concept={c}": 1.0 for c in found}
    for a, b in PAIRS:
        if a in found and b in found:
            feats[f"concept={a}+{b}"] = 1.0
    return feats
