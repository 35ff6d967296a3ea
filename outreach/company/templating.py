"""Message templates: sandboxed Jinja over simple objects, so a bad template fails one check-in.

Every render runs on a budget: each loop step and each call counts, and so does the clock, so
no template stalls a delivery job. At save time the template's syntax tree is also checked for
loops and recursion that could overrun the budget in a branch the sample data does not take.
"""

from __future__ import annotations

import contextvars
import functools
import operator
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateSyntaxError, Undefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_MESSAGE_CHARS = 1600  #: Twilio's limit for one message body
MAX_TEMPLATE_CHARS = 4000
MAX_STEPS = 10_000  #: loop steps plus calls one render may make
MAX_RENDER_SECONDS = 0.1  #: wall-clock time one render may take
MAX_RANGE = 1000  #: most numbers range() may give
MAX_LOOP_DEPTH = 2  #: loops inside loops (macros called in a loop count) a template may nest
MAX_VALUE_SIZE = 10_000  #: longest text or list a template may build, and the largest argument
_MAX_REPEAT = 2000  #: largest "x" * n a template may build
_MAX_POWER = 100
_MAX_INT_BITS = 1024  #: largest whole number a template may compute, in bits
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
#: how Python shows a function, method, class or object: never text for a customer
_REPR = re.compile(
    r"<(?:built-in |bound )?(?:function|method|method-wrapper|class|module|generator|coroutine)\b"
    r"|<(?:Macro|LoopContext|Namespace|Cycler|Joiner)\b|<jinja2\.|\bobject at 0x[0-9a-fA-F]+"
)
_STR_METHODS = frozenset(name for name in dir(str) if not name.startswith("_"))


class TemplateRenderError(Exception):
    """A message template failed to render; the check-in fails, the worker does not."""


class _Budget:
    """The steps and time one render has left."""

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.perf_counter() + MAX_RENDER_SECONDS

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateRenderError(
                f"the template does too much work (more than {MAX_STEPS} loop steps and calls)"
            )
        if time.perf_counter() > self.deadline:
            raise TemplateRenderError(
                f"the template takes too long (more than {MAX_RENDER_SECONDS * 1000:.0f} ms)"
            )


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("budget", default=None)


def _tick() -> None:
    budget = _budget.get()
    if budget is None:
        raise SecurityError("templates render only through render_message")
    budget.tick()


def _kind(value: Any) -> str | None:
    """What printing value would show, or None when it is text, a number or empty."""
    if value is None or isinstance(value, Undefined | str | int | float):
        return None
    if isinstance(value, Person | EventView | CompanyView):
        return None
    if callable(value):
        return "a function or method, not text"
    return f"a {type(value).__name__}, not text (pick a field, or | join a list)"


def _printable(value: Any) -> Any:
    """The environment's finalize hook: what {{ … }} prints, or SecurityError."""
    problem = _kind(value)
    if problem is not None:
        raise SecurityError(f"a {{{{ … }}}} would print {problem}")
    return "" if value is None else value


def _sized(value: Any) -> Any:
    if isinstance(value, str | bytes | list | tuple | dict | set) and len(value) > MAX_VALUE_SIZE:
        raise SecurityError(f"a value longer than {MAX_VALUE_SIZE} is built")
    return value


def _check_numbers(values: Iterable[Any]) -> None:
    for value in values:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and abs(value) > MAX_VALUE_SIZE:
            raise SecurityError(f"a number larger than {MAX_VALUE_SIZE} is passed to a call")


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        hits = text.count(old) if old else len(text) + 1
        if len(text) + hits * (len(new) - len(old)) > MAX_VALUE_SIZE:
            raise SecurityError(f"a value longer than {MAX_VALUE_SIZE} is built")


def _range(*args: int) -> range:
    """range() for templates: at most MAX_RANGE numbers."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() may give at most {MAX_RANGE} numbers")
    return numbers


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that counts as a step and refuses huge counts and results."""
    first = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        if name in ("batch", "slice"):
            _check_numbers((*args[first + 1 :], *kwargs.values()))
        if name == "replace" and len(args) > first + 2:
            _check_replace(*args[first : first + 3])
        if name == "string" and len(args) > first:
            _printable(args[first])
        return _sized(func(*args, **kwargs))

    return guarded


