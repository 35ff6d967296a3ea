"""Field mappings: a source's JSON payload turned into an event (EventIn's shape), pure.

A mapping is plain JSON, never code:

    {"only_when": [{"path": "ticket.status", "in": ["solved", "closed"]}],
     "fields": {"external_id": "ticket.id",
                "type": {"const": "ticket_solved"},
                "customer.name": {"join": ["client.first_name", "client.last_name"]},
                "customer.phone": {"first": ["requester.phone", "requester.mobile"]},
                "occurred_at": {"path": "closedAt", "as": "epoch_ms"},
                "customer.timezone": {"path": "tz", "default": "America/Chicago"}}}

A rule is a path (a string), or an object with one of `path`, `const`, `first` (the first
rule with a value) or `join` (the rules with a value, joined by `sep`, a space by default),
and optionally `default` (used when there is no value) and `as` (`text`, `lower`, `upper`,
`epoch_s`, `epoch_ms`: a Unix time in seconds or milliseconds as an ISO 8601 time). A path
is dotted keys, a number picks from a list (`items.0.name`; `-1` is the last); a path starting
with `/` is a JSON pointer (RFC 6901) for keys with dots in them. A payload for which an
`only_when` condition (`equals`, `in`, or `present`) does not hold is ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from outreach.errors import ValidationError

#: the event fields a mapping may fill (EventIn's, dotted), and which must have a value
EVENT_FIELDS = (
    "external_id",
    "type",
    "occurred_at",
    "summary",
    "customer.external_id",
    "customer.name",
    "customer.phone",
    "customer.timezone",
    "customer.email",
    "rep.email",
    "rep.name",
)
REQUIRED_FIELDS = frozenset(
    (
        "external_id",
        "type",
        "occurred_at",
        "customer.external_id",
        "customer.name",
        "customer.phone",
    )
)
FORMATS = ("text", "lower", "upper", "epoch_s", "epoch_ms")
KINDS = ("path", "const", "first", "join")
MODIFIERS = ("default", "as", "sep")
CONDITIONS = ("equals", "in", "present")
MAX_PATH = 200
MAX_SEGMENTS = 20
MAX_RULES = 50  #: rules inside one field's rule (first/join nest)
MAX_TEXT = 4000


class MappingError(ValueError):
    """A rule that cannot be applied to the payload: `field` is the event field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class Mapped:
    """What a payload became: the event (None when ignored or wrong), why it was ignored, and
    the errors per event field."""

    event: dict[str, Any] | None
    ignored: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


_MISSING = object()


def _segments(path: str) -> list[str]:
    if path.startswith("/"):
        return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]
    return path.split(".")


def _check_path(path: Any, where: str) -> None:
    if not isinstance(path, str) or not path.strip():
        raise ValidationError("a path must be non-empty text, e.g. ticket.requester.phone", where)
    if len(path) > MAX_PATH or len(_segments(path)) > MAX_SEGMENTS:
        raise ValidationError(
            f"a path may be at most {MAX_PATH} characters and {MAX_SEGMENTS} steps", where
        )
    if not path.startswith("/") and any(not s for s in path.split(".")):
        raise ValidationError(f"{path!r} has an empty step (two dots, or a dot at an end)", where)


