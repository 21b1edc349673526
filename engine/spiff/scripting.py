"""The script environment for BPMN scripts and expressions.

Designer-authored code is compiled with RestrictedPython (engine/spiff/policy.py) and sees only task data,
safe builtins and the functions registered by the domain layer; it cannot reach the server's internals.
Each evaluation runs under the time and memory limits of the script engine (engine/spiff/limits.py). The
script engine also carries the clock, which timers and registered functions read.
"""
from __future__ import annotations

import copy
import datetime as _dt
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from RestrictedPython import (
    compile_restricted_eval,
    compile_restricted_exec,
    limited_builtins,
    safe_builtins,
    utility_builtins,
)
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine.clock import Clock
from engine.spiff import limits
from engine.spiff.recorded import CallRecord, is_recorded
from engine.spiff.guards import (
    SAFE_MATH,
    guard_attribute,
    guarded_binop,
    guarded_divmod,
    guarded_format,
    guarded_inplace,
    guarded_iter,
    guarded_pow,
    guarded_range,
)
from engine.spiff.limits import LimitSignal, ScriptLimits
from engine.spiff.policy import Finding, LimitingTransformer, read_script


class ScriptCompileError(ValueError):
    """A script or expression that RestrictedPython refuses; the message carries its reasons."""


def _builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    allowed.update(limited_builtins)
    allowed.update(utility_builtins)
    for name in ("min", "max", "sum", "any", "all", "enumerate", "reversed", "sorted", "dict", "list", "map",
                 "filter"):
        allowed[name] = __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    # Random numbers would make replay differ from the live step; the C-level producers come guarded.
    for name in ("random", "whrandom"):
        allowed.pop(name, None)
    allowed.update(range=guarded_range, pow=guarded_pow, divmod=guarded_divmod, math=SAFE_MATH)
    return allowed


_BUILTINS = _builtins()
_GUARDS = {
    "_getattr_": lambda obj, name, default=None: guard_attribute(obj, name, safer_getattr(obj, name, default)),
    "_getitem_": default_guarded_getitem,
    "_getiter_": guarded_iter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": guarded_inplace,
    "_binop_": guarded_binop,
    "_format_": guarded_format,
    "_tick_": limits.tick,
}
# Names a script finds without defining them: the engine's "now" and the safe built-ins.
ENGINE_NAMES = frozenset({"now", *_BUILTINS})


@lru_cache(maxsize=4096)
def compile_expression(source: str):
    result = compile_restricted_eval(source.strip(), filename="<expression>", policy=LimitingTransformer)
    if result.errors:
        raise ScriptCompileError("; ".join(result.errors))
    return result.code


@lru_cache(maxsize=2048)
def compile_script(source: str):
    result = compile_restricted_exec(source, filename="<script>", policy=LimitingTransformer)
    if result.errors:
        raise ScriptCompileError("; ".join(result.errors))
    return result.code


def read_expression_policy(source: str, functions: Collection[str] | None,
                           script_limits: ScriptLimits | None = None) -> list[Finding]:
    """Deploy-time findings in an expression (see engine.spiff.policy.read_script); `functions` are the
    registered function names, None when they are not known (then calls of unknown names pass); with
    `script_limits`, a constant range beyond them is refused."""
    return read_script(source, "eval", ENGINE_NAMES | set(functions or ()), functions is not None,
                       script_limits.range_items if script_limits else None)


def read_script_policy(source: str, functions: Collection[str] | None,
                       script_limits: ScriptLimits | None = None) -> list[Finding]:
    """Deploy-time findings in a script; see read_expression_policy."""
    return read_script(source, "exec", ENGINE_NAMES | set(functions or ()), functions is not None,
                       script_limits.range_items if script_limits else None)


class RestrictedEnvironment(TaskDataEnvironment):
    """Task data plus registered functions, evaluated under RestrictedPython and the script limits."""

    def __init__(self, environment_globals: dict[str, Any], script_limits: ScriptLimits) -> None:
        super().__init__(environment_globals)
        self.limits = script_limits
        # The BPMN element whose code runs now, named in a limit's signal; set by the script engine.
        self.element: str | None = None

    def _globals(self, external_context: dict | None) -> dict[str, Any]:
        my_globals = copy.copy(self.globals)
        my_globals.update(_GUARDS)
        my_globals["__builtins__"] = _BUILTINS
        my_globals.update(external_context or {})
        return my_globals

    def evaluate(self, expression, context, external_context=None):
        my_globals = self._globals(external_context)
        my_globals.update(context)
        code = compile_expression(expression)
        with limits.evaluation(self.limits, self.element):
            return eval(code, my_globals)

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        code = compile_script(script)
        context.update(self._globals(external_context))
        try:
            with limits.evaluation(self.limits, self.element):
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
    """Spiff's script engine with the engine clock attached, restricted compilation and script limits.

    `exceeded` keeps the first limit an evaluation passed during the step, so that the step fails even if
    code between the evaluation and the engine (SpiffWorkflow's) were to swallow the signal."""

    def __init__(self, clock: Clock, functions: dict[str, Callable[..., Any]] | None = None,
                 script_limits: ScriptLimits | None = None, record: CallRecord | None = None) -> None:
        self.clock = clock
        self.exceeded: LimitSignal | None = None
        # The answers of recorded functions (engine/spiff/recorded.py): given by the event on replay, kept for
        # the event otherwise.
        self.record = record or CallRecord()
        env_globals = {"now": clock.now}
        env_globals.update({name: self.record.wrap(name, function) if is_recorded(function) else function
                            for name, function in (functions or {}).items()})
        super().__init__(environment=RestrictedEnvironment(env_globals, script_limits or ScriptLimits()))

    def evaluate(self, task, expression, external_context=None):
        with self._running(task):
            return super().evaluate(task, expression, external_context)

    def execute(self, task, script, external_context=None):
        with self._running(task):
            return super().execute(task, script, external_context)

    @contextmanager
    def _running(self, task) -> Iterator[None]:
        environment = self.environment
        outer, environment.element = environment.element, getattr(task.task_spec, "bpmn_id", None)
        try:
            yield
        except LimitSignal as signal:
            self.exceeded = self.exceeded or signal
            raise
        finally:
            environment.element = outer

    def validate(self, expression):
        compile_expression(expression)
