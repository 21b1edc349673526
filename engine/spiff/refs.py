"""Stable references to tasks, and a canonical form of workflow state for comparing replays.

SpiffWorkflow gives tasks random UUIDs, so a replay produces the same tree under other ids. A task's
reference is its position in a depth-first walk of the tree (and of its subprocesses), which the same
steps always reproduce.
"""
from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _preorder(root):
    stack = [root]
    while stack:
        task = stack.pop()
        yield task
        stack.extend(reversed(task.children))


def task_refs(workflow) -> dict[UUID, str]:
    """Map every task id of the workflow and its subprocesses to a reference like ``12`` or ``12/3``."""
    refs: dict[UUID, str] = {}
    subprocesses = workflow.top_workflow.subprocesses

    def walk(wf, prefix: str) -> None:
        tasks = list(_preorder(wf.task_tree))
        for index, task in enumerate(tasks):
            refs[task.id] = f"{prefix}{index}"
        for task in tasks:
            sub = subprocesses.get(task.id)
            if sub is not None:
                walk(sub, refs[task.id] + "/")

    walk(workflow, "")
    return refs


def find_task(workflow, ref: str):
    for task_id, task_ref in task_refs(workflow).items():
        if task_ref == ref:
            return workflow.get_task_from_id(task_id)
    return None


def canonical_state(state: dict[str, Any], refs: dict[UUID, str]) -> str:
    """A text of the saved state that is equal for equal workflows: ids replaced by refs, wall times dropped."""
    def strip(wf_dict: dict) -> None:
        for task in wf_dict.get("tasks", {}).values():
            task.pop("last_state_change", None)

    state = json.loads(json.dumps(state))
    strip(state)
    for sub in state.get("subprocesses", {}).values():
        strip(sub)
    by_text = {str(k): v for k, v in refs.items()}
    text = _UUID.sub(lambda m: "#" + by_text.get(m.group(0), m.group(0)), json.dumps(state, ensure_ascii=False))
    # Sort only after the ids became refs, so both sides order their tasks the same way.
    return json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False)
