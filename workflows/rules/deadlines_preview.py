"""Worst-case preview of every statutory clock of a case, from its receipt time alone.

Later events (acceptance, reply, review...) are assumed to happen at the last moment the
clock before them allows, so the preview shows the latest each deadline can fall. The preview is data;
webui.deadlines_table prints it in the reader's language."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.rules.calendar import CalendarWarning
from workflows.rules.deadlines import EXTENSION_KEY, DeadlineCalculator

TRACKS = ("normal", "simple")


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
        "reply_sent": "handling",
        "reply_received": "reply_receipt",
        "extension_approved": "handling",
        "supervision_ordered": "handling",
        "review_requested": "review_request",
        "review_opinion": "review_opinion",
        "rereview_requested": "rereview_request",
    },
    "simple": {
        "accepted": "simple_acceptance",
        "reply_sent": "simple_reply",
        "reply_received": "reply_receipt",
        "supervision_ordered": "simple_reply",
        "review_requested": "review_request",
        "review_opinion": "review_opinion",
        "rereview_requested": "rereview_request",
    },
}


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
    warnings: tuple[CalendarWarning, ...]

    def as_dict(self) -> dict[str, Any]:
        """The whole preview as JSON-ready data."""
        return {
            "track": self.track,
            "clocks": preview_as_dict(self.clocks),
            "warnings": [warning.as_dict() for warning in self.warnings],
        }


# An event whose producing clock a table may lack (one written before that clock existed) happens with another:
# without `reply_receipt`, the reply counts as received when it is sent.
_SAME_TIME_AS = {"reply_received": "reply_sent"}


class _EventTimes:
    """Resolves when each start event happens, assuming the worst case for later ones."""

    def __init__(self, calculator: DeadlineCalculator, received: datetime, track: str) -> None:
        self._calculator = calculator
        self._producers = _EVENT_PRODUCERS[track]
        self._track = track
        local = calculator.local_time(received)
        self._known: dict[str, tuple[datetime, bool]] = {"received": (local, False)}
        self._resolving: set[str] = set()

    def extended_clock(self) -> tuple[str, datetime] | None:
        """(key, start) of the clock an approved extension lengthens, when the track has one."""
        producer = self._producers.get("extension_approved")
        if producer is None:
            return None
        return producer, self.time_of(self._calculator.rules[producer].starts_at)[0]

    def time_of(self, event: str) -> tuple[datetime, bool]:
        """(moment, assumed) of `event`."""
        if event not in self._known:
            self._known[event] = (self._assume(event), True)
        return self._known[event]

    def _assume(self, event: str) -> datetime:
        producer = self._producers.get(event)
        if producer is not None and producer not in self._calculator.rules and event in _SAME_TIME_AS:
            return self.time_of(_SAME_TIME_AS[event])[0]
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
    warnings: list[CalendarWarning] = []
    for key, rule in calculator.rules.items():
        if key in _EXCLUDED_CLOCKS[track]:
            continue
        start, assumed = events.time_of(rule.starts_at)
        due = calculator.due(key, start)
        reminder = calculator.reminder(key, start)
        if key == EXTENSION_KEY:
            # An extension lengthens the period it extends: it runs on from that period's statutory last day.
            extended = events.extended_clock()
            if extended is not None:
                due = calculator.extension_from_end(calculator.statutory_end(*extended), rule.length)
                reminder = max(calculator.reminder_before(key, due), start)
        clocks.append(
            ClockPreview(
                key=key,
                label_zh=rule.label_zh,
                label_en=rule.label_en,
                starts_at=rule.starts_at,
                start=start,
                due=due,
                unit=rule.unit,
                length=rule.length,
                reminder=reminder,
                assumed=assumed,
            )
        )
        if key == EXTENSION_KEY:
            warnings.extend(w for w in calculator.calendar.warnings_for([due.year]) if w not in warnings)
        warnings.extend(w for w in calculator.warnings(key, start) if w not in warnings)
    return Preview(track=track, clocks=tuple(clocks),
                   warnings=tuple(sorted(warnings, key=lambda w: (w.code, w.params.get("year", 0)))))


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


def _clocks_of(items: Preview | Iterable[ClockPreview]) -> list[ClockPreview]:
    return list(items.clocks if isinstance(items, Preview) else items)
