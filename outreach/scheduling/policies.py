"""Policies (schedules) as data: the one validation, create/update/delete, and their JSON."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from outreach.errors import Conflict, NotFound, ValidationError
from outreach.extensions import db
from outreach.models import Policy
from outreach.models.base import INT_MAX
from outreach.models.policies import CHANNELS
from outreach.scheduling.durations import Duration, format_duration, parse_duration
from outreach.scheduling.timing import DEFAULT_FLOOR, Window, WindowError
from outreach.templating import validate_template

FIELDS = (
    "name",
    "event_type",
    "channel",
    "delay",
    "window",
    "template",
    "expire_after",
    "frequency_cap",
    "deadline",
    "fallback_policy_id",
    "skip_if_answered",
    "active",
)
REQUIRED = ("name", "event_type", "channel", "delay", "template")
READ_ONLY = ("id", "created_at", "updated_at")  #: accepted and ignored, so GET output can be PUT
_DEFAULTS = {
    "window": None,
    "expire_after": None,
    "frequency_cap": None,
    "deadline": None,
    "fallback_policy_id": None,
    "skip_if_answered": False,
    "active": True,
}


def _text(data: dict, key: str, limit: int) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{key} must be a non-empty string", field=key)
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(f"{key} is longer than {limit} characters", field=key)
    return value


def _duration(data: dict, key: str, positive: bool) -> Duration | None:
    value = data[key]
    if value is None:
        return None
    try:
        duration = parse_duration(value)
    except ValueError as exc:
        raise ValidationError(f"{key}: {exc}", field=key) from None
    if positive and duration.is_zero:
        raise ValidationError(f"{key} must be longer than zero (or null for none)", field=key)
    return duration


def _bool(data: dict, key: str) -> bool:
    if not isinstance(data[key], bool):
        raise ValidationError(f"{key} must be true or false", field=key)
    return data[key]


def _window(value: Any) -> Window | None:
    if value is None:
        return None
    try:
        window = Window.parse(value)
    except WindowError as exc:
        field = "window" if exc.field == "window" else f"window.{exc.field}"
        raise ValidationError(f"{field}: {exc}", field=field) from None
    if window.end <= DEFAULT_FLOOR.start or window.start >= DEFAULT_FLOOR.end:
        raise ValidationError(
            f"window: {window.describe()} lies entirely inside quiet hours "
            f"({DEFAULT_FLOOR.describe()}), so nothing could ever be sent",
            field="window",
        )
    return window


def _fallback(value: Any, policy_id: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            "fallback_policy_id must be a policy id (integer)", field="fallback_policy_id"
        )
    if policy_id is not None and value == policy_id:
        raise ValidationError("a policy cannot be its own fallback", field="fallback_policy_id")
    target = db.session.get(Policy, value) if 1 <= value <= INT_MAX else None
    if target is None or target.is_deleted:
        raise ValidationError(f"no policy with id {value}", field="fallback_policy_id")
    if target.channel == "rep_call":
        raise ValidationError(
            "the fallback must be an sms or voice policy, not a rep_call",
            field="fallback_policy_id",
        )
    return value


def validate_policy(
    data: dict, partial: bool = False, *, policy_id: int | None = None
) -> dict[str, Any]:
    """Validate Policy JSON; return the Policy column values (durations canonical).

    The one validation used by the API and the admin form. Fields are those of SPEC.md's
    Policy JSON; `id`, `created_at` and `updated_at` are ignored (so a GET can be PUT back);
    any other field is refused with ValidationError(field=<its name>). With partial=True only
    the fields present are checked and returned (cross-field rules use what is present);
    otherwise name, event_type, channel, delay and template are required and absent optional
    fields take their defaults. policy_id is the policy being updated, if any.
    """
    if not isinstance(data, dict):
        raise ValidationError("expected a JSON object describing a policy")
    for key in data:
        if key not in FIELDS and key not in READ_ONLY:
            raise ValidationError(f"unknown field {key!r}", field=str(key))
    if not partial:
        for key in REQUIRED:
            if data.get(key) is None:
                raise ValidationError(f"{key} is required", field=key)
        data = {**_DEFAULTS, **data}
    out: dict[str, Any] = {}
    if "name" in data:
        out["name"] = _text(data, "name", 200)
    if "event_type" in data:
        out["event_type"] = _text(data, "event_type", 64)
    if "channel" in data:
        if data["channel"] not in CHANNELS:
            raise ValidationError(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
        out["channel"] = data["channel"]
    durations: dict[str, Duration | None] = {}
    for key, positive in (
        ("delay", False),
        ("expire_after", True),
        ("frequency_cap", True),
        ("deadline", True),
    ):
        if key in data:
            if key == "delay" and data[key] is None:
                raise ValidationError("delay is required", field="delay")
            durations[key] = _duration(data, key, positive)
            out[key] = format_duration(durations[key]) if durations[key] else None
    if "window" in data:
        window = _window(data["window"])
        out["window_start"] = window.to_json()["start"] if window else None
        out["window_end"] = window.to_json()["end"] if window else None
        out["window_days"] = window.days_csv() if window else None
    if "template" in data:
        _text(data, "template", 4000)
        try:
            validate_template(data["template"])
        except ValueError as exc:
            raise ValidationError(f"template: {exc}", field="template") from None
        out["template"] = data["template"]
    if "skip_if_answered" in data:
        out["skip_if_answered"] = _bool(data, "skip_if_answered")
    if "active" in data:
        out["is_active"] = _bool(data, "active")
    if "fallback_policy_id" in data:
        out["fallback_policy_id"] = _fallback(data["fallback_policy_id"], policy_id)
    _cross_checks(out, durations)
    return out


def _cross_checks(out: dict[str, Any], durations: dict[str, Duration | None]) -> None:
    delay, expire = durations.get("delay"), durations.get("expire_after")
    if delay is not None and expire is not None and expire.nominal_seconds <= delay.nominal_seconds:
        raise ValidationError(
            f"expire_after ({format_duration(expire)}) must be longer than the delay "
            f"({format_duration(delay)})",
            field="expire_after",
        )
    channel = out.get("channel")
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


def policy_window(policy: Policy) -> Window | None:
    """The policy's send window, or None when it has none (any time inside the floor)."""
    return Window.from_columns(policy.window_start, policy.window_end, policy.window_days)


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
