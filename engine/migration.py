"""Moving running instances from one process version to another: the plan (elements matched by id, with
explicit mappings for renamed or removed ones), the check of one instance against it (each waiting task,
timer and message that has no place in the new version, with a code), the change to one workflow that the
live `migrate` step and the replay both make, and the bulk run with its dry run.

Applying a plan to one instance is one engine step (Runtime.migrate); a bulk run is a sequence of such
steps, each its own transaction, so a run that stops leaves every instance either moved or untouched, and
running it again moves the rest (moved instances are no longer on the old version)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from engine.bundles import CompiledVersion
from engine.errors import Conflict, EngineError, FieldError, InvalidData
from engine.models import Instance, QueueTask, Timer
from engine.spiff.errors import process_errors
from engine.spiff.migration import (
    Misfit,
    misfits,
    move_to,
    recompute_due,
    renamed,
    timer_signature,
)
from engine.spiff.refs import find_task, task_refs
from engine.spiff.tasks import flow_node_specs, task_title
from engine.spiff.timers import armed_due, as_datetime, set_due


@dataclass(frozen=True)
class MigrationPlan:
    """Move instances of `process_id` from version `from_version` to `to_version`. Elements keep their id
    unless `mappings` (old id -> new id) says otherwise. A timer whose expression changed gets the due time
    the new expression gives, unless `keep_due`."""

    from_version: int
    to_version: int
    process_id: str
    mappings: dict[str, str] = field(default_factory=dict)
    keep_due: bool = False
    # What the plan does to the diagram, for people: elements of the old version with no place in the new
    # one (and not mapped), and elements only the new one has.
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()

    def as_event(self) -> dict:
        return {"from_version": self.from_version, "to_version": self.to_version, "process_id": self.process_id,
                "mappings": dict(sorted(self.mappings.items())), "keep_due": self.keep_due}


@dataclass(frozen=True)
class Refusal:
    """Why one instance cannot move: a code and its parameters (see engine/ERROR_CODES.md)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.code + " (" + ", ".join(f"{k}={v!r}" for k, v in self.params.items()) + ")"


class MigrationRefused(Conflict):
    """The instance has waiting tasks, timers or messages with no place in the new version; `refusals`
    names each. Nothing was written."""

    code = "migration.refused"

    def __init__(self, instance: int, refusals: list[Refusal]) -> None:
        super().__init__(instance=instance, count=len(refusals))
        self.refusals = refusals

    def __str__(self) -> str:
        return super().__str__() + ": " + "; ".join(str(r) for r in self.refusals)


def _elements(compiled: CompiledVersion) -> dict[str, set[str]]:
    """Element ids per process id of a version (each process once)."""
    found: dict[str, set[str]] = {}
    for spec, subprocess_specs in compiled.specs.values():
        for each in [spec, *subprocess_specs.values()]:
            found.setdefault(each.name, {s.bpmn_id for s in flow_node_specs(each)})
    return found


def make_plan(definitions, from_version: int, to_version: int, process_id: str,
              mappings: dict[str, str] | None = None, keep_due: bool = False) -> MigrationPlan:
    """A checked plan: both versions hold the process, each mapping names an element of the old version and
    one of the new. Raises InvalidData (`migration.invalid_plan`) naming each bad mapping in `errors`."""
    if from_version == to_version:
        raise InvalidData("migration.same_version", version=from_version)
    old, new = definitions.compiled(from_version), definitions.compiled(to_version)
    old.spec(process_id)
    new.spec(process_id)
    mappings = dict(mappings or {})
    old_ids = set().union(*_elements(old).values())
    new_ids = set().union(*_elements(new).values())
    errors = {}
    for source, target in mappings.items():
        if source not in old_ids:
            errors[source] = _field("migration.unknown_source", element=source, version=from_version)
        elif target not in new_ids:
            errors[source] = _field("migration.unknown_target", element=target, version=to_version)
    if errors:
        raise InvalidData("migration.invalid_plan", errors=errors)
    kept = {renamed(e, mappings) for e in old_ids}
    return MigrationPlan(from_version, to_version, process_id, mappings, keep_due,
                         removed=tuple(sorted(e for e in old_ids if renamed(e, mappings) not in new_ids)),
                         added=tuple(sorted(new_ids - kept)))


