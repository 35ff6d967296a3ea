"""Consent revoked in words: readable rules, deterministic, in the languages customers write.

A rule is *strong* when its words can only mean "stop contacting me" ("stop texting me",
"remove my number", "no me manden más mensajes"): the reply opts out. It is *weak* when they
probably do but could mean something else ("block", "enough already", "I never signed up
for this"): the reply goes to a person (`needs_review`, `probable_opt_out=True`).

Guards run first and win: asking *how* to stop ("how do I stop these?" is `help`), undoing an
opt-out ("I hit STOP by mistake"), a negated stop ("don't stop calling me", "no dejen de
llamarme"), e-mail only ("stop emailing me"), and things that are not messages ("stop by
tomorrow", "take me off the schedule", "the leak won't stop", "dar de baja el servicio").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from outreach.triage.text import fold


@dataclass(frozen=True, slots=True)
class Revocation:
    """Words that revoke consent, as the customer wrote them, and the rule that found them."""

    words: str
    rule: str
    strong: bool

    def describe(self) -> str:
        """words 'stop texting' (consent revoked: stop + messages)."""
        how = "consent revoked" if self.strong else "probably revokes consent"
        return f"words '{self.words}' ({how}: {self.rule})"


# Patterns run on the folded text: lower case, no accents, no apostrophes (don't → dont).
_MSG = (
    r"(?:texts?|txts?|texting|txting|text messages?|messages?|msgs?|messaging|sms|smss|"
    r"reminders?|surveys?|notifications?|notices|promos?|promotions?|marketing|updates|alerts|"
    r"spam|communications?|contact|these|this|them|it)"
)
_MSG_STRICT = (
    r"(?:texts?|txts?|texting|txting|text messages?|messages?|msgs?|messaging|sms|"
    r"reminders?|surveys?|notifications?|promos?|promotions?|marketing texts|communications?)"
)
_ME = r"(?:me|us|this number|this phone|my number|my phone|my cell|this #|my #|him|her)"

#: a clause made only of these (with "stop"-like words) is a stop: "please stop", "stop it pls"
_FILLER = frozenset(
    {
        "please", "pls", "plz", "plez", "now", "it", "this", "thanks", "thank", "you", "ty", "thx",
        "seriously", "ugh", "omg", "just", "ok", "okay", "already", "kindly", "sir", "maam",
        "asap", "right", "immediately", "all", "the", "texts", "text", "messages",
        "ya", "por", "favor", "porfa", "porfavor", "gracias", "then", "so", "can", "u", "oh",
        "god", "lol", "man", "dude", "guys", "yall", "really", "for", "real", "good",
        "enough", "whatever", "works", "ahora", "mismo", "oki", "pues", "con", "esto",
    }
)  # fmt: skip
_STOP_WORDS = frozenset(
    {
        "stop", "stopp", "stopall", "stpo", "sotp", "stahp", "unsubscribe", "unsub", "unsuscribe",
        "unsubcribe", "unsubscribed", "optout", "remove", "rmv", "baja", "pare", "paren", "parar",
        "alto", "basta", "discontinue", "desinscription", "desinscrire", "abmelden", "abbestellen",
        "td", "退订", "halt", "cease", "quit", "stp",
    }
)  # fmt: skip
#: words that may come before the stop word of such a clause ("you can stop now", "ya paren")
_POLITE = frozenset(
    {"please", "pls", "plz", "kindly", "just", "seriously", "ugh", "omg", "ok", "okay", "so",
     "then", "oh", "god", "can", "u", "you", "ya", "now", "por", "favor", "porfa", "thanks"}
)  # fmt: skip
#: the clause-only stops that are weak: the word alone is an instruction to *somebody*
_WEAK_ALONE = frozenset({"halt", "alto", "basta", "cease"})

_STRONG: tuple[tuple[str, str], ...] = (
    # English
    ("stop + messages", r"\b(?:stop|quit|cease|halt|discontinue|end)\s+"
     r"(?:sending\s+(?:me\s+|us\s+)?)?"
     r"(?:all\s+|the\s+|these\s+|your\s+|those\s+|with\s+the\s+|any\s+)?(?:[\w-]+\s+){0,2}?"
     rf"{_MSG_STRICT}\b"),
    ("stop + messages", r"\bif\s+(?:you|u)\s+(?:could\s+|would\s+)?(?:stop|stopped|quit)\s+"
     r"(?:texting|messaging|contacting|sending|calling)\b"),
    ("stop + messages", r"\b(?:stop|quit)\s+(?:texting|txting|messaging|msging|contacting|"
     r"spamming|sending|reminding|bugging|harassing|calling)\b"),
    ("no more messages", r"\b(?:no|zero)\s+(?:more|further)\s+"
     rf"(?:[\w-]+\s+){{0,2}}?{_MSG_STRICT}\b"),
    ("no more messages", r"\bno more\s+of\s+(?:these|this|them|your)\b"),
    ("no more messages", r"^\W*no more\W*$"),
    ("no messages", rf"(?:^|[.!;:]\s*)\W*(?:please\s+)?no\s+(?:[\w-]+\s+)?{_MSG_STRICT}\s*"
     r"(?:please|pls|plz|thanks|thank you)?\s*(?:[.!,]|$)"),
    ("do not text", r"\b(?:dont|do not|never|pls dont|please dont|dnt)\s+(?:ever\s+)?"
     r"(?:text|txt|message|msg|sms|contact|send|email or text|text or call|call or text|"
     r"call and text)\s+(?:me|us|this|my|again|anymore|any more|ever)\b"),
    ("do not call again", rf"\b(?:dont|do not|never)\s+(?:ever\s+)?(?:call|bother)\s+{_ME}?\s*"
     r"(?:again|anymore|any more|ever)\b"),
    ("do not contact", r"\b(?:do not|dont)\s+(?:contact|call|text)\s+list\b|\bdnc\b|"
     r"^\W*(?:do not|dont)\s+(?:contact|text)\W*$"),
    ("do not want messages", rf"\b(?:dont|do not|no longer|dont no more)\s+(?:want|wish|need|"
     r"care)\s+(?:to\s+(?:receive|get|be sent)\s+)?(?:any\s+|these\s+|your\s+|the\s+|more\s+|"
     rf"further\s+|any more\s+|any further\s+|this\s+)?(?:[\w-]+\s+){{0,2}}?{_MSG_STRICT}\b"),
    ("do not want messages", r"\b(?:dont|do not|no longer)\s+want\s+to\s+be\s+on\s+(?:your|the|"
     r"this)\s+(?:[\w-]+\s+)?list\b"),
    ("prefer no messages", r"\b(?:prefer|rather)\s+not\s+(?:to\s+)?(?:get|receive|be sent)\s+"
     rf"(?:any\s+|these\s+|your\s+|the\s+|more\s+)?(?:[\w-]+\s+)?{_MSG_STRICT}\b"),
    ("consent withdrawn", r"(?:\b(?:revoke|revoking|withdraw|withdrawing|rescind|rescinding|"
     r"retract)\s+(?:my\s+|all\s+|any\s+)?(?:consent|permission)|\b(?:do not|dont|no longer)"
     r"\s+(?:consent|give\s+(?:you\s+)?(?:my\s+)?(?:consent|permission))|\b(?:consent|"
     r"permission)\s+(?:is\s+)?(?:revoked|withdrawn))\b"
     r"(?=\W*$|.{0,60}\b(?:text|txt|messag|sms|contact|call|communicat|phone|number))"),
    ("told you to stop", r"\bhow many (?:more )?times\b.{0,40}\b(?:stop|unsubscribe|remove me|"
     r"dont text)\b(?!\s+(?:by|in|at|over)\b)|\b(?:i|we)\s+(?:already\s+)?(?:said|told you|"
     r"asked you|texted|replied|sent)\s+(?:to\s+)?stop\b"
     r"(?!\s+(?:by|in|at|over|the|my|working|drilling)\b)"),
    ("do not text this phone", r"\b(?:phone|number|cell|line)\b.{0,40}\b(?:dont|do not|pls dont|"
     r"please dont|never)\s+(?:text|txt|message|sms)\s+(?:it|here|there)\b(?!\s+to\b)"),
    ("remove me", rf"\b(?:remove|rmv|delete|erase|lose|drop)\s+(?:me|us|{_ME}|my info|"
     r"my details|my contact(?: info)?|this phone number|my phone number)\b|\bremove my #"),
    ("remove me", r"\bremove\s+(?:this|my|the)\s+(?:\w+\s+){0,3}?(?:number|#)\s+from\b"),
    ("take me off the list", r"\b(?:take|get|put)\s+(?:me|us|my number|this number|my #|my name)\s+"
     r"off(?:\s+(?:of\s+)?(?:your|the|this|ur|that|all|these|whatever|any|every|each)\s+(?:(?!wait)[\w-]+\s+){0,2}?(?:lists?|"
     r"texts?|messages|database|system|contacts?|sms)\b|\s*$|\s*[.!,]|\s+(?:please|pls|plz|now)\b)"),
    ("take me off the list", r"\b(?:take|get|put)\s+(?:me|us|my number|this number|my #|my name)"
     r"\s+out\s+of\s+(?:your|the|this|ur|all)\s+(?:[\w-]+\s+)?(?:lists?|database|system|"
     r"contacts?|records)\b"),
    ("take me off the list", r"\b(?:i\s+)?want\s+off\s+(?:your|the|this|ur)\s+"
     r"(?:[\w-]+\s+)?list\b"),
    ("remove from the list", r"\b(?:remove|take)\s+(?:me|us|my number|this number)\s+(?:from|off)"
     r"\s+(?:your|the|this|ur|all)\s+(?:(?!wait)[\w-]+\s+){0,2}?(?:lists?|texts?|messages|database|"
     r"system|contacts?|sms)\b"),
    ("unsubscribe", r"\b(?:unsubscribe|unsub|unsuscribe|unsubcribe|unsubscribed)\b"
     r"(?!\s+(?:link|button|option|page|feature)\b)"),
    ("opt out", r"\bopt(?:\s+me)?\s*-?\s*out\b(?!\s+of\s+(?:the\s+)?(?:auto|paper|renewal|"
     r"warranty|plan|program|insurance|arbitration|data|cookies))|\boptout\b"),
    ("stop sign", r"^[\s🛑🚫⛔]+$"),
    ("leave me alone", r"\bleave\s+(?:me|us|my phone|this phone|my number|this number)\s+alone\b"),
    ("stop reaching me", r"\b(?:stop|quit|cease)\s+(?:reaching out|hitting up|blowing up|"
     r"pinging|spamming|bothering|pestering|hounding)\b|\b(?:stop|quit)\s+(?:receiving|getting)"
     r"\s+(?:these|them|this|your|the|any)\b(?!\s+(?:bills?|invoices?|charges?|emails?|"
     r"e-mails?|calls?|errors?|packages?)\b)"),
    ("refrain from texting", r"\brefrain\s+from\s+(?:texting|messaging|contacting|sending)|"
     r"\bnot\s+to\s+be\s+(?:contacted|texted|messaged)\b|\bmark\s+(?:me|us|this number|my "
     r"number)\s+(?:as\s+)?(?:do not contact|dnc|do not text)\b|\bno need to\s+keep\s+"
     r"(?:texting|messaging|contacting|sending|reaching)\b"),
    ("do not want messages", rf"\b(?:never|dont|do not)\s+want\s+(?:another|one more|any more|"
     rf"any)\s+(?:[\w-]+\s+)?{_MSG_STRICT}\b|\b(?:dont|do not|no longer)\s+(?:want|wish|care)"
     r"\s+to\s+be\s+(?:texted|contacted|messaged|sent\s+texts)\b|\b(?:dont|do not)\s+want\s+to"
     r"\s+hear\s+from\s+(?:you|u|yall|your company)\b.{0,20}\b(?:again|anymore|text|texts)\b"),
    ("do not text", r"\bcan\s+(?:you|u|yall)\s+not\s+(?:text|txt|message|contact)\s+(?:me|us|this)"
     rf"\b|\bwant\s+nothing\s+(?:further|more|else)\b.{{0,25}}\b{_MSG_STRICT}\b"),
    ("count me out", rf"\bcount\s+(?:me|us)\s+out\b(?=\W*$|.{{0,30}}{_MSG_STRICT})"),
    ("quit it with the texts", rf"\b(?:quit|stop|enough)\s+(?:it\s+)?with\s+(?:the|these|your|"
     rf"all the|all these)\s+(?:[\w-]+\s+)?{_MSG_STRICT}\b"),
    ("not interested, stop", r"^\W*(?:not interested|no thanks|no thank you|nope)\W*"
     r"(?:stop|unsubscribe|remove me|remove)\W*$"),
    ("turn the texts off", rf"\b(?:turn|shut|switch)\s+off\s+(?:the\s+|these\s+|all\s+|your\s+|"
     rf"my\s+)?(?:[\w-]+\s+)?{_MSG_STRICT}\b|\b(?:turn|shut|switch)\s+(?:the\s+|these\s+|"
     rf"all\s+|your\s+)?(?:[\w-]+\s+)?{_MSG_STRICT}\s+off\b|{_MSG_STRICT}\s+(?:turned|shut|"
     r"switched)\s+off\b"),
    ("cease contact", r"\bcease\s+(?:all\s+)?(?:communication|contact|texting|texts)|"
     r"\bcease and desist\b"),
    ("discontinue", rf"\bdiscontinue\s+(?:the\s+|these\s+|all\s+)?{_MSG_STRICT}"),
    ("enough with the messages", rf"\benough\s+(?:with\s+)?(?:the\s+|these\s+|your\s+)?"
     rf"{_MSG_STRICT}\b"),
    ("cancel messages", rf"\bcancel\s+(?:the\s+|these\s+|all\s+|my\s+)?{_MSG_STRICT}\b"),
    ("block this number", r"\b(?:im|i am|ill|i will|gonna|going to)\s+block(?:ing)?\s+"
     r"(?:you|this|your|the number|this number)\b|^\W*blocking this number\W*$"),
    # Spanish
    ("no me manden", r"\bno\s+(?:me|nos)\s+(?:vuelvan|vuelvas)\s+a\s+(?:escribir|mandar|enviar|"
     r"contactar|llamar|textear)"),
    ("no me manden", r"\b(?:no|nunca)\s+(?:me|nos)\s+(?:manden|mandes|envien|envies|escriban|"
     r"escribas|contacten|contactes|texteen|textees|mande|envie|escriba|contacte)\b"),
    ("no me llamen más", r"\bno\s+(?:me|nos)\s+(?:llamen|llames|llame)\s+(?:mas|nunca)\b|"
     r"\bno\s+me\s+llamen\s+ni\b"),
    ("no manden más", r"\bya\s+no\s+(?:escriban|manden|envien|contacten)\b|\bno\s+vuelvan\s+a\s+"
     r"(?:mandar|enviar|escribir)\b|\bno\s+quiero\s+estar\s+en\s+(?:su|la|esta|sus)\s+lista|"
     r"\bden\s+de\s+baja\s+(?:mi|este)\s+(?:numero|telefono|celular)\b"),
    ("no manden más", r"\bno\s+(?:manden|envien|escriban|enviar|mandar|escribir)\s+(?:mas|"
     r"mensajes|nada)\b"),
    ("dejen de mandar", r"\b(?:dejen|deja|dejad|deje|dejar|paren|pare|para|parar|paran)\s+de\s+"
     r"(?:mandar|enviar|escribir|textear|llamar|contactar|molestar|mandarme|enviarme|escribirme|"
     r"textearme|llamarme|contactarme|molestarme|mandarnos|enviarnos|escribirnos|llamarnos)\b"),
    ("ya no quiero mensajes", r"\b(?:ya\s+)?no\s+(?:quiero|deseo|queremos)\s+(?:recibir\s+|"
     r"que me manden\s+|mas\s+)?(?:mas\s+)?(?:sus\s+|los\s+|estos\s+|ningun\s+|ningunos\s+)?"
     r"(?:mensajes|mensaje|textos|sms|encuestas|recordatorios|notificaciones)\b"),
    ("ya no quiero mensajes", r"\bno\s+(?:quiero|deseo)\s+que\s+(?:me|nos)\s+(?:sigan\s+)?"
     r"(?:contacten|escriban|manden|envien|llamen|mandando|enviando|escribiendo|llamando)\b|"
     r"\bno\s+(?:quiero|deseo)\s+seguir\s+recibiendo\b"),
    ("no me estén mandando", r"\bno\s+(?:me|nos)\s+(?:esten|sigan|anden)\s+(?:mandando|enviando|"
     r"escribiendo|llamando|molestando|textando)\b"),
    ("no autorizo mensajes", r"\bno\s+(?:autorizo|doy permiso|acepto|consiento)\b.{0,30}\b"
     r"(?:mensajes|textos|sms|envien|manden|contacten|escriban)\b|\b(?:retiro|revoco)\s+(?:mi\s+)?"
     r"(?:consentimiento|autorizacion|permiso)\b"),
    ("ya no quiero mensajes", r"\bya no (?:me|nos) manden\b"),
    ("sáquenme de la lista", r"\b(?:saquenme|sacame|sacarme|saquen|quitenme|quitame|quitarme|"
     r"borrenme|borrame|eliminenme|eliminame|sacadme|quitadme)\b(?!\s+(?:el|la|los|las)\s+"
     r"(?:cargo|cita|puntos|multa))"),
    ("borren mi número", r"\b(?:borren|quiten|eliminen|borra|quita|elimina|borrar|quitar|eliminar)"
     r"\s+(?:mi|este)\s+(?:numero|telefono|celular)\b"),
    ("darme de baja", r"\bdar(?:me|nos)\s+de\s+baja\b(?!\s+(?:del|el|de el|la|mi)\s+(?:servicio|"
     r"contrato|cita|plan|cuenta))"),
    ("darme de baja", r"\bde\s+baja\s+(?:de\s+)?(?:los|las|sus|estos)?\s*(?:mensajes|textos|sms|"
     r"notificaciones|recordatorios|lista)\b"),
    ("no más mensajes", r"\b(?:no|ni)\s+mas\s+(?:mensajes|textos|sms|encuestas|recordatorios)\b"),
    ("basta de mensajes", r"\b(?:basta|ya basta|suficiente)\s+(?:de|con)\s+(?:los\s+)?"
     r"(?:mensajes|textos|sms)\b"),
    ("paren con los mensajes", r"\b(?:paren|pare|para|parenle|parele|parale)\s+"
     r"(?:ya\s+)?con\s+(?:los|sus|estos|tantos|las)\s+"
     r"(?:mensajes|textos|sms)\b"),
    ("cancelar mensajes", r"\b(?:cancelar|cancelen|cancele|cancela)\s+(?:los\s+|mis\s+|la\s+)?"
     r"(?:mensajes|textos|sms|suscripcion|notificaciones)\b"),
    ("fuera de la lista", r"^\W*(?:me quiero\s+)?fuera de (?:la|su|esta) lista\b"),
    ("ya paren", r"\bya\s+(?:paren|basta)\b"),
    # Portuguese
    ("pare de mandar", r"\b(?:pare|parem|para)\s+de\s+(?:me\s+)?(?:mandar|enviar|ligar)\b"),
    ("não quero mais mensagens", r"\bnao\s+(?:quero|desejo)\s+(?:mais\s+)?(?:receber\s+)?"
     r"(?:mais\s+)?(?:mensage\w*|sms|textos)\b|\bnao\s+(?:me\s+)?(?:mandem|enviem|mande|envie)"
     r"\s+mais\b"),
    ("não quero mais mensagens", r"\bnao\s+quero\s+(?:mais\s+)?receber\b.{0,30}\b"
     r"(?:sms|mensage\w*|textos)\b"),
    ("tire da lista", r"\b(?:me\s+)?(?:tira|tire|tirem|remova|removam|retire)\s+(?:me\s+)?"
     r"(?:dessa|desta|da|de sua)\s+lista\b|\bdescadastr\w*"),
    # French
    ("je ne veux plus de messages", r"\bne\s+veux\s+plus\s+(?:recevoir|de|d)\b.{0,20}"
     r"\b(?:messages?|sms|textos?)\b"),
    ("arrêtez de m'écrire", r"\barretez\s+(?:de\s+)?(?:menvoyer|mecrire|m envoyer|m ecrire|"
     r"envoyer|ecrire)\b|\bne\s+(?:m|m\s+)?(?:ecrivez|envoyez|contactez)\s*(?:plus|pas)\b|"
     r"\bne mecrivez plus\b|\bne menvoyez plus\b"),
    ("désinscription", r"\b(?:desinscri\w*|desabonn\w*|retirez[- ]moi)\b|^\W*stop sms\W*$"),
    # German, Italian
    ("keine SMS mehr", r"\bkeine\s+(?:weiteren\s+)?(?:sms|nachrichten|texte)\b|"
     r"\b(?:abmelden|abbestellen)\b|\bhoren sie auf\b"),
    ("non scrivete più", r"\bnon\s+(?:mi\s+)?(?:mandate|inviate|scrivete|mandatemi|inviatemi|"
     r"scrivetemi)\s+piu\b|\bsmettete\s+di\b|\b(?:cancellatemi|rimuovetemi|disiscrivi\w*)\b"),
    # Tagalog, Haitian Creole
    ("huwag mag-text", r"\b(?:wag|huwag)\s+(?:na\s+)?(?:po\s+)?(?:kayong\s+|nyo\s+)?"
     r"(?:mag\s?text|mag\s?message)|\b(?:niyo|nyo)\s+na\s+(?:akong\s+|kami\s+)?i\s?text|\b(?:paki)?tanggal\w*\s+(?:po\s+)?ako\b"),
    ("pa voye mesaj", r"\bpa\s+voye\s+mesaj\b|\bsispann\s+voye\b"),
)  # fmt: skip
#: other scripts: matched on the text as written (lower case)
_STRONG_RAW: tuple[tuple[str, str], ...] = (
    ("đừng nhắn tin", r"đừng\s+nhắn|ngừng\s+gửi|không\s+nhắn\s+tin\s+nữa|hủy\s+đăng\s+ký"),
    ("不要再发", r"不要再|别再.{0,4}发|别发了|退订|取消订阅|不要发"),
    ("문자 그만", r"그만\s*보내|수신\s*거부|보내지\s*마|문자\s*그만"),
    (
        "не пишите",
        r"не\s+пишите|больше\s+не\s+(?:пишите|присылайте)|отпис|отпиш|хватит\s+(?:писать|"
        r"присылать)|не\s+присылайте|прекратите\s+(?:присылать|писать|отправлять)",
    ),
)
_WEAK: tuple[tuple[str, str], ...] = (
    (
        "block",
        r"^\W*(?:block|blocked|blocking|bloqueado|bloquear)\W*$|\bblocking you\b|"
        r"\b(?:reported|reporting)\s+(?:you\s+)?as\s+spam\b",
    ),
    ("enough already", r"^\W*enough(?:\s+already)?\W*$|^\W*(?:ya\s+)?basta\W*$"),
    (
        "never signed up",
        r"\b(?:never|didnt|did not|nunca)\s+(?:signed|sign|agreed|asked|pedi|"
        r"me inscribi|me suscribi)\b",
    ),
    ("remove it", r"\bremove\s+(?:it|that)\b"),
    ("not interested", r"^\W*not interested\W*$|^\W*no me interesa\W*$"),
    ("stop", r"\bstop\s+(?:it|this|that|now)\b"),
)

#: when these are in the reply, its "stop" words are about something else
_GUARDS: tuple[tuple[str, str], ...] = (
    ("asks how", r"\b(?:how|where)\s+(?:do|can|would|should)\s+(?:i|we|u|you)\s+(?:\w+\s+){0,2}?"
     r"(?:stop|unsubscribe|opt|get off|remove|turn off|cancel|block)\b|"
     r"\bis there a way to\s+(?:stop|unsubscribe|turn|shut|opt|get off)\b|\bcomo\s+(?:\w+\s+){0,2}?"
     r"(?:salgo|doy de baja|paro|cancelo|quito)\b"),
    ("undoes an opt-out", r"\bby (?:mistake|accident)\b|\baccident(?:al)?ly\b|\bdidnt mean\b|"
     r"\bdid not mean\b|\bsin querer\b|\bme equivoque\b|\bsign me back\b|\badd me back\b|"
     r"\bstart again\b|\bpor error\b|\bi know i (?:said|texted|sent|replied) stop\b"),
    ("a call instead", r"\b(?:call|phone)\s+(?:me\s+|us\s+)?(?:instead|rather)\b|\binstead of "
     r"(?:texting|text|texts)\b|\brather than (?:texting|text|texts)\b|\bmejor\s+(?:llam|marq)\w*|"
     r"\ben vez de (?:mensajes|textos|texto)\b"),
    ("keep contacting", r"\b(?:dont|do not|never|no)\s+(?:stop|quit|dejen de|deje de|dejes de)\s+"
     r"(?:calling|texting|llamar|mandar|escribir|llamarme|mandarme|escribirme)\b"),
    ("e-mail only", r"\b(?:stop|unsubscribe|no more|remove me from)\s+(?:from\s+)?(?:the\s+|your\s+"
     r"|these\s+)?(?:emailing|emails?|e-mails?|email\s+\w+|newsletters?)\b"),
)  # fmt: skip

_COMPILED = [(name, re.compile(p)) for name, p in _STRONG]
_COMPILED_RAW = [(name, re.compile(p)) for name, p in _STRONG_RAW]
_COMPILED_WEAK = [(name, re.compile(p)) for name, p in _WEAK]
_COMPILED_GUARDS = [(name, re.compile(p)) for name, p in _GUARDS]
_CLAUSES = re.compile(r"[.,;:!?¿¡\n…()\"“”]+|\s+-\s+|\bbut\b|\bpero\b|\balso\b")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_STOP_SIGNS = re.compile(r"[🛑🚫⛔✋]")
#: "stoppp", "sstop": a stop with its letters held down
_STRETCHED_STOP = re.compile(r"^s+t+o+p+$")


def _folded(text: str) -> str:
    return re.sub(r"[^\S\n]+", " ", fold(text or "").replace("-", " ").replace("\u2019", ""))


def guard(text: str) -> str | None:
    """The guard that says the reply's stop words are about something else, if any."""
    folded = _folded(text)
    for name, pattern in _COMPILED_GUARDS:
        if pattern.search(folded):
            return name
    return None


