"""Worst-case preview of every statutory clock of a case, from its receipt time alone.

Later events (acceptance, reply, review...) are assumed to happen at the last moment the
clock before them allows, so the preview shows the latest each deadline can fall."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.rules.deadlines import WORKING_DAYS, DeadlineCalculator

TRACKS = ("normal", "simple")


LANGUAGES = ("zh", "en")


# Clocks that belong to the other track; extension is not part of the simple track, whose
# cases move to the normal procedure instead of being extended.
_EXCLUDED_CLOCKS = {
    "normal": frozenset({"simple_acceptance", "simple_reply"}),
    "simple": frozenset({"acceptance", "handling", "extension"}),
}


# Which clock's due time stands in for each later event, per track (worst case).
# Supervision is ordered when the handler runs late, i.e. at the reply deadline.
_EVENT_PRODUCERS = {
    "normal": {
        "accepted": "acceptance",
        "reply_received": "handling",
        "extension_approved": "handling",
        "supervision_ordered": "handling",
        "review_requested": "review_request",
        "review_opinion": "review_opinion",
        "rereview_requested": "rereview_request",
    },
    "simple": {
        "accepted": "simple_acceptance",
        "reply_received": "simple_reply",
        "supervision_ordered": "simple_reply",
        "review_requested": "review_request",
        "review_opinion": "review_opinion",
        "rereview_requested": "rereview_request",
    },
}


_EVENT_LABELS = {
    "zh": {
        "received": "收件",
        "accepted": "受理",
        "reply_received": "收到答复",
        "review_requested": "申请复查",
        "review_opinion": "复查意见",
        "rereview_requested": "申请复核",
        "extension_approved": "批准延期",
        "supervision_ordered": "督办",
    },
    "en": {
        "received": "received",
        "accepted": "accepted",
        "reply_received": "reply received",
        "review_requested": "review requested",
        "review_opinion": "review opinion",
        "rereview_requested": "re-review requested",
        "extension_approved": "extension approved",
        "supervision_ordered": "supervision ordered",
    },
}


_WEEKDAYS = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


_HEADERS = {
    "zh": ("时限", "规则", "起算", "截止", "提醒"),
    "en": ("Clock", "Rule", "Starts", "Due", "Reminder"),
}


_FOOTNOTES = {
    "zh": "* 假定时间：按前一时限届满时发生计算（最晚情形）",
    "en": "* assumed: taken to happen when the clock before it runs out (worst case)",
}


_WARNING_PREFIX = {"zh": "注意：", "en": "Warning: "}


_TIMEZONE_NOTE = {"zh": "时间均为 {zone} 时间", "en": "All times in {zone}"}


@dataclass(frozen=True)
class ClockPreview:
    """One clock of the preview: when it starts, when it is due, when it reminds."""

    key: str
    label_zh: str
    label_en: str
    starts_at: str
    start: datetime
    due: datetime
    unit: str
    length: int
    reminder: datetime
    assumed: bool


@dataclass(frozen=True)
class Preview:
    """All clocks of a case in table order, and the calendar warnings met while counting."""

    track: str
    clocks: tuple[ClockPreview, ...]
    warnings: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The whole preview as JSON-ready data."""
        return {
            "track": self.track,
            "clocks": preview_as_dict(self.clocks),
            "warnings": list(self.warnings),
        }


class _EventTimes:
    """Resolves when each start event happens, assuming the worst case for later ones."""

    def __init__(self, calculator: DeadlineCalculator, received: datetime, track: str) -> None:
        self._calculator = calculator
        self._producers = _EVENT_PRODUCERS[track]
        self._track = track
        local = calculator.local_time(received)
        self._known: dict[str, tuple[datetime, bool]] = {"received": (local, False)}
        self._resolving: set[str] = set()

    def time_of(self, event: str) -> tuple[datetime, bool]:
        """(moment, assumed) of `event`."""
        if event not in self._known:
            self._known[event] = (self._assume(event), True)
        return self._known[event]

    def _assume(self, event: str) -> datetime:
        producer = self._producers.get(event)
        if producer is None:
            raise ValueError(
                f"no clock of the {self._track} track tells when '{event}' happens; "
                f"previewable events: received, {', '.join(self._producers)}"
            )
        if event in self._resolving:
            raise ValueError(f"deadlines table: clock '{producer}' depends on itself via '{event}'")
        self._resolving.add(event)
        start, _ = self.time_of(self._calculator.rules[producer].starts_at)
        self._resolving.discard(event)
        return self._calculator.due(producer, start)


