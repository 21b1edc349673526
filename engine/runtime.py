"""The engine's commands. Each runs in one transaction that stores the new workflow state, the queue rows
and timers that changed, and one audit event; either all of it is stored or none of it."""
from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError

from engine import commands
from engine.audit import append_event, canonical_json
from engine.bundles import CompiledVersion
from engine.clock import Clock, ManualClock
from engine.definitions import Definitions
from engine.errors import (
    Conflict,
    FieldError,
    InvalidData,
    NotAllowed,
    NotFound,
    ScriptError,
    ScriptLimitExceeded,
)
from engine.forms import check_form
from engine.incidents import (
    close_incident,
    get_incident,
    record_incident,
    resolve_open_incidents,
)
from engine.migration import MigrationPlan, migrate_workflow, row_conflict
from engine.models import Instance, QueueTask, Timer
from engine.projection import has_armed_timers, sync_queue, sync_timers
from engine.spiff.errors import process_errors
from engine.spiff.limits import ScriptLimits
from engine.spiff.prune import BOUNDED, is_bounded, mark_bounded, prune
from engine.spiff.refs import task_refs
from engine.spiff.scripting import ClockScriptEngine
from engine.spiff.serializer import SERIALIZER_VERSION, StateSerializer
from engine.spiff.tasks import current_data
from engine.spiff.recorded import EVENT_KEY as RECORDED_KEY
from engine.spiff.recorded import CallRecord
from engine.spiff.workflow import Workflow, new_workflow
from engine.store import Database, on_commit, on_rollback

log = logging.getLogger(__name__)

# The domain registers the functions BPMN scripts may call; it gets the step's clock so that a replay,
# run at the event's recorded time, computes the same values.
ScriptFunctions = Callable[[Clock], dict[str, Callable[..., Any]]]
SYSTEM = "system"


@dataclass(frozen=True)
class Step:
    """What a step listener is told: the instance row, the workflow after the step, and the event."""

    session: so.Session
    instance: Instance
    workflow: Workflow
    command: str
    event: dict
    actor: str
    organisation: str | None
    at: datetime
    # The instance's queue rows after the step (None when the caller did not give them): a listener reads
    # them here instead of querying.
    queue: list[QueueTask] | None = None

    @property
    def data(self) -> dict:
        """The process data after the step (see engine.spiff.tasks.current_data)."""
        return current_data(self.workflow)


StepListener = Callable[[Step], None]


@dataclass(frozen=True)
class StepResult:
    instance_id: int
    lock_version: int
    status: str
    event_seq: int


