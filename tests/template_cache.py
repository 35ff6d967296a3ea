"""Jinja's compiled templates shared by the apps of a test session, not compiled per app.

Every test builds its own app, hence its own Jinja environment, which compiled each template it
rendered again (about a quarter of the time of a test that renders pages). Jinja's own
bytecode cache (`jinja2.BytecodeCache`, in memory here) keeps the compiled code by template
name and file, and checks the SHA-1 of the template's source before using it: an edited
template is compiled again. As the code Jinja generates also depends on the environment
(its options, extensions, filters and tests known at compile time), each distinct
environment gets its own cache; the apps of the suite all share one.
"""

from __future__ import annotations

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from jinja2.environment import Environment


class MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self.codes.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


_caches: dict[tuple, MemoryBytecodeCache] = {}


def _signature(env: Environment) -> tuple:
    autoescape = env.autoescape
    return (
        getattr(autoescape, "__func__", autoescape),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.finalize,
        env.undefined,
        env.is_async,
        env.loader.__class__ if env.loader else None,
        tuple(sorted(env.extensions)),
        tuple(sorted(env.filters)),
        tuple(sorted(env.tests)),
    )


def share_compiled_templates(env: Environment) -> None:
    """Give `env` the bytecode cache of the environments like it."""
    env.bytecode_cache = _caches.setdefault(_signature(env), MemoryBytecodeCache())
