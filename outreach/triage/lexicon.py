"""Word, idiom and emoji valences for the sentiment analyser (VADER's -4..+4 scale), EN + ES.

Keys are lower case without accents; idioms are written without apostrophes ("cant complain").
"""

from __future__ import annotations

# fmt: off
LEXICON: dict[str, float] = {
    # praise
    "great": 3.1, "good": 1.9, "excellent": 3.2, "awesome": 3.1, "amazing": 2.8,
    "perfect": 2.7, "perfectly": 2.5, "wonderful": 2.9, "fantastic": 2.9, "outstanding": 3.0,
    "superb": 3.0, "terrific": 2.9, "brilliant": 2.8, "fabulous": 2.9, "incredible": 2.6,
    "exceptional": 2.8, "impressive": 2.2, "impressed": 2.2, "stellar": 2.8, "best": 3.0,
    "better": 1.9, "nice": 1.8, "lovely": 2.6, "love": 3.2, "loved": 3.0, "loves": 2.8,
    "happy": 2.7, "happier": 2.5, "glad": 2.0, "pleased": 2.2, "satisfied": 1.9,
    "thrilled": 2.8, "delighted": 2.8, "grateful": 2.5, "thankful": 2.3, "thanks": 1.9,
    "thank": 1.5, "thx": 1.9, "thnx": 1.9, "thanx": 1.9, "ty": 1.9, "tysm": 2.5,
    "thankyou": 1.9, "appreciate": 2.0, "appreciated": 2.0, "recommend": 1.8,
    "recommended": 1.8, "professional": 1.6, "courteous": 2.0, "polite": 1.8, "friendly": 2.0,
    "helpful": 2.0, "knowledgeable": 2.0, "knowledgable": 2.0, "patient": 1.5,
    "respectful": 1.9, "clean": 1.4, "tidy": 1.3, "neat": 1.3, "prompt": 1.5, "promptly": 1.4,
    "punctual": 1.6, "quick": 1.2, "quickly": 1.0, "fast": 1.2, "efficient": 1.8,
    "thorough": 1.8, "careful": 1.4, "reliable": 1.8, "honest": 1.8, "fair": 1.3,
    "reasonable": 1.2, "affordable": 1.2, "smooth": 1.2, "smoothly": 1.2, "quiet": 1.0,
    "quieter": 1.4, "quietly": 1.0, "easy": 1.2, "fixed": 1.5, "solved": 1.8, "resolved": 1.6,
    "works": 1.2, "working": 1.0, "worked": 1.0, "running": 0.5, "runs": 0.5, "cozy": 1.5,
    "toasty": 1.5, "comfortable": 1.6, "cool": 1.0, "fine": 0.5, "ok": 0.3, "okay": 0.3,
    "alright": 0.5, "yes": 1.2, "yep": 0.8, "yeah": 0.6, "wow": 1.5, "lifesaver": 2.6,
    "lifesavers": 2.6, "hero": 2.4, "heroes": 2.4, "rockstar": 2.5, "gem": 2.2,
    "beautiful": 2.7, "beautifully": 2.5, "gorgeous": 2.8, "flawless": 2.8, "spotless": 2.2,
    "sparkling": 1.8, "immaculate": 2.4, "finally": 0.6, "relief": 1.6, "relieved": 1.8,
    "blessing": 2.0, "trust": 1.4, "informative": 1.5, "deserves": 0.8, "free": 1.0,
    "lol": 0.8, "haha": 1.0, "worth": 1.5, "enjoyed": 2.0, "awsome": 3.1,
    "awesom": 3.1, "excelent": 3.2, "gud": 1.9, "gr8": 3.1, "pleasant": 2.0, "smart": 1.5,
    "superstar": 2.6, "kudos": 2.2, "bravo": 2.2, "phenomenal": 3.0, "top": 1.0, "ace": 1.5,
    "nicest": 2.5, "finest": 2.5, "greatest": 3.0, "kindest": 2.5, "friendliest": 2.5,
    "cleanest": 2.0, "fastest": 1.8, "definitely": 0.8, "pleasure": 2.0, "magic": 1.8,
    # complaint
    "bad": -2.5, "terrible": -3.1, "awful": -3.1, "horrible": -3.2, "worst": -3.1,
    "worse": -2.1, "poor": -2.1, "poorly": -2.0, "disappointed": -2.1, "disappointing": -2.2,
    "disappointment": -2.3, "unhappy": -2.1, "upset": -1.9, "angry": -2.3, "mad": -2.2,
    "furious": -3.0, "frustrated": -2.0, "frustrating": -2.1, "annoyed": -1.8,
    "annoying": -1.9, "irritated": -1.8, "ridiculous": -2.0, "unacceptable": -2.6,
    "unprofessional": -2.3, "rude": -2.4, "careless": -2.0, "sloppy": -2.0, "lazy": -2.0,
    "incompetent": -2.6, "useless": -2.3, "dirty": -1.8, "filthy": -2.6, "mess": -1.9,
    "messy": -1.8, "muddy": -1.5, "mud": -1.2, "dust": -0.8, "stain": -1.5, "stains": -1.5,
    "stained": -1.5, "scratched": -1.8, "scratch": -1.4, "scratches": -1.4, "dent": -1.5,
    "dented": -1.6, "damaged": -2.2, "damage": -2.0, "broken": -2.3, "broke": -2.0,
    "breaking": -2.0, "scratching": -1.8, "damaging": -2.0, "ruining": -2.3, "ruined": -2.5,
    "breaks": -1.5, "died": -2.0, "dead": -1.8, "fail": -2.0, "failed": -2.1, "failing": -1.9,
    "failure": -2.2, "leak": -1.8, "leaks": -1.8, "leaking": -1.8, "dripping": -1.2,
    "drip": -1.0, "drips": -1.0, "clogged": -1.6, "clog": -1.4, "slow": -1.0, "late": -1.2,
    "waited": -1.0, "waiting": -0.9, "noise": -1.2, "noises": -1.2, "noisy": -1.5,
    "loud": -1.2, "louder": -1.5, "banging": -1.2, "clicking": -1.0, "rattling": -1.2,
    "rattle": -1.2, "grinding": -1.2, "squeaking": -1.0, "squeaky": -0.8, "buzzing": -1.0,
    "humming": -0.6, "smell": -1.0, "smells": -1.0, "stinks": -2.0, "odor": -1.2,
    "problem": -1.5, "problems": -1.5, "issue": -1.2, "issues": -1.2, "trouble": -1.6,
    "wrong": -1.6, "error": -1.5, "overpriced": -2.2, "expensive": -1.2, "pricey": -1.0,
    "overcharged": -2.5, "ripoff": -2.8, "scam": -2.8, "waste": -2.0, "wasted": -2.0,
    "still": -0.9, "again": -1.0, "keeps": -0.6, "resetting": -0.8, "tripping": -1.2,
    "flickering": -1.2, "stopped": -0.8, "sucks": -2.5, "crap": -2.5, "ugh": -1.8,
    "meh": -0.8, "smh": -1.5, "wtf": -2.5, "hate": -2.7, "hated": -2.7, "regret": -2.0,
    "complaint": -1.5, "complaints": -1.5, "complain": -1.5, "disgusted": -2.8,
    "shame": -1.8, "pathetic": -2.8, "uncomfortable": -1.6, "freezing": -1.6,
    "sweltering": -1.8, "unreliable": -2.0, "mistake": -1.5, "rushed": -1.3, "hassle": -1.5,
    "inconvenient": -1.5, "unfinished": -1.5, "incomplete": -1.4, "missing": -1.2,
    "cracked": -1.6, "crooked": -1.4, "loose": -1.0, "worried": -1.5, "concerned": -1.2,
    "disaster": -3.0, "nightmare": -3.0, "hurt": -2.0, "ignored": -2.0, "forgot": -1.4,
    "forgotten": -1.4, "sad": -2.1, "unsatisfied": -2.1, "dissatisfied": -2.2,
    "confusing": -1.5, "confused": -1.3, "hole": -1.2, "holes": -1.2, "sometimes": -0.9,
    "intermittent": -1.2, "intermittently": -1.2, "blank": -1.0, "fee": -0.6, "fees": -0.6,
    "unexpected": -0.8, "surprise": -0.4,
    # Spanish
    "bien": 1.5, "bueno": 1.9, "buena": 1.9, "buen": 1.9, "excelente": 3.2, "perfecto": 2.7,
    "perfecta": 2.7, "genial": 2.8, "gracias": 1.9, "contento": 2.0, "contenta": 2.0,
    "feliz": 2.5, "amable": 2.0, "amables": 2.0, "rapido": 1.2, "rapida": 1.2, "limpio": 1.4,
    "limpia": 1.4, "puntual": 1.6, "recomiendo": 1.8, "encantado": 2.5, "encantada": 2.5,
    "maravilloso": 2.9, "satisfecho": 1.9, "satisfecha": 1.9, "funciona": 1.2,
    "funcionando": 1.0, "arreglado": 1.5, "arreglada": 1.5, "profesional": 1.6,
    "agradecido": 2.3, "agradecida": 2.3, "mejor": 1.9, "estupendo": 2.8, "increible": 2.6,
    "mal": -2.2, "malo": -2.5, "mala": -2.5, "pesimo": -3.2, "pesima": -3.2,
    "sucio": -1.8, "sucia": -1.8, "tarde": -1.0, "roto": -2.3, "rota": -2.3,
    "descompuesto": -2.0, "problema": -1.5, "problemas": -1.5, "molesto": -2.0,
    "molesta": -2.0, "enojado": -2.3, "enojada": -2.3, "decepcionado": -2.1,
    "decepcionada": -2.1, "caro": -1.2, "ruido": -1.2, "todavia": -0.7, "sigue": -0.6,
    "grosero": -2.4, "grosera": -2.4, "peor": -2.1, "falla": -2.0, "fallo": -2.0,
    "desastre": -3.0, "tardaron": -1.0, "gusto": 2.0, "gusta": 2.0, "encanto": 2.8,
    "encanta": 2.8,
}

