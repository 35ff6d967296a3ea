"""Twilio error codes in one place: what they mean in words, and whether a retry can help."""

from __future__ import annotations

from dataclasses import dataclass

TRANSIENT = "transient"  #: retry with backoff
PERMANENT = "permanent"  #: never retry


@dataclass(frozen=True)
class TwilioErrorInfo:
    """What a Twilio error code means and how sending treats it."""

    code: int
    words: str
    kind: str
    max_attempts: int | None = None  #: a tighter cap than the general one (30008: retry once)
    is_opt_out: bool = False  #: the recipient has opted out of this sender
    is_alert: bool = False  #: needs a person (registration, filtering), not a retry


_ERRORS = (
    TwilioErrorInfo(20003, "Twilio rejected the account credentials", PERMANENT, is_alert=True),
    TwilioErrorInfo(20404, "Twilio has no such resource", PERMANENT),
    TwilioErrorInfo(20429, "Twilio asked us to slow down (too many requests)", TRANSIENT),
    TwilioErrorInfo(21211, "the phone number is not valid", PERMANENT),
    TwilioErrorInfo(
        21408, "sending to this country or region is not enabled", PERMANENT, is_alert=True
    ),
    TwilioErrorInfo(21602, "the message body is empty", PERMANENT),
    TwilioErrorInfo(21604, "no recipient phone number was given", PERMANENT),
    TwilioErrorInfo(21606, "the sender number cannot send SMS", PERMANENT, is_alert=True),
    TwilioErrorInfo(21608, "the trial account cannot send to unverified numbers", PERMANENT),
    TwilioErrorInfo(21610, "the customer has opted out (replied STOP)", PERMANENT, is_opt_out=True),
    TwilioErrorInfo(21612, "Twilio cannot route a message to this number", PERMANENT),
    TwilioErrorInfo(21614, "the number is not a mobile number (cannot receive SMS)", PERMANENT),
    TwilioErrorInfo(21617, "the message is longer than 1,600 characters", PERMANENT),
    TwilioErrorInfo(21624, "the validity period is out of range", PERMANENT),
    TwilioErrorInfo(30001, "Twilio's queue for the sender overflowed", TRANSIENT),
    TwilioErrorInfo(30002, "the Twilio account is suspended", PERMANENT, is_alert=True),
    TwilioErrorInfo(30003, "the handset is unreachable (off or out of coverage)", TRANSIENT),
    TwilioErrorInfo(30004, "the message was blocked by the recipient or carrier", PERMANENT),
    TwilioErrorInfo(30005, "the number is unknown to the carrier (may no longer exist)", PERMANENT),
    TwilioErrorInfo(30006, "the number is a landline or its carrier cannot take SMS", PERMANENT),
    TwilioErrorInfo(30007, "the carrier filtered the message as spam", PERMANENT, is_alert=True),
    TwilioErrorInfo(30008, "the carrier reported an unknown error", TRANSIENT, max_attempts=2),
    TwilioErrorInfo(30034, "the sender is not registered for A2P 10DLC", PERMANENT, is_alert=True),
    TwilioErrorInfo(30036, "the message expired in Twilio's queue (validity period)", PERMANENT),
)
TWILIO_ERRORS: dict[int, TwilioErrorInfo] = {info.code: info for info in _ERRORS}

TIMEOUT = "timeout"
CONNECTION = "connection"
_LOCAL_WORDS = {
    TIMEOUT: "Twilio did not answer in time",
    CONNECTION: "could not reach Twilio (connection error)",
}


def describe_twilio_error(code: int | None) -> str:
    """Words a person can read for a Twilio error code ("30003: the handset is unreachable…")."""
    if code is None:
        return "no error code"
    info = TWILIO_ERRORS.get(code)
    words = info.words if info else "see https://www.twilio.com/docs/errors/" + str(code)
    return f"{code}: {words}"


class TransportError(Exception):
    """A send or look-up that did not succeed; says whether retrying can help."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        network: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status
        self.network = network  #: TIMEOUT or CONNECTION when no HTTP answer came back

    @property
    def info(self) -> TwilioErrorInfo | None:
        """The known meaning of the Twilio error code, if any."""
        return TWILIO_ERRORS.get(self.code) if self.code is not None else None

    @property
    def is_transient(self) -> bool:
        """Whether a later retry can succeed."""
        return is_transient(self.code, self.http_status, self.network)

    @property
    def is_outcome_unknown(self) -> bool:
        """Whether Twilio may have acted on the request anyway (no answer, or a 5xx)."""
        if self.network:
            return True
        return self.http_status is not None and self.http_status >= 500

    @property
    def reason(self) -> str:
        """The failure in words, for a check-in's reason and the message log."""
        if self.network:
            return _LOCAL_WORDS[self.network]
        if self.code is not None and self.code != self.http_status:
            return describe_twilio_error(self.code)
        return f"HTTP {self.http_status} from Twilio"


def is_transient(
    code: int | None, http_status: int | None = None, network: str | None = None
) -> bool:
    """Whether a failure is worth retrying: known transient codes, 429/5xx, timeouts."""
    if network:
        return True
    info = TWILIO_ERRORS.get(code) if code is not None else None
    if info is not None:
        return info.kind == TRANSIENT
    if http_status is not None:
        return http_status == 429 or http_status >= 500
    return False
