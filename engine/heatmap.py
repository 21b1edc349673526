"""How the cases of a process version went through its diagram: for each flow node, how many cases passed
it, how long they spent there (median) and how many wait there now, from replaying their audit events."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from engine.models import AuditEvent, Instance
from engine.replay import load_events, walk_events
from engine.spiff.tasks import (
    element_id,
    is_cancelled,
    is_completed,
    process_of,
    reached_tasks,
)


@dataclass
class Visit:
    """One pass of one case through a flow node: from the event that reached it to the one that left it."""

    instance_id: int
    process_id: str
    element_id: str
    entered_at: datetime
    left_at: datetime | None = None  # None while the case still waits there
    cancelled: bool = False          # left without completing (an interrupting timer, a cancelled case)

    @property
    def seconds(self) -> float | None:
        return None if self.left_at is None else (self.left_at - self.entered_at).total_seconds()


@dataclass
class ElementStats:
    process_id: str
    element_id: str
    cases: int = 0          # cases that completed the element at least once
    visits: int = 0         # completed passes, loops counted each time
    waiting: int = 0        # cases waiting there now
    median_seconds: float | None = None
    durations: list[float] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return {"process_id": self.process_id, "element_id": self.element_id, "cases": self.cases,
                "visits": self.visits, "waiting": self.waiting, "median_seconds": self.median_seconds}


def instance_visits(runtime, instance: Instance, events: list[AuditEvent]) -> list[Visit]:
    """Every pass of the instance through a flow node, timed by the events (a node run within one step
    takes no time; a user task or timer spans from the step that reached it to the one that completed it)."""
    visits: dict[object, Visit] = {}
    for event, workflow in walk_events(runtime, instance.process_id, instance.version_id, events):
        for task in reached_tasks(workflow):
            element = element_id(task)
            visit = visits.get(task.id)
            if element is None or (visit is None and is_cancelled(task)):
                continue
            if visit is None:
                visit = visits[task.id] = Visit(instance.id, process_of(task), element, event.at)
            if visit.left_at is None and (is_completed(task) or is_cancelled(task)):
                visit.left_at = event.at
                visit.cancelled = is_cancelled(task)
    return list(visits.values())


def heatmap(runtime, instance_ids: list[int]) -> list[ElementStats]:
    """The statistics of every flow node any of the instances reached, by process and element id."""
    stats: dict[tuple[str, str], ElementStats] = {}
    passed: dict[tuple[str, str], set[int]] = {}
    waiting: dict[tuple[str, str], set[int]] = {}
    for instance_id in instance_ids:
        instance, events = load_events(runtime, instance_id)
        for visit in instance_visits(runtime, instance, events):
            key = (visit.process_id, visit.element_id)
            entry = stats.setdefault(key, ElementStats(*key))
            if visit.left_at is None:
                waiting.setdefault(key, set()).add(instance_id)
            elif not visit.cancelled:
                entry.visits += 1
                entry.durations.append(visit.seconds)
                passed.setdefault(key, set()).add(instance_id)
    for key, entry in stats.items():
        entry.cases = len(passed.get(key, ()))
        entry.waiting = len(waiting.get(key, ()))
        entry.median_seconds = statistics.median(entry.durations) if entry.durations else None
    return sorted(stats.values(), key=lambda s: (s.process_id, s.element_id))
