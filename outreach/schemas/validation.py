"""Request shapes as pydantic models: the base every model shares, the common field types, and
the mapping of pydantic's errors to our ValidationError (422, `field` as a dotted path).

The same models validate requests and generate the OpenAPI document, so the two cannot drift.
Field validators raise ValueError with a message for people; it becomes the error's message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, TypeVar

import pydantic
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainValidator
from pydantic.json_schema import GenerateJsonSchema, WithJsonSchema

from outreach.errors import ValidationError
from outreach.models.base import INT_MAX, YEARS_RULE, in_years

NUL_RULE = "must not contain NUL bytes (\\u0000)"
TIMESTAMP_EXAMPLE = "2024-05-01T17:30:00-05:00"
#: how a time given to us is written (a field's description starts with it)
TIMESTAMP_RULE = f"ISO-8601 with a UTC offset, e.g. {TIMESTAMP_EXAMPLE} or ...Z; {YEARS_RULE}"

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """A request shape: unknown fields are refused, no type is coerced (1 is not "1" or true)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    unknown: ClassVar[str] = "field"  #: what an unknown key is called in the error


def parse_timestamp(value: Any) -> datetime:
    """An ISO-8601 timestamp with a UTC offset, in YEARS, as an aware UTC datetime; ValueError
    saying what is wrong otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be an ISO-8601 timestamp with a UTC offset")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"not an ISO-8601 timestamp: {value[:40]!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"must include a UTC offset (e.g. {TIMESTAMP_EXAMPLE} or ...Z)")
    if not in_years(parsed):
        raise ValueError(f"must be {YEARS_RULE}")
    return parsed.astimezone(UTC)


def _text_rule(max_length: int):
    def check(value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if "\x00" in value:
            raise ValueError(NUL_RULE)
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return value

    return check


def text(max_length: int) -> Any:
    """A string that is not blank, stripped, at most max_length characters, without NUL bytes."""
    schema = {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": r"\S"}
    return Annotated[str, AfterValidator(_text_rule(max_length)), WithJsonSchema(schema)]


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


def optional(kind: Any) -> Any:
    """kind, or null; "" counts as null (optional text fields sent empty are not sent)."""
    return Annotated[kind | None, BeforeValidator(_empty_is_none)]


#: a time given to us: ISO-8601 with an offset, within YEARS
Timestamp = Annotated[
    datetime,
    PlainValidator(parse_timestamp),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": r"^20\d\d-",
            "description": TIMESTAMP_RULE,
        }
    ),
]
#: an id of a row: what fits an Integer column
Id = Annotated[int, pydantic.Field(ge=1, le=INT_MAX)]


class _Schema(GenerateJsonSchema):
    """JSON Schema without the titles pydantic derives from names (they add nothing), and for
    responses without defaults (every field a response has is sent)."""

    def default_schema(self, schema):
        out = super().default_schema(schema)
        if self.mode == "serialization":
            out.pop("default", None)
        return out

    def field_title_should_be_set(self, schema) -> bool:
        return False

    def model_schema(self, schema):
        out = super().model_schema(schema)
        out.pop("title", None)
        return out


def json_schemas(*models: type[BaseModel], mode: str = "validation") -> dict[str, Any]:
    """The JSON Schemas of models and of every model they use, by name, with $refs into an
    OpenAPI document's components."""
    _, defs = pydantic.json_schema.models_json_schema(
        [(model, mode) for model in models],
        ref_template="#/components/schemas/{model}",
        schema_generator=_Schema,
    )
    return defs.get("$defs", {})


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None
        found = [t for t in _types(field.annotation) if isinstance(t, type)]
        models = [t for t in found if issubclass(t, BaseModel)]
        if not models:
            return None
        model = models[0]
    return model


def _types(annotation: Any) -> list[Any]:
    args = getattr(annotation, "__args__", None)
    if args is None:
        return [annotation]
    return [t for arg in args for t in _types(arg)]


def _message(model: type[BaseModel], error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        parent = _model_at(model, error["loc"][:-1]) or model
        allowed = ", ".join(parent.model_fields)
        return f"unknown {parent.unknown} (allowed: {allowed})"
    if kind == "value_error":
        return str(ctx["error"])
    if kind == "missing" or (kind.endswith("_type") and error.get("input") is None):
        return "is required"
    messages = {
        "string_type": "must be a string",
        "model_type": "must be a JSON object",
        "dict_type": "must be a JSON object",
        "bool_type": "must be true or false",
        "int_type": "must be a whole number",
        "list_type": "must be a list",
        "too_short": "must not be empty",
    }
    if kind in messages:
        return messages[kind]
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}"
    if kind == "less_than_equal":
        return f"must be at most {ctx['le']}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}"
    if kind == "too_long":
        return f"must have at most {ctx['max_length']:,} items, not {ctx['actual_length']:,}"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx['pattern']}"
    return error["msg"]


def error_message(model: type[BaseModel], error: Any) -> str:
    """The message for one of pydantic's errors on model, as validate words it."""
    return _message(model, error)


def validate(model: type[M], data: Any, *, prefix: str = "") -> M:
    """data as an instance of model, else ValidationError naming the first field at fault
    (an unknown one first: a misspelt field is named, not the one it was meant to be)."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = min(errors, key=lambda e: e["type"] != "extra_forbidden")
        path = ".".join(str(part) for part in first["loc"])
        field = f"{prefix}{path}" if path else (prefix.rstrip(".") or None)
        raise ValidationError(_message(model, first), field=field) from None