def _field(code: str, **params: Any) -> FieldError:
    return FieldError(code, params)


def plan_from_event(data: dict) -> MigrationPlan:
    return MigrationPlan(data["from_version"], data["to_version"], data["process_id"], dict(data["mappings"]),
                         bool(data["keep_due"]))


# -- one workflow ----------------------------------------------------------------------------------------------

def refusals(workflow, compiled: CompiledVersion, plan: MigrationPlan) -> list[Refusal]:
    """Why the workflow cannot move onto the plan's new version (empty when it can)."""
    spec, subprocess_specs = compiled.spec(plan.process_id)
    return [_refusal(m, plan) for m in misfits(workflow, spec, subprocess_specs, plan.mappings)]


def _refusal(misfit: Misfit, plan: MigrationPlan) -> Refusal:
    return Refusal(misfit.code, dict(misfit.params, version=plan.to_version))


def migrate_workflow(workflow, compiled: CompiledVersion, plan: MigrationPlan, armed_at: dict[str, datetime],
                     instance_id: int | None = None) -> dict:
    """The live step's change: move the workflow onto the new version and recompute the due times of timers
    whose expression changed (unless the plan keeps them). Returns the audit event's data, which
    `apply_recorded` replays. `armed_at` maps a waiting timer's task id to when it was armed (durations
    count from then)."""
    found = refusals(workflow, compiled, plan)
    if found:
        raise MigrationRefused(instance_id, found)
    before = {str(task.id): timer_signature(task.task_spec) for task in _waiting_timers(workflow)}
    spec, subprocess_specs = compiled.spec(plan.process_id)
    with process_errors(workflow):
        move_to(workflow, spec, subprocess_specs, plan.mappings)
        moved = []
        refs = task_refs(workflow)
        for task in _waiting_timers(workflow):
            old_due = armed_due(task)
            if plan.keep_due or before.get(str(task.id)) == timer_signature(task.task_spec):
                continue
            new_due = as_datetime(recompute_due(task, armed_at.get(str(task.id)) or old_due))
            if new_due != old_due:
                set_due(task, new_due.isoformat())
                moved.append({"task_ref": refs[task.id], "name": task_title(task.task_spec),
                              "old_due": old_due.isoformat(), "new_due": new_due.isoformat()})
    return dict(plan.as_event(), timers=moved)


def apply_recorded(workflow, compiled: CompiledVersion, data: dict) -> None:
    """Replay a recorded `migrate` event: the same move, and the due times the live step set."""
    plan = plan_from_event(data)
    spec, subprocess_specs = compiled.spec(plan.process_id)
    with process_errors(workflow):
        move_to(workflow, spec, subprocess_specs, plan.mappings)
        for moved in data.get("timers", []):
            task = find_task(workflow, moved["task_ref"])
            if task is None:
                raise EngineError("replay.timer_not_waiting", task_ref=moved["task_ref"])
            set_due(task, moved["new_due"])


def _waiting_timers(workflow) -> list:
    return [t for t in workflow.get_tasks() if armed_due(t) is not None]


# -- checking and moving many ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InstanceFilter:
    """Which instances of the plan's old version a bulk run takes: case numbers matching a pattern (`*` and
    `?`), instance ids, or those waiting at an element (a user task or a timer)."""

    business_key: str | None = None
    instance_ids: tuple[int, ...] = ()
    waiting_at: str | None = None


def parse_where(clauses: Iterable[str]) -> InstanceFilter:
    """`business_key=XH-*`, `instance=12,13`, `waiting=decide_acceptance` (each at most once)."""
    found: dict[str, Any] = {}
    for clause in clauses:
        key, sep, value = clause.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value or key not in ("business_key", "instance", "waiting"):
            raise InvalidData("migration.bad_filter", clause=clause,
                              expected=["business_key=PATTERN", "instance=ID,ID", "waiting=ELEMENT"])
        if key == "instance":
            try:
                found["instance_ids"] = tuple(int(v) for v in value.split(","))
            except ValueError:
                raise InvalidData("migration.bad_filter", clause=clause,
                                  expected=["instance=ID,ID"]) from None
        else:
            found["business_key" if key == "business_key" else "waiting_at"] = value
    return InstanceFilter(**found)


