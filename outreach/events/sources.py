"""Inbound webhook sources: each posts to /hooks/<slug>, signed with its own secret, and its
payload becomes an event through the source's field mapping and the one ingest path.

The secret is needed in the clear to check an HMAC, so it is stored encrypted (Fernet) with a
key derived from SECRET_KEY; changing SECRET_KEY means setting every source's secret again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy.exc import IntegrityError

from outreach.errors import Conflict, NotFound, OutreachError, ValidationError
from outreach.events.ingest import IngestResult, ingest_event, validate_event
from outreach.events.mapping import apply_mapping, check_mapping, parse_mapping
from outreach.extensions import db
from outreach.models import EventSource
from outreach.models.sources import SIGNATURE_ENCODINGS

log = logging.getLogger(__name__)

_KEY_LABEL = b"outreach event source secrets v1"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
HEADER = re.compile(r"^[A-Za-z0-9-]{1,100}$")
SIGNATURE_PREFIXES = ("sha256=", "v1=")  #: dropped from a signature header's value
MAX_TOLERANCE = 3600
SECRET_MIN, SECRET_MAX = 16, 200
PAYLOAD_MAX = 64 * 1024


class SignatureRefused(OutreachError):
    """A webhook whose signature is missing, wrong or too old."""

    status = 403
    code = "forbidden"


def _fernet() -> Fernet:
    secret_key = current_app.extensions["settings"].secret_key.encode()
    key = hmac.new(secret_key, _KEY_LABEL, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str) -> str:
    """The secret as stored."""
    return _fernet().encrypt(secret.encode()).decode()


def reveal_secret(source: EventSource) -> str | None:
    """The source's secret in the clear; None when SECRET_KEY changed since it was set."""
    try:
        return _fernet().decrypt(source.secret_encrypted.encode()).decode()
    except InvalidToken:
        return None


# -- the sources, as admins edit them -----------------------------------------------------


@dataclass(frozen=True)
class SourceInput:
    """What the source form sends, not yet checked; an empty secret keeps the stored one
    (a new source gets a random one)."""

    name: str
    slug: str
    signature_header: str
    signature_encoding: str
    timestamp_header: str
    tolerance_seconds: int | None
    mapping: str  #: JSON text
    is_active: bool = True
    secret: str = ""


def _values(data: SourceInput) -> dict[str, Any]:
    name = " ".join((data.name or "").split())
    if not 1 <= len(name) <= 200:
        raise ValidationError("a name of 1 to 200 characters is required", "name")
    slug = (data.slug or "").strip().lower()
    if not SLUG.match(slug):
        raise ValidationError(
            "lower-case letters, digits and dashes, at most 40 (it is the URL /hooks/<slug>)",
            "slug",
        )
    header = (data.signature_header or "").strip()
    if not HEADER.match(header):
        raise ValidationError("an HTTP header name, e.g. X-Signature", "signature_header")
    if data.signature_encoding not in SIGNATURE_ENCODINGS:
        raise ValidationError("hex or base64", "signature_encoding")
    stamp = (data.timestamp_header or "").strip() or None
    if stamp is not None and not HEADER.match(stamp):
        raise ValidationError("an HTTP header name, or empty", "timestamp_header")
    tolerance = data.tolerance_seconds if data.tolerance_seconds is not None else 300
    if not 10 <= tolerance <= MAX_TOLERANCE:
        raise ValidationError(f"between 10 and {MAX_TOLERANCE} seconds", "tolerance_seconds")
    secret = (data.secret or "").strip()
    if secret and not SECRET_MIN <= len(secret) <= SECRET_MAX:
        raise ValidationError(f"{SECRET_MIN} to {SECRET_MAX} characters", "secret")
    return {
        "name": name,
        "slug": slug,
        "signature_header": header,
        "signature_encoding": data.signature_encoding,
        "timestamp_header": stamp,
        "tolerance_seconds": tolerance,
        "mapping": parse_mapping(data.mapping or ""),
        "is_active": bool(data.is_active),
        "secret": secret,
    }


def _store(source: EventSource, values: dict[str, Any]) -> None:
    secret = values.pop("secret")
    for key, value in values.items():
        setattr(source, key, value)
    if secret:
        source.secret_encrypted = encrypt_secret(secret)
    db.session.add(source)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(f"another source already uses /hooks/{values['slug']}", "slug") from None


def create_source(data: SourceInput) -> tuple[EventSource, str | None]:
    """Add a source; returns it and the secret when one was made up for it (shown once)."""
    values = _values(data)
    made_up = None
    if not values["secret"]:
        values["secret"] = made_up = secrets.token_urlsafe(32)
    source = EventSource()
    _store(source, values)
    log.info("event source %s added", source.id)
    return source, made_up


def update_source(source_id: int, data: SourceInput) -> EventSource:
    """Change a source; nothing changes when one field is wrong."""
    source = get_source(source_id)
    _store(source, _values(data))
    log.info("event source %s changed", source.id)
    return source


def get_source(source_id: int) -> EventSource:
    """A source by id, or NotFound."""
    source = db.session.get(EventSource, source_id)
    if source is None:
        raise NotFound("no such source")
    return source


def list_sources() -> list[EventSource]:
    """Every source, by name."""
    return list(db.session.scalars(sa.select(EventSource).order_by(EventSource.name)))


# -- receiving ----------------------------------------------------------------------------


def _timestamp(value: str) -> datetime | None:
    value = value.strip()
    try:
        if re.fullmatch(r"\d{9,13}", value):
            number = int(value)
            return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, UTC)
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo is not None else None


def expected_signature(source: EventSource, secret: str, body: bytes, stamp: str = "") -> str:
    """The signature header's value for this body (and timestamp), as the source signs."""
    digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    if source.signature_encoding == "base64":
        return base64.b64encode(digest).decode()
    return binascii.hexlify(digest).decode()


