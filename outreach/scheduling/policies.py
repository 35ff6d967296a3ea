"""Policies (schedules) as data: the one validation, create/update/delete, and their JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic
import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import WithJsonSchema

from outreach.company.templating import validate_template
from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.models import Policy
from outreach.models.policies import CHANNELS
from outreach.scheduling.durations import (
    MAX_DAYS,
    Duration,
    describe_duration,
    format_duration,
    parse_duration,
    parse_human_duration,
)
from outreach.scheduling.timing import (
    ALL_DAYS,
    DAYS,
    DEFAULT_FLOOR,
    parse_days,
    parse_hhmm,
)
from outreach.scheduling.timing import Window as TimeWindow
from outreach.schemas.validation import Id, StrictModel, error_message, text, validate

DURATION_TEXT = "ISO-8601 duration in days, hours, minutes, seconds: PT0S, PT20H, P2D, P1DT2H"
_DURATION_PATTERN = r"[Pp](?=[0-9]|[Tt][0-9])([0-9]+[Ww])?([0-9]+[Dd])?([Tt](?=[0-9])([0-9]+[Hh])?([0-9]+[Mm])?([0-9]+[Ss])?)?$"  # noqa: E501


def _duration(positive: bool) -> Any:
    def check(value: str) -> str:
        duration = parse_duration(value)
        if positive and duration.is_zero:
            raise ValueError("must be longer than zero (or null for none)")
        return format_duration(duration)

    schema = {
        "type": "string",
        "pattern": ("^(?=.*[1-9])" if positive else "^") + _DURATION_PATTERN,
        "description": f"{DURATION_TEXT}; at most {MAX_DAYS} days",
        "examples": ["PT20H"],
    }
    return Annotated[str, AfterValidator(check), WithJsonSchema(schema)]


def _hhmm(value: Any) -> str:
    return parse_hhmm(value).strftime("%H:%M")


def _days(value: Any) -> Any:
    return None if value is None else [DAYS[d] for d in sorted(parse_days(value))]


def _template(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    validate_template(value)
    return value


def _subject(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if "\n" in value or "\r" in value:
        raise ValueError("must be one line")
    if len(value) > 400:
        raise ValueError("must be at most 400 characters")
    validate_template(value)
    return value


Subject = Annotated[
    str,
    AfterValidator(_subject),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": 400, "pattern": r"^[^\r\n]*\S[^\r\n]*$"}
    ),
]

HHMM = Annotated[
    str,
    BeforeValidator(_hhmm),
    WithJsonSchema({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$"}),
]
Template = Annotated[
    str,
    AfterValidator(_template),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 4000, "pattern": r"\S"}),
]
#: accepted and ignored, so a GET answer can be PUT back
ReadOnly = Annotated[Any, WithJsonSchema({"readOnly": True})]


class Window(StrictModel):
    """When the check-in may go out, in the customer's local time; always inside the
    quiet-hours floor (08:00-21:00) too."""

    start: HHMM = Field(description="local time of day, HH:MM")
    end: HHMM = Field(description="local time of day, HH:MM, after start")
    days: Annotated[list[Literal[DAYS]] | None, BeforeValidator(_days)] = Field(
        None, min_length=1, description="default: every day"
    )

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: str, info: ValidationInfo) -> str:
        if "start" in info.data:
            TimeWindow(parse_hhmm(info.data["start"]), parse_hhmm(end))
        return end

    @model_validator(mode="after")
    def _outside_quiet_hours(self) -> Window:
        window = self.parsed()
        if window.end <= DEFAULT_FLOOR.start or window.start >= DEFAULT_FLOOR.end:
            raise ValueError(
                f"{window.describe()} lies entirely inside quiet hours "
                f"({DEFAULT_FLOOR.describe()}), so nothing could ever be sent"
            )
        return self

    def parsed(self) -> TimeWindow:
        """The timing engine's window."""
        days = parse_days(self.days) if self.days else ALL_DAYS
        return TimeWindow(parse_hhmm(self.start), parse_hhmm(self.end), days)


