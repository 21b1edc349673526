"""Replaying a case's events against its pinned process version: the workflow they rebuild, and the case's
state after each event (open tasks, timers, data, the path taken) for the auditor's step-by-step view."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from engine import commands
from engine.errors import EngineError, NotFound
from engine.migration import apply_recorded
from engine.models import AuditEvent, Instance
from engine.projection import (
    pending_timers,
    task_assignee,
    task_deadline,
    task_organisation,
    task_role,
)
from engine.spiff.prune import BOUNDED, is_bounded, mark_bounded, prune
from engine.spiff.recorded import EVENT_KEY as RECORDED_KEY
from engine.spiff.refs import task_refs
from engine.spiff.tasks import (
    current_data,
    element_id,
    form_name,
    is_active,
    is_completed,
    process_of,
    ready_user_tasks,
    task_title,
)


def replay_events(runtime, process_id: str, version_id: int, events: list[AuditEvent]):
    """Rebuild a workflow by applying the events at their recorded times; the workflow after the last one."""
    workflow = None
    for _, workflow in walk_events(runtime, process_id, version_id, events):
        pass
    return workflow


def walk_events(runtime, process_id: str, version_id: int, events: list[AuditEvent]):
    """Replay the events one by one, yielding (event, workflow) after each; the workflow object is reused.
    A bounded workflow (engine/spiff/prune.py) is pruned when the caller resumes after each event, exactly
    where the live step pruned it.

    The start event names the version the case started on (`version_id` is used only for an event log
    without one); a `migrate` event moves the workflow to the version it names, as the live step did."""
    workflow = None
    for event in events:
        data = json.loads(event.data)
        if event.command == "start":
            compiled = runtime.definitions.compiled(event.version_id or version_id)
            workflow = runtime.new_workflow(compiled, data.get("process_id", process_id), event.at,
                                            data.get(RECORDED_KEY))
            if data.get(BOUNDED):
                mark_bounded(workflow)
        elif workflow is None:
            raise EngineError("replay.no_start", seq=event.seq, command=event.command)
        else:
            workflow.script_engine = runtime.script_engine(event.at, data.get(RECORDED_KEY))
        if event.command == "migrate":
            apply_recorded(workflow, runtime.definitions.compiled(data["to_version"]), data)
        elif event.command in commands.WORKFLOW_COMMANDS:
            commands.apply(workflow, event.command, data)
        yield event, workflow
        # After the caller looked at the workflow as the event left it (a task that finished in this step is
        # still there), its finished history is pruned as the live step pruned it before storing.
        if is_bounded(workflow):
            prune(workflow)


# -- the state after each event, for the auditor's step-by-step view -------------------------------------

@dataclass
class ReadyTask:
    """A user task waiting for input after an event, as the queue showed it then."""

    ref: str
    process_id: str
    element_id: str
    spec_name: str
    title: str
    role: str | None
    organisation: str | None
    assignee: str | None
    due_at: datetime | None
    form: str | None


@dataclass
class WaitingTimer:
    ref: str
    process_id: str
    element_id: str
    name: str
    due_at: datetime


@dataclass
class StepState:
    """The case after one event: its open tasks and timers, its data, and the path taken so far.

    `completed`, `active` and `flows` are keyed by process id (the called processes have their own
    diagrams); `flows` lists (source element, target element) pairs of the sequence flows taken."""

    seq: int
    at: datetime
    command: str
    actor: str
    organisation: str | None
    status: str
    ready: list[ReadyTask]
    timers: list[WaitingTimer]
    data: dict
    completed: dict[str, list[str]]
    active: dict[str, list[str]]
    flows: dict[str, list[tuple[str, str]]]
    version_id: int | None = None  # the process version the case is on after the event

    def as_dict(self) -> dict:
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None
        return {
            "seq": self.seq, "at": when(self.at), "command": self.command, "actor": self.actor,
            "organisation": self.organisation, "status": self.status,
            "ready": [dict(vars(t), due_at=when(t.due_at)) for t in self.ready],
            "timers": [dict(vars(t), due_at=when(t.due_at)) for t in self.timers],
            "data": self.data, "completed": self.completed, "active": self.active,
            "flows": {p: [list(f) for f in flows] for p, flows in self.flows.items()},
            "version_id": self.version_id,
        }


def replay_states(runtime, process_id: str, version_id: int, events: list[AuditEvent]) -> Iterator[StepState]:
    """Replay a case's events and yield its state after each one, computed from the replay alone.

    Ready tasks carry the organisation, deadline and assignee the task queue had after that event (the
    same property expressions, evaluated at the event's time); claims, releases and reassignments move
    the assignee. The path taken accumulates: a task the engine later prunes stays on the path."""
    completed: dict[str, set[str]] = {}
    flows: dict[str, set[tuple[str, str]]] = {}
    assignees: dict[UUID, str | None] = {}
    # A task's ref may shift when a branch before it in the tree grows. Claims recorded before the engine
    # refreshed refs at every step carry the ref the task first had; the states name tasks by that ref.
    first_refs: dict[UUID, str] = {}
    by_first_ref: dict[str, UUID] = {}
    reached: set[UUID] = set()
    status = "running"
    for event, workflow in walk_events(runtime, process_id, version_id, events):
        data = json.loads(event.data)
        current = task_refs(workflow)
        ready = ready_user_tasks(workflow)
        timers = pending_timers(workflow, current)
        for task in [*ready, *(p.task for p in timers)]:
            if task.id not in first_refs:
                first_refs[task.id] = current[task.id]
                by_first_ref[current[task.id]] = task.id
                assignees[task.id] = task_assignee(workflow.script_engine, task)
        if event.command in ("claim", "release", "reassign"):
            assignees[_claimed(ready, current, by_first_ref, data["task_ref"])] = data.get("assignee")
        if event.command == "cancel":
            status = "cancelled"
        elif workflow.completed:
            status = "completed"
        active: dict[str, set[str]] = {}
        for task in workflow.get_tasks():
            element = element_id(task)
            if element is None:
                continue
            process = process_of(task)
            if is_completed(task):
                completed.setdefault(process, set()).add(element)
            elif is_active(task):
                active.setdefault(process, set()).add(element)
            else:
                continue
            # The flow a task was reached by is read when it is first reached: later, a bounded workflow may
            # have pruned the finished tasks above it (engine/spiff/prune.py).
            if task.id in reached:
                continue
            reached.add(task.id)
            source = _previous_element(task)
            if source is not None:
                flows.setdefault(process, set()).add((source, element))
        yield StepState(
            seq=event.seq, at=event.at, command=event.command, actor=event.actor,
            organisation=event.organisation, status=status,
            ready=sorted((_ready_task(workflow, task, first_refs[task.id], assignees[task.id]) for task in ready),
                         key=lambda t: t.ref),
            timers=[WaitingTimer(first_refs[p.task.id], process_of(p.task), element_id(p.task),
                                 task_title(p.task.task_spec), p.due_at) for p in timers],
            data=json.loads(json.dumps(current_data(workflow), default=str)),
            completed={p: sorted(ids) for p, ids in completed.items()},
            active={p: sorted(ids) for p, ids in active.items()},
            flows={p: sorted(pairs) for p, pairs in flows.items()}, version_id=event.version_id)


def instance_states(runtime, instance_id: int) -> list[StepState]:
    """The state after every event of one stored instance, by replaying its events."""
    instance, events = load_events(runtime, instance_id)
    return list(replay_states(runtime, instance.process_id, instance.version_id, events))


def load_events(runtime, instance_id: int) -> tuple[Instance, list[AuditEvent]]:
    """An instance row and its audit events in order; NotFound when there is no such instance."""
    with runtime.db.reader() as session:
        instance = session.get(Instance, instance_id)
        if instance is None:
            raise NotFound("instance.not_found", instance=instance_id)
        events = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                      .order_by(AuditEvent.seq)))
    return instance, events


def _claimed(ready, current: dict[UUID, str], by_first_ref: dict[str, UUID], ref: str) -> UUID:
    """The ready task a claim names: by its ref now, else by the ref its queue row was written with."""
    for task in ready:
        if current[task.id] == ref:
            return task.id
    if ref in by_first_ref:
        return by_first_ref[ref]
    raise EngineError("replay.claim_not_ready", task_ref=ref)


def _previous_element(task) -> str | None:
    """The flow node the task was reached from, skipping the engine's hidden tasks (boundary splits, joins)."""
    parent = task.parent
    while parent is not None and element_id(parent) is None:
        parent = parent.parent
    return element_id(parent) if parent is not None else None


def _ready_task(workflow, task, ref: str, assignee: str | None) -> ReadyTask:
    spec, engine = task.task_spec, workflow.script_engine
    return ReadyTask(
        ref=ref, process_id=process_of(task), element_id=element_id(task), spec_name=spec.name,
        title=task_title(spec), role=task_role(spec), organisation=task_organisation(engine, task),
        assignee=assignee, due_at=task_deadline(engine, task), form=form_name(spec))
