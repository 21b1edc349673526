"""The script environment for BPMN scripts and expressions.

Designer-authored code is compiled with RestrictedPython and sees only task data, safe builtins and
the functions registered by the domain layer; it cannot reach the server's internals. The script
engine also carries the clock, which timers and registered functions read.
"""
from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from RestrictedPython import (
    compile_restricted_eval,
    compile_restricted_exec,
    limited_builtins,
    safe_builtins,
    utility_builtins,
)
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine.clock import Clock


class ScriptCompileError(ValueError):
    """A script or expression that RestrictedPython refuses; the message carries its reasons."""


def _builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    allowed.update(limited_builtins)
    allowed.update(utility_builtins)
    for name in ("min", "max", "sum", "any", "all", "enumerate", "reversed", "sorted", "dict", "list", "map",
                 "filter"):
        allowed[name] = __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    return allowed


_BUILTINS = _builtins()
_GUARDS = {
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": lambda op, x, y: _INPLACE[op](x, y),
}
_INPLACE = {
    "+=": lambda x, y: x + y, "-=": lambda x, y: x - y, "*=": lambda x, y: x * y,
    "/=": lambda x, y: x / y, "//=": lambda x, y: x // y, "%=": lambda x, y: x % y,
}


@lru_cache(maxsize=4096)
def compile_expression(source: str):
    result = compile_restricted_eval(source.strip(), filename="<expression>")
    if result.errors:
        raise ScriptCompileError("; ".join(result.errors))
    return result.code


@lru_cache(maxsize=2048)
def compile_script(source: str):
    result = compile_restricted_exec(source, filename="<script>")
    if result.errors:
        raise ScriptCompileError("; ".join(result.errors))
    return result.code


class RestrictedEnvironment(TaskDataEnvironment):
    """Task data plus registered functions, evaluated under RestrictedPython."""

    def _globals(self, external_context: dict | None) -> dict[str, Any]:
        my_globals = copy.copy(self.globals)
        my_globals.update(_GUARDS)
        my_globals["__builtins__"] = _BUILTINS
        my_globals.update(external_context or {})
        return my_globals

    def evaluate(self, expression, context, external_context=None):
        my_globals = self._globals(external_context)
        my_globals.update(context)
        return eval(compile_expression(expression), my_globals)

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code = compile_script(script)
        context.update(self._globals(external_context))
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
            for name in _GUARDS:
                context.pop(name, None)
        return True

    def _remove_globals_and_functions_from_context(self, context, external_context=None):
        # Keep only plain data: datetime values are data, modules and functions are not.
        for key in list(context):
            value = context[key]
            if key == "__builtins__" or key in self.globals or (external_context and key in external_context) or callable(value) and not isinstance(value, (_dt.date, _dt.datetime, _dt.timedelta)):
                context.pop(key)


class ClockScriptEngine(PythonScriptEngine):
    """Spiff's script engine with the engine clock attached and restricted compilation."""

    def __init__(self, clock: Clock, functions: dict[str, Callable[..., Any]] | None = None) -> None:
        self.clock = clock
        env_globals = {"now": clock.now}
        env_globals.update(functions or {})
        super().__init__(environment=RestrictedEnvironment(env_globals))

    def validate(self, expression):
        compile_expression(expression)
