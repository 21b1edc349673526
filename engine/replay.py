"""Replaying a case's events against its pinned process version, and verifying the audit chain."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from engine import commands
from engine.audit import GENESIS, recompute
from engine.definitions import (
    CompiledVersion,
    compile_bundle,
    content_hash,
)
from engine.errors import EngineError, NotFound
from engine.models import AuditEvent, Instance, ProcessVersion
from engine.projection import (
    pending_timers,
    task_assignee,
    task_deadline,
    task_organisation,
    task_role,
)
from engine.spiff.refs import canonical_state, task_refs
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


@dataclass
class Verdict:
    instance_id: int
    business_key: str | None
    events: int
    ok: bool
    problem: str = ""
    bad_seq: int | None = None

    def __str__(self) -> str:
        name = self.business_key or f"instance {self.instance_id}"
        if self.ok:
            return f"{name}: ok ({self.events} events)"
        where = f" at event {self.bad_seq}" if self.bad_seq else ""
        return f"{name}: FAILED{where}: {self.problem}"


def replay_events(runtime, process_id: str, version_id: int, events: list[AuditEvent], upto: int | None = None):
    """Rebuild a workflow by applying events 1..upto (all by default) at their recorded times."""
    compiled = runtime.definitions.compiled(version_id)
    workflow = None
    for event in events:
        if upto is not None and event.seq > upto:
            break
        if event.command not in commands.WORKFLOW_COMMANDS:
            continue
        data = json.loads(event.data)
        if event.command == "start":
            workflow = runtime.new_workflow(compiled, data.get("process_id", process_id), event.at)
        elif workflow is None:
            raise EngineError("replay.no_start", seq=event.seq, command=event.command)
        else:
            workflow.script_engine = runtime.script_engine(event.at)
        commands.apply(workflow, event.command, data)
    return workflow


def canonical(runtime, workflow) -> str:
    return canonical_state(runtime.serializer.to_dict(workflow), task_refs(workflow))


def check_chain(instance: Instance, events: list[AuditEvent]) -> tuple[str, int | None] | None:
    """The first break in the hash chain, as (problem, seq), or None when the chain is intact."""
    prev = GENESIS
    for index, event in enumerate(events, start=1):
        if event.seq != index:
            return f"event {index} is missing (next stored event is {event.seq})", index
        if event.prev_hash != prev:
            return "its previous-hash does not match the event before it", event.seq
        if recompute(event) != event.hash:
            return "its content does not match its hash (the event was altered)", event.seq
        prev = event.hash
    if instance.event_count != len(events) or (instance.last_hash or GENESIS) != prev:
        missing = instance.event_count
        problem = (f"the case records {instance.event_count} events ending in {instance.last_hash[:12]}, "
                   f"but {len(events)} are stored (events were removed)")
        return problem, missing
    return None


def verify_instance(runtime, instance_id: int) -> Verdict:
    with runtime.db.reader() as session:
        instance = session.get(Instance, instance_id)
        if instance is None:
            return Verdict(instance_id, None, 0, False, "no such case")
        events = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                      .order_by(AuditEvent.seq)))
    verdict = Verdict(instance.id, instance.business_key, len(events), True)
    broken = check_chain(instance, events)
    if broken:
        verdict.ok, (verdict.problem, verdict.bad_seq) = False, broken
        return verdict
    try:
        replayed = replay_events(runtime, instance.process_id, instance.version_id, events)
    except Exception as exc:  # noqa: BLE001 - any failure of the replay is the finding we report
        verdict.ok, verdict.problem = False, f"replay failed: {exc}"
        return verdict
    try:
        stored = runtime.load_workflow(instance)
    except Exception as exc:  # noqa: BLE001 - an unreadable state row is itself the finding
        verdict.ok, verdict.problem = False, f"the stored state cannot be read: {exc}"
        return verdict
    if canonical(runtime, replayed) != canonical(runtime, stored):
        verdict.ok = False
        verdict.problem = "replaying the events does not rebuild the stored state (the state row was altered)"
        verdict.bad_seq = len(events)
    return verdict


def verify_all(runtime, instance_ids: list[int] | None = None) -> list[Verdict]:
    if instance_ids is None:
        with runtime.db.reader() as session:
            instance_ids = list(session.scalars(sa.select(Instance.id).order_by(Instance.id)))
    return [verify_instance(runtime, i) for i in instance_ids]


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
        }


def walk_events(runtime, process_id: str, version_id: int, events: list[AuditEvent]):
    """Replay the events one by one, yielding (event, workflow) after each; the workflow object is reused."""
    compiled = runtime.definitions.compiled(version_id)
    workflow = None
    for event in events:
        data = json.loads(event.data)
        if event.command == "start":
            workflow = runtime.new_workflow(compiled, data.get("process_id", process_id), event.at)
        elif workflow is None:
            raise EngineError("replay.no_start", seq=event.seq, command=event.command)
        else:
            workflow.script_engine = runtime.script_engine(event.at)
        if event.command in commands.WORKFLOW_COMMANDS:
            commands.apply(workflow, event.command, data)
        yield event, workflow


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
            flows={p: sorted(pairs) for p, pairs in flows.items()})


def instance_states(runtime, instance_id: int) -> list[StepState]:
    """The state after every event of one stored instance, by replaying its events."""
    instance, events = _load(runtime, instance_id)
    return list(replay_states(runtime, instance.process_id, instance.version_id, events))


def _load(runtime, instance_id: int) -> tuple[Instance, list[AuditEvent]]:
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


# -- exporting an instance and replaying the export elsewhere -------------------------------------------
EXPORT_FORMAT = "ecopetition-instance/1"


def export_instance(runtime, instance_id: int, include_files: bool = True) -> dict:
    """Everything needed to replay an instance elsewhere: its events with their hashes, the process version
    (content hash and, by default, its files) and the stored state to compare the replay with."""
    instance, events = _load(runtime, instance_id)
    compiled = runtime.definitions.compiled(instance.version_id)
    with runtime.db.reader() as session:
        version = session.get(ProcessVersion, instance.version_id)
    exported = {
        "format": EXPORT_FORMAT,
        "instance": {"id": instance.id, "process_id": instance.process_id, "business_key": instance.business_key,
                     "status": instance.status, "event_count": instance.event_count,
                     "last_hash": instance.last_hash, "serializer_version": instance.serializer_version,
                     "state_sha256": hashlib.sha256(instance.state.encode("utf-8")).hexdigest()},
        "version": {"id": version.id, "content_hash": version.content_hash,
                    "process_ids": json.loads(version.process_ids), "deployed_at": version.deployed_at.isoformat(),
                    "deployed_by": version.deployed_by},
        "events": [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "organisation": e.organisation,
                    "command": e.command, "data": e.data, "version_id": e.version_id, "prev_hash": e.prev_hash,
                    "hash": e.hash} for e in events],
        "state": instance.state,
    }
    if include_files:
        exported["version"]["files"] = compiled.files
    return exported


class _OneVersion:
    """Definitions holding one compiled version, for replaying an export without a database."""

    def __init__(self, compiled: CompiledVersion) -> None:
        self._compiled = compiled

    def compiled(self, version_id: int) -> CompiledVersion:
        return self._compiled


def verify_export(exported: dict, functions=None, files: dict[str, str] | None = None) -> Verdict:
    """Replay an exported instance in memory and compare it with the exported state and hash chain.

    `functions` are the script functions the process calls (the deployment's, e.g. its deadline rules);
    `files` replaces the version's files when the export left them out."""
    from engine.clock import ManualClock
    from engine.runtime import Runtime

    head = exported["instance"]
    verdict = Verdict(head["id"], head.get("business_key"), len(exported["events"]), True)
    version = exported["version"]
    files = files if files is not None else version.get("files")
    if files is None or content_hash(files) != version["content_hash"]:
        verdict.ok, verdict.problem = False, (
            f"the process files do not match version {version['id']}'s content hash {version['content_hash'][:12]}")
        return verdict
    instance = Instance(id=head["id"], process_id=head["process_id"], version_id=version["id"],
                        business_key=head.get("business_key"), status=head["status"], state=exported["state"],
                        event_count=head["event_count"], last_hash=head["last_hash"])
    events = [AuditEvent(instance_id=head["id"], seq=e["seq"], at=datetime.fromisoformat(e["at"]), actor=e["actor"],
                         organisation=e["organisation"], command=e["command"], data=e["data"],
                         version_id=e["version_id"], prev_hash=e["prev_hash"], hash=e["hash"])
              for e in exported["events"]]
    broken = check_chain(instance, events)
    if broken:
        verdict.ok, (verdict.problem, verdict.bad_seq) = False, broken
        return verdict
    compiled = compile_bundle(files, version["id"])
    runtime = Runtime(None, _OneVersion(compiled), ManualClock(), functions)
    try:
        replayed = replay_events(runtime, instance.process_id, instance.version_id, events)
    except Exception as exc:  # noqa: BLE001 - any failure of the replay is the finding we report
        verdict.ok, verdict.problem = False, f"replay failed: {exc}"
        return verdict
    try:
        stored = runtime.load_workflow(instance)
    except Exception as exc:  # noqa: BLE001 - an unreadable state is itself the finding
        verdict.ok, verdict.problem = False, f"the exported state cannot be read: {exc}"
        return verdict
    if canonical(runtime, replayed) != canonical(runtime, stored):
        verdict.ok, verdict.bad_seq = False, len(events)
        verdict.problem = "replaying the events does not rebuild the exported state (the state was altered)"
    return verdict
