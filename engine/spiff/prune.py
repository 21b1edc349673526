"""Bounded state: after each step, the history that SpiffWorkflow no longer needs leaves the task tree.

SpiffWorkflow keeps every task a case ever ran, and every called process it ever started, so the stored
state of a case that loops (remanded, handled again, replied again) grows with each round. The audit log
already holds that history, and replaying it rebuilds every past state (engine/replay.py). So a workflow
marked bounded is pruned after every step, by the live step and by the replay alike, at the same points:

- the called processes of finished call activities are deleted (SpiffWorkflow never looks at a finished
  subprocess again);
- in each (sub)process, a finished task leaves the tree unless the workflow may still need it: the root, the
  last completed task, every unfinished task, and around each unfinished task its parent (whose data a task
  inherits when it becomes ready), its grandparent (the split a boundary-event join looks for), further
  ancestors up to the first flow node if those are hidden tasks, and its children (the instances a
  multi-instance task merges, which also stay as long as the finished multi-instance task that names them). A removed task's kept descendants take its place
  under its kept parent, in order, so every kept task keeps its kept ancestors.

Pruning is a pure function of the tree, so a live step and a replay prune alike and their task references
(positions in the tree, engine/spiff/refs.py) agree. Instances started before this existed are not marked and
are never pruned: their recorded references point into the full tree.
"""
from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.util.task import TaskState

# The key of the start event (and of the saved state) that marks an instance's workflow as bounded.
BOUNDED = "bounded"
_ATTRIBUTE = "_bounded_state"


def mark_bounded(workflow) -> None:
    setattr(workflow, _ATTRIBUTE, True)


def is_bounded(workflow) -> bool:
    return getattr(workflow, _ATTRIBUTE, False)


def _finished(task) -> bool:
    return task.has_state(TaskState.FINISHED_MASK)


def prune(workflow) -> dict[UUID, object]:
    """Remove the finished history the workflow no longer needs (see the module's docstring); returns the
    removed tasks by id, so a caller can still tell how a removed task ended (a timer that fired)."""
    removed: dict[UUID, object] = {}
    events = workflow.event_manager
    for owner_id in list(workflow.subprocesses):
        if owner_id not in workflow.subprocesses:
            continue  # deleted with the subprocess it ran in
        owner = workflow.get_task_from_id(owner_id)
        if _finished(owner):
            for task in workflow.delete_subprocess(owner):
                removed[task.id] = task
    for wf in [workflow, *workflow.subprocesses.values()]:
        _compact(wf, removed)
    for task in removed.values():
        events.remove_task(task)
    return removed


def _compact(wf, removed: dict[UUID, object]) -> None:
    keep = _needed(wf)
    if len(keep) == len(wf.tasks):
        return
    # Walk the kept tasks from the root; each takes as children the nearest kept tasks below it, in order.
    stack = [wf.task_tree]
    while stack:
        task = stack.pop()
        children = _kept_below(task, keep)
        task._children = [child.id for child in children]
        for child in children:
            child._parent = task.id
        stack.extend(children)
    for task_id in [t for t in wf.tasks if t not in keep]:
        removed[task_id] = wf.tasks.pop(task_id)


def _kept_below(task, keep: set[UUID]) -> list:
    """The nearest kept descendants of `task`, in tree order (read before `task`'s children are replaced)."""
    found, pending = [], list(reversed(task.children))
    while pending:
        child = pending.pop()
        if child.id in keep:
            found.append(child)
        else:
            pending.extend(reversed(child.children))
    return found


def _needed(wf) -> set[UUID]:
    keep = {wf.task_tree.id}
    if wf.last_task is not None:
        keep.add(wf.last_task.id)
    for task in wf.tasks.values():
        if _finished(task):
            continue
        keep.add(task.id)
        keep.update(task._children)
        # The parent and grandparent, and on up to the first flow node if those are the engine's hidden
        # tasks (a replay names the flow a task was reached by from there).
        ancestor, level = task.parent, 1
        while ancestor is not None:
            keep.add(ancestor.id)
            if level >= 2 and getattr(ancestor.task_spec, "bpmn_id", None) is not None:
                break
            ancestor, level = ancestor.parent, level + 1
    # A kept multi-instance task names its merged instances by id (its internal data): they stay with it.
    merged = {UUID(child) for task_id in keep for child in wf.tasks[task_id].internal_data.get("merged") or ()}
    return keep | (merged & wf.tasks.keys())