def candidates(db, plan: MigrationPlan, where: InstanceFilter | None = None) -> list[int]:
    """Ids of the running instances of the plan's process on its old version that the filter takes."""
    where = where or InstanceFilter()
    stmt = (sa.select(Instance.id).where(Instance.version_id == plan.from_version,
                                         Instance.process_id == plan.process_id, Instance.status == "running")
            .order_by(Instance.id))
    if where.business_key:
        like = where.business_key.replace("%", r"\%").replace("_", r"\_").replace("*", "%").replace("?", "_")
        stmt = stmt.where(Instance.business_key.like(like, escape="\\"))
    if where.instance_ids:
        stmt = stmt.where(Instance.id.in_(where.instance_ids))
    if where.waiting_at:
        at = where.waiting_at
        stmt = stmt.where(sa.or_(
            Instance.id.in_(sa.select(QueueTask.instance_id).where(QueueTask.spec_name == at)),
            Instance.id.in_(sa.select(Timer.instance_id).where(Timer.spec_name == at, Timer.status == "pending"))))
    with db.reader() as session:
        return list(session.scalars(stmt))


@dataclass(frozen=True)
class Outcome:
    """One instance in a bulk run: moved (or, in a dry run, would move), or refused with the reasons."""

    instance_id: int
    business_key: str | None
    ok: bool
    refusals: tuple[Refusal, ...] = ()
    event_seq: int | None = None


@dataclass
class MigrationReport:
    plan: MigrationPlan
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def moved(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def refused(self) -> int:
        return sum(1 for o in self.outcomes if not o.ok)


def check_instance(runtime, plan: MigrationPlan, instance_id: int) -> Outcome:
    """The dry run for one instance: would the plan move it, and if not, why (nothing is written)."""
    with runtime.db.reader() as session:
        row = session.get(Instance, instance_id)
    if row is None:
        return Outcome(instance_id, None, False, (Refusal("instance.not_found", {"instance": instance_id}),))
    problem = _row_refusal(row, plan)
    if problem is not None:
        return Outcome(row.id, row.business_key, False, (problem,))
    workflow = runtime.load_workflow(row)
    found = refusals(workflow, runtime.definitions.compiled(plan.to_version), plan)
    return Outcome(row.id, row.business_key, not found, tuple(found))


def _row_refusal(row: Instance, plan: MigrationPlan) -> Refusal | None:
    if row.status != "running":
        return Refusal("instance.closed", {"status": row.status})
    if row.version_id != plan.from_version or row.process_id != plan.process_id:
        return Refusal("migration.not_on_version", {"instance": row.id, "version": plan.from_version,
                                                    "current": row.version_id})
    return None


def row_conflict(row: Instance, plan: MigrationPlan) -> None:
    """Raise the step's Conflict when the locked instance is not one the plan moves."""
    problem = _row_refusal(row, plan)
    if problem is not None:
        raise Conflict(problem.code, **problem.params)


def run_migration(runtime, plan: MigrationPlan, instance_ids: list[int], actor: str, dry_run: bool = True,
                  organisation: str | None = None,
                  progress: Callable[[Outcome], None] | None = None) -> MigrationReport:
    """Check (dry run) or move each instance in turn, each move its own engine step and transaction. An
    instance the plan cannot move, or whose step fails, is reported with the reasons and left as it was."""
    report = MigrationReport(plan, dry_run)
    for instance_id in instance_ids:
        if dry_run:
            outcome = check_instance(runtime, plan, instance_id)
        else:
            outcome = _move_one(runtime, plan, instance_id, actor, organisation)
        report.outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return report


def _move_one(runtime, plan: MigrationPlan, instance_id: int, actor: str, organisation: str | None) -> Outcome:
    try:
        result = runtime.migrate(instance_id, plan, actor, organisation)
    except MigrationRefused as exc:
        return Outcome(instance_id, _business_key(runtime, instance_id), False, tuple(exc.refusals))
    except EngineError as exc:
        return Outcome(instance_id, _business_key(runtime, instance_id), False,
                       (Refusal(exc.code, dict(exc.params)),))
    return Outcome(instance_id, _business_key(runtime, instance_id), True, event_seq=result.event_seq)


def _business_key(runtime, instance_id: int) -> str | None:
    with runtime.db.reader() as session:
        return session.scalar(sa.select(Instance.business_key).where(Instance.id == instance_id))
