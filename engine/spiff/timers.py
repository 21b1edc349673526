"""Timers on the engine's clock: the event definitions the parser builds, and what a task's timer is armed for.

SpiffWorkflow's own timers call ``datetime.now()``; ours ask the script engine's clock, so tests move
time without sleeping and a replay at an event's recorded time arms and fires the same timers.
"""
from __future__ import annotations

from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)


def _now(my_task) -> datetime:
    return my_task.workflow.top_workflow.script_engine.clock.now()


def _as_iso(value) -> str:
    """Timer expressions may return a datetime or an ISO string; store an ISO string in UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"timer expression gave a naive datetime {value.isoformat()}; give a timezone")
        return value.astimezone(UTC).isoformat()
    if not isinstance(value, str):
        raise ValueError(f"timer expression gave {type(value).__name__}; expected an ISO 8601 string or datetime")
    return TimerEventDefinition.get_datetime(value).isoformat()


class ClockTimeDateEventDefinition(TimeDateEventDefinition):
    """A timer due at a date and time computed by its expression when it is armed."""

    def has_fired(self, my_task) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = _as_iso(my_task.workflow.script_engine.evaluate(my_task, self.expression))
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDurationTimerEventDefinition(DurationTimerEventDefinition):
    """A timer due a duration (e.g. ``"P60D"``) after it is armed."""

    def has_fired(self, my_task) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            start = _now(my_task)
            event_value = (start + TimerEventDefinition.get_timedelta_from_start(parsed, start)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


_CLOCK_TIMERS = (ClockTimeDateEventDefinition, ClockDurationTimerEventDefinition)


def as_datetime(value) -> datetime | None:
    """A due time from a datetime or an ISO 8601 text (naive values are taken as UTC); None for nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return TimerEventDefinition.get_datetime(str(value))


def _waits_on_clock(definition) -> bool:
    """A timer event, or an event-based gateway (Spiff folds its branches' events into one
    MultipleEventDefinition on the gateway) with a timer among its events."""
    if isinstance(definition, MultipleEventDefinition):
        return any(isinstance(d, _CLOCK_TIMERS) for d in definition.event_definitions)
    return isinstance(definition, _CLOCK_TIMERS)


def armed_due(task) -> datetime | None:
    """When the task's timer falls due, if the task is a waiting timer (or event gateway with a timer) that
    is armed and has not fired; None otherwise."""
    if not _waits_on_clock(getattr(task.task_spec, "event_definition", None)):
        return None
    value = task._get_internal_data("event_value")
    if not value or task._get_internal_data("event_fired", False):
        return None
    return as_datetime(value)


def set_due(task, due: str) -> None:
    """Move an armed timer to a new due time (an ISO 8601 text)."""
    task._set_internal_data(event_value=due)
