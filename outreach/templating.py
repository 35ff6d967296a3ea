"""Message templates: sandboxed Jinja over simple objects, so a bad template fails one check-in."""

from __future__ import annotations

import contextlib
import functools
import operator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

MAX_MESSAGE_CHARS = 1600  #: Twilio's limit for one message body
MAX_TEMPLATE_CHARS = 4000
_MAX_REPEAT = 2000  #: largest "x" * n a template may build
_MAX_POWER = 100
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class TemplateRenderError(Exception):
    """A message template failed to render; the check-in fails, the worker does not."""


class _Sandbox(SandboxedEnvironment):
    """The sandbox, plus limits on repetition, powers and str.format padding."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name in ("format", "center", "indent", "wordwrap", "filesizeformat", "xmlattr"):
            self.filters.pop(name, None)

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > _MAX_POWER:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        if operator_name == "*":
            for seq, count in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(count, int)
                if sized and count * max(len(seq), 1) > _MAX_REPEAT:
                    raise SecurityError("repetition too large")
            return operator.mul(left, right)
        if operator_name == "%" and isinstance(left, str):
            raise SecurityError("string formatting with % is not available in templates")
        return super().call_binop(context, operator_name, left, right)

    def wrap_str_format(self, value: Any) -> Any:
        if super().wrap_str_format(value) is None:
            return None

        def _refuse(*args: Any, **kwargs: Any) -> str:
            raise SecurityError("str.format is not available in templates")

        return _refuse


_env = _Sandbox(autoescape=False, undefined=ChainableUndefined, keep_trailing_newline=False)


@dataclass(frozen=True)
class Person:
    """A customer or rep as a template sees it."""

    name: str = ""
    first_name: str = ""

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class EventView:
    """A service event as a template sees it; dates are in the customer's zone."""

    type: str = ""
    summary: str = ""
    local_date: str = ""  #: e.g. "March 10"
    weekday: str = ""  #: e.g. "Tuesday"
    date: str = ""  #: ISO, e.g. "2026-03-10"

    def __str__(self) -> str:
        return self.summary or self.type


@dataclass(frozen=True)
class CompanyView:
    """The company as a template sees it."""

    name: str = ""

    def __str__(self) -> str:
        return self.name


def _person(obj: Any) -> Person:
    if obj is None:
        return Person()
    name = _get(obj, "name") or _get(obj, "display_name") or ""
    name = " ".join(str(name).split())
    return Person(name=name, first_name=name.split(" ")[0] if name else "")


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def _event(obj: Any, zone: str | None) -> EventView:
    if obj is None:
        return EventView()
    occurred = _get(obj, "occurred_at")
    local_date = weekday = iso = ""
    if isinstance(occurred, datetime):
        if zone and occurred.tzinfo is not None:
            from outreach.scheduling.timing import load_zone

            with contextlib.suppress(ValueError):
                occurred = occurred.astimezone(load_zone(zone))
        local_date = f"{_MONTHS[occurred.month - 1]} {occurred.day}"
        weekday = _WEEKDAYS[occurred.weekday()]
        iso = occurred.date().isoformat()
    return EventView(
        type=str(_get(obj, "type") or ""),
        summary=str(_get(obj, "summary") or ""),
        local_date=local_date,
        weekday=weekday,
        date=iso,
    )


def _company(obj: Any) -> CompanyView:
    if isinstance(obj, str):
        return CompanyView(name=obj)
    return CompanyView(name=str(_get(obj, "name") or "")) if obj is not None else CompanyView()


def template_context(
    customer: Any, rep: Any, event: Any, company: Any, zone: str | None = None
) -> dict[str, Any]:
    """The names a template sees, built from rows (or dicts) as plain read-only objects."""
    return {
        "customer": _person(customer),
        "rep": _person(rep),
        "event": _event(event, zone),
        "company": _company(company),
    }


SAMPLE_CONTEXT = {
    "customer": Person("Pat Example", "Pat"),
    "rep": Person("Sam Rep", "Sam"),
    "event": EventView("install", "Water heater install", "March 10", "Tuesday", "2026-03-10"),
    "company": CompanyView("Example Co."),
}


def validate_template(src: str) -> None:
    """Raise ValueError (with the line) unless src compiles in the sandbox and renders a sample."""
    if not isinstance(src, str):
        raise ValueError("the template must be a string")
    if len(src) > MAX_TEMPLATE_CHARS:
        raise ValueError(f"the template is longer than {MAX_TEMPLATE_CHARS} characters")
    try:
        template = _env.from_string(src)
    except TemplateSyntaxError as exc:
        raise ValueError(f"line {exc.lineno}: {exc.message}") from None
    try:
        _render(template, SAMPLE_CONTEXT)
    except TemplateRenderError as exc:
        raise ValueError(f"the template fails on sample data: {exc}") from None


def _render(template: Any, context: dict[str, Any]) -> str:
    out: list[str] = []
    size = 0
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_MESSAGE_CHARS:
                raise TemplateRenderError(
                    f"the message is longer than {MAX_MESSAGE_CHARS} characters"
                )
            out.append(chunk)
    except TemplateRenderError:
        raise
    except Exception as exc:
        raise TemplateRenderError(f"{type(exc).__name__}: {exc}") from None
    return "".join(out).strip()


@functools.lru_cache(maxsize=256)
def _compiled(src: str) -> Template:
    """The compiled template of a source text, kept: a batch renders one policy's many times."""
    return _env.from_string(src)


def render_message(
    src: str, customer: Any, rep: Any, event: Any, company: Any, zone: str | None = None
) -> str:
    """The message text for one check-in; TemplateRenderError on any failure or an empty text."""
    try:
        template = _compiled(src)
    except TemplateSyntaxError as exc:
        raise TemplateRenderError(f"line {exc.lineno}: {exc.message}") from None
    except Exception as exc:
        raise TemplateRenderError(f"{type(exc).__name__}: {exc}") from None
    text = _render(template, template_context(customer, rep, event, company, zone))
    if not text:
        raise TemplateRenderError("the message is empty")
    return text
