"""Questions about a workflow's tasks and specs, answered from SpiffWorkflow's task states and spec classes.

The rest of the engine asks here (which user tasks are ready, which tasks wait, what the case data is now)
instead of reading SpiffWorkflow's state flags and spec mixins itself.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

# The spiff-arena extension property naming a user task's JSON Schema form.
FORM_PROPERTY = "formJsonSchemaFilename"
_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_WAITING_ON = TaskState.READY | TaskState.WAITING


# -- one task -----------------------------------------------------------------------------------------------
def is_ready_user_task(task) -> bool:
    """Waiting for a person's input (a manual task in the READY state)."""
    return task is not None and task.state == TaskState.READY and task.task_spec.manual


def is_waiting(task) -> bool:
    """Waiting for an event (a timer, a message) in the WAITING state."""
    return task is not None and task.state == TaskState.WAITING


def is_active(task) -> bool:
    """Reached but not finished: ready, waiting or started."""
    return task.has_state(_ACTIVE)


def is_completed(task) -> bool:
    return task.has_state(TaskState.COMPLETED)


def is_cancelled(task) -> bool:
    return task.has_state(TaskState.CANCELLED)


def element_id(task) -> str | None:
    """The BPMN id of the task's flow node; None for the engine's hidden tasks (boundary splits, joins)."""
    return getattr(task.task_spec, "bpmn_id", None)


def is_event(task) -> bool:
    """An event (start, boundary, catch, throw) rather than an activity or gateway."""
    return hasattr(task.task_spec, "event_definition")


def process_of(task) -> str:
    """The id of the process (top level or called) the task runs in."""
    return task.workflow.spec.name


# -- tasks of a workflow ------------------------------------------------------------------------------------
def ready_user_tasks(workflow) -> list:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def waiting_tasks(workflow) -> list:
    return workflow.get_tasks(state=TaskState.WAITING)


def reached_tasks(workflow) -> list:
    """Tasks that were reached: active, completed or cancelled (not the ones still only predicted)."""
    return workflow.get_tasks(state=_ACTIVE | TaskState.COMPLETED | TaskState.CANCELLED)


def task_or_none(workflow, task_id: str | UUID):
    try:
        return workflow.get_task_from_id(task_id if isinstance(task_id, UUID) else UUID(task_id))
    except (TaskNotFoundException, ValueError):
        return None


def current_data(workflow) -> dict:
    """The process data as it stands: the finished workflow's data, or that of the tasks it now waits on.

    Waiting tasks inside a called process see the data the call passed in plus what the subprocess set
    (its status, say); they are merged after the top level's.
    """
    if workflow.completed:
        return dict(workflow.data)
    merged: dict = {}
    for task in sorted(workflow.get_tasks(state=_WAITING_ON), key=lambda t: (_nesting(t.workflow), t.depth)):
        merged.update(task.data)
    return merged


def _nesting(workflow) -> int:
    """How many called processes deep a (sub)workflow runs: 0 for the top level."""
    level = 0
    while getattr(workflow, "parent_workflow", None) is not None:
        workflow = workflow.parent_workflow
        level += 1
    return level


# -- specs ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlowNode:
    """One flow node of a parsed process, as plain data."""

    process_id: str
    name: str           # the spec name queue rows and events use
    element_id: str     # the BPMN id
    title: str
    user_task: bool


def is_user_task(task_spec) -> bool:
    return isinstance(task_spec, UserTask)


def script_of(task_spec) -> str | None:
    """The script of a script task; None for every other kind of flow node."""
    return task_spec.script if isinstance(task_spec, ScriptTask) else None


def pre_post_scripts(task_spec) -> list[tuple[str, str]]:
    """(spiffworkflow:preScript or postScript, its code) of a flow node that has them."""
    found = [("preScript", getattr(task_spec, "prescript", None)), ("postScript", getattr(task_spec, "postscript", None))]
    return [(kind, code) for kind, code in found if code]


def timer_expression(task_spec) -> str | None:
    """The expression of a timer event (timeDate or timeDuration); None for every other flow node."""
    definition = getattr(task_spec, "event_definition", None)
    return getattr(definition, "expression", None) if isinstance(definition, TimerEventDefinition) else None


def flow_node_specs(spec) -> Iterator:
    """The task specs of a process spec that are BPMN flow nodes (have a BPMN id)."""
    for task_spec in spec.task_specs.values():
        if getattr(task_spec, "bpmn_id", None) is not None:
            yield task_spec


def task_title(task_spec) -> str:
    """The flow node's name in the diagram, else its BPMN id."""
    return getattr(task_spec, "bpmn_name", None) or getattr(task_spec, "bpmn_id", None) or task_spec.name


def properties(task_spec) -> dict:
    """The flow node's extension properties (spiffworkflow:property), e.g. its form, role or deadline."""
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {})


def flow_conditions(task_spec) -> list[tuple[str, str]]:
    """(condition expression, target) of each conditional outgoing flow of a gateway."""
    found = []
    for condition, target in getattr(task_spec, "cond_task_specs", None) or []:
        expression = condition.args[0] if condition is not None and condition.args else None
        if expression:
            found.append((expression, target))
    return found


def form_name(task_spec) -> str | None:
    """The name of the JSON Schema form a user task shows, from its extension properties."""
    return properties(task_spec).get(FORM_PROPERTY) or None


def flow_nodes(spec) -> list[FlowNode]:
    return [FlowNode(spec.name, task_spec.name, task_spec.bpmn_id, task_title(task_spec), is_user_task(task_spec))
            for task_spec in flow_node_specs(spec)]