def resolve(payload: Any, path: str) -> Any:
    """The value at a dotted path or JSON pointer, or _MISSING when there is none."""
    value = payload
    for step in _segments(path):
        if isinstance(value, dict):
            value = value.get(step, _MISSING)
        elif isinstance(value, list) and step.lstrip("-").isdigit():
            index = int(step)
            value = value[index] if -len(value) <= index < len(value) else _MISSING
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def _check_rule(rule: Any, where: str, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise ValidationError(f"a rule may nest at most {MAX_RULES} rules", where)
    if isinstance(rule, str):
        _check_path(rule, where)
        return
    if not isinstance(rule, dict):
        raise ValidationError(
            "a rule is a path or an object with path, const, first or join", where
        )
    kinds = [k for k in KINDS if k in rule]
    unknown = sorted(set(rule) - set(KINDS) - set(MODIFIERS))
    if unknown:
        raise ValidationError(
            f"unknown key {unknown[0]!r}; a rule has one of {', '.join(KINDS)} and may have "
            f"{', '.join(MODIFIERS)}",
            where,
        )
    if len(kinds) != 1:
        raise ValidationError(f"a rule needs exactly one of {', '.join(KINDS)}", where)
    kind = kinds[0]
    if kind == "path":
        _check_path(rule["path"], where)
    elif kind == "const":
        if not isinstance(rule["const"], str | int | float) or isinstance(rule["const"], bool):
            raise ValidationError("const must be text or a number", where)
    else:
        items = rule[kind]
        if not isinstance(items, list) or not items:
            raise ValidationError(f"{kind} must be a non-empty list of rules", where)
        for item in items:
            _check_rule(item, where, budget)
    if "as" in rule and rule["as"] not in FORMATS:
        raise ValidationError(f"as must be one of {', '.join(FORMATS)}", where)
    if "sep" in rule and (kind != "join" or not isinstance(rule["sep"], str)):
        raise ValidationError("sep is text, and only for join", where)
    default = rule.get("default", "")
    if not isinstance(default, str | int | float) or isinstance(default, bool):
        raise ValidationError("default must be text or a number", where)


def check_mapping(mapping: Any) -> dict[str, Any]:
    """A mapping as stored, or ValidationError naming the place at fault (`fields.<event
    field>` or `only_when.<n>`); every required event field must have a rule."""
    if not isinstance(mapping, dict):
        raise ValidationError("a mapping is a JSON object with fields", "mapping")
    unknown = sorted(set(mapping) - {"fields", "only_when"})
    if unknown:
        raise ValidationError(f"unknown key {unknown[0]!r} (fields, only_when)", "mapping")
    fields = mapping.get("fields")
    if not isinstance(fields, dict):
        raise ValidationError("fields must be an object: event field -> rule", "mapping.fields")
    for name, rule in fields.items():
        if name not in EVENT_FIELDS:
            raise ValidationError(
                f"{name!r} is not an event field; use one of {', '.join(EVENT_FIELDS)}",
                f"fields.{name}",
            )
        _check_rule(rule, f"fields.{name}", [MAX_RULES])
    conditions = mapping.get("only_when", [])
    if not isinstance(conditions, list):
        raise ValidationError("only_when must be a list of conditions", "mapping.only_when")
    for i, condition in enumerate(conditions):
        where = f"only_when.{i}"
        if not isinstance(condition, dict) or "path" not in condition:
            raise ValidationError("a condition is an object with a path", where)
        _check_path(condition["path"], where)
        tests = [k for k in CONDITIONS if k in condition]
        if len(tests) != 1 or set(condition) - {"path", *CONDITIONS}:
            raise ValidationError(
                f"a condition has a path and one of {', '.join(CONDITIONS)}", where
            )
        if "in" in condition and not isinstance(condition["in"], list):
            raise ValidationError("in must be a list of values", where)
    missing = [name for name in EVENT_FIELDS if name in REQUIRED_FIELDS and name not in fields]
    if missing:
        raise ValidationError(
            f"every event needs a rule for each of: {', '.join(missing)}", f"fields.{missing[0]}"
        )
    return {"fields": dict(fields), "only_when": list(conditions)}


def parse_mapping(text: str) -> dict[str, Any]:
    """A mapping typed as JSON text, checked (ValidationError naming the place at fault)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"not JSON: {exc}", "mapping") from None
    return check_mapping(data)


def _as_text(value: Any, where: str, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        kind = {dict: "an object", list: "a list", bool: "true/false"}.get(type(value), "null")
        raise MappingError(where, f"{path} is {kind}, not text or a number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _format(value: str, how: str, where: str) -> str:
    if how == "lower":
        return value.lower()
    if how == "upper":
        return value.upper()
    if how in ("epoch_s", "epoch_ms"):
        try:
            seconds = float(value) / (1000 if how == "epoch_ms" else 1)
            moment = datetime.fromtimestamp(seconds, UTC)
        except (ValueError, OverflowError, OSError):
            raise MappingError(where, f"{value!r} is not a Unix time ({how})") from None
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def _apply(rule: Any, payload: Any, where: str) -> str | None:
    if isinstance(rule, str):
        rule = {"path": rule}
    value: str | None = None
    if "path" in rule:
        found = resolve(payload, rule["path"])
        if found is not _MISSING and found is not None:
            value = _as_text(found, where, rule["path"]) or None
    elif "const" in rule:
        value = _as_text(rule["const"], where, "const")
    elif "first" in rule:
        value = next(
            (v for v in (_apply(r, payload, where) for r in rule["first"]) if v is not None), None
        )
    else:
        parts = [v for v in (_apply(r, payload, where) for r in rule["join"]) if v is not None]
        value = rule.get("sep", " ").join(parts) or None
    if value is None and "default" in rule:
        value = _as_text(rule["default"], where, "default")
    if value is not None and "as" in rule:
        value = _format(value, rule["as"], where)
    if value is not None and len(value) > MAX_TEXT:
        raise MappingError(where, f"the value is longer than {MAX_TEXT} characters")
    return value


def _describe(rule: Any) -> str:
    if isinstance(rule, str):
        return rule
    if "path" in rule:
        return rule["path"]
    if "first" in rule or "join" in rule:
        return " or ".join(_describe(r) for r in rule.get("first") or rule.get("join"))
    return "the rule"


def _holds(condition: dict[str, Any], payload: Any) -> bool:
    value = resolve(payload, condition["path"])
    if "present" in condition:
        return (value is not _MISSING and value not in (None, "")) == bool(condition["present"])
    wanted = condition["in"] if "in" in condition else [condition["equals"]]
    return value is not _MISSING and value in wanted


def apply_mapping(mapping: dict[str, Any], payload: Any) -> Mapped:
    """Turn a payload into an event dict (nested as EventIn wants), or say why not: ignored
    by only_when, or the errors per event field (every one, not just the first)."""
    for condition in mapping.get("only_when", []):
        if not _holds(condition, payload):
            return Mapped(None, ignored=f"{condition['path']} does not match only_when")
    event: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, rule in mapping["fields"].items():
        try:
            value = _apply(rule, payload, name)
        except MappingError as exc:
            errors[name] = exc.message
            continue
        if value is None:
            if name in REQUIRED_FIELDS:
                errors[name] = f"no value at {_describe(rule)} in the payload"
            continue
        head, _, tail = name.partition(".")
        if tail:
            event.setdefault(head, {})[tail] = value
        else:
            event[name] = value
    if errors:
        return Mapped(None, errors=errors)
    return Mapped(event)
