"""The warm workflow cache and the step hooks: what a step hands on after it commits, and what it does not."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import Conflict
from engine.verify import verify_instance
from tests.engine.helpers import (
    deploy_expense,
    expense_functions,
    instance,
    queue,
    snapshot,
)


@pytest.fixture
def runtime(make_runtime, definitions):
    deploy_expense(definitions)
    return make_runtime(expense_functions)


def submit(runtime, db):
    started = runtime.start("expense", {"org": "ORG-1"}, "alice", business_key="E-1")
    [task] = queue(db, started.instance_id)
    return started.instance_id, task


def test_the_next_step_uses_the_workflow_this_process_stored(runtime, db):
    instance_id, task = submit(runtime, db)
    misses = runtime.warm.misses
    runtime.complete(task.task_id, {"amount": 12.0, "purpose": "taxi"}, "alice")
    assert runtime.warm.hits == 1 and runtime.warm.misses == misses
    assert verify_instance(runtime, instance_id).ok


def test_a_claim_keeps_the_workflow_warm_at_the_new_version(runtime, db):
    instance_id, task = submit(runtime, db)
    runtime.claim(task.task_id, "alice")
    runtime.complete(task.task_id, {"amount": 12.0, "purpose": "taxi"}, "alice")
    assert runtime.warm.hits == 2
    assert verify_instance(runtime, instance_id).ok


def test_a_step_by_another_node_makes_the_warm_entry_stale(runtime, make_runtime, db):
    other_node = make_runtime(expense_functions)
    instance_id, task = submit(runtime, db)
    other_node.complete(task.task_id, {"amount": 12.0, "purpose": "taxi"}, "alice")
    [approve] = queue(db, instance_id)
    runtime.complete(approve.task_id, {"approved": True}, "bob")
    assert runtime.warm.hits == 0, "the entry stored at the old version must not be used"
    assert verify_instance(runtime, instance_id).ok


def test_a_failed_step_leaves_nothing_warm(runtime, db):
    instance_id, task = submit(runtime, db)

    def crash(session, row):
        raise RuntimeError("power cut")

    before = snapshot(db)
    runtime.before_commit = crash
    with pytest.raises(RuntimeError):
        runtime.complete(task.task_id, {"amount": 12.0, "purpose": "taxi"}, "alice")
    runtime.before_commit = None
    assert snapshot(db) == before
    hits = runtime.warm.hits
    runtime.complete(task.task_id, {"amount": 12.0, "purpose": "taxi"}, "alice")
    assert runtime.warm.hits == hits, "the crashed step's workflow must not be reused"
    assert verify_instance(runtime, instance_id).ok


def test_timers_armed_listeners_hear_after_commit_only(runtime, db, clock):
    heard = []
    runtime.timers_armed_listeners.append(heard.append)
    instance_id, task = submit(runtime, db)
    assert heard == [], "starting arms no timer in this process"
    runtime.complete(task.task_id, {"amount": 12.0, "purpose": "taxi"}, "alice")
    assert heard == [clock.now() + timedelta(days=3)], "the earliest armed timer: the 3-day reminder"

    [approve] = queue(db, instance_id)
    runtime.before_commit = lambda session, row: (_ for _ in ()).throw(Conflict("boom"))
    with pytest.raises(Conflict):
        runtime.complete(approve.task_id, {"approved": True}, "bob")
    runtime.before_commit = None
    assert len(heard) == 1, "a rolled-back step tells nobody"
    assert instance(db, instance_id).status == "running"
