"""What each audit command does to a workflow; the live step and the replay both call these, so they agree."""
from __future__ import annotations

from engine.errors import Conflict, NotFound
from engine.spiff.errors import process_errors
from engine.spiff.events import send_message
from engine.spiff.refs import find_task
from engine.spiff.tasks import is_ready_user_task, is_waiting
from engine.spiff.timers import set_due

# Commands that change the workflow; the others (claim, release, reassign) only change the queue.
WORKFLOW_COMMANDS = ("start", "complete", "message", "timer", "correct_deadline", "cancel")


def apply(workflow, command: str, data: dict, task=None) -> None:
    """Apply one command to the workflow; a failing script or expression raises ScriptError. A live step that
    has already found the task `data["task_ref"]` names may pass it, saving the walk of the tree."""
    with process_errors(workflow):
        _apply(workflow, command, data, task)


def _apply(workflow, command: str, data: dict, task=None) -> None:
    if command == "start":
        workflow.task_tree.data.update(data.get("data", {}))
        workflow.do_engine_steps()
    elif command == "complete":
        task = task or find_task(workflow, data["task_ref"])
        if not is_ready_user_task(task):
            raise Conflict("task.not_open", task=data.get("task"))
        task.data.update(data.get("data", {}))
        task.run()
        workflow.do_engine_steps()
    elif command == "message":
        if not send_message(workflow, data["message"], data.get("payload")):
            raise Conflict("message.not_awaited", message=data["message"])
        workflow.do_engine_steps()
    elif command == "timer":
        workflow.refresh_timers()
        workflow.do_engine_steps()
    elif command == "correct_deadline":
        task = find_task(workflow, data["task_ref"])
        if not is_waiting(task):
            raise NotFound("timer.not_pending", timer=data.get("name"))
        set_due(task, data["new_due"])
    elif command == "cancel":
        workflow.cancel()
    elif command not in ("claim", "release", "reassign"):
        raise ValueError(f"unknown command {command!r}")