class Runtime:
    """Start, complete, correlate, claim, release, reassign, cancel and fire timers, durably."""

    def __init__(self, db: Database, definitions: Definitions, clock: Clock,
                 functions: ScriptFunctions | None = None, warm_cache_size: int = 256,
                 script_limits: ScriptLimits | None = None) -> None:
        self.db = db
        self.definitions = definitions
        self.clock = clock
        self.functions = functions or (lambda clock: {})
        # Every script and expression evaluation runs under these (engine/spiff/limits.py).
        self.script_limits = script_limits or ScriptLimits()
        self.serializer = StateSerializer()
        # Workflows this process stored last, keyed by instance and the lock version they were stored at.
        self.warm = WarmCache(warm_cache_size)
        # Tests use this to crash a step after the workflow moved but before commit.
        self.before_commit: Callable[[so.Session, Instance], None] | None = None
        # The domain keeps its own records (case rows) in step with the workflow: each listener runs inside
        # the step's transaction, after the engine's rows are in the session (not yet flushed: a listener's
        # query does not flush them), and a failure rolls the step back.
        self.step_listeners: list[StepListener] = []
        # Called after a commit that armed timers, with the earliest new due time (wakes the node scheduler).
        self.timers_armed_listeners: list[Callable[[datetime], None]] = []

    # -- workflow construction -------------------------------------------------------------------------
    def script_engine(self, at: datetime, recorded: list | None = None) -> ClockScriptEngine:
        """The script engine of a step at `at`; `recorded` gives the answers its event kept (a replay)."""
        # Within one step time stands still at the step's time: live and replay see the same "now".
        step_clock = ManualClock(at)
        return ClockScriptEngine(step_clock, self.functions(step_clock), self.script_limits, CallRecord(recorded))

    def new_workflow(self, compiled: CompiledVersion, process_id: str, at: datetime,
                     recorded: list | None = None) -> Workflow:
        spec, subprocess_specs = compiled.spec(process_id)
        return new_workflow(spec, subprocess_specs, self.script_engine(at, recorded))

    def load_workflow(self, row: Instance, at: datetime | None = None) -> Workflow:
        compiled = self.definitions.compiled(row.version_id)
        spec, subprocess_specs = compiled.spec(row.process_id)
        workflow = self.serializer.loads(row.state, spec, subprocess_specs)
        workflow.script_engine = self.script_engine(at or self.clock.now())
        return workflow

    def current_data(self, row: Instance) -> dict:
        """The stored instance's process data as it stands (see engine.spiff.tasks.current_data)."""
        return current_data(self.load_workflow(row))

    def _workflow_for_step(self, row: Instance, at: datetime) -> Workflow:
        """The workflow a step works on: the one this process stored at the row's current lock version if
        it is still warm (no JSON load), else the stored state. The cache entry is taken, not shared: a step
        that fails leaves nothing half-changed behind in the cache."""
        workflow = self.warm.take(row.id, row.lock_version)
        if workflow is None:
            return self.load_workflow(row, at)
        workflow.script_engine = self.script_engine(at)
        return workflow

    # -- commands --------------------------------------------------------------------------------------
    def start(self, process_id: str, data: dict, actor: str, organisation: str | None = None,
              business_key: str | None = None, version_id: int | None = None,
              session: so.Session | None = None) -> StepResult:
        """Start an instance of the newest version containing `process_id` (or of `version_id`)."""
        version_id = version_id or self.definitions.latest_for(process_id)
        compiled = self.definitions.compiled(version_id)
        at = self.clock.now()
        # The start event says the workflow's finished history is pruned after each step, so a replay prunes
        # it at the same points (engine/spiff/prune.py).
        event = _as_stored({"process_id": process_id, "data": data, "business_key": business_key,
                            BOUNDED: True})
        workflow = self.new_workflow(compiled, process_id, at)
        mark_bounded(workflow)
        with self._transaction(session) as tx:
            row = Instance(process_id=process_id, version_id=version_id, business_key=business_key,
                           status="running", state="", serializer_version=SERIALIZER_VERSION,
                           event_count=0, last_hash="", created_at=at, updated_at=at)
            tx.add(row)
            tx.flush()
            commands.apply(workflow, "start", event)
            return self._store(tx, row, workflow, at, actor, organisation, "start", event, queue=[],
                               pending_timers=[])

    def complete(self, task_id: str, data: dict, actor: str, organisation: str | None = None,
                 expected_version: int | None = None, session: so.Session | None = None) -> StepResult:
        """Complete a ready user task with form data; refuses data its form rejects, naming each field."""
        at = self.clock.now()
        with self._step("complete", session) as tx:
            queue_row, row, queue = self._lock_task(tx, task_id, expected_version)
            if queue_row.assignee and queue_row.assignee != actor:
                raise NotAllowed("task.claimed_by", task=queue_row.title, assignee=queue_row.assignee)
            compiled = self.definitions.compiled(row.version_id)
            check_form(compiled.form(queue_row.form), data, queue_row.title)
            workflow = self._workflow_for_step(row, at)
            timers = self._timer_rows(tx, row, workflow)
            ref, task = _current_ref(workflow, queue_row.task_id, queue_row.task_ref, with_task=True)
            event = _as_stored({"task_ref": ref, "task": queue_row.spec_name, "data": data})
            # The task the ref names (replay finds the same one by the ref).
            commands.apply(workflow, "complete", event, task=task)
            return self._store(tx, row, workflow, at, actor, organisation, "complete", event, queue=queue,
                               pending_timers=timers)

    def correlate(self, instance_id: int, message: str, payload: Any, actor: str,
                  organisation: str | None = None, session: so.Session | None = None) -> StepResult:
        """Deliver a message (e.g. the petitioner asks for review) to an instance waiting for it."""
        at = self.clock.now()
        event = _as_stored({"message": message, "payload": payload})
        with self._step("message", session) as tx:
            row = self._lock(tx, instance_id)
            workflow = self._workflow_for_step(row, at)
            timers = self._timer_rows(tx, row, workflow)
            commands.apply(workflow, "message", event)
            return self._store(tx, row, workflow, at, actor, organisation, "message", event, pending_timers=timers)

    def fire_timers(self, instance_id: int, session: so.Session | None = None) -> StepResult | None:
        """Fire every timer of the instance that is due by now; None if none is due any more."""
        at = self.clock.now()
        with self._step("timer", session) as tx:
            row = self._lock(tx, instance_id, require_running=False)
            pending = list(tx.scalars(sa.select(Timer).where(
                Timer.instance_id == instance_id, Timer.status == "pending").order_by(Timer.due_at, Timer.id)))
            due = [t for t in pending if t.due_at <= at]
            if not due or row.status != "running":
                return None
            event = {"timers": [{"task_ref": t.task_ref, "name": t.name, "due_at": t.due_at.isoformat()}
                                for t in due]}
            workflow = self._workflow_for_step(row, at)
            commands.apply(workflow, "timer", event)
            return self._store(tx, row, workflow, at, SYSTEM, None, "timer", event, pending_timers=pending)

    def correct_deadline(self, timer_id: int, new_due: datetime, actor: str, reason: str,
                         organisation: str | None = None) -> StepResult:
        """Move one pending timer to a new due time; the reason goes into the audit event."""
        if not reason or not reason.strip():
            raise InvalidData("timer.not_corrected", errors={"reason": FieldError("form.required")})
        if new_due.tzinfo is None:
            raise InvalidData("timer.not_corrected", errors={"due_at": FieldError("form.timezone")})
        at = self.clock.now()
        with self._step("correct_deadline") as tx:
            timer = tx.get(Timer, timer_id)
            if timer is None or timer.status != "pending":
                raise NotFound("timer.not_pending", timer=timer_id)
            row = self._lock(tx, timer.instance_id)
            workflow = self._workflow_for_step(row, at)
            timers = self._timer_rows(tx, row, workflow)
            event = {"task_ref": _current_ref(workflow, timer.task_id, timer.task_ref), "name": timer.name,
                     "old_due": timer.due_at.isoformat(), "new_due": new_due.isoformat(), "reason": reason.strip()}
            commands.apply(workflow, "correct_deadline", event)
            return self._store(tx, row, workflow, at, actor, organisation, "correct_deadline", event,
                               pending_timers=timers)

    def migrate(self, instance_id: int, plan: MigrationPlan, actor: str,
                organisation: str | None = None) -> StepResult:
        """Move a running instance to the plan's new version (engine/migration.py): its state rebuilt on the new
        specs, queue rows and timers recomputed, one `migrate` event naming both versions and the plan.
        Raises MigrationRefused naming each waiting task that has no place in the new version."""
        at = self.clock.now()
        with self._step("migrate") as tx:
            row = self._lock(tx, instance_id, require_running=False)
            row_conflict(row, plan)
            pending = list(tx.scalars(sa.select(Timer).where(
                Timer.instance_id == instance_id, Timer.status == "pending")))
            workflow = self._workflow_for_step(row, at)
            event = _as_stored(migrate_workflow(workflow, self.definitions.compiled(plan.to_version), plan,
                                                {t.task_id: t.created_at for t in pending}, instance_id))
            row.version_id = plan.to_version
            return self._store(tx, row, workflow, at, actor, organisation, "migrate", event,
                               pending_timers=pending, refresh=True)

    def cancel(self, instance_id: int, actor: str, reason: str, organisation: str | None = None) -> StepResult:
        at = self.clock.now()
        event = {"reason": reason}
        with self._step("cancel") as tx:
            row = self._lock(tx, instance_id)
            workflow = self._workflow_for_step(row, at)
            timers = self._timer_rows(tx, row, workflow)
            commands.apply(workflow, "cancel", event)
            return self._store(tx, row, workflow, at, actor, organisation, "cancel", event, status="cancelled",
                               pending_timers=timers)

    def claim(self, task_id: str, actor: str, organisation: str | None = None) -> StepResult:
        return self._assign(task_id, actor, actor, organisation, "claim")

    def release(self, task_id: str, actor: str, organisation: str | None = None) -> StepResult:
        return self._assign(task_id, None, actor, organisation, "release")

    def reassign(self, task_id: str, assignee: str, actor: str, organisation: str | None = None) -> StepResult:
        return self._assign(task_id, assignee, actor, organisation, "reassign")

    def _assign(self, task_id: str, assignee: str | None, actor: str, organisation: str | None,
                command: str) -> StepResult:
        at = self.clock.now()
        with self.db.unit_of_work() as tx:
            queue_row, row, _ = self._lock_task(tx, task_id)
            if command == "claim" and queue_row.assignee and queue_row.assignee != actor:
                raise Conflict("task.already_claimed", task=queue_row.title, assignee=queue_row.assignee)
            if command == "release" and queue_row.assignee not in (None, actor):
                raise NotAllowed("task.release_by_assignee", task=queue_row.title, assignee=queue_row.assignee)
            queue_row.assignee = assignee
            queue_row.claimed_at = at if assignee else None
            event = {"task_ref": queue_row.task_ref, "task": queue_row.spec_name, "assignee": assignee}
            row.updated_at = at
            warm = self.warm.take(row.id, row.lock_version)
            append_event(tx, row, at, actor, organisation, command, event)
            tx.flush()
            if warm is not None:  # the workflow did not change; it stays warm at the row's new version
                self._keep_warm(tx, row.id, row.lock_version, warm)
            return StepResult(row.id, row.lock_version, row.status, row.event_count)

    def retry_incident(self, incident_id: int, actor: str) -> StepResult | None:
        """Take up an open incident again. A failed timer step fires the instance's due timers now: if that
        succeeds the step resolves the incident, if it fails again the incident counts one more failure and
        the error is raised. Any other failed step was a person's action, which they take again themselves
        (its success resolves the incident); retrying it only closes the incident. Returns the step, if any."""
        incident = get_incident(self.db, incident_id)
        if incident is None or incident.status != "open":
            raise NotFound("incident.not_open", incident=incident_id)
        result = self.fire_timers(incident.instance_id) if incident.command == "timer" else None
        # The step resolved every open incident of its instance; without one (nothing was due any more) this
        # closes it. Either way the incident names who retried it.
        close_incident(self.db, incident_id, self.clock.now(), actor)
        return result

    def record_incident(self, instance_id: int, command: str, error: ScriptError) -> int | None:
        """Record an incident for a failed step whose transaction was the caller's (the timer sweep)."""
        return record_incident(self.db, instance_id, command, error, self.clock.now())

    # -- the one step path -----------------------------------------------------------------------------
    def _transaction(self, session: so.Session | None):
        if session is not None:
            return _Borrowed(session)
        return self.db.unit_of_work()

    @contextmanager
    def _step(self, command: str, session: so.Session | None = None) -> Iterator[so.Session]:
        """The step's transaction. A step of an existing instance stopped at a script limit, or a timer step
        whose script fails, is recorded as an incident once the transaction has rolled back; in a caller's
        transaction the caller records it (see engine.timers)."""
        try:
            with self._transaction(session) as tx:
                yield tx
        except ScriptError as exc:
            instance_id = tx.info.pop("step_instance", None)
            if session is None and instance_id is not None and (
                    isinstance(exc, ScriptLimitExceeded) or command == "timer"):
                record_incident(self.db, instance_id, command, exc, self.clock.now())
            raise

    def _lock(self, tx: so.Session, instance_id: int, expected_version: int | None = None,
              require_running: bool = True) -> Instance:
        row = tx.scalar(_INSTANCE if self.db.is_sqlite else _INSTANCE_LOCKED, {"instance_id": instance_id})
        if row is None:
            raise NotFound("instance.not_found", instance=instance_id)
        return self._check_locked(tx, row, expected_version, require_running)

    @staticmethod
    def _check_locked(tx: so.Session, row: Instance, expected_version: int | None,
                      require_running: bool) -> Instance:
        tx.info["step_instance"] = row.id
        if expected_version is not None and row.lock_version != expected_version:
            raise Conflict("instance.changed", expected=expected_version, current=row.lock_version)
        if require_running and row.status != "running":
            raise Conflict("instance.closed", status=row.status)
        return row

    def _lock_task(self, tx: so.Session, task_id: str, expected_version: int | None = None
                   ) -> tuple[QueueTask, Instance, list[QueueTask]]:
        """Lock the instance of an open task and read its queue rows; the task may have closed while we waited
        for the lock. Returns the task's row, the instance and all its queue rows (the step diffs them against
        the workflow in memory)."""
        gone = Conflict("task.not_open", task=task_id)
        # One statement finds the task's instance, locks it and reads all its queue rows. On SQLite, BEGIN
        # IMMEDIATE made this transaction the only writer before it read anything. On PostgreSQL the lock is
        # FOR UPDATE OF instance; if it had to wait for another step, the instance row comes back as that step
        # committed it but the queue rows as they were when the statement began: `seen` (the lock version in
        # the statement's snapshot) then differs from the row's, and the queue rows are read again.
        stmt = _OPEN_TASK if self.db.is_sqlite else _OPEN_TASK_LOCKED
        found = tx.execute(stmt, {"task_id": task_id}).all()
        row = found[0][0] if found else None
        queue = [q for _, q, _ in found if q is not None]
        if row is not None and found[0].seen != row.lock_version:
            queue = self._queue_rows(tx, row.id)
        if row is None:
            raise gone
        self._check_locked(tx, row, expected_version, require_running=False)
        queue_row = next((q for q in queue if q.task_id == task_id), None)
        if queue_row is None or row.status != "running":
            raise gone
        return queue_row, row, queue

    @staticmethod
    def _queue_rows(tx: so.Session, instance_id: int) -> list[QueueTask]:
        # Read after the lock was taken, so they are the rows as the last step left them.
        return list(tx.scalars(_QUEUE_ROWS, {"instance_id": instance_id}))

    @staticmethod
    def _timer_rows(tx: so.Session, row: Instance, workflow: Workflow) -> list[Timer]:
        """The instance's pending timer rows, read only if the workflow as stored waits on an armed timer:
        every step leaves exactly one pending row per armed timer (engine.projection.sync_timers)."""
        if not has_armed_timers(workflow):
            return []
        return list(tx.scalars(_PENDING_TIMERS, {"instance_id": row.id}))

    def _store(self, tx: so.Session, row: Instance, workflow: Workflow, at: datetime, actor: str,
               organisation: str | None, command: str, event: dict, status: str | None = None,
               queue: list[QueueTask] | None = None, pending_timers: list[Timer] | None = None,
               refresh: bool = False) -> StepResult:
        """Write what the step changed: the state, the queue and timer rows that differ from the workflow
        (diffed in memory against `queue` and `pending_timers`, each read if not given), the audit event, and
        what the step listeners add; all in one flush just before commit."""
        pruned = prune(workflow) if is_bounded(workflow) else {}
        refs = task_refs(workflow)
        row.state = self.serializer.dumps(workflow)
        row.serializer_version = SERIALIZER_VERSION
        row.status = status or ("completed" if workflow.completed else "running")
        row.updated_at = at
        resolve_open_incidents(tx, row, at, actor)
        if queue is None:
            queue = self._queue_rows(tx, row.id)
        if pending_timers is None:
            pending_timers = list(tx.scalars(_PENDING_TIMERS, {"instance_id": row.id}))
        # Nothing is flushed until every row is in place: the instance row is updated once, the rows of each
        # table are written together, and listeners' queries do not write the engine's rows early.
        with tx.no_autoflush:
            with process_errors(workflow):
                queue = sync_queue(tx, row.id, workflow, refs, at, refresh, existing=queue)
                armed = sync_timers(tx, row.id, workflow, refs, at, pending_timers, refresh, pruned)
                # What configuration-dependent functions answered in this step (deadlines), for replay.
                answers = workflow.script_engine.record.entries()
                if answers:
                    event[RECORDED_KEY] = answers
                append_event(tx, row, at, actor, organisation, command, event)
            if self.step_listeners:
                step = Step(tx, row, workflow, command, event, actor, organisation, at, queue)
                for listener in self.step_listeners:
                    listener(step)
        try:
            tx.flush()
        except StaleDataError as exc:
            raise Conflict("instance.changed") from exc
        if armed and self.timers_armed_listeners:
            self._after_commit(tx, min(armed))
        self._keep_warm(tx, row.id, row.lock_version, workflow)
        if self.before_commit is not None:
            self.before_commit(tx, row)
        return StepResult(row.id, row.lock_version, row.status, row.event_count)

    def _keep_warm(self, tx: so.Session, instance_id: int, lock_version: int, workflow: Workflow) -> None:
        if self.warm.size <= 0:
            return
        stored = tx.info.setdefault("warm", {})
        if not stored:
            def keep(session: so.Session) -> None:
                for key, (version, flow) in session.info.pop("warm", {}).items():
                    self.warm.put(key, version, flow)

            on_commit(tx, keep)
            on_rollback(tx, lambda session: session.info.pop("warm", None))
        stored[instance_id] = (lock_version, workflow)

    def _after_commit(self, tx: so.Session, earliest: datetime) -> None:
        """Tell the timers-armed listeners once the transaction commits (never for a rolled-back step)."""
        pending = tx.info.get("armed_due")
        tx.info["armed_due"] = earliest if pending is None else min(pending, earliest)
        if pending is not None:
            return

        def notify(session: so.Session) -> None:
            due = session.info.pop("armed_due", None)
            if due is None:
                return
            for listener in self.timers_armed_listeners:
                try:
                    listener(due)
                except Exception:
                    log.warning("a timers-armed listener failed; the interval sweep will find the timer", exc_info=True)

        on_commit(tx, notify)
        on_rollback(tx, lambda session: session.info.pop("armed_due", None))