class _Guards(NodeTransformer):
    """Route every loop's items and every ~ through the environment's guards."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        node = self.generic_visit(node)
        node.iter = _guard_call("guard_loop", node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        node = self.generic_visit(node)
        node.nodes = [_guard_call("guard_print", n) for n in node.nodes]
        return _guard_call("guard_size", node)


def _guard_call(name: str, arg: nodes.Expr) -> nodes.Call:
    call = nodes.Call(nodes.EnvironmentAttribute(name), [arg], [], None, None)
    return call.set_lineno(arg.lineno)


class _GuardedCodeGenerator(CodeGenerator):
    """Compiles templates with their loops and ~ guarded; refuses recursive loops."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for loop in node.find_all(nodes.For):
            if loop.recursive:
                self.fail("recursive loops are not allowed in message templates", loop.lineno)
        _Guards().visit(node)
        super().visit_Template(node, frame)


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, plus a budget of steps and time per render and limits on what a template
    may build: repetition, powers, sizes; no str.format, no printing of functions or objects."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])
    code_generator_class = _GuardedCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_printable, **options)
        for name in (
            "format",
            "center",
            "indent",
            "wordwrap",
            "filesizeformat",
            "xmlattr",
            "pprint",
        ):
            self.filters.pop(name, None)
        self.filters = {name: _guard_filter(name, f) for name, f in self.filters.items()}
        self.globals.pop("lipsum", None)
        self.globals["range"] = _range

    def guard_loop(self, items: Iterable[Any]) -> Iterator[Any]:
        """A loop's items, each one a step of the budget."""
        for item in items:
            _tick()
            yield item

    def guard_print(self, value: Any) -> Any:
        """A ~ operand: text, a number or empty, never a function or object."""
        return _printable(value)

    def guard_size(self, value: Any) -> Any:
        """A built value no longer than MAX_VALUE_SIZE."""
        return _sized(value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call from a template: a step; a built-in method (str.ljust, int.to_bytes…) gets no
        number above MAX_VALUE_SIZE; str.replace and every result stay within it too."""
        _tick()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str | bytes | int | float | list | tuple | dict):
            _check_numbers((*args, *(v for k, v in kwargs.items() if not k.startswith("_"))))
            if isinstance(owner, str) and __obj.__name__ == "replace":
                _check_replace(owner, *args[:2])
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name in ("*", "**") and isinstance(left, int) and isinstance(right, int):
            power = operator_name == "**"
            bits = left.bit_length() * right if power else left.bit_length() + right.bit_length()
            if bits > _MAX_INT_BITS and not (power and abs(left) <= 1):
                raise SecurityError("number too large")
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
        return _sized(super().call_binop(context, operator_name, left, right))

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


def _event(obj: Any, zone: tzinfo | None) -> EventView:
    if obj is None:
        return EventView()
    occurred = _get(obj, "occurred_at")
    local_date = weekday = iso = ""
    if isinstance(occurred, datetime):
        if zone is not None and occurred.tzinfo is not None:
            occurred = occurred.astimezone(zone)
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
    customer: Any, rep: Any, event: Any, company: Any, zone: tzinfo | None = None
) -> dict[str, Any]:
    """The names a template sees, built from rows (or dicts) as plain read-only objects; event
    dates in zone (the customer's, loaded by the caller)."""
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
    """Raise ValueError (with the line) unless src compiles in the sandbox, passes the static
    limits on loops and recursion, and renders the sample data to a non-empty message."""
    if not isinstance(src, str):
        raise ValueError("the template must be a string")
    if len(src) > MAX_TEMPLATE_CHARS:
        raise ValueError(f"the template is longer than {MAX_TEMPLATE_CHARS} characters")
    try:
        _check_tree(_env.parse(src))
        template = _compiled(src)
    except TemplateSyntaxError as exc:
        raise ValueError(f"line {exc.lineno}: {exc.message}") from None
    except RecursionError:
        raise ValueError("the template nests too deeply") from None
    try:
        text = _render(template, SAMPLE_CONTEXT)
    except TemplateRenderError as exc:
        raise ValueError(f"the template fails on sample data: {exc}") from None
    if not text:
        raise ValueError("the template gives an empty message for the sample data")


def _check_tree(tree: nodes.Template) -> None:
    """TemplateSyntaxError for what could overrun the budget in any branch: recursive macros,
    loops nested too deep, over too long a range or repeating too often; and for a method
    printed without being called."""
    macros = {macro.name: macro for macro in tree.find_all(nodes.Macro)}
    costs: dict[str, tuple[int, int]] = {}
    entered: list[str] = []

    def macro_cost(name: str) -> tuple[int, int]:
        if name not in costs:
            if name in entered:
                raise TemplateSyntaxError(
                    f"macro {name}() calls itself; recursion is not allowed", macros[name].lineno
                )
            entered.append(name)
            costs[name] = walk(macros[name])
            entered.pop()
        return costs[name]

    def walk(node: nodes.Node) -> tuple[int, int]:
        """(deepest loop nesting, most known loop steps) under node."""
        depth, steps = 0, 1
        for child in node.iter_child_nodes():
            if not isinstance(child, nodes.Macro):
                child_depth, child_steps = walk(child)
                depth, steps = max(depth, child_depth), max(steps, child_steps)
        called = isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)
        if called and node.node.name in macros:
            called_depth, called_steps = macro_cost(node.node.name)
            depth, steps = max(depth, called_depth), max(steps, called_steps)
        if isinstance(node, nodes.For):
            depth, steps = _check_loop(node, depth + 1, steps)
        return depth, steps

    walk(tree)
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            if (
                isinstance(child, nodes.Getattr)
                and _is_text(child.node)
                and child.attr in _STR_METHODS
            ):
                raise TemplateSyntaxError(
                    f"{{{{ {_source(child)} }}}} would print a method, not text; "
                    f"leave out .{child.attr}",
                    child.lineno,
                )


def _source(expr: nodes.Expr) -> str:
    """A name.field.attr chain or constant as the template wrote it."""
    if isinstance(expr, nodes.Getattr):
        return f"{_source(expr.node)}.{expr.attr}"
    if isinstance(expr, nodes.Name):
        return expr.name
    return repr(expr.as_const()) if isinstance(expr, nodes.Const) else "…"


def _is_text(expr: nodes.Expr) -> bool:
    """Whether expr is a text constant or a field of customer, rep, event or company."""
    if isinstance(expr, nodes.Const):
        return isinstance(expr.value, str)
    return (
        isinstance(expr, nodes.Getattr)
        and isinstance(expr.node, nodes.Name)
        and expr.node.name in SAMPLE_CONTEXT
    )


def _check_loop(loop: nodes.For, depth: int, steps: int) -> tuple[int, int]:
    size = _constant_size(loop.iter)
    if size is not None and size > MAX_RANGE:
        raise TemplateSyntaxError(
            f"the loop goes over {size} items; at most {MAX_RANGE} are allowed", loop.lineno
        )
    if depth > MAX_LOOP_DEPTH:
        raise TemplateSyntaxError(
            f"loops are nested {depth} deep (macros called in a loop count); "
            f"at most {MAX_LOOP_DEPTH} are allowed",
            loop.lineno,
        )
    steps *= size or 1
    if steps > MAX_STEPS:
        raise TemplateSyntaxError(
            f"the loops would repeat {steps} times; at most {MAX_STEPS} are allowed", loop.lineno
        )
    return depth, steps


def _constant_size(expr: nodes.Expr) -> int | None:
    """How many items a loop over expr has, when the template says so with constants."""
    try:
        if isinstance(expr, nodes.Call) and isinstance(expr.node, nodes.Name):
            if expr.node.name == "range" and not (expr.kwargs or expr.dyn_args or expr.dyn_kwargs):
                return len(range(*(arg.as_const() for arg in expr.args)))
            return None
        return len(expr.as_const())
    except (nodes.Impossible, TypeError, ValueError, OverflowError):
        return None


def _template_line(exc: BaseException) -> int | None:
    """The template line the exception was raised at, from its (rewritten) traceback."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render(template: Any, context: dict[str, Any]) -> str:
    out: list[str] = []
    size = 0
    token = _budget.set(_Budget())
    try:
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_MESSAGE_CHARS:
                raise TemplateRenderError(
                    f"the message is longer than {MAX_MESSAGE_CHARS} characters"
                )
            out.append(chunk)
    except TemplateRenderError as exc:
        line = _template_line(exc)
        raise TemplateRenderError(f"line {line}: {exc}" if line else str(exc)) from None
    except Exception as exc:
        line = _template_line(exc)
        where = f"line {line}: " if line else ""
        kind = "" if isinstance(exc, SecurityError) else f"{type(exc).__name__}: "
        raise TemplateRenderError(f"{where}{kind}{exc}") from None
    finally:
        _budget.reset(token)
    text = "".join(out).strip()
    if _REPR.search(text):
        raise TemplateRenderError("the message would show the internals of a function or object")
    return text


@functools.lru_cache(maxsize=256)
def _compiled(src: str) -> Template:
    """The compiled template of a source text, kept: a batch renders one policy's many times."""
    return _env.from_string(src)


def render_message(
    src: str, customer: Any, rep: Any, event: Any, company: Any, zone: tzinfo | None = None
) -> str:
    """The message text for one check-in (event dates in zone); TemplateRenderError on any
    failure or an empty text."""
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
