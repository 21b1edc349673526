"""Delivering external events (messages) to a workflow, in SpiffWorkflow's event terms."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import (
    MessageEventDefinition as AnyMessageDefinition,
)
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState


def send_message(workflow, name: str, payload: Any) -> bool:
    """Deliver message `name` with `payload`; False when the workflow is not waiting for it."""
    try:
        workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload))
    except WorkflowException:
        return False
    return True


def waiting_message_names(workflow) -> list[str]:
    """The messages the workflow (and the processes it called) waits for now, by name, sorted."""
    names = {task.task_spec.event_definition.name for task in workflow.get_tasks(state=TaskState.WAITING)
             if isinstance(getattr(task.task_spec, "event_definition", None), AnyMessageDefinition)}
    return sorted(names)
