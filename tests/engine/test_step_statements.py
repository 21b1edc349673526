"""How many SQL statements one engine step sends, counted with a listener on the database engine.

A step reads the instance with its lock (through the task, for a completion) and the instance's queue rows,
reads timer rows only when the workflow waited on an armed timer, writes each table's changed rows once, and
nothing else. These are functional bounds, not timings: a step that starts re-reading rows or flushing
twice fails here on either database."""
from __future__ import annotations

import re
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

# A completion on a process without timers: lock (instance through the task), queue rows, UPDATE instance,
# DELETE and INSERT queue_task, INSERT audit_event. SQLite sends its BEGIN IMMEDIATE and reads the instance
# with its queue rows in one statement (it already holds the write lock); PostgreSQL locks, then reads them.
LINEAR_COMPLETE = {"sqlite": 6, "postgresql": 6}


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
    assert found[("SELECT", "queue_task")] <= 1 and found[("SELECT", "instance")] == 1
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
    # lock, queue rows, UPDATE queue_task, UPDATE instance, INSERT audit_event (+ BEGIN on SQLite)
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
