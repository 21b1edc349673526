"""Statutory clocks of a case: the rules table from bpmn/deadlines.yaml and the due dates it yields.

Counting follows SPEC.md: the day of the starting event is not counted, a clock ends at
23:59:59 Asia/Shanghai on its last day, and working days come from `WorkingCalendar`."""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from workflows.rules.calendar import CalendarWarning, WorkingCalendar
from workflows.rules.timezone import TIMEZONE_NAME

CALENDAR_DAYS = "calendar_days"


WORKING_DAYS = "working_days"


UNITS = (CALENDAR_DAYS, WORKING_DAYS)


# The default of config.yaml's deadlines.due_soon_days: a deadline this close is shown yellow and reminded.
DUE_SOON_DAYS = 3


EVENTS = (
    "received",
    "accepted",
    "reply_sent",
    "reply_received",
    "review_requested",
    "review_opinion",
    "rereview_requested",
    "extension_approved",
    "supervision_ordered",
)


DEFAULT_TIMEZONE = TIMEZONE_NAME


EXTENSION_KEY = "extension"


_END_OF_DAY = time(23, 59, 59)


_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


_TOP_LEVEL_FIELDS = ("timezone", "clocks")


_REQUIRED_FIELDS = (
    "key",
    "length",
    "unit",
    "starts_at",
    "remind_before",
    "label_zh",
    "label_en",
    "source",
)


# Omitted means true: calendar-day periods ending on a holiday run to the next working day.
_OPTIONAL_FIELDS: dict[str, Any] = {"roll_to_working_day": True}


_ALL_FIELDS = _REQUIRED_FIELDS + tuple(_OPTIONAL_FIELDS)


class DeadlineConfigError(ValueError):
    """The deadlines table is unusable; the message names file, rule, field and what is accepted."""


class UnknownDeadlineError(KeyError):
    """A clock key that the deadlines table does not define."""

    def __init__(self, key: str, known: list[str]) -> None:
        super().__init__(key)
        self.key = key
        self.known = known

    def __str__(self) -> str:
        # KeyError would print only the repr of the key; people need the known keys too.
        return f"unknown deadline '{self.key}'; known deadlines: {', '.join(self.known)}"


@dataclass(frozen=True)
class DeadlineRule:
    """One statutory clock as configured."""

    key: str
    length: int
    unit: str
    starts_at: str
    roll_to_working_day: bool
    remind_before: int
    label_zh: str
    label_en: str
    source: str