#: the valence a word takes when negated, where flipping its own would be wrong or zero
#: ("doesn't work", "no funciona", "never showed", "isn't fixed")
NEGATED: dict[str, float] = {
    **dict.fromkeys(["work", "works", "working", "worked", "function", "functions",
                     "functioning", "fix", "fixed", "repaired", "solved", "resolved",
                     "funciona", "funcionar", "funcionando", "sirve", "arreglado",
                     "arreglaron", "arreglo"], -1.8),
    **dict.fromkeys(["cooling", "heating", "drain", "drains", "draining",
                     "run", "runs", "running", "flush", "flushes", "start", "starts",
                     "starting", "turn", "turns", "blowing", "blow", "dry", "drying",
                     "spin", "spinning", "close", "closes", "open", "opens"], -1.5),
    **dict.fromkeys(["show", "showed", "shows", "came", "come", "llego", "llegaron", "vino",
                     "vinieron"], -2.0),
    **dict.fromkeys(["aviso", "avisaron", "avisar", "llamaron"], -1.5),
    **dict.fromkeys(["finish", "finished", "finishing", "complete", "completed", "completing",
                     "done", "terminaron", "termino"], -1.5),
}

#: negated comparatives that praise: "never had a better…", "couldn't be happier"
COMPARATIVES = frozenset({"better", "happier", "nicer", "best", "faster", "cleaner", "mejor"})
MODAL_NEGATORS = frozenset({"never", "couldnt", "cant", "cannot", "nunca"})

