"""Replaying a case's events against its pinned process version, and verifying the audit chain."""
from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from engine import commands
from engine.audit import GENESIS, recompute
from engine.errors import EngineError
from engine.models import AuditEvent, Instance
from engine.spiff.refs import canonical_state, task_refs


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
            raise EngineError(f"event {event.seq} ({event.command}) comes before the start event")
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
        return (f"the case records {instance.event_count} events ending in {instance.last_hash[:12]}, "
                f"but {len(events)} are stored (events were removed)", missing)
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