class PolicyIn(StrictModel):
    """Policy JSON of SPEC.md, the same validation as the admin form; 422 names the field at
    fault (window.start, template, delay…). id, created_at and updated_at are ignored, so a GET
    answer can be PUT back. PUT replaces the whole policy: absent optional fields take their
    defaults."""

    name: text(200)
    event_type: text(64) = Field(description="events of this type get this check-in")
    channel: Literal[CHANNELS]
    delay: _duration(positive=False) = Field(description=f"after the event: {DURATION_TEXT}")
    window: Window | None = None
    template: Template = Field(
        description="sandboxed Jinja with customer, rep, event and company in scope"
    )
    subject: Subject | None = Field(
        None, description="email only (and required there): the subject, a one-line template"
    )
    expire_after: _duration(positive=True) | None = Field(
        None, description="latest useful time after the event"
    )
    frequency_cap: _duration(positive=True) | None = Field(
        None, description="at most one check-in per this, per customer"
    )
    deadline: _duration(positive=True) | None = Field(
        None, description="rep_call only: then the fallback policy fires"
    )
    fallback_policy_id: Id | None = Field(
        None, description="rep_call only: an sms, voice or email policy"
    )
    skip_if_answered: bool = False
    active: bool = True
    id: ReadOnly = None
    created_at: ReadOnly = None
    updated_at: ReadOnly = None


def _fallback(value: int | None, policy_id: int | None) -> int | None:
    if value is None:
        return None
    if policy_id is not None and value == policy_id:
        raise ValidationError("a policy cannot be its own fallback", field="fallback_policy_id")
    target = db.session.get(Policy, value)
    if target is None or target.is_deleted:
        raise ValidationError(f"no policy with id {value}", field="fallback_policy_id")
    if target.channel == "rep_call":
        raise ValidationError(
            "the fallback must be an sms, voice or email policy, not a rep_call",
            field="fallback_policy_id",
        )
    return value


def validate_policy(data: Any, *, policy_id: int | None = None) -> dict[str, Any]:
    """Validate Policy JSON (PolicyIn, then the rules that need the database or several
    fields); return the Policy column values (durations canonical).

    The one validation used by the API and the admin form; ValidationError(field=…) names the
    field at fault. policy_id is the policy being updated, if any.
    """
    policy = validate(PolicyIn, data)
    window = policy.window.parsed() if policy.window else None
    out: dict[str, Any] = {
        "name": policy.name,
        "event_type": policy.event_type,
        "channel": policy.channel,
        "delay": policy.delay,
        "window_start": window.to_json()["start"] if window else None,
        "window_end": window.to_json()["end"] if window else None,
        "window_days": window.days_csv() if window else None,
        "template": policy.template,
        "subject": policy.subject,
        "expire_after": policy.expire_after,
        "frequency_cap": policy.frequency_cap,
        "deadline": policy.deadline,
        "skip_if_answered": policy.skip_if_answered,
        "is_active": policy.active,
        "fallback_policy_id": _fallback(policy.fallback_policy_id, policy_id),
    }
    durations = {
        key: parse_duration(out[key]) if out[key] else None for key in ("delay", "expire_after")
    }
    _cross_checks(out, durations)
    return out


DURATION_FIELDS = ("delay", "expire_after", "frequency_cap", "deadline")