def _clause_stop(folded: str) -> tuple[str, bool] | None:
    """A clause that is only a stop word with fillers ("please stop", "Not interested, stop")."""
    for clause in _CLAUSES.split(folded):
        words = ["stop" if _STRETCHED_STOP.match(w) else w for w in _WORDS.findall(clause)]
        if not words or len(words) > 6:
            continue
        joined = "".join(words)
        stops = [w for w in words if w in _STOP_WORDS]
        if joined in ("stop", "stopp", "sotp", "stpo") and len(words) > 1:
            return clause.strip(), True  # "s t o p"
        lead = next((w for w in words if w not in _POLITE), "")
        if stops and lead in _STOP_WORDS and all(w in _STOP_WORDS or w in _FILLER for w in words):
            return clause.strip(), not all(w in _WEAK_ALONE for w in stops)
        if words[:2] == ["opt", "out"] and all(w in _FILLER for w in words[2:]):
            return clause.strip(), True
    return None


def revocation(text: str | None) -> Revocation | None:
    """The words that revoke consent and how sure the rule is, or None (see the module doc)."""
    if not text or not text.strip():
        return None
    folded = _folded(text)
    if guard(text):
        return None
    for name, pattern in _COMPILED:
        found = pattern.search(folded)
        if found:
            return Revocation(found.group(0).strip(), name, True)
    lower = text.casefold()
    for name, pattern in _COMPILED_RAW:
        found = pattern.search(lower)
        if found:
            return Revocation(found.group(0).strip(), name, True)
    clause = _clause_stop(folded)
    if clause:
        return Revocation(clause[0], "a stop on its own", clause[1])
    for name, pattern in _COMPILED_WEAK:
        found = pattern.search(folded) or pattern.search(lower)
        if found:
            return Revocation(found.group(0).strip(), name, False)
    if re.match(r"^\W*STOP\b(?!\s+(?:by|in|over|at|working|asking|worrying))", text):
        return Revocation(text.strip().split()[0], "STOP in capitals first", False)
    if _STOP_SIGNS.search(text) and re.search(r"\b(?:texts?|messages?|sms)\b", folded):
        return Revocation(text.strip(), "stop sign and messages", True)
    return None