def preview(calculator: DeadlineCalculator, received: datetime, track: str = "normal") -> Preview:
    """Every clock of a case received at `received` on `track`, worst case."""
    if track not in TRACKS:
        raise ValueError(f"unknown track '{track}'; accepted tracks: {', '.join(TRACKS)}")
    events = _EventTimes(calculator, received, track)
    clocks: list[ClockPreview] = []
    warnings: list[str] = []
    for key, rule in calculator.rules.items():
        if key in _EXCLUDED_CLOCKS[track]:
            continue
        start, assumed = events.time_of(rule.starts_at)
        clocks.append(
            ClockPreview(
                key=key,
                label_zh=rule.label_zh,
                label_en=rule.label_en,
                starts_at=rule.starts_at,
                start=start,
                due=calculator.due(key, start),
                unit=rule.unit,
                length=rule.length,
                reminder=calculator.reminder(key, start),
                assumed=assumed,
            )
        )
        warnings.extend(w for w in calculator.warnings(key, start) if w not in warnings)
    return Preview(track=track, clocks=tuple(clocks), warnings=tuple(sorted(warnings)))


def preview_as_dict(items: Preview | Iterable[ClockPreview]) -> list[dict[str, Any]]:
    """The clocks as JSON-ready dicts, times as ISO 8601 strings with offset."""
    return [
        {
            "key": clock.key,
            "label_zh": clock.label_zh,
            "label_en": clock.label_en,
            "starts_at": clock.starts_at,
            "start": clock.start.isoformat(),
            "due": clock.due.isoformat(),
            "unit": clock.unit,
            "length": clock.length,
            "reminder": clock.reminder.isoformat(),
            "assumed": clock.assumed,
        }
        for clock in _clocks_of(items)
    ]


def format_preview_table(items: Preview | Iterable[ClockPreview], lang: str = "zh") -> str:
    """An aligned text table of the clocks, then a footnote and the calendar warnings."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}'; accepted: {', '.join(LANGUAGES)}")
    clocks = _clocks_of(items)
    rows = [_HEADERS[lang]] + [_row(clock, lang) for clock in clocks]
    widths = [max(_display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [_format_row(row, widths) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    for block in (_notes(clocks, lang), _warning_lines(items, lang)):
        if block:
            lines += ["", *block]
    return "\n".join(lines)


def _notes(clocks: list[ClockPreview], lang: str) -> list[str]:
    notes = [_TIMEZONE_NOTE[lang].format(zone=clocks[0].due.tzinfo)] if clocks else []
    if any(clock.assumed for clock in clocks):
        notes.append(_FOOTNOTES[lang])
    return notes


def _warning_lines(items: Preview | Iterable[ClockPreview], lang: str) -> list[str]:
    warnings = items.warnings if isinstance(items, Preview) else ()
    return [_WARNING_PREFIX[lang] + warning for warning in warnings]


def _clocks_of(items: Preview | Iterable[ClockPreview]) -> list[ClockPreview]:
    return list(items.clocks if isinstance(items, Preview) else items)


def _row(clock: ClockPreview, lang: str) -> tuple[str, ...]:
    label = clock.label_zh if lang == "zh" else clock.label_en
    start = _format_moment(clock.start, lang, seconds=True) + (" *" if clock.assumed else "")
    return (
        label,
        _describe_rule(clock, lang),
        start,
        _format_moment(clock.due, lang, seconds=True),
        _format_moment(clock.reminder, lang, seconds=False),
    )


def _describe_rule(clock: ClockPreview, lang: str) -> str:
    event = _EVENT_LABELS[lang][clock.starts_at]
    working = clock.unit == WORKING_DAYS
    if lang == "zh":
        return f"{event}后 {clock.length} {'个工作日' if working else '日'}"
    return f"{clock.length} {'working' if working else 'calendar'} days after {event}"


def _format_moment(moment: datetime, lang: str, seconds: bool) -> str:
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return f"{moment.strftime(pattern)} {_WEEKDAYS[lang][moment.weekday()]}"


def _display_width(text: str) -> int:
    # CJK characters take two columns in a terminal; padding by len() would misalign them.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _format_row(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = [
        cell + " " * (width - _display_width(cell))
        for cell, width in zip(cells, widths, strict=True)
    ]
    return "  ".join(padded).rstrip()