def check_policy_draft(
    data: dict[str, Any], *, policy_id: int | None = None
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Policy JSON as a person typed it (durations in words or ISO 8601) -> (the Policy JSON
    with ISO-8601 durations, {}) when valid, else (None, every error at once: field -> message).

    For the admin form and its live preview; the API stays ISO 8601 (validate_policy)."""
    data = dict(data)
    errors: dict[str, str] = {}
    for key in DURATION_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            try:
                data[key] = format_duration(parse_human_duration(value))
            except ValueError as exc:
                errors[key] = str(exc)
                data[key] = "PT0S" if key == "delay" else None
    try:
        PolicyIn.model_validate(data)
    except pydantic.ValidationError as exc:
        for error in exc.errors(include_url=False):
            field = ".".join(str(part) for part in error["loc"]) or "form"
            errors.setdefault(field, error_message(PolicyIn, error))
    if errors:
        return None, errors
    try:
        validate_policy(data, policy_id=policy_id)
    except ValidationError as exc:
        return None, {exc.field or "form": exc.message}
    return data, {}


def _cross_checks(out: dict[str, Any], durations: dict[str, Duration | None]) -> None:
    delay, expire = durations.get("delay"), durations.get("expire_after")
    if delay is not None and expire is not None and expire.nominal_seconds <= delay.nominal_seconds:
        raise ValidationError(
            f"expire_after ({describe_duration(expire)}) must be longer than the delay "
            f"({describe_duration(delay)})",
            field="expire_after",
        )
    channel = out.get("channel")
    if channel == "email" and not out.get("subject"):
        raise ValidationError("an email policy needs a subject", field="subject")
    if channel is not None and channel != "email" and out.get("subject"):
        raise ValidationError("only email policies have a subject", field="subject")
    if channel is not None and channel != "rep_call":
        if out.get("deadline"):
            raise ValidationError("only rep_call policies have a deadline", field="deadline")
        if out.get("fallback_policy_id") is not None:
            raise ValidationError(
                "only rep_call policies have a fallback (it fires when the rep misses the call)",
                field="fallback_policy_id",
            )
    if out.get("fallback_policy_id") is not None and "deadline" in out and not out["deadline"]:
        raise ValidationError(
            "a fallback needs a deadline: the time after which the rep's call counts as missed",
            field="deadline",
        )


def _live(policy_id: int) -> Policy:
    policy = db.session.get(Policy, policy_id)
    if policy is None or policy.is_deleted:
        raise NotFound(f"no policy with id {policy_id}")
    return policy


def _fallback_of(policy_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Policy.id).where(
                Policy.fallback_policy_id == policy_id, Policy.is_deleted.is_(False)
            )
        )
    )


def get_policy(policy_id: int) -> Policy:
    """A live policy; NotFound when it does not exist or was deleted."""
    return _live(policy_id)


def list_policies(event_type: str | None = None, include_deleted: bool = False) -> list[Policy]:
    """Policies by id, optionally for one event type; deleted ones only when asked."""
    query = sa.select(Policy).order_by(Policy.id)
    if event_type is not None:
        query = query.where(Policy.event_type == event_type)
    if not include_deleted:
        query = query.where(Policy.is_deleted.is_(False))
    return list(db.session.scalars(query))


def create_policy(data: dict) -> Policy:
    """Validate and store a new policy; commits."""
    values = validate_policy(data)
    policy = Policy(**values)
    db.session.add(policy)
    db.session.commit()
    return policy


def update_policy(policy_id: int, data: dict) -> Policy:
    """Replace a policy with data (PUT: absent optional fields reset to defaults); commits."""
    policy = _live(policy_id)
    values = validate_policy(data, policy_id=policy_id)
    if values["channel"] == "rep_call":
        referrers = _fallback_of(policy_id)
        if referrers:
            raise ValidationError(
                f"this policy is the fallback of policy {referrers[0]}, so it cannot be a rep_call",
                field="channel",
            )
    for key, value in values.items():
        setattr(policy, key, value)
    db.session.commit()
    return policy


def delete_policy(policy_id: int) -> Policy:
    """Soft-delete (deleted and inactive; its check-ins keep it); Conflict if it is a fallback."""
    policy = _live(policy_id)
    referrers = _fallback_of(policy_id)
    if referrers:
        raise Conflict(
            f"policy {policy_id} is the fallback of policy {referrers[0]}; change that one first"
        )
    policy.is_deleted = True
    policy.is_active = False
    db.session.commit()
    return policy


def policy_window(policy: Policy) -> TimeWindow | None:
    """The policy's send window, or None when it has none (any time inside the floor)."""
    return TimeWindow.from_columns(policy.window_start, policy.window_end, policy.window_days)


def policy_to_json(policy: Policy) -> dict[str, Any]:
    """The Policy JSON of SPEC.md, plus id and UTC ISO timestamps."""
    window = policy_window(policy)
    return {
        "id": policy.id,
        "name": policy.name,
        "event_type": policy.event_type,
        "channel": policy.channel,
        "delay": _canonical(policy.delay) or "PT0S",
        "window": window.to_json() if window else None,
        "template": policy.template,
        "subject": policy.subject,
        "expire_after": _canonical(policy.expire_after),
        "frequency_cap": _canonical(policy.frequency_cap),
        "deadline": _canonical(policy.deadline),
        "fallback_policy_id": policy.fallback_policy_id,
        "skip_if_answered": policy.skip_if_answered,
        "active": policy.is_active,
        "created_at": policy.created_at.isoformat() if policy.created_at else None,
        "updated_at": policy.updated_at.isoformat() if policy.updated_at else None,
    }


def _canonical(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return format_duration(parse_duration(value))
    except ValueError:
        return value
