"""Phone numbers: E.164 normalisation and the time zone a number implies."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as pn_timezone

DEFAULT_REGION = "US"
_MOBILE_LIKE = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.UNKNOWN,  # new ranges not in the metadata yet: let Twilio decide
}


class PhoneError(ValueError):
    """A phone number that cannot be used for SMS."""


def normalize_phone(raw: str, region: str = DEFAULT_REGION, require_mobile: bool = True) -> str:
    """Return the E.164 form of a number, or raise PhoneError saying what is wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise PhoneError("a phone number is required")
    return _normalized(raw, region, require_mobile)


@lru_cache(maxsize=4096)
def _normalized(raw: str, region: str, require_mobile: bool) -> str:
    """normalize_phone's work, remembered: an import sees its customers' numbers many times."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise PhoneError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError("not a valid phone number")
    if require_mobile and phonenumbers.number_type(number) not in _MOBILE_LIKE:
        raise PhoneError("not a mobile number (cannot receive SMS)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def zone_for_phone(e164: str) -> str | None:
    """The single IANA zone a number belongs to, or None when it spans several or none (once
    per number: planning asks for it per check-in)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    zones = [z for z in pn_timezone.time_zones_for_number(number) if z != "Etc/Unknown"]
    return zones[0] if len(zones) == 1 else None


def mask_phone(e164: str | None) -> str:
    """A number with all but the last two digits hidden, for pages that need a hint."""
    if not e164:
        return ""
    return "•" * max(len(e164) - 2, 0) + e164[-2:]


def format_phone(e164: str | None) -> str:
    """A stored number as people write it: national for US numbers ("(312) 555-0123"),
    international otherwise ("+44 7911 123456"); as stored when it cannot be parsed."""
    if not e164:
        return ""
    return _formatted(e164)


@lru_cache(maxsize=4096)
def _formatted(e164: str) -> str:
    """format_phone's work, remembered: a list page formats dozens of numbers (parsing one is
    ~0.1 ms), the same ones on every request."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
