"""The engine's own errors: each carries a stable dotted code and the parameters a message needs.

Codes and their parameters are listed in engine/ERROR_CODES.md; the web layer turns them into sentences
in the reader's language. `str()` of an error is developer text for logs and the command line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _describe(code: str, params: dict[str, Any]) -> str:
    if not params:
        return code
    return f"{code} (" + ", ".join(f"{key}={value!r}" for key, value in params.items()) + ")"


class EngineError(Exception):
    """Base of the engine's own errors: `code` names the problem, `params` fill in its message."""

    code = "engine.error"

    def __init__(self, code: str | None = None, /, **params: Any) -> None:
        self.code = code or type(self).code
        self.params = params
        super().__init__(self.code)

    def __str__(self) -> str:
        return _describe(self.code, self.params)


class NotFound(EngineError):
    """An instance, task, timer or process version that does not exist."""

    code = "engine.not_found"


class Conflict(EngineError):
    """The instance changed since the caller looked at it, or is not in a state to accept the step;
    nothing was written."""

    code = "engine.conflict"


class NotAllowed(EngineError):
    """The actor may not do this."""

    code = "engine.not_allowed"


class ScriptError(EngineError):
    """A BPMN script or expression failed while the workflow ran; the step was not stored."""

    code = "script.failed"


class ScriptLimitExceeded(ScriptError):
    """A script or expression ran past the time limit or tried to use more memory than allowed; it was
    stopped and the step was not stored. `params`: element, limit (`time` or `memory`), allowed (seconds
    or megabytes)."""

    code = "script.limit_exceeded"


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of submitted data."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return _describe(self.code, self.params)


class InvalidData(EngineError):
    """Submitted data is not acceptable; `errors` maps field paths to their FieldError."""

    code = "data.invalid"

    def __init__(self, code: str | None = None, /, errors: dict[str, FieldError] | None = None,
                 **params: Any) -> None:
        super().__init__(code, **params)
        self.errors = errors or {}

    def __str__(self) -> str:
        text = super().__str__()
        if self.errors:
            text += ": " + "; ".join(f"{path}: {error}" for path, error in self.errors.items())
        return text


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class BundleProblem:
    """One problem in a process bundle, located by file, element and line. An `error` refuses the bundle;
    a `warning` is reported and the bundle deploys."""

    file: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    element: str | None = None
    line: int | None = None
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
        if self.element:
            where += f" (element {self.element})"
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{where}: {prefix}{_describe(self.code, self.params)}"

    def as_dict(self) -> dict:
        return {"file": self.file, "element": self.element, "line": self.line, "code": self.code,
                "params": dict(self.params), "severity": self.severity}


class InvalidBundle(EngineError):
    """A process bundle that cannot be deployed; nothing was stored. `problems` lists every problem found."""

    code = "bundle.invalid"

    def __init__(self, problems: list[BundleProblem]) -> None:
        super().__init__(count=len(problems))
        self.problems = problems

    def __str__(self) -> str:
        return "invalid process bundle:\n" + "\n".join(f"  {p}" for p in self.problems)
