"""SpiffWorkflow's exceptions, turned into the engine's own errors where a workflow runs."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.errors import ScriptError


@contextmanager
def process_errors() -> Iterator[None]:
    """Raise a ScriptError (code script.failed) for any SpiffWorkflow exception raised inside the block."""
    try:
        yield
    except SpiffWorkflowException as exc:
        raise _script_error(exc) from exc


def _script_error(exc: SpiffWorkflowException) -> ScriptError:
    """The element that failed (when Spiff knows it) and Spiff's own text of what went wrong."""
    task = getattr(exc, "task", None)
    element = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
    detail = "; ".join([str(exc), *(getattr(exc, "__notes__", None) or [])])
    params = {"element": element} if element else {}
    return ScriptError("script.failed", **params, detail=detail)
