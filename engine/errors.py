"""Errors the engine raises for people: each names what is at fault and what would be accepted."""
from __future__ import annotations


class EngineError(Exception):
    """Base of the engine's own errors."""


class NotFound(EngineError):
    """An instance, task, timer or process version that does not exist."""


class Conflict(EngineError):
    """The instance changed since the caller looked at it; nothing was written."""


class NotAllowed(EngineError):
    """The actor may not do this."""


class InvalidData(EngineError):
    """Submitted data is not acceptable; `errors` maps field paths to messages."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class BundleProblem:
    """One problem in a process bundle, located by file, element and line."""

    def __init__(self, file: str, message: str, element: str | None = None, line: int | None = None) -> None:
        self.file = file
        self.message = message
        self.element = element
        self.line = line

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
        if self.element:
            where += f" (element {self.element})"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "element": self.element, "line": self.line, "message": self.message}


class InvalidBundle(EngineError):
    """A process bundle that cannot be deployed; nothing was stored."""

    def __init__(self, problems: list[BundleProblem]) -> None:
        self.problems = problems
        super().__init__("invalid process bundle:\n" + "\n".join(f"  {p}" for p in problems))


class ScriptError(EngineError):
    """A BPMN script or expression failed while the workflow ran; the step was not stored."""
