"""The functions BPMN scripts, expressions and DMN tables may call; deterministic given their arguments and the step clock.

Replay re-runs every script at the time its event was recorded, so nothing here reads the wall clock, the
database or any other state: deadlines come from the rules table loaded at start-up, "now" from the step clock.
The functions whose answers depend on configuration (the deadlines table, the working calendar, the timezone)
are `recorded`: a step's event keeps what they answered and a replay gets those answers back, so configuring
next year's holidays later does not change the deadlines an old case was given (engine/spiff/recorded.py).
Times travel through process data as ISO 8601 strings with an offset.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from engine.clock import Clock
from engine.spiff.recorded import recorded
from workflows.rules import organisations
from workflows.rules.deadlines import WORKING_DAYS, DeadlineCalculator

ScriptFunctions = Callable[[Clock], dict[str, Callable[..., Any]]]


def parse_time(value: str | datetime) -> datetime:
    """An ISO 8601 time with offset (as process data carries times) as an aware datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"time {value!r} is not ISO 8601; write e.g. '2026-03-02T09:00:00+08:00'") from None
    else:
        raise TypeError(f"expected a time as an ISO 8601 string, got {type(value).__name__} {value!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"time {value!r} has no timezone offset; add one, e.g. '+08:00'")
    return moment


def _day(value: str) -> date:
    if not isinstance(value, str):
        raise TypeError(f"expected a day as YYYY-MM-DD text, got {type(value).__name__} {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"day {value!r} is not YYYY-MM-DD; write e.g. '2026-03-02'") from None


def sampled(key: str, rate: float) -> bool:
    """Whether `key` (a case number) falls in a sample of `rate` (0..1); the same key always gets the same answer."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    digest = hashlib.sha256(str(key).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF < rate


def script_functions(calculator: DeadlineCalculator) -> ScriptFunctions:
    """The functions the petition BPMN may call, counting deadlines with `calculator`."""

    def build(clock: Clock) -> dict[str, Callable[..., Any]]:
        @recorded
        def deadline(key: str, start: str) -> str:
            """When clock `key` started at `start` runs out (23:59:59 local on its last day)."""
            return calculator.due(key, parse_time(start)).isoformat()

        @recorded
        def reminder(key: str, start: str) -> str:
            """When the yellow reminder of clock `key` started at `start` goes out."""
            return calculator.reminder(key, parse_time(start)).isoformat()

        @recorded
        def extension_due(current_due: str, days: int) -> str:
            """The handling deadline after extending `current_due` by `days` (refused beyond the rule's maximum)."""
            return calculator.extension_due(parse_time(current_due), days).isoformat()

        @recorded
        def statutory_end(key: str, start: str) -> str:
            """The last day (YYYY-MM-DD) of clock `key` started at `start` as the statute counts it, before rolling
            over non-working days: the day an extension runs on from."""
            return calculator.statutory_end(key, parse_time(start)).isoformat()

        @recorded
        def extended_due(end_day: str, days: int) -> str:
            """The deadline of a period whose statutory last day is `end_day` after extending it by `days`
            (refused beyond the extension rule's maximum); the new last day rolls over non-working days once."""
            return calculator.extension_from_end(_day(end_day), days).isoformat()

        @recorded
        def day_start(day: str) -> str:
            """The first moment of `day` (YYYY-MM-DD) in the deadlines' timezone, as a time clocks may start at."""
            return datetime.combine(_day(day), time.min, tzinfo=calculator.rules.timezone).isoformat()

        @recorded
        def local_day(moment: str | datetime) -> str:
            """The day (YYYY-MM-DD) `moment` falls on in the deadlines' timezone, e.g. local_day(now())."""
            return calculator.local_time(parse_time(moment)).date().isoformat()

        @recorded
        def reminder_before(key: str, due: str) -> str:
            """The reminder for a deadline computed elsewhere (an extended one): rule `key`'s lead time before `due`.

            Never earlier than now, so a reminder that is already past fires at once rather than back-dated.
            """
            rule = calculator.rules[key]
            last_day = calculator.local_time(parse_time(due)).date()
            if rule.unit == WORKING_DAYS:
                day = calculator.calendar.add_working_days(last_day, -rule.remind_before)
            else:
                day = last_day - timedelta(days=rule.remind_before)
            moment = datetime.combine(day, time.min, tzinfo=calculator.rules.timezone)
            return max(moment, clock.now()).isoformat()

        return {
            "deadline": deadline,
            "reminder": reminder,
            "extension_due": extension_due,
            "statutory_end": statutory_end,
            "extended_due": extended_due,
            "day_start": day_start,
            "local_day": local_day,
            "reminder_before": reminder_before,
            "parse_time": parse_time,
            "sampled": sampled,
            "parent_org": organisations.parent_org,
            "org_above": organisations.org_above,
            "org_level": organisations.org_level,
            "division_level": organisations.division_level,
            "bureau_for": organisations.bureau_for,
        }

    return build
