"""Designer scripts cannot hang or harm a node: deploy refuses what scripts may not use and warns of loops
that cannot end; at run time every evaluation stops at its time and memory limits, the step stores nothing,
the case gets an incident, and the node goes on with the other cases."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.bundles import content_hash, read_bundle
from engine.definitions import Definitions
from engine.errors import InvalidBundle, NotFound, ScriptLimitExceeded
from engine.incidents import open_incidents
from engine.models import (
    AuditEvent,
    Incident,
    Instance,
    ProcessVersion,
    QueueTask,
    Timer,
)
from engine.runtime import Runtime
from engine.spiff.limits import ScriptLimits
from engine.timers import TimerSweeper
from tests.conftest import FIXTURES
from tests.engine.helpers import expense_functions

LIMITS = ScriptLimits(time_seconds=1.0, memory_megabytes=64)
# A step stopped at the 1 s limit returns well within this, even on a loaded machine.
WALL_CLOCK_BOUND = 5 * LIMITS.time_seconds
ENDLESS = "while True: pass"
SQUARES = "total = sum(x * x for x in range(300_000_000))"
PASSWD = 'secret = open("/etc/passwd").read()'


def expense_with(script: str) -> dict[str, str]:
    """The expense bundle with `script` as the third line of its set_deadline script (line 40 of the file)."""
    files = read_bundle(FIXTURES / "expense")
    files["expense.bpmn"] = files["expense.bpmn"].replace("reminders = 0", f"reminders = 0\n{script}")
    return files


def wait_timer_with(script: str) -> dict[str, str]:
    """The wait_timer bundle whose script after the timer is `script`."""
    files = read_bundle(FIXTURES / "wait_timer")
    files["wait_timer.bpmn"] = files["wait_timer.bpmn"].replace("share = 100 / parts", script)
    return files


def smuggle(runtime: Runtime, files: dict[str, str], process_id: str) -> int:
    """Store a version the way an intruder with database access would: a row, with no check at all."""
    with runtime.db.unit_of_work() as tx:
        row = ProcessVersion(content_hash=content_hash(files), files=json.dumps(files), deployed_by="intruder",
                             process_ids=json.dumps([process_id]), deployed_at=runtime.clock.now(), comment="")
        tx.add(row)
        tx.flush()
        return row.id


def case_rows(runtime: Runtime, instance_id: int) -> dict:
    """What a step of the instance would change: its state and counters, queue rows, timers and events."""
    with runtime.db.reader() as s:
        row = s.get(Instance, instance_id)
        return {"instance": (row.state, row.lock_version, row.event_count, row.last_hash, row.status),
                "queue": sorted((q.task_id, q.assignee) for q in s.scalars(
                    sa.select(QueueTask).where(QueueTask.instance_id == instance_id))),
                "timers": sorted((t.id, t.status) for t in s.scalars(
                    sa.select(Timer).where(Timer.instance_id == instance_id))),
                "events": s.scalar(sa.select(sa.func.count()).where(AuditEvent.instance_id == instance_id))}


@pytest.fixture
def checking_definitions(db, clock) -> Definitions:
    return Definitions(db, clock, script_functions=["add_days"], script_limits=LIMITS)


@pytest.fixture
def runtime(db, checking_definitions, clock) -> Runtime:
    checking_definitions.deploy(read_bundle(FIXTURES / "expense"), "designer")
    checking_definitions.deploy(read_bundle(FIXTURES / "wait_timer"), "designer")
    return Runtime(db, checking_definitions, clock, expense_functions, script_limits=LIMITS)


# -- at deploy ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("script", "code", "params"), [
    (PASSWD, "bundle.script_name_not_allowed", {"identifier": "open"}),
    (SQUARES, "bundle.script_range_too_large", {"count": 300_000_000, "allowed": LIMITS.range_items}),
    ("import socket", "bundle.script_import", {"module": "socket"}),
    ("kind = type(reminders)", "bundle.script_name_not_allowed", {"identifier": "type"}),
    ("due = add_dayz(now(), 1)", "bundle.script_unknown_function", {"function": "add_dayz"}),
])
def test_deploy_refuses_what_scripts_may_not_use_naming_file_element_and_line(checking_definitions, db, script,
                                                                              code, params):
    with pytest.raises(InvalidBundle) as caught:
        checking_definitions.deploy(expense_with(script), "designer")
    [problem] = caught.value.problems
    assert (problem.file, problem.element, problem.line, problem.code) == ("expense.bpmn", "set_deadline", 40, code)
    assert problem.params == {"part": "script", "script_line": 3, **params}
    with db.reader() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)) == 0


def test_deploy_warns_of_a_loop_that_cannot_end_and_deploys(checking_definitions):
    version, created = checking_definitions.deploy(expense_with(ENDLESS), "designer")
    assert created
    [warning] = checking_definitions.compiled(version.id).warnings
    assert (warning.file, warning.element, warning.line, warning.severity) == (
        "expense.bpmn", "set_deadline", 40, "warning")
    assert (warning.code, warning.params) == ("bundle.endless_loop", {"part": "script", "script_line": 3})


def test_a_function_the_script_defines_and_a_loop_that_breaks_are_accepted(checking_definitions):
    script = "def twice(n):\n    return n * 2\nwhile True:\n    reminders = twice(reminders) + 1\n    break"
    version, _ = checking_definitions.deploy(expense_with(script), "designer")
    assert checking_definitions.compiled(version.id).warnings == []


# -- at run time ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("script", "code", "limit"), [
    (ENDLESS, "script.limit_exceeded", "time"),
    (SQUARES, "script.limit_exceeded", "memory"),
    (PASSWD, "script.failed", None),
])
def test_a_smuggled_script_stops_its_timer_step_and_the_batch_fires_the_other_cases(runtime, clock, script, code,
                                                                                    limit):
    due = clock.now() + timedelta(hours=1)
    healthy = [runtime.start("wait_timer", {"due": (due + timedelta(minutes=m)).isoformat(), "parts": 4},
                             "loader").instance_id for m in (0, 1, 3, 4)]
    bad_version = smuggle(runtime, wait_timer_with(script), "wait_timer")
    # Due between the healthy ones, so the batch meets it in the middle.
    bad = runtime.start("wait_timer", {"due": (due + timedelta(minutes=2)).isoformat()}, "loader",
                        version_id=bad_version).instance_id
    before = case_rows(runtime, bad)
    clock.advance(hours=2)
    sweeper = TimerSweeper(runtime, batch_size=10)  # all five in one batch

    started = time.monotonic()
    assert sweeper.sweep() == 4
    assert time.monotonic() - started < WALL_CLOCK_BOUND
    assert all(runtime.current_data(_row(runtime, i))["share"] == 25 for i in healthy)
    assert case_rows(runtime, bad) == before
    [incident] = open_incidents(runtime.db)
    assert (incident.instance_id, incident.command, incident.element, incident.code, incident.limit) == (
        bad, "timer", "share", code, limit)
    assert (incident.first_failed_at, incident.failures) == (clock.now(), 1)
    # Later sweeps leave the case to whoever retries it instead of running the script again and again.
    assert sweeper.sweep() == 0
    assert sweeper.next_due() is None
    assert open_incidents(runtime.db)[0].failures == 1


def test_an_operator_step_stopped_at_the_time_limit_stores_nothing_and_other_cases_go_on(runtime, checking_definitions):
    good = runtime.start("expense", {"org": "finance"}, "bob").instance_id
    checking_definitions.deploy(expense_with(ENDLESS), "designer")
    bad = runtime.start("expense", {"org": "finance"}, "alice").instance_id
    before = case_rows(runtime, bad)

    started = time.monotonic()
    with pytest.raises(ScriptLimitExceeded) as caught:
        runtime.complete(_open_task(runtime, bad), {"amount": 12.5, "purpose": "taxi"}, "alice")
    assert LIMITS.time_seconds <= time.monotonic() - started < WALL_CLOCK_BOUND
    assert (caught.value.code, caught.value.params) == (
        "script.limit_exceeded", {"element": "set_deadline", "limit": "time", "allowed": 1.0})
    assert case_rows(runtime, bad) == before
    [incident] = open_incidents(runtime.db)
    assert (incident.instance_id, incident.command, incident.element, incident.limit) == (
        bad, "complete", "set_deadline", "time")

    runtime.complete(_open_task(runtime, good), {"amount": 3.0, "purpose": "bus"}, "bob")
    assert [q.spec_name for q in _queue(runtime, good)] == ["approve"]
    # The operator's action is theirs to take again; a retry only closes the incident.
    assert runtime.retry_incident(incident.incident_id, "admin") is None
    assert open_incidents(runtime.db) == []


def test_a_retry_after_the_cause_is_fixed_fires_the_timer_and_resolves_the_incident(runtime, db,
                                                                                      checking_definitions, clock):
    # Three million characters: more than the 2 MB a value may have under a 64 MB limit.
    version, _ = checking_definitions.deploy(wait_timer_with('share = len("x" * 3_000_000)'), "designer")
    due = clock.now() + timedelta(hours=1)
    instance_id = runtime.start("wait_timer", {"due": due.isoformat()}, "loader", version_id=version.id).instance_id
    clock.advance(hours=2)
    assert TimerSweeper(runtime).sweep() == 0
    [incident] = open_incidents(db)
    assert (incident.limit, incident.params["allowed"]) == ("memory", 64)

    with pytest.raises(ScriptLimitExceeded):  # retried before anything changed: fails again, counted
        runtime.retry_incident(incident.incident_id, "admin")
    assert open_incidents(db)[0].failures == 2

    raised = Runtime(db, checking_definitions, clock, expense_functions,
                     script_limits=ScriptLimits(time_seconds=1.0, memory_megabytes=256))
    assert raised.retry_incident(incident.incident_id, "admin") is not None
    assert open_incidents(db) == []
    with db.reader() as s:
        resolved = s.get(Incident, incident.incident_id)
        assert (resolved.status, resolved.resolved_by, s.get(Instance, instance_id).open_incidents) == (
            "resolved", "admin", 0)
    assert raised.current_data(_row(raised, instance_id))["share"] == 3_000_000
    with pytest.raises(NotFound):  # nothing left to retry
        raised.retry_incident(incident.incident_id, "admin")


def _row(runtime: Runtime, instance_id: int) -> Instance:
    with runtime.db.reader() as s:
        return s.get(Instance, instance_id)


def _queue(runtime: Runtime, instance_id: int) -> list[QueueTask]:
    with runtime.db.reader() as s:
        return list(s.scalars(sa.select(QueueTask).where(QueueTask.instance_id == instance_id)))


def _open_task(runtime: Runtime, instance_id: int) -> str:
    [task] = _queue(runtime, instance_id)
    return task.task_id
