"""Moving a running workflow onto the specs of another process version: which of its waiting tasks have no
place there (`misfits`), and the move itself (`move_to`), which keeps every task that was reached, gives it
the new version's spec, and predicts the road ahead again from the new diagram.

Elements are matched by BPMN id; `mapping` names the new id of an element that was renamed (or the element
that takes the place of a removed one). SpiffWorkflow's hidden tasks are named after their element
(`decide.BoundaryEventSplit`), so they follow it.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from engine.spiff.tasks import task_title
from engine.spiff.timers import _as_iso

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_PREDICTED = TaskState.PREDICTED_MASK | TaskState.FUTURE


@dataclass(frozen=True)
class Misfit:
    """A waiting task (or called process) with no place in the new version: a code and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


def renamed(name: str, mapping: dict[str, str]) -> str:
    """The spec name in the new version: mapped by element id, hidden tasks following their element."""
    if name in mapping:
        return mapping[name]
    element, dot, rest = name.partition(".")
    if dot and element in mapping:
        return f"{mapping[element]}.{rest}"
    return name


def _workflows(workflow) -> Iterator:
    yield workflow
    yield from workflow.subprocesses.values()


def _target_spec(workflow, sub, spec, subprocess_specs):
    return spec if sub is workflow else subprocess_specs.get(sub.spec.name)


def _event_signature(task_spec) -> Any:
    definition = getattr(task_spec, "event_definition", None)
    if definition is None:
        return None
    if isinstance(definition, MultipleEventDefinition):
        return sorted((type(d).__name__, getattr(d, "name", None) if not _is_timer(d) else None)
                      for d in definition.event_definitions)
    return type(definition).__name__, None if _is_timer(definition) else getattr(definition, "name", None)


def _is_timer(definition) -> bool:
    return isinstance(definition, TimerEventDefinition)


def _element(task_spec) -> str:
    return getattr(task_spec, "bpmn_id", None) or task_spec.name


def misfits(workflow, spec, subprocess_specs: dict, mapping: dict[str, str]) -> list[Misfit]:
    """Every reason the workflow cannot move onto `spec`: a waiting task whose element is missing in the new
    version or became another kind of element, an event it waits for that changed, a called process missing."""
    found: list[Misfit] = []
    if spec.name != workflow.spec.name:
        return [Misfit("migration.process_missing", {"process": workflow.spec.name})]
    for sub in _workflows(workflow):
        target = _target_spec(workflow, sub, spec, subprocess_specs)
        if target is None:
            found.append(Misfit("migration.process_missing", {"process": sub.spec.name}))
            continue
        for task in sub.get_tasks(state=_ACTIVE, skip_subprocesses=True):
            found.extend(_task_misfits(task, target, mapping))
    return found


def _task_misfits(task, target, mapping: dict[str, str]) -> list[Misfit]:
    old = task.task_spec
    new_name = renamed(old.name, mapping)
    new = target.task_specs.get(new_name)
    where = {"task": task_title(old), "element": _element(old), "process": task.workflow.spec.name}
    if new is None:
        return [Misfit("migration.element_missing", where)]
    if type(new) is not type(old):
        return [Misfit("migration.element_kind_changed",
                       dict(where, target=_element(new), was=type(old).__name__, now=type(new).__name__))]
    if _event_signature(old) != _event_signature(new):
        return [Misfit("migration.event_changed", dict(where, target=_element(new)))]
    if isinstance(old, SubWorkflowTask) and old.spec != new.spec:
        return [Misfit("migration.called_process_changed", dict(where, target=_element(new), was=old.spec,
                                                                   now=new.spec))]
    return []


def move_to(workflow, spec, subprocess_specs: dict, mapping: dict[str, str]) -> None:
    """Put the workflow on the new version's specs. Check `misfits` first: this assumes there are none.

    Reached tasks keep their ids, states and data and take the new spec of their element. A finished task
    whose element is gone leaves the tree, its children taking its place; predicted tasks whose element is
    gone are dropped. Then every waiting task predicts its road ahead from the new diagram, so a step added
    after it is taken and a step removed is not."""
    workflow.spec = spec
    workflow.subprocess_specs = subprocess_specs
    for sub in list(_workflows(workflow)):
        target = _target_spec(workflow, sub, spec, subprocess_specs)
        sub.spec = target
        for task in sorted(sub.tasks.values(), key=lambda t: t.depth):
            if task.id not in sub.tasks:
                continue  # dropped with its predicted parent
            new = target.task_specs.get(renamed(task.task_spec.name, mapping))
            if new is not None:
                task.task_spec = new
            elif task.has_state(_PREDICTED):
                sub._remove_task(task.id)
            else:
                _splice(workflow, sub, task)
        if sub.last_task is not None and sub.last_task.id not in sub.tasks:
            sub.last_task = None
    for sub in _workflows(workflow):
        for task in sub.get_tasks(state=_ACTIVE, skip_subprocesses=True):
            _predict_again(task)


def _splice(workflow, sub, task) -> None:
    """Take a finished task out of the tree; its children hang from its parent in its place."""
    parent = task.parent
    if parent is None:
        raise ValueError(f"the root task {task.task_spec.name!r} has no element in the new version")
    at = parent._children.index(task.id)
    parent._children[at:at + 1] = list(task._children)
    for child in task.children:
        child._parent = parent.id
    sub.tasks.pop(task.id)
    workflow.subprocesses.pop(task.id, None)


def _predict_again(task) -> None:
    """Drop the predicted children of an active task and predict them from its (new) spec."""
    for child in list(task.children):
        if child.has_state(_PREDICTED) and child.id in task.workflow.tasks:
            task.workflow._remove_task(child.id)
    spec = task.task_spec
    if all(child.task_spec in spec.outputs for child in task.children):
        spec._predict_hook(task)
    else:
        # A multi-instance task's children include its instances; only its outputs are predicted.
        present = {child.task_spec for child in task.children}
        for output in spec.outputs:
            if output not in present:
                task._add_child(output, TaskState.FUTURE)
    for child in task.children:
        if child.has_state(_PREDICTED):
            child.task_spec._predict(child, mask=_PREDICTED)


def timer_signature(task_spec) -> str | None:
    """What decides a timer's due time: its kind and expression (None for a task that is not a timer)."""
    definition = getattr(task_spec, "event_definition", None)
    definitions = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
    timers = [d for d in definitions if _is_timer(d)]
    if not timers:
        return None
    return "; ".join(f"{type(d).__name__}:{d.expression}" for d in timers)


def recompute_due(task, armed_at: datetime) -> str:
    """The due time the task's (new) timer expression gives now: a date as evaluated, a duration counted
    from when the timer was armed."""
    definition = task.task_spec.event_definition
    if isinstance(definition, MultipleEventDefinition):
        definition = next(d for d in definition.event_definitions if _is_timer(d))
    value = task.workflow.script_engine.evaluate(task, definition.expression)
    if isinstance(definition, DurationTimerEventDefinition):
        parsed = TimerEventDefinition.parse_iso_duration(value)
        return (armed_at + TimerEventDefinition.get_timedelta_from_start(parsed, armed_at)).isoformat()
    return _as_iso(value)
