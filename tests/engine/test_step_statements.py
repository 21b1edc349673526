"""How many SQL statements one engine step sends, counted with a listener on the database engine.

A step reads the instance with its lock (through the task, for a completion) and the instance's queue rows,
reads timer rows only when the workflow waited on an armed timer, writes each table's changed rows once, and
nothing else. These are functional bounds, not timings: a step that starts re-reading rows or flushing
twice fails here on either database."""
from __future__ import annotations

import re
import threading
from collections import Counter
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from engine.bundles import read_bundle
from engine.errors import Conflict
from tests.conftest import FIXTURES
from tests.engine.helpers import (
    deploy_expense,
    expense_functions,
    instance,
    queue,
    timers,
)

# A completion on a process without timers: the instance (locked, found through the task) with its queue
# rows, UPDATE instance, DELETE and INSERT queue_task, INSERT audit_event; SQLite sends its BEGIN IMMEDIATE.
LINEAR_COMPLETE = {"sqlite": 6, "postgresql": 5}


@contextmanager
def counted(db):
    """Every statement sent to the write engine inside the block, as (verb, table) pairs and full texts."""
    texts: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        texts.append(" ".join(statement.split()))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield texts
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def kinds(texts: list[str]) -> Counter:
    """(verb, table) of each statement: SELECT by the first table after FROM, writes by their target."""
    found = Counter()
    for text in texts:
        verb = text.split()[0].upper()
        match = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", text, re.IGNORECASE)
        found[(verb, match.group(1) if match else "")] += 1
    return found


@pytest.fixture
def runtime(make_runtime, definitions):
    deploy_expense(definitions)
    definitions.deploy(read_bundle(FIXTURES / "linear"), "designer")
    return make_runtime(expense_functions)


def test_a_completion_without_timers_sends_the_fewest_statements(runtime, db, backend):
    started = runtime.start("linear", {}, "alice")
    [first] = queue(db, started.instance_id)
    with counted(db) as texts:
        runtime.complete(first.task_id, {"note": "done"}, "alice")
    found = kinds(texts)
    assert len(texts) <= LINEAR_COMPLETE[backend], "\n".join(texts)
    assert not any(table == "timer" for _, table in found), "no timer row is read or written without timers"
    assert found[("UPDATE", "instance")] == 1, "the instance row is written once"
    assert found[("SELECT", "queue_task")] == 0 and found[("SELECT", "instance")] == 1
    [second] = queue(db, started.instance_id)
    assert second.title == "Step 2 第2步" and instance(db, started.instance_id).lock_version == 3


def test_a_step_reads_timer_rows_only_when_the_workflow_waits_on_a_timer(runtime, db, clock):
    started = runtime.start("expense", {"org": "ORG-1"}, "alice")
    [submit] = queue(db, started.instance_id)
    with counted(db) as texts:
        runtime.complete(submit.task_id, {"amount": 120.5, "purpose": "site visit"}, "alice")
    found = kinds(texts)
    # Submitting arms the approval's two timers: none read before, both inserted (one INSERT each at most:
    # SQLite returns each new id from its own statement, PostgreSQL batches them).
    assert found[("SELECT", "timer")] == 0 and 1 <= found[("INSERT", "timer")] <= 2, "\n".join(texts)
    assert len(timers(db, started.instance_id)) == 2

    [approve] = queue(db, started.instance_id)
    with counted(db) as texts:
        runtime.complete(approve.task_id, {"approved": True}, "bob")
    found = kinds(texts)
    # Approving ends both timers: read once, both marked in one UPDATE statement (executemany counts one).
    assert found[("SELECT", "timer")] == 1 and found[("UPDATE", "instance")] == 1, "\n".join(texts)
    assert [t.status for t in timers(db, started.instance_id)] == ["cancelled", "cancelled"]


def test_a_claim_and_a_message_stay_within_their_bounds(runtime, db, backend):
    started = runtime.start("linear", {}, "alice")
    [first] = queue(db, started.instance_id)
    with counted(db) as texts:
        runtime.claim(first.task_id, "alice")
    # the instance with its queue rows, UPDATE queue_task, UPDATE instance, INSERT audit_event (+ BEGIN)
    assert len(texts) <= LINEAR_COMPLETE[backend] - 1, "\n".join(texts)
    assert queue(db, started.instance_id)[0].assignee == "alice"


def test_a_stale_version_or_a_closed_task_reads_and_writes_nothing_more(runtime, db):
    started = runtime.start("linear", {}, "alice")
    [first] = queue(db, started.instance_id)
    with counted(db) as texts, pytest.raises(Conflict) as stale:
        runtime.complete(first.task_id, {}, "alice", expected_version=99)
    assert stale.value.code == "instance.changed"
    assert not [t for t in texts if t.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    runtime.complete(first.task_id, {}, "alice")
    with counted(db) as texts, pytest.raises(Conflict) as gone:
        runtime.complete(first.task_id, {}, "alice")
    assert gone.value.code == "task.not_open"
    assert not [t for t in texts if t.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert instance(db, started.instance_id).event_count == 2


def test_a_step_that_waited_for_the_lock_reads_the_queue_rows_as_the_other_step_left_them(runtime, db, backend):
    """On PostgreSQL the locking statement returns the instance as the step it waited for committed it, but
    the rows it joined as they were before; the step must notice and read them again, or a claim would take
    a task that step already completed. (SQLite takes its write lock before reading anything.)"""
    if backend != "postgresql":
        pytest.skip("SQLite serializes writers with BEGIN IMMEDIATE before the first read")
    started = runtime.start("linear", {}, "alice")
    [first] = queue(db, started.instance_id)
    holding, release = threading.Event(), threading.Event()

    def hold(session, row):  # the first completion keeps its lock until the second one waits for it
        holding.set()
        assert release.wait(10)

    runtime.before_commit = hold
    outcomes = {}
    first_step = threading.Thread(target=lambda: outcomes.setdefault(
        "first", runtime.complete(first.task_id, {}, "alice")))
    first_step.start()
    assert holding.wait(10)
    runtime.before_commit = None

    def second():
        try:
            runtime.claim(first.task_id, "bob")
        except Conflict as exc:
            outcomes["second"] = exc.code

    second_step = threading.Thread(target=second)
    second_step.start()
    with db.engine.connect() as watcher:  # until the second step waits on the instance's row lock
        for _ in range(500):
            waiting = watcher.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            if waiting:
                break
            threading.Event().wait(0.01)
        assert waiting, "the claim never waited for the lock"
    release.set()
    first_step.join(10)
    second_step.join(10)
    assert outcomes.get("second") == "task.not_open", outcomes
    assert [row.title for row in queue(db, started.instance_id)] == ["Step 2 第2步"]
    assert instance(db, started.instance_id).event_count == 2
