"""Worst-case preview of every statutory clock of a case, from its receipt time alone.

Later events (acceptance, reply, review...) are assumed to happen at the last moment the
clock before them allows, so the preview shows the latest each deadline can fall. The preview is data;
webui.deadlines_table prints it in the reader's language."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.rules.deadlines import DeadlineCalculator

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


def _clocks_of(items: Preview | Iterable[ClockPreview]) -> list[ClockPreview]:
    return list(items.clocks if isinstance(items, Preview) else items)
