"""Werkzeug's URL builders compiled once per test session, not once per app.

Every test builds its own app (`make_app`), and registering the app's ~115 routes compiles two
URL-builder functions per route from a generated Python AST (werkzeug's
`Rule._compile_builder`): about 0.1 s of each test's 0.15 s of set-up. The code generated
depends only on the rule's parsed parts (`_trace`), the names of its defaults and whether
unknown arguments are appended, so the same rule in the next app gets the same code: this
keeps the code object and makes each new app's builder from it (a new function, bound to the
new rule, exactly as werkzeug does). Rules whose defaults fill one of their own variables
(the only case where a converter's output is baked into the code) are compiled as before.

Only for the werkzeug version whose `_compile_builder` this was read against; with another,
nothing is patched and the tests run as before, only slower.
"""

from __future__ import annotations

import builtins
import types
from importlib.metadata import version

from werkzeug.routing.rules import Rule

READ_AGAINST = "3.1."


def install() -> None:
    if not version("werkzeug").startswith(READ_AGAINST) or hasattr(Rule, "_otr_cached"):
        return
    original = Rule._compile_builder
    codes: dict[tuple, tuple] = {}

    def _compile_builder(self: Rule, append_unknown: bool = True):
        defaults = self.defaults or {}
        if any(is_dynamic and data in defaults for is_dynamic, data in self._trace):
            return original(self, append_unknown)
        key = (self.rule, append_unknown, tuple(self._trace), tuple(str(k) for k in defaults))
        if key not in codes:
            function = original(self, append_unknown)
            codes[key] = (function.__code__, function.__defaults__)
        code, arg_defaults = codes[key]
        return types.FunctionType(code, {"__builtins__": builtins}, code.co_name, arg_defaults)

    Rule._compile_builder = _compile_builder
    Rule._otr_cached = True