class DeadlineRules(Mapping[str, DeadlineRule]):
    """The configured clocks by key, in file order, with the timezone they are counted in."""

    def __init__(self, rules: list[DeadlineRule], timezone: str = DEFAULT_TIMEZONE) -> None:
        self._rules = {rule.key: rule for rule in rules}
        self.timezone_name = timezone
        self.timezone = ZoneInfo(timezone)

    @classmethod
    def from_text(cls, text: str, where: str = "<deadlines>") -> DeadlineRules:
        """Parse and validate the YAML text of a deadlines table; `where` names its origin in errors."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DeadlineConfigError(f"{where}: not valid YAML: {exc}") from None
        return cls.from_data(data, where)

    @classmethod
    def from_data(cls, data: Any, where: str = "<deadlines>") -> DeadlineRules:
        """Validate an already parsed table; `where` names its origin in error messages."""
        if not isinstance(data, dict):
            raise DeadlineConfigError(
                f"{where}: expected a mapping with fields {', '.join(_TOP_LEVEL_FIELDS)}"
            )
        unknown = sorted(set(data) - set(_TOP_LEVEL_FIELDS), key=str)
        if unknown:
            raise DeadlineConfigError(
                f"{where}: unknown top-level field '{unknown[0]}'; "
                f"accepted fields: {', '.join(_TOP_LEVEL_FIELDS)}"
            )
        timezone = _parse_timezone(data.get("timezone", DEFAULT_TIMEZONE), where)
        return cls(_parse_clocks(data.get("clocks"), where), timezone)

    def __getitem__(self, key: str) -> DeadlineRule:
        try:
            return self._rules[key]
        except KeyError:
            raise UnknownDeadlineError(key, list(self._rules)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)


def _parse_timezone(value: Any, where: str) -> str:
    problem = (
        f"{where}: field 'timezone' is {value!r}; "
        "expected an IANA zone name such as 'Asia/Shanghai'"
    )
    if not isinstance(value, str) or not value:
        raise DeadlineConfigError(problem)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise DeadlineConfigError(problem) from None
    return value


def _parse_clocks(clocks: Any, where: str) -> list[DeadlineRule]:
    if not isinstance(clocks, list) or not clocks:
        raise DeadlineConfigError(
            f"{where}: field 'clocks' must be a non-empty list of clocks, "
            f"each with fields {', '.join(_ALL_FIELDS)}"
        )
    rules: list[DeadlineRule] = []
    seen: set[str] = set()
    for index, entry in enumerate(clocks):
        rule = _parse_rule(entry, index, where)
        if rule.key in seen:
            raise DeadlineConfigError(
                f"{where}: rule '{rule.key}', field 'key': defined twice; each key must be unique"
            )
        seen.add(rule.key)
        rules.append(rule)
    return rules


def _parse_rule(entry: Any, index: int, where: str) -> DeadlineRule:
    if not isinstance(entry, dict):
        raise DeadlineConfigError(
            f"{where}: clocks[{index}] is {entry!r}; expected a mapping with fields "
            f"{', '.join(_ALL_FIELDS)}"
        )
    key = _parse_key(entry, index, where)
    context = f"{where}: rule '{key}'"
    unknown = sorted(set(entry) - set(_ALL_FIELDS), key=str)
    if unknown:
        raise DeadlineConfigError(
            f"{context}: unknown field '{unknown[0]}'; accepted fields: {', '.join(_ALL_FIELDS)}"
        )
    for field in _REQUIRED_FIELDS:
        if field not in entry:
            raise DeadlineConfigError(
                f"{context}, field '{field}': missing; expected {_EXPECTED[field]}"
            )
    values = {**_OPTIONAL_FIELDS, **entry}
    for field, check in _CHECKS.items():
        if not check(values[field]):
            raise DeadlineConfigError(
                f"{context}, field '{field}': {values[field]!r} is not accepted; "
                f"expected {_EXPECTED[field]}"
            )
    return DeadlineRule(**values)


def _parse_key(entry: dict[str, Any], index: int, where: str) -> str:
    key = entry.get("key")
    if key is None:
        raise DeadlineConfigError(
            f"{where}: clocks[{index}], field 'key': missing; expected {_EXPECTED['key']}"
        )
    if not (isinstance(key, str) and _KEY_PATTERN.match(key)):
        raise DeadlineConfigError(
            f"{where}: clocks[{index}], field 'key': {key!r} is not accepted; "
            f"expected {_EXPECTED['key']}"
        )
    return key


def _is_int(value: Any) -> bool:
    # bool is an int subclass; `length: true` is a typo, not a length of one.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


_CHECKS = {
    "length": lambda v: _is_int(v) and v > 0,
    "unit": lambda v: v in UNITS,
    "starts_at": lambda v: v in EVENTS,
    "roll_to_working_day": lambda v: isinstance(v, bool),
    "remind_before": lambda v: _is_int(v) and v >= 0,
    "label_zh": _is_text,
    "label_en": _is_text,
    "source": _is_text,
}


_EXPECTED = {
    "key": "a snake_case name such as 'acceptance'",
    "length": "a positive whole number",
    "unit": f"one of {', '.join(UNITS)}",
    "starts_at": f"one of {', '.join(EVENTS)}",
    "roll_to_working_day": "true or false",
    "remind_before": "a whole number of zero or more, in the rule's unit",
    "label_zh": "a non-empty text",
    "label_en": "a non-empty text",
    "source": "a non-empty text (the legal citation)",
}


class DeadlineCalculator:
    """Computes due times, reminder times and calendar warnings of the configured clocks."""

    def __init__(self, rules: DeadlineRules, calendar: WorkingCalendar) -> None:
        self.rules = rules
        self.calendar = calendar

    def last_day(self, key: str, start: datetime) -> date:
        """The last day of clock `key` started at `start`, after rolling to a working day."""
        rule = self.rules[key]
        return self._last_day(rule, self.local_time(start).date(), rule.length)

    def due(self, key: str, start: datetime) -> datetime:
        """The moment clock `key` started at `start` runs out: 23:59:59 local on its last day."""
        return self._end_of(self.last_day(key, start))

    def reminder(self, key: str, start: datetime) -> datetime:
        """Midnight local `remind_before` units before the last day, but never before `start`."""
        rule = self.rules[key]
        local_start = self.local_time(start)
        last = self._last_day(rule, local_start.date(), rule.length)
        if rule.unit == WORKING_DAYS:
            day = self.calendar.add_working_days(last, -rule.remind_before)
        else:
            day = last - timedelta(days=rule.remind_before)
        return max(datetime.combine(day, time.min, tzinfo=self.rules.timezone), local_start)

    def reminder_before(self, key: str, due: datetime) -> datetime:
        """Midnight local rule `key`'s `remind_before` units before the last day of a deadline `due` computed elsewhere."""
        rule = self.rules[key]
        last = self.local_time(due).date()
        if rule.unit == WORKING_DAYS:
            day = self.calendar.add_working_days(last, -rule.remind_before)
        else:
            day = last - timedelta(days=rule.remind_before)
        return datetime.combine(day, time.min, tzinfo=self.rules.timezone)

    def warnings(self, key: str, start: datetime) -> list[CalendarWarning]:
        """Calendar warnings for the years this clock had to look up."""
        rule = self.rules[key]
        start_day = self.local_time(start).date()
        return self.calendar.warnings_for(self._years_consulted(rule, start_day, rule.length))

    def statutory_end(self, key: str, start: datetime) -> date:
        """The last day of clock `key` started at `start` as the statute counts it, before rolling to a working day."""
        rule = self.rules[key]
        return self._unrolled_last_day(rule, self.local_time(start).date(), rule.length)

    def extension_due(self, current_due: datetime, days: int) -> datetime:
        """The deadline after extending `current_due` by `days`, within the rule's maximum.

        Kept for process versions deployed before `extension_from_end`: it runs on from the deadline as
        rolled over holidays, which lengthens an extension by the holidays the original period ended on."""
        rule = self._extension_rule(days)
        # The extension runs on from the current deadline, whose day is already used up.
        start_day = self.local_time(current_due).date()
        return self._end_of(self._last_day(rule, start_day, days))

    def extension_from_end(self, statutory_end: date, days: int) -> datetime:
        """The deadline after extending a period whose statutory last day is `statutory_end` by `days`.

        An extension lengthens the period itself (延长办理期限), so it runs on from the period's last day as the
        statute counts it, not from the day a holiday had pushed that deadline to; the new last day rolls over
        non-working days once, by the extension rule's `roll_to_working_day`."""
        rule = self._extension_rule(days)
        return self._end_of(self._last_day(rule, statutory_end, days))

    def _extension_rule(self, days: int) -> DeadlineRule:
        rule = self.rules[EXTENSION_KEY]
        if not _is_int(days) or not 0 < days <= rule.length:
            raise ValueError(
                f"extension of {days!r} {rule.unit} refused: the '{EXTENSION_KEY}' rule allows "
                f"from 1 to {rule.length} {rule.unit}"
            )
        return rule

    def local_time(self, moment: datetime) -> datetime:
        """`moment` in the rules' timezone; naive datetimes are refused."""
        if not isinstance(moment, datetime):
            raise TypeError(f"expected a datetime, got {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"naive datetime {moment.isoformat()} refused: give a timezone-aware datetime "
                f"(e.g. with tzinfo=ZoneInfo('{self.rules.timezone_name}'))"
            )
        return moment.astimezone(self.rules.timezone)

    def _end_of(self, day: date) -> datetime:
        return datetime.combine(day, _END_OF_DAY, tzinfo=self.rules.timezone)

    def _unrolled_last_day(self, rule: DeadlineRule, start_day: date, length: int) -> date:
        if rule.unit == WORKING_DAYS:
            return self.calendar.add_working_days(start_day, length)
        return start_day + timedelta(days=length)

    def _last_day(self, rule: DeadlineRule, start_day: date, length: int) -> date:
        last = self._unrolled_last_day(rule, start_day, length)
        if rule.roll_to_working_day:
            return self.calendar.next_working_day(last)
        return last

    def _years_consulted(self, rule: DeadlineRule, start_day: date, length: int) -> range:
        last = self._last_day(rule, start_day, length)
        if rule.unit == WORKING_DAYS:
            return range(start_day.year, last.year + 1)
        if rule.roll_to_working_day:
            return range(self._unrolled_last_day(rule, start_day, length).year, last.year + 1)
        return range(0)
