"""The runtime stores each step whole: state, queue, timers and one audit event, or nothing."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from engine.errors import Conflict, FieldError, InvalidData, NotAllowed
from tests.engine.helpers import (
    deploy_expense,
    events,
    expense_functions,
    instance,
    queue,
    snapshot,
    timers,
)


@pytest.fixture
def runtime(make_runtime, definitions):
    deploy_expense(definitions)
    return make_runtime(expense_functions)


def start_and_submit(runtime, db):
    started = runtime.start("expense", {"org": "ORG-1"}, "alice", business_key="E-1")
    [submit] = queue(db, started.instance_id)
    runtime.complete(submit.task_id, {"amount": 120.5, "purpose": "site visit"}, "alice")
    return started.instance_id


def test_a_claim_runs_start_to_end_with_data_a_timer_and_a_message(runtime, db, clock):
    started = runtime.start("expense", {"org": "ORG-1"}, "alice", business_key="E-1")
    [submit] = queue(db, started.instance_id)
    assert (submit.title, submit.role, submit.organisation, submit.form) == (
        "Submit claim 提交报销", "requester", "ORG-1", "submit.json")

    runtime.complete(submit.task_id, {"amount": 120.5, "purpose": "site visit"}, "alice")
    [approve] = queue(db, started.instance_id)
    assert approve.title == "Approve claim 审批" and approve.role == "approver"
    assert approve.due_at == clock.now() + timedelta(days=10)
    reminder, deadline = timers(db, started.instance_id)
    assert (reminder.name, reminder.due_at, reminder.interrupting) == (
        "Reminder 提醒", clock.now() + timedelta(days=3), False)
    assert (deadline.due_at, deadline.interrupting) == (clock.now() + timedelta(days=10), True)

    clock.advance(days=3)
    assert runtime.fire_timers(started.instance_id) is not None
    assert [t.status for t in timers(db, started.instance_id)] == ["fired", "pending"]
    assert [q.title for q in queue(db, started.instance_id)] == ["Approve claim 审批"], "reminder keeps the task"

    runtime.complete(approve.task_id, {"approved": True}, "bob")
    assert [t.status for t in timers(db, started.instance_id)] == ["fired", "cancelled"]
    runtime.correlate(started.instance_id, "paid", {"ref": "PAY-7"}, "bank")

    row = instance(db, started.instance_id)
    assert row.status == "completed"
    assert json.loads(row.state)["data"]["payment"] == {"ref": "PAY-7"}
    assert "spec" not in json.loads(row.state) or json.loads(row.state)["spec"] == {"ref": "expense"}
    assert [e.command for e in events(db, started.instance_id)] == ["start", "complete", "timer", "complete",
                                                                    "message"]
    assert [e.actor for e in events(db, started.instance_id)] == ["alice", "alice", "system", "bob", "bank"]
    assert queue(db, started.instance_id) == []


def test_an_interrupting_deadline_ends_the_claim_when_nobody_approves(runtime, db, clock):
    instance_id = start_and_submit(runtime, db)
    clock.advance(days=10, seconds=-1)
    assert runtime.fire_timers(instance_id) is not None  # the reminder only
    assert instance(db, instance_id).status == "running"
    clock.advance(seconds=1)
    runtime.fire_timers(instance_id)
    assert instance(db, instance_id).status == "completed"
    assert queue(db, instance_id) == []


def test_bad_form_data_names_each_field_and_stores_nothing(runtime, db):
    started = runtime.start("expense", {"org": "ORG-1"}, "alice")
    [submit] = queue(db, started.instance_id)
    before = snapshot(db)
    with pytest.raises(InvalidData) as caught:
        runtime.complete(submit.task_id, {"amount": -3}, "alice")
    assert caught.value.code == "form.rejected" and caught.value.params == {"task": "Submit claim 提交报销"}
    assert caught.value.errors == {"amount": FieldError("form.exclusive_minimum", {"limit": 0}),
                                   "purpose": FieldError("form.required")}
    assert snapshot(db) == before


def test_two_concurrent_completions_of_one_task_exactly_one_wins(runtime, db):
    instance_id = start_and_submit(runtime, db)
    [approve] = queue(db, instance_id)
    version_before = instance(db, instance_id).lock_version
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def complete(approved: bool) -> None:
        barrier.wait()
        try:
            outcomes.append(runtime.complete(approve.task_id, {"approved": approved}, "bob"))
        except Conflict as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=complete, args=(flag,)) for flag in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    wins = [o for o in outcomes if not isinstance(o, Conflict)]
    assert len(wins) == 1 and len(conflicts) == 1
    assert conflicts[0].code == "task.not_open"
    assert [e.command for e in events(db, instance_id)] == ["start", "complete", "complete"]
    assert instance(db, instance_id).lock_version > version_before


def test_a_stale_expected_version_is_refused_and_changes_nothing(runtime, db):
    instance_id = start_and_submit(runtime, db)
    [approve] = queue(db, instance_id)
    stale = instance(db, instance_id).lock_version - 1
    before = snapshot(db)
    with pytest.raises(Conflict) as caught:
        runtime.complete(approve.task_id, {"approved": True}, "bob", expected_version=stale)
    assert caught.value.code == "instance.changed"
    assert caught.value.params == {"expected": stale, "current": stale + 1}
    assert snapshot(db) == before


def test_a_crash_after_the_task_completes_but_before_commit_leaves_the_database_as_before(runtime, db):
    instance_id = start_and_submit(runtime, db)
    [approve] = queue(db, instance_id)
    before = snapshot(db)

    def crash(session, row):
        assert row.state and "approved" in row.state  # the workflow really moved on
        raise RuntimeError("power cut")

    runtime.before_commit = crash
    with pytest.raises(RuntimeError, match="power cut"):
        runtime.complete(approve.task_id, {"approved": True}, "bob")
    runtime.before_commit = None
    assert snapshot(db) == before
    runtime.complete(approve.task_id, {"approved": True}, "bob")  # and the step can be done again
    assert [e.command for e in events(db, instance_id)][-1] == "complete"


def test_claim_release_and_reassign_are_recorded_and_guard_completion(runtime, db):
    started = runtime.start("expense", {"org": "ORG-1"}, "alice")
    [submit] = queue(db, started.instance_id)
    runtime.claim(submit.task_id, "alice")
    with pytest.raises(Conflict) as taken:
        runtime.claim(submit.task_id, "carol")
    assert (taken.value.code, taken.value.params["assignee"]) == ("task.already_claimed", "alice")
    with pytest.raises(NotAllowed) as refused:
        runtime.complete(submit.task_id, {"amount": 1, "purpose": "xy"}, "carol")
    assert (refused.value.code, refused.value.params["assignee"]) == ("task.claimed_by", "alice")
    with pytest.raises(NotAllowed) as refused:
        runtime.release(submit.task_id, "carol")
    assert refused.value.code == "task.release_by_assignee"
    runtime.reassign(submit.task_id, "carol", "supervisor")
    assert queue(db, started.instance_id)[0].assignee == "carol"
    runtime.release(submit.task_id, "carol")
    assert queue(db, started.instance_id)[0].assignee is None
    assert [e.command for e in events(db, started.instance_id)] == ["start", "claim", "reassign", "release"]


def test_a_message_the_case_is_not_waiting_for_is_a_conflict(runtime, db):
    started = runtime.start("expense", {"org": "ORG-1"}, "alice")
    before = snapshot(db)
    with pytest.raises(Conflict) as caught:
        runtime.correlate(started.instance_id, "paid", {}, "bank")
    assert (caught.value.code, caught.value.params) == ("message.not_awaited", {"message": "paid"})
    assert snapshot(db) == before


def test_start_data_that_json_cannot_carry_is_refused(runtime, db):
    from datetime import datetime
    before = snapshot(db)
    with pytest.raises(InvalidData) as caught:
        runtime.start("expense", {"when": datetime(2026, 1, 1)}, "alice")
    assert caught.value.code == "data.not_json" and "datetime" in caught.value.params["detail"]
    assert snapshot(db) == before


def test_cancel_closes_the_queue_and_timers(runtime, db):
    instance_id = start_and_submit(runtime, db)
    runtime.cancel(instance_id, "admin", "duplicate entry")
    assert instance(db, instance_id).status == "cancelled"
    assert queue(db, instance_id) == []
    assert {t.status for t in timers(db, instance_id)} == {"cancelled"}
    with pytest.raises(Conflict) as caught:
        runtime.correlate(instance_id, "paid", {}, "bank")
    assert (caught.value.code, caught.value.params) == ("instance.closed", {"status": "cancelled"})
