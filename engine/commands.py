"""What each audit command does to a workflow; the live step and the replay both call these, so they agree."""
from __future__ import annotations

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.errors import Conflict, NotFound
from engine.spiff.refs import find_task

# Commands that change the workflow; the others (claim, release, reassign) only change the queue.
WORKFLOW_COMMANDS = ("start", "complete", "message", "timer", "correct_deadline", "cancel")


def apply(workflow, command: str, data: dict) -> None:
    if command == "start":
        workflow.task_tree.data.update(data.get("data", {}))
        workflow.do_engine_steps()
    elif command == "complete":
        task = find_task(workflow, data["task_ref"])
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise Conflict(f"task {data.get('task')!r} is no longer waiting for input; someone else may have "
                           "completed it. Reload the case to see its current tasks.")
        task.data.update(data.get("data", {}))
        task.run()
        workflow.do_engine_steps()
    elif command == "message":
        event = BpmnEvent(MessageEventDefinition(data["message"]), data.get("payload"))
        try:
            workflow.send_event(event)
        except WorkflowException as exc:
            raise Conflict(f"the case is not waiting for message {data['message']!r}") from exc
        workflow.do_engine_steps()
    elif command == "timer":
        workflow.refresh_timers()
        workflow.do_engine_steps()
    elif command == "correct_deadline":
        task = find_task(workflow, data["task_ref"])
        if task is None or task.state != TaskState.WAITING:
            raise NotFound(f"timer {data.get('name')!r} is not pending in this case")
        task._set_internal_data(event_value=data["new_due"])
    elif command == "cancel":
        workflow.cancel()
    elif command not in ("claim", "release", "reassign"):
        raise ValueError(f"unknown command {command!r}")
