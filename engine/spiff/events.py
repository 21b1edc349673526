"""Delivering external events (messages) to a workflow, in SpiffWorkflow's event terms."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition


def send_message(workflow, name: str, payload: Any) -> bool:
    """Deliver message `name` with `payload`; False when the workflow is not waiting for it."""
    try:
        workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload))
    except WorkflowException:
        return False
    return True
