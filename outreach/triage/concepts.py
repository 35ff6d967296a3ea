"""Hazard, escalation and consent concepts, in several languages, as model inputs.

The n-grams learn words seen in training; these lists name what an urgent reply is *about*
(water where it should not be, gas, fire, a body in trouble, a vulnerable person, the law,
money back…) in words a customer may use that the training replies did not, and pairs of
them ("water" + "ceiling", "gas" + "smell") that make a hazard without any single alarming
word; and, for consent, what a revocation is about ("stop" + "messages", "remove" + "list",
"no more" + "texts"), which the consent rules decide but the model should learn from more
than the rules' verdict. A trailing `*` matches any ending; several words match as a phrase.
Terms in Chinese, Japanese or Korean (no spaces between words) match anywhere in the reply.
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
        "nuoc tran", "nuoc dang tran",
        "taking on water", "taking water", "water coming in", "sinking", "vo nuoc", "wata",
    ),
    "place": (
        "ceiling", "techo", "plafond", "teto", "decke", "floor*", "piso", "suelo", "wall*",
        "pared*", "basement", "sotano", "everywhere", "todas partes", "todos lados", "partout",
        "light fixture", "lampara", "outlet*", "panel", "attic", "atico", "kitchen", "cocina",
        "closet", "bathroom", "bano", "cuisine", "cozinha", "kuche", "cucina", "soffitto",
        "потол*", "кухн*", "天花板", "厨房", "천장", "부엌", "tran nha", "bep", "kisame",
        "silin", "ceilin",
    ),
    "gas": (
        "gas", "propane", "propano", "rotten egg*", "huevo* podrido*", "hiss*", "silb*",
        "sizzl*", "gaz", "gás", "газ*", "煤气", "燃气", "天然气", "가스", "mui ga", "khi ga",
        "ਗੈਸ", "गैस", "গ্যাস", "گاز",
    ),
    "smell": (
        "smell*", "odor*", "odour*", "olor*", "huele*", "oler", "cheiro", "odeur", "stink*",
        "apesta*", "reek*", "fumes", "riecht", "geruch", "odore", "puzza", "пахн*", "запах*", "味",
        "냄새", "mui", "amoy", "sant", "ਬਦਬ*", "बदब*", "بوی", "ريحة", "গন্ধ",
    ),
    "fire": (
        "smok*", "humo", "fumee", "fumaca", "fire", "fuego", "incendi*", "feu", "flame*",
        "llama", "llamas", "burn*", "quem*", "brul*", "scorch*", "melt*", "derreti*", "spark*",
        "chispa*", "etincel*", "charred", "black*", "ennegrec*", "hot to the touch",
        "muy caliente", "brennt", "rauch", "overheat*", "super hot", "getting hot", "red hot",
        "fogo", "faisca*", "incendie", "feuer", "funken", "brand", "fumo", "fuoco", "scintill*",
        "дым*", "огон*", "пожар*", "искр*", "горит", "烟", "火", "연기", "불이", "불꽃", "khoi",
        "chay", "usok", "umuusok", "apoy", "dife", "lafimen", "boom", "d5an*", "dukhan", "دخان",
        "dym*", "pali sie", "धुआ*", "आग", "دخان", "حريق", "煙",
        "spalenizn*", "czuc spalen*", "etensel*",
    ),
    "electric": (
        "outlet*", "enchufe*", "breaker*", "panel", "wire*", "wiring", "cable*", "shock*",
        "descarga*", "electrocut*", "zap*", "buzz*", "zumb*", "volt*", "electric*", "electri*",
        "toque", "apagador", "tomada", "prise", "steckdose", "strom", "presa", "ток", "розетк*",
        "провод*", "电", "插座", "전기", "콘센트", "dien", "kuryente",
        "surge*", "exploded", "flash and a pop", "iskr*", "klimatize",
        "popping in the wall", "flash and pop", "cable tirado", "priz", "dio corriente",
    ),
    "co": (
        "carbon monoxide", "monoxido", "co alarm", "co detector", "monoxyde", "says co",
        "co on it", "letters co",
    ),
    "alarm": ("alarm*", "detector*", "beep*", "going off", "sonando", "pita*"),
    "body": (
        "breath*", "respir*", "chest", "pecho", "bleed*", "sangr*", "blood*", "fever*",
        "dumudugo", "sugat",
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
        "krew", "krwaw*", "피가", "피를", "खून", "دم", "نزيف", "headache*", "foggy",
        "chills", "bled", "bled through", "어지럽", "fe m mal", "wouj", "見えにく", "影が",
        "头晕", "恶心", "看不见", "痛", "cant see", "blurry", "vision",
        "maltet", "vetij", "pacemaker", "cadera", "san an", "mau chay", "ra mau",
    ),
    "injury": (
        "hurt", "injur*", "herid*", "lastim*", "cut", "cortad*", "cortó", "corto", "broke my",
        "fractur*", "hospital*", "er", "emergency room", "urgencias", "ambulan*", "911",
        "stitches", "puntos", "hit my", "fell on", "cayo", "golpe*", "hopital", "krankenhaus",
        "ospedale", "больниц*", "скор*", "医院", "急诊", "병원", "응급", "benh vien", "ospital",
        "lopital", "hit by", "atropell*", "fell in", "fell down", "bitten", "mordi*",
        "zlaman*", "zlamal*", "upuscil*",
        "quebr*", "pinned", "crushed", "screaming",
    ),
    "vehicle": (
        "brake*", "freno*", "steering", "direccion", "volante", "wheel*", "rueda*", "tire*",
        "llanta*", "stall*", "highway", "freeway", "autopista", "carretera", "driving",
        "manejando", "pedal", "middle lane", "merging", "traffic", "intersection", "avenida",
        "trafico", "rolling", "rolled", "wobbl*", "came off", "fell off", "lug nut*",
        "freio*", "frein*", "bremse*", "freni", "тормоз*", "刹车", "브레이크", "phanh", "preno",
        "casi me estrello", "casi choco", "choque", "me estrelle",
        "grinding", "metal on metal", "wont stop right", "thang xe", "dap lut",
        "timon", "throttle*", "acelerador", "se va para un lado", "pulls to one side",
        "ブレーキ",
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
        "dziecko", "dzieck*", "niemowl*", "babcia", "manman m", "pitit", "طفل", "رضيع", "बच्चा",
        "tibebe", "시어머니",
        "week old", "day old", "month old", "عمرها", "أمي",
        "embarazo", "birami", "хүүхэд", "өвчтэй",
    ),
    "temperature": (
        "no heat", "sin calefaccion", "freezing", "congel*", "helando", "cold", "frio",
        "calor", "heat", "degrees", "grados", "100", "105", "110", "below zero", "bajo cero",
        "froid", "kalt", "freddo", "холод*", "мороз*", "冷", "추워", "lanh", "chaud", "heiss",
        "caldo", "жар*", "热", "더워", "nong",
        "nie grzeje", "zimno", "stopni", "fret", "chofaj", "برد", "ठंड",
        "101", "102", "103", "104", "cho anpil", "38도", "40도",
        "تحت الصفر", "التدفئة", "gele", "geler",
        "батаре*", "отоплени*", "градус*",
        "sin aire", "no ac", "no air", "without ac", "jado", "хүйтэн", "халаалт",
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
        "hacked", "breach*", "unauthori*", "intruder*", "wont lock", "cant lock", "logged into",
        "someone on the porch",
        "stuck in the elevator", "stuck in an elevator", "stuck in the lift", "갇혔",
        "trapped in", "boat is listing", "listing hard", "slumped", "stopped talking",
        "unresponsive", "no se puede parar",
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
        "avoka", "prawnik*", "محامي", "वकील", "律師",
        "юрист*", "претензи*", "report your", "vakil",
    ),
    "money": (
        "refund*", "reembols*", "money back", "dinero", "chargeback", "charge back",
        "dispute*", "disput*", "bank", "banco", "credit card", "tarjeta", "rembours*",
        "reembolso", "devolu*", "geld zuruck", "rimborso", "dinheiro de volta", "my money",
        "stop payment", "every penny", "penny back", "deposit back", "anticipo", "charging back",
        "stopped the check", "возврат*", "верните деньги", "退款", "退钱", "환불", "hoan tien",
        "zwrot*", "pieniedz*", "استرجاع", "أموالي", "اموالي", "فلوسي", "पैसे वापस", "退錢", "lajan m",
        "返金", "вернуть деньги", "верните",
        "lajan mwen", "remet", "paisa wapas", "paise wapas", "paisa vapas", "paise vapas", "پولم",
        "stopping payment", "stopped payment",
    ),
    "cancel": (
        "cancel*", "cancelar", "terminate", "switch*", "another company", "otra compania",
        "competitor", "never use", "never again", "nunca mas", "done with you", "contract",
        "contrato", "porting", "port out", "port my number", "lost a customer", "competencia",
        "competition", "going elsewhere", "somewhere else", "other provider", "otro proveedor",
        "kundig*", "annul*", "resili*", "disdett*", "расторг*", "取消", "해지", "rescindir",
        "cancelamento",
        "الغاء", "إلغاء", "membresia", "not renewing", "30 day notice",
        "de baja mi servicio", "baja del servicio", "baja de mi servicio",
    ),
    "toxic": (
        "poison*", "toxic", "bait", "chemical*", "bleach", "ingest*", "veneno", "envenen*",
        "quimico*", "cloro", "pesticide*",
        "bait station*", "got into the",
        "asbest*", "amianto", "amiante", "асбест*", "lead paint", "lead dust",
    ),
    "runaway": (
        "wont shut off", "wont turn off", "cant shut off", "cant turn off", "wont stop heating",
        "no se apaga", "no apaga", "ne s eteint pas", "geht nicht aus", "stuck on",
        "wide open", "stuck on full",
    ),
    # -- what a revocation of consent is about (the consent rules decide; these only teach the
    # model the shape "stop" + "messages" in wordings and languages its training lacks)
    "contact": (
        "text", "texts", "texting", "texted", "txt*", "msg*", "message*", "sms", "mensaje*",
        "mensajito*", "textos", "mensage*", "mensagem", "mensagens", "torpedo*", "nachricht*",
        "messaggi*", "wiadomosc*", "wiadomości", "esemes*", "сообщени*", "смс",
        "tin nhan", "nhan tin", "mga text", "pag text", "pagtext", "mesaj*", "berichten",
        "bericht", "mesajlar*", "رسائل", "رسالة", "短信", "信息", "訊息", "简讯", "文字", "메시지",
        "문자", "メッセージ", "ショートメール", "メール", "contact*", "contat*", "kontakt*",
        "contatt*", "contacter", "llamad*", "robocall*", "calls", "calling me", "escribir*",
        "escriban", "escribirme", "escribas", "ecrire", "ecrivez", "schreiben", "scrivere",
        "pisac", "pisać", "писать", "пишите", "слать", "присыла*", "отправля*", "送信", "연락",
        "发信息", "发短信", "texteando", "textear",
    ),
    "halt": (
        "stop", "stopp*", "stopped", "cease", "quit", "halt", "para", "paren", "parar", "pare",
        "alto", "dejen", "deja", "dejar", "deixem", "deixe", "parem", "arret*", "cessez",
        "aufhoren", "aufhören", "hor auf", "horen sie auf", "smett*", "basta", "enough",
        "przestan*", "przestań*", "хватит", "прекрат*", "перестан*", "dung", "ngung", "tigil",
        "itigil", "tama na", "sigeo", "bas karo", "band karo", "kafi", "kafi hai", "توقف*",
        "停止", "别再", "不要再", "그만", "중지", "やめて", "止めて", "停止して", "dur", "durdur*",
        "ophouden", "genoeg", "sispann", "rete",
    ),
    "remove": (
        "remove*", "take me off", "take us off", "take my number off", "delete*", "erase*",
        "unsubscrib*", "unsub", "opt* out", "opt me out", "desuscrib*", "darme de baja",
        "dar de baja", "de baja", "sacar*", "saquen*", "sacame", "quit* mi", "quitenme",
        "borr*", "elimin*", "retir*", "supprim*", "desinscri*", "desabonn*", "entfern*",
        "losch*", "abmeld*", "abbestell*", "togli*", "cancella*", "rimuov*", "descadastr*",
        "tirar meu", "tire meu", "usun*", "wypisz*", "удали*", "отпиш*", "убери*", "xoa", "go so",
        "huy dang ky", "alisin", "tanggalin", "verwijder*", "afmeld*", "sil*", "cikar*",
        "退订", "取消订阅", "删除", "解除", "삭제", "빼주", "수신거부", "配信停止", "削除",
        "外して", "retire", "wete",
    ),
    "roster": (
        "list", "lista", "liste", "listing", "database", "base de datos", "records", "system",
        "sistema", "registro*", "contacts", "contactos", "mailing", "distribution", "verteiler",
        "список*",
        "danh sach", "listahan", "lijst", "listeden", "名单", "列表", "목록", "名簿", "リスト",
    ),
    "mynumber": (
        "my number", "this number", "my phone", "this phone", "my cell", "my mobile",
        "mi numero", "este numero", "mi celular", "este celular", "mi telefono", "meu numero",
        "este numero", "mon numero", "ce numero", "meine nummer", "diese nummer", "il mio numero",
        "questo numero", "moj numer", "mój numer", "этот номер", "мой номер", "so cua toi",
        "so nay", "numero ko", "mijn nummer", "numaram*", "我的号码", "这个号码", "이 번호",
        "제 번호", "この番号", "私の番号", "lose my number", "nimewo mwen",
    ),
    "nomore": (
        "no more", "anymore", "any more", "never again", "no longer", "dont send", "do not send",
        "dont text", "do not text", "dont message", "dont contact", "do not contact",
        "ya no", "no mas", "nunca mas", "no me manden", "no me envien", "no me escriban",
        "nao mande*", "nao quero mais", "nunca mais", "plus jamais", "ne plus", "n envoyez plus",
        "nicht mehr", "keine", "non piu", "mai piu", "wiecej nie", "już nie", "juz nie",
        "больше не", "не пишите", "не присылайте", "khong gui", "dung gui", "wag na",
        "huwag na", "ayoko na", "ayaw ko na", "niet meer", "artik", "pa voye",
        "aur nahi", "mat bhejo", "mat karo", "لا ترسل*", "不要再", "别再", "보내지 마", "하지 마",
        "送らないで", "しないで", "不要",
    ),
    "unwanted": (
        "not interested", "dont want", "do not want", "dont need", "no thanks", "no thank you",
        "im good", "im done", "i'm done", "no quiero", "no necesito", "no me interesa",
        "no estoy interesad*", "nao quero", "nao tenho interesse", "pas interesse*",
        "je ne veux", "ne veux pas", "kein interesse", "will nicht", "non voglio",
        "non mi interessa", "nie chce", "nie chcę", "nie jestem zainteresowan*", "не хочу",
        "не интересно", "khong muon", "ayoko", "ayaw ko", "hindi interesado", "nahi chahiye",
        "nahin chahiye", "geen interesse", "istemiyorum", "لا أريد", "لا اريد", "不需要", "不想",
        "필요 없", "필요없", "원하지 않", "不要です", "いりません", "不要", "pa vle",
    ),
    "manager": (
        "manager*", "gerente", "supervisor*", "boss", "jefe", "owner", "dueno", "corporate",
        "escalat*", "someone in charge", "encargado", "above you", "above the", "who owns",
        "your boss", "higher up", "someone higher", "responsable", "direttore", "начальник*",
        "руководител*", "经理", "老板", "主管", "매니저", "책임자", "quan ly", "authority",
        "經理", "老闆", "kierownik*", "مدير", "المدير", "मैनेजर", "manadje",
        "chef sprechen", "vorgesetzt*", "owners number", "the owner", "원장님", "менеджер*",
        "позовите",
    ),
}  # fmt: skip
#: pairs that make a hazard together
PAIRS: tuple[tuple[str, str], ...] = (
    ("halt", "contact"),
    ("remove", "roster"),
    ("remove", "mynumber"),
    ("remove", "contact"),
    ("nomore", "contact"),
    ("unwanted", "contact"),
    ("roster", "mynumber"),
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
