"""Projecting workflow state into the task queue and timer rows written beside it in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from engine.models import QueueTask, Timer
from engine.spiff.errors import process_errors
from engine.spiff.tasks import (
    form_name,
    is_completed,
    is_event,
    properties,
    ready_user_tasks,
    task_or_none,
    task_title,
    waiting_tasks,
)
from engine.spiff.timers import armed_due, as_datetime


def task_role(task_spec) -> str | None:
    """A task's role: its `role` property, else the first word of its lane's name ("handler 承办人")."""
    role = properties(task_spec).get("role")
    if role:
        return role
    lane = getattr(task_spec, "lane", None)
    return lane.split()[0] if lane else None


@dataclass
class PendingTimer:
    task: object
    ref: str
    due_at: datetime


def pending_timers(workflow, refs) -> list[PendingTimer]:
    """The armed timers the workflow waits on, with their refs and due times."""
    found = []
    for task in waiting_tasks(workflow):
        due = armed_due(task)
        if due is not None:
            found.append(PendingTimer(task, refs[task.id], due))
    return found


def has_armed_timers(workflow) -> bool:
    """Whether the workflow waits on an armed timer, i.e. whether its instance has pending timer rows."""
    return any(armed_due(task) is not None for task in waiting_tasks(workflow))


def sync_queue(session, instance_id: int, workflow, refs, at: datetime, refresh: bool = False,
               existing: list[QueueTask] | None = None) -> list[QueueTask]:
    """Write the queue rows of the ready user tasks. A row that stays keeps its claim; with `refresh` (the
    workflow moved to another version) it also takes the task's new title, role and form.

    `existing` is the instance's queue rows when the caller has already read them (read here if not).
    Only what differs is written: a row whose values did not change is not updated. Returns the rows the
    instance has after the step."""
    if existing is None:
        existing = list(session.scalars(sa.select(QueueTask).where(QueueTask.instance_id == instance_id)))
    rows = {row.task_id: row for row in existing}
    ready = {str(t.id): t for t in ready_user_tasks(workflow)}
    for task_id, row in rows.items():
        if task_id not in ready:
            session.delete(row)
    engine = workflow.script_engine
    after = []
    for task_id, task in ready.items():
        organisation, due = task_organisation(engine, task), task_deadline(engine, task)
        row = rows.get(task_id)
        if row is None:
            assignee = task_assignee(engine, task)
            row = QueueTask(
                task_id=task_id, instance_id=instance_id, task_ref=refs[task.id], spec_name=task.task_spec.name,
                title=task_title(task.task_spec), role=task_role(task.task_spec),
                organisation=organisation, assignee=assignee, claimed_at=at if assignee else None,
                due_at=due, form=form_name(task.task_spec), created_at=at)
            session.add(row)
        else:
            _set(row, task_ref=refs[task.id], organisation=organisation, due_at=due)
            if refresh:
                spec = task.task_spec
                row.spec_name, row.title, row.role, row.form = (
                    spec.name, task_title(spec), task_role(spec), form_name(spec))
        after.append(row)
    return after


# What a ready user task's properties say, evaluated on its data; the queue rows and the replayed states
# both read them here.
def task_organisation(engine, task) -> str | None:
    expression = properties(task.task_spec).get("organisation")
    return _text(_evaluate(engine, task, expression) if expression else task.data.get("organisation"))


def task_deadline(engine, task) -> datetime | None:
    expression = properties(task.task_spec).get("deadline")
    return as_datetime(_evaluate(engine, task, expression)) if expression else None


def task_assignee(engine, task) -> str | None:
    expression = properties(task.task_spec).get("assignee")
    return _text(_evaluate(engine, task, expression)) if expression else None


def _evaluate(engine, task, expression: str):
    # Replay calls these outside a command, so a failure or a limit becomes the engine's error here.
    with process_errors():
        return engine.evaluate(task, expression)


def _text(value) -> str | None:
    return None if value in (None, "") else str(value)


def sync_timers(session, instance_id: int, workflow, refs, at: datetime,
                pending: list[Timer] | None = None, refresh: bool = False,
                pruned: dict | None = None) -> list[datetime]:
    """Write the timers the workflow now waits on; mark the rest fired or cancelled. With `refresh` (the
    workflow moved to another version) a timer that stays takes its element's new name.

    `pending` is the instance's pending timer rows when the caller has already read them (read here if not;
    a step whose workflow waited on no armed timer gives an empty list without reading). A row is updated
    only where a value changed. `pruned` holds the tasks the step pruned from the tree (engine/spiff/prune.py).
    Returns the due times of the timers armed (or moved) by this step, so the node can wake for them."""
    if pending is None:
        pending = list(session.scalars(
            sa.select(Timer).where(Timer.instance_id == instance_id, Timer.status == "pending")))
    existing = {row.task_id: row for row in pending}
    waiting = {str(p.task.id): p for p in pending_timers(workflow, refs)}
    armed = []
    for task_id, row in existing.items():
        if task_id in waiting:
            _set(row, task_ref=waiting[task_id].ref)
            if refresh:
                task = waiting[task_id].task
                row.spec_name, row.name, row.attached_to = (
                    task.task_spec.name, task_title(task.task_spec), _attached_name(task))
            if row.due_at != waiting[task_id].due_at:
                row.due_at = waiting[task_id].due_at
                armed.append(row.due_at)
            continue
        # A timer task that finished in this step may already be pruned from the tree (`pruned`, by id).
        task = task_or_none(workflow, task_id) or (pruned or {}).get(UUID(task_id))
        # A completed timer task fired if it was due; a gateway whose other event came first completes too,
        # and then its timer was cancelled.
        if task is not None and is_completed(task) and row.due_at <= at:
            row.status, row.fired_at = "fired", at
        else:
            row.status = "cancelled"
    for task_id, pending in waiting.items():
        if task_id not in existing:
            spec = pending.task.task_spec
            session.add(Timer(
                instance_id=instance_id, task_id=task_id, task_ref=pending.ref, spec_name=spec.name,
                name=task_title(spec), attached_to=_attached_name(pending.task),
                interrupting=bool(getattr(spec, "cancel_activity", True)),
                due_at=pending.due_at, status="pending", created_at=at))
            armed.append(pending.due_at)
    return armed


def _set(row, **values) -> None:
    """Set only the values that differ, so an unchanged row is not even looked at by the flush."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _attached_name(task) -> str | None:
    # A boundary event's parent is the split that also holds the activity it is attached to.
    parent = task.parent
    if parent is None:
        return None
    for sibling in parent.children:
        if sibling is not task and not is_event(sibling):
            return sibling.task_spec.name
    return None