#: words that strengthen (+) or soften (-) the next opinion word
BOOSTERS: dict[str, float] = {
    **dict.fromkeys(["very", "really", "so", "super", "extremely", "incredibly", "totally",
                     "absolutely", "completely", "highly", "truly", "especially", "way",
                     "too", "sooo", "soo", "muy", "tan", "demasiado", "bastante", "sumamente",
                     "realmente", "muchas", "muchisimas", "mucho", "pretty", "quite", "such",
                     "most", "damn", "freaking"], 0.293),
    **dict.fromkeys(["kinda", "kind", "sort", "sorta", "somewhat", "slightly", "bit",
                     "little", "barely", "hardly", "marginally", "fairly", "partly",
                     "mostly", "almost", "poco"], -0.293),
}

#: multi-word expressions, scored as a unit (written as folded words)
IDIOMS: dict[str, float] = {
    "cant complain": 2.0, "couldnt be happier": 3.0, "could not be happier": 3.0,
    "couldnt be better": 3.0, "couldnt ask for more": 2.5, "couldnt ask for better": 2.5,
    "no complaints": 2.2, "no complaint": 2.0, "above and beyond": 3.0, "like a charm": 2.5,
    "like a dream": 2.5, "like new": 2.0, "good as new": 2.5, "so far so good": 2.0,
    "thanks for nothing": -2.8, "waste of money": -2.8, "waste of time": -2.8,
    "rip off": -2.8, "ripped off": -2.8, "same problem": -2.0, "same issue": -2.0,
    "same noise": -1.8, "stopped working": -2.3, "quit working": -2.3, "quit on": -2.0,
    "no show": -2.5, "nobody showed": -2.5, "no one showed": -2.5, "never showed": -2.5,
    "didnt show": -2.5, "never came": -2.3, "nobody came": -2.3, "no one came": -2.3,
    "never called": -1.8, "running late": -1.2, "took forever": -1.8, "on time": 1.5,
    "right on time": 1.8, "no hot water": -2.2, "no heat": -2.2, "no power": -2.2,
    "no ac": -2.2, "no air": -2.0, "no water": -2.0, "toilet is running": -1.8,
    "toilet running": -1.8, "toilet keeps running": -2.0, "higher than the quote": -2.0,
    "higher than quoted": -2.0, "more than quoted": -2.0, "more than the quote": -2.0,
    "higher than the estimate": -2.0, "charged me twice": -2.2, "charged twice": -2.2,
    "double charged": -2.2, "expected better": -2.0, "expected more": -1.8,
    "fine before": -1.8, "worked before": -1.8, "working before": -1.8,
    "use you again": 2.0, "use you guys again": 2.0, "hire you again": 2.0,
    "call you again": 1.8, "problem solved": 2.2, "all set": 1.2, "all good": 2.0,
    "not sure": 0.0, "back to normal": 1.8, "shouldnt have to": -1.5,
    "didnt have the part": -1.5, "on his phone": -1.0, "on her phone": -1.0,
    "not bad": 1.5, "no problem": 1.5, "no problems": 1.8, "no issues": 1.8,
    "mas o menos": 0.0, "sigue igual": -1.5, "otra vez": -1.0, "sin problemas": 1.8,
    "de nada": 0.0, "no worries": 1.0, "all is well": 2.0, "had to call": -1.2,
    "had to wait": -1.2, "had to ask": -1.0, "left a mess": -2.0, "on and off": -1.2,
    "hit or miss": -1.2, "calling you guys": 1.2, "hours late": -1.5, "hours after": -1.0,
    "worked for a day": -1.5, "worked for a week": -1.5, "worked for a month": -1.2,
    "lasted a day": -1.5, "lasted a week": -1.5, "lasted two days": -1.5,
}

