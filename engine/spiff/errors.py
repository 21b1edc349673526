"""SpiffWorkflow's exceptions, turned into the engine's own errors where a workflow runs."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.errors import ScriptError, ScriptLimitExceeded
from engine.spiff.limits import LimitSignal


@contextmanager
def process_errors(workflow=None) -> Iterator[None]:
    """Raise a ScriptError (code script.failed) for any SpiffWorkflow exception raised inside the block, and
    ScriptLimitExceeded for a script stopped at a limit: raised inside the block, or recorded by the
    `workflow`'s script engine during it (in case something between swallowed the signal)."""
    try:
        yield
    except LimitSignal as signal:
        raise _limit_error(signal) from None
    except SpiffWorkflowException as exc:
        signal = _limit_cause(exc)
        if signal is not None:
            raise _limit_error(signal) from None
        raise _script_error(exc) from exc
    exceeded = getattr(getattr(workflow, "script_engine", None), "exceeded", None)
    if exceeded is not None:
        raise _limit_error(exceeded)


def _limit_error(signal: LimitSignal) -> ScriptLimitExceeded:
    params = {"element": signal.element} if signal.element else {}
    return ScriptLimitExceeded("script.limit_exceeded", **params, limit=signal.limit, allowed=signal.allowed)


def _limit_cause(exc: BaseException) -> LimitSignal | None:
    """The limit signal behind an exception SpiffWorkflow raised, if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, LimitSignal):
            return exc
        seen.add(id(exc))
        exc = getattr(exc, "error", None) or exc.__cause__ or exc.__context__
    return None


def _script_error(exc: SpiffWorkflowException) -> ScriptError:
    """The element that failed (when Spiff knows it) and Spiff's own text of what went wrong."""
    task = getattr(exc, "task", None)
    element = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
    detail = "; ".join([str(exc), *(getattr(exc, "__notes__", None) or [])])
    params = {"element": element} if element else {}
    return ScriptError("script.failed", **params, detail=detail)
