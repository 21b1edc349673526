"""The functions BPMN scripts and expressions may call; deterministic given their arguments and the step clock."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from engine.clock import Clock
from workflows.deadlines import DeadlineCalculator


def parse_time(value: str) -> datetime:
    """An ISO 8601 time with offset, as BPMN data carries times."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time {value!r} has no timezone offset")
    return moment


def script_functions(calculator: DeadlineCalculator) -> Callable[[Clock], dict[str, Callable[..., Any]]]:
    def build(clock: Clock) -> dict[str, Callable[..., Any]]:
        def deadline(key: str, start: str) -> str:
            return calculator.due(key, parse_time(start)).isoformat()

        def reminder(key: str, start: str) -> str:
            return calculator.reminder(key, parse_time(start)).isoformat()

        return {"deadline": deadline, "reminder": reminder, "parse_time": parse_time}
    return build