class WarmCache:
    """A bounded, thread-safe map instance id -> (lock version, workflow) of recently stored workflows.

    An entry is only good for the exact lock version it was stored at; any other node's step bumps the
    version, so a stale entry is never used (and is dropped when met)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[int, tuple[int, Workflow]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def take(self, instance_id: int, lock_version: int) -> Workflow | None:
        with self._lock:
            entry = self._entries.pop(instance_id, None)
            if entry is not None and entry[0] == lock_version:
                self.hits += 1
                return entry[1]
            self.misses += 1
            return None

    def put(self, instance_id: int, lock_version: int, workflow: Workflow) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[instance_id] = (lock_version, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _open_task_statement() -> sa.Select:
    """The instance of the task `:task_id` with all its queue rows, and its lock version as the statement's
    snapshot sees it (built once: the statement is the same every step)."""
    seen_row = so.aliased(Instance)
    seen = sa.select(seen_row.lock_version).where(seen_row.id == Instance.id).scalar_subquery()
    owner = sa.select(QueueTask.instance_id).where(QueueTask.task_id == sa.bindparam("task_id")).scalar_subquery()
    return (sa.select(Instance, QueueTask, seen.label("seen"))
            .outerjoin(QueueTask, QueueTask.instance_id == Instance.id)
            .where(Instance.id == owner)
            .execution_options(populate_existing=True))


_OPEN_TASK = _open_task_statement()
_OPEN_TASK_LOCKED = _OPEN_TASK.with_for_update(of=Instance)
_INSTANCE = sa.select(Instance).where(Instance.id == sa.bindparam("instance_id"))
_INSTANCE_LOCKED = _INSTANCE.with_for_update()
_QUEUE_ROWS = (sa.select(QueueTask).where(QueueTask.instance_id == sa.bindparam("instance_id"))
               .execution_options(populate_existing=True))
_PENDING_TIMERS = sa.select(Timer).where(Timer.instance_id == sa.bindparam("instance_id"), Timer.status == "pending")


def _current_ref(workflow: Workflow, task_id: str, stored_ref: str, with_task: bool = False):
    """The task's position in the tree as the workflow stands now. A ref stored with a queue or timer row
    can go stale when an earlier branch grows (a non-interrupting reminder fired), so it is recomputed
    from the task's id; replay, at the same point of the same history, finds the same task by it.
    With `with_task`, returns (ref, the task or None)."""
    from uuid import UUID

    try:
        key = UUID(task_id)
        ref = task_refs(workflow)[key]
    except (KeyError, ValueError):
        return (stored_ref, None) if with_task else stored_ref
    return (ref, workflow.get_task_from_id(key)) if with_task else ref


def _as_stored(event: dict) -> dict:
    """The event as the audit log stores it (key-sorted JSON): the live step applies exactly what replay will."""
    return json.loads(canonical_json(event))


class _Borrowed:
    """Run inside a caller's transaction (the timer sweep claims rows and fires in one transaction)."""

    def __init__(self, session: so.Session) -> None:
        self.session = session

    def __enter__(self) -> so.Session:
        return self.session

    def __exit__(self, *exc) -> None:
        return None

