"""Verifying a case: its audit events form an unbroken hash chain, and replaying them rebuilds exactly the
state stored for it. A Verdict reports the first problem found with a code and parameters."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine.audit import GENESIS, recompute
from engine.errors import NotFound
from engine.models import AuditEvent, Instance
from engine.replay import load_events, replay_events
from engine.spiff.refs import canonical_state, task_refs


@dataclass
class Verdict:
    """The outcome of verifying one case; when not `ok`, `code` and `params` say what is wrong and
    `bad_seq` names the first event at fault, if one is."""

    instance_id: int
    business_key: str | None
    events: int
    ok: bool = True
    code: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    bad_seq: int | None = None

    def fail(self, code: str, bad_seq: int | None = None, **params: Any) -> Verdict:
        self.ok, self.code, self.params, self.bad_seq = False, code, params, bad_seq
        return self

    @property
    def problem(self) -> str:
        """Developer text of the problem (code and parameters); empty when the case verified."""
        if self.ok:
            return ""
        return self.code + (" (" + ", ".join(f"{k}={v!r}" for k, v in self.params.items()) + ")"
                            if self.params else "")

    def __str__(self) -> str:
        name = self.business_key or f"instance {self.instance_id}"
        if self.ok:
            return f"{name}: ok ({self.events} events)"
        where = f" at event {self.bad_seq}" if self.bad_seq else ""
        return f"{name}: FAILED{where}: {self.problem}"


def check_chain(instance: Instance, events: list[AuditEvent], verdict: Verdict) -> bool:
    """Fail the verdict at the first break in the hash chain; True when the chain is intact."""
    prev = GENESIS
    for index, event in enumerate(events, start=1):
        if event.seq != index:
            verdict.fail("verify.event_missing", index, next_seq=event.seq)
            return False
        if event.prev_hash != prev:
            verdict.fail("verify.chain_broken", event.seq)
            return False
        if recompute(event) != event.hash:
            verdict.fail("verify.event_altered", event.seq)
            return False
        prev = event.hash
    if instance.event_count != len(events) or (instance.last_hash or GENESIS) != prev:
        verdict.fail("verify.events_removed", instance.event_count, recorded=instance.event_count,
                     stored=len(events), last_hash=(instance.last_hash or "")[:12])
        return False
    return True


def check_replay(runtime, instance: Instance, events: list[AuditEvent], verdict: Verdict) -> Verdict:
    """Fail the verdict unless replaying the events rebuilds the instance's state row."""
    try:
        replayed = replay_events(runtime, instance.process_id, instance.version_id, events)
    except Exception as exc:  # noqa: BLE001 - any failure of the replay is the finding we report
        return verdict.fail("verify.replay_failed", detail=str(exc))
    try:
        stored = runtime.load_workflow(instance)
    except Exception as exc:  # noqa: BLE001 - an unreadable state row is itself the finding
        return verdict.fail("verify.state_unreadable", detail=str(exc))
    if canonical(runtime, replayed) != canonical(runtime, stored):
        return verdict.fail("verify.state_altered", len(events))
    return verdict


def canonical(runtime, workflow) -> str:
    """The workflow's saved state in a form equal for equal workflows (task ids and wall times left out)."""
    return canonical_state(runtime.serializer.to_dict(workflow), task_refs(workflow))


def verify_instance(runtime, instance_id: int) -> Verdict:
    try:
        instance, events = load_events(runtime, instance_id)
    except NotFound:
        return Verdict(instance_id, None, 0).fail("verify.no_instance", instance=instance_id)
    verdict = Verdict(instance.id, instance.business_key, len(events))
    if check_chain(instance, events, verdict):
        check_replay(runtime, instance, events, verdict)
    return verdict


def verify_all(runtime, instance_ids: list[int] | None = None) -> list[Verdict]:
    if instance_ids is None:
        with runtime.db.reader() as session:
            instance_ids = list(session.scalars(sa.select(Instance.id).order_by(Instance.id)))
    return [verify_instance(runtime, i) for i in instance_ids]