# --- consent given back: a model guess never re-subscribes anyone --------------------------

_OPT_IN_ALONE = frozenset(
    {
        "yes", "y", "yep", "yeah", "si", "sim", "oui", "ja", "start", "unstop", "restart",
        "resume", "subscribe", "resubscribe", "optin", "alta", "comenzar", "unblock",
        "reactivate", "acepto", "oo",
    }
)  # fmt: skip
_OPT_IN_FILLER = frozenset(
    {
        "please", "pls", "plz", "again", "texts", "text", "messages", "sms", "ok", "okay",
        "un", "stop", "the", "reminders", "thanks", "por", "favor", "me", "in", "back", "re",
        "po",
    }
)  # fmt: skip
_OPT_IN: tuple[tuple[str, str], ...] = (
    ("sign me back up", r"\b(?:sign|opt|add)\s+(?:me|us)\s+(?:back\s+)?(?:up|in|on)\b|"
     r"\badd\s+(?:me|us)\s+back\b|\bopt\s+(?:me\s+)?(?:back\s+)?in\b|\bre\s?subscribe\b|"
     r"\bsubscribe me\b"),
    ("you can text me again", r"\b(?:you can|u can|go ahead and|ok to|okay to|feel free to)\s+"
     r"(?:start\s+)?(?:text|txt|message|texting|messaging)\s+(?:me|us)\b"),
    ("resume the texts", r"\b(?:resume|restart|reactivate|start|send me)\s+(?:sending\s+)?"
     r"(?:the\s+|my\s+)?(?:[\w-]+\s+){0,2}?(?:texts?|messages|sms|reminders|notifications|"
     r"alerts)\b|\bturn\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?back\s+on\b"),
    ("I want the texts", r"\b(?:want|like|consent|agree)\s+(?:to\s+(?:receive|get)\s+)?"
     r"(?:the\s+|my\s+)?(?:[\w-]+\s+)?(?:texts?|text messages|messages|sms|reminders|updates)\b"
     r"|\byes\s+(?:please\s+)?(?:text|send)\s+me\b|\byes\s+to\s+text"),
    ("quiero recibir mensajes", r"\bquiero\s+(?:volver\s+a\s+|seguir\s+)?recibi\w*\s+"
     r"(?:los\s+)?(?:mensajes|textos|recordatorios)|\bvuelvan\s+a\s+mandarme\b|"
     r"\bpueden\s+(?:volver\s+a\s+)?(?:escribirme|mandarme)\b|\b(?:agreguenme|inscribanme)\b|"
     r"\bacepto\s+recibir\b|\bmandenme\s+(?:los\s+)?recordatorios\b|"
     r"\bquiero\s+los\s+recordatorios\b"),
    ("other languages", r"\bpodem\s+me\s+mandar\b|\bvous pouvez m\s?envoyer\b|"
     r"\bpwede\s+(?:nyo|niyo)\b|\bcu nhan tin\b"),
)  # fmt: skip
_COMPILED_OPT_IN = [(name, re.compile(p)) for name, p in _OPT_IN]


def consent_given(text: str | None) -> str | None:
    """The words that give consent back ("sign me back up", "you can text me again", "Sí"),
    or None. A model that says opt_in without these goes to a person."""
    if not text or not text.strip():
        return None
    if revocation(text) is not None:
        return None
    folded = _folded(text)
    raw = text.casefold()
    for _name, pattern in _COMPILED_OPT_IN:
        found = pattern.search(folded) or pattern.search(raw)
        if found:
            return found.group(0).strip()
    for clause in _CLAUSES.split(folded):
        words = _WORDS.findall(clause)
        if "".join(words) == "unstop":
            return clause.strip()
        alone = words and len(words) <= 5 and any(w in _OPT_IN_ALONE for w in words)
        if alone and all(w in _OPT_IN_ALONE or w in _OPT_IN_FILLER for w in words):
            return clause.strip()
    return None