def verify_signature(
    source: EventSource, body: bytes, headers: Mapping[str, str], now: datetime
) -> None:
    """Raise SignatureRefused unless the request is signed with the source's secret (and,
    where the scheme has a timestamp, signed within the tolerance of now)."""
    given = (headers.get(source.signature_header) or "").strip()
    for prefix in SIGNATURE_PREFIXES:
        given = given.removeprefix(prefix)
    if source.signature_encoding == "hex":
        given = given.lower()
    if not given:
        raise SignatureRefused(f"unsigned: the {source.signature_header} header is missing")
    stamp = ""
    if source.timestamp_header:
        stamp = (headers.get(source.timestamp_header) or "").strip()
        moment = _timestamp(stamp)
        if moment is None:
            raise SignatureRefused(f"the {source.timestamp_header} header is missing or no time")
        if abs(now - moment) > timedelta(seconds=source.tolerance_seconds):
            raise SignatureRefused(
                f"the {source.timestamp_header} is more than {source.tolerance_seconds} s from "
                "now (a replayed or delayed request)"
            )
    secret = reveal_secret(source)
    if secret is None:
        log.error("event source %s: secret unreadable (SECRET_KEY changed?)", source.id)
        raise SignatureRefused("this source's secret must be set again")
    expected = expected_signature(source, secret, body, stamp)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise SignatureRefused(f"wrong signature in {source.signature_header}")


@dataclass
class HookResult:
    """What a webhook did: stored (or found again) an event, ignored it, or refused it with
    the errors per event field."""

    ingest: IngestResult | None = None
    ignored: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


def parse_payload(body: bytes | str) -> Any:
    """A request body as JSON, or ValidationError(field="body")."""
    if len(body) > PAYLOAD_MAX:
        raise ValidationError(f"the payload is larger than {PAYLOAD_MAX // 1024} KB", "body")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"the body is not JSON: {exc}", "body") from None
    except RecursionError:
        raise ValidationError("the body is nested too deeply", "body") from None


def _scoped(event: dict[str, Any], slug: str) -> dict[str, Any]:
    """The event with its id scoped to the source, so two tools' ids never meet."""
    return {**event, "external_id": f"{slug}:{event['external_id']}"}


def _refused(source: EventSource, errors: dict[str, str]) -> None:
    if errors:
        log.info("event source %s: payload refused (%s)", source.id, ", ".join(sorted(errors)))


def receive(slug: str, body: bytes, headers: Mapping[str, str], now: datetime) -> HookResult:
    """Check the signature, map the payload and ingest it as an event (idempotent on the
    source's id: a retried webhook finds the stored event)."""
    source = db.session.scalar(sa.select(EventSource).where(EventSource.slug == slug))
    if source is None:
        raise NotFound(f"no source at /hooks/{slug}")
    if not source.is_active:
        raise SignatureRefused("this source is turned off")
    try:
        verify_signature(source, body, headers, now)
    except SignatureRefused as exc:
        log.warning("event source %s: refused: %s", source.id, exc.message)
        raise
    try:
        mapped = apply_mapping(check_mapping(source.mapping), parse_payload(body))
        if mapped.event is None:
            if mapped.ignored:
                log.info("event source %s: payload ignored (%s)", source.id, mapped.ignored)
            _refused(source, mapped.errors)
            return HookResult(ignored=mapped.ignored, errors=mapped.errors)
        result = ingest_event(_scoped(mapped.event, source.slug), "webhook", now)
    except ValidationError as exc:
        errors = {exc.field or "body": exc.message}
        _refused(source, errors)
        return HookResult(errors=errors)
    if result.created:
        db.session.execute(
            sa.update(EventSource)
            .where(EventSource.id == source.id)
            .values(received_count=EventSource.received_count + 1, last_received_at=now)
        )
        db.session.commit()
    log.info("event source %s: event %s (new: %s)", source.id, result.event.id, result.created)
    return HookResult(ingest=result)


@dataclass
class Preview:
    """What a sample payload becomes: the event as it would be ingested, or the errors per
    field (`mapping`, `payload` or an event field), or why it is ignored; a valid event is shown
    as it would be stored (the phone in E.164, the time as read)."""

    event: dict[str, Any] | None
    errors: dict[str, str]
    ignored: str | None = None

    @property
    def event_json(self) -> str:
        """The event as indented JSON, in the API's field order."""
        return json.dumps(self.event, indent=2, ensure_ascii=False)


def preview(mapping_text: str, payload_text: str, slug: str, now: datetime) -> Preview:
    """Map a pasted sample payload with a mapping as typed (nothing is stored)."""
    errors: dict[str, str] = {}
    mapping = payload = None
    try:
        mapping = parse_mapping(mapping_text)
    except ValidationError as exc:
        errors[exc.field or "mapping"] = exc.message
    try:
        payload = parse_payload(payload_text.encode())
    except ValidationError as exc:
        errors["payload"] = exc.message.replace("the body", "the sample")
    if errors:
        return Preview(None, errors)
    mapped = apply_mapping(mapping, payload)
    if mapped.event is None:
        return Preview(None, mapped.errors, mapped.ignored)
    event = _scoped(mapped.event, slug or "source")
    try:
        data = validate_event(event, now)
    except ValidationError as exc:
        return Preview(event, {exc.field or "event": exc.message})
    stored = {
        "external_id": data.external_id,
        "type": data.type,
        "occurred_at": data.occurred_at.isoformat(),
        "summary": data.summary,
        "customer": data.customer,
        "rep": data.rep,
    }
    return Preview({k: v for k, v in stored.items() if v is not None}, {})
