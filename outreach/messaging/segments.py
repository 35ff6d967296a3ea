"""SMS encoding and segment count, computed locally the way carriers split a message."""

from __future__ import annotations

from dataclasses import dataclass

GSM7 = "GSM-7"
UCS2 = "UCS-2"

#: GSM 03.38 default alphabet (one septet each); the escape character itself is not text.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters of the extension table: an escape septet plus one more.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

_SINGLE = {GSM7: 160, UCS2: 70}
_PART = {GSM7: 153, UCS2: 67}  # a concatenated part loses room to its user data header


@dataclass(frozen=True)
class Segments:
    """How a body goes over the air: its encoding, its units and how many parts."""

    encoding: str
    units: int  #: septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int


def _units(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in GSM7_EXTENDED else 1
    return 2 if ord(char) > 0xFFFF else 1  # a surrogate pair


def encoding_for(body: str) -> str:
    """GSM-7 when every character is in the GSM alphabet (with extensions), else UCS-2."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in body):
        return GSM7
    return UCS2


def count_segments(body: str) -> Segments:
    """Encoding, units and segment count; an escape pair or surrogate pair is never split."""
    encoding = encoding_for(body)
    units = sum(_units(c, encoding) for c in body)
    if units <= _SINGLE[encoding]:
        return Segments(encoding, units, 1)
    limit, count, used = _PART[encoding], 1, 0
    for char in body:
        size = _units(char, encoding)
        if used + size > limit:
            count, used = count + 1, 0
        used += size
    return Segments(encoding, units, count)