#: wording that makes any opinion tentative: the score is scaled down
HEDGES = ("i guess", "i suppose", "for now", "so far", "we will see", "well see", "will see",
          "too early", "not sure", "for the moment", "por ahora", "todavia no se", "veremos",
          "ya veremos")

EMOJI: dict[str, float] = {
    "👍": 2.0, "👌": 1.8, "🙌": 2.2, "👏": 2.0, "😊": 2.0, "🙂": 1.2, "😀": 2.0, "😃": 2.2,
    "😄": 2.2, "😁": 2.2, "😆": 1.8, "😍": 2.8, "🥰": 2.8, "😘": 2.0, "❤": 2.5, "♥": 2.5,
    "💕": 2.4, "💖": 2.4, "💯": 2.2, "⭐": 1.5, "🌟": 1.8, "✨": 1.2, "🎉": 2.0, "🔥": 1.5,
    "🙏": 1.5, "✅": 1.5, "😎": 1.5, "🤩": 2.8, "🥳": 2.4, "☺": 2.0, "😂": 1.0, "🤣": 1.0,
    "💪": 1.5, "😅": 0.3, "🤔": -0.3, "😐": -0.4, "😑": -0.8, "😕": -1.2, "🙁": -1.5,
    "☹": -1.8, "😞": -2.0, "😔": -1.8, "😢": -2.2, "😭": -2.4, "😡": -3.0, "😠": -2.8,
    "🤬": -3.2, "😤": -2.2, "👎": -2.2, "💩": -2.2, "🙄": -1.5, "😒": -1.8, "😩": -2.0,
    "😫": -2.0, "😖": -2.0, "😣": -1.8, "🤦": -1.8, "😬": -0.8, "❌": -1.5, "😷": -0.5,
}
#: emoticons typed as text, read as the emoji they stand for
EMOTICONS = {":)": "🙂", ":-)": "🙂", "=)": "🙂", ":D": "😀", ":-D": "😀", ";)": "🙂",
             ":(": "🙁", ":-(": "🙁", ":'(": "😢", ":/": "😕", ":-/": "😕", "<3": "❤"}

#: sarcasm: a reply opening with praise alone ("great, broken again") may use these too
SARCASM_OPENER_FILLERS = frozenset({"oh", "just", "well", "so", "wow", "real", "gee", "yeah",
                                    "how", "ah", "ahh", "thanks", "thank", "you", "a", "lot"})
#: "love paying…", "love waiting…": praise for a cost is sarcasm
SARCASM_COST_GERUNDS = frozenset({"paying", "waiting", "spending", "wasting", "chasing",
                                  "calling", "repeating", "cleaning"})
SARCASM_MARKERS = ("yeah right", "/s", "sure sure")
SARCASM_EMOJI = frozenset({"🙄"})
# fmt: on
