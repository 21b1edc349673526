"""Recorded functions: what a step's scripts got from functions whose answers depend on configuration (a
deadline counted with the working calendar and the deadlines table) is written into the step's audit event,
and a replay of that event gets the same answers back instead of computing them again.

Without this, configuring next year's holidays (or changing the deadlines table) would change what replaying
an old case computes, and `verify` would report a case nobody altered. With it, the event carries the
deadlines the case was actually given, under the hash chain. Events recorded before this existed carry no
answers; their replay computes as it always did.

The domain marks such functions with `recorded`; the script engine wraps them with the step's `CallRecord`.
An answer is looked up by the function's name and arguments, so the order in which a replay (or the
auditor's view of it) evaluates expressions does not matter.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.audit import canonical_json
from engine.errors import InvalidData

ATTRIBUTE = "__ecopetition_recorded__"
# The key of the answers in an event's data.
EVENT_KEY = "recorded"


def recorded(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a script function whose answers the step's event keeps (they depend on configuration)."""
    setattr(function, ATTRIBUTE, True)
    return function


def is_recorded(function: Any) -> bool:
    return bool(getattr(function, ATTRIBUTE, False))


class CallRecord:
    """The answers of the recorded functions during one step: those given by its event when replaying, and
    those computed (for the event to keep) otherwise."""

    def __init__(self, given: list | None = None) -> None:
        self._given: dict[str, Any] = {}
        for entry in given or ():
            name, args, answer = entry
            self._given[_key(name, args)] = answer
        self._made: dict[str, list] = {}

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            try:
                key = _key(name, list(args))
            except InvalidData:
                return function(*args)  # arguments JSON cannot carry: nothing to record or look up
            if key in self._made:
                return self._made[key][2]  # asked before in this step: the same answer
            if key in self._given:
                answer = self._given[key]
            else:
                answer = function(*args)
            if key not in self._made:
                try:
                    canonical_json(answer)
                except InvalidData:
                    return answer
                self._made[key] = [name, list(args), answer]
            return answer

        call.__name__ = getattr(function, "__name__", name)
        call.__doc__ = function.__doc__
        return call

    def entries(self) -> list[list]:
        """[name, arguments, answer] of every distinct call made in the step, in the order first made."""
        return list(self._made.values())


def _key(name: str, args: list) -> str:
    return canonical_json([name, args])
