"""Timers fire through the sweep at their due time on the test clock, catch up after downtime in due order,
never fire once cancelled, and survive a crash mid-batch; the node scheduler wakes for the nearest one."""
from __future__ import annotations

import json
import logging
import random
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from engine.bundles import read_bundle
from engine.definitions import Definitions
from engine.models import AuditEvent, Instance, QueueTask, Timer
from engine.runtime import Runtime
from engine.scheduler import WAKE_JOB, NodeScheduler, build_scheduler
from engine.store import Database
from engine.timers import TimerSweeper
from tests.conftest import FIXTURES
from tests.engine.helpers import expense_functions


class NodeCrashed(RuntimeError):
    """Stands for a node dying in the middle of a batch."""


@pytest.fixture
def runtime(make_runtime, definitions) -> Runtime:
    for bundle in ("expense", "wait_timer"):
        definitions.deploy(read_bundle(FIXTURES / bundle), "designer")
    return make_runtime(expense_functions)


def submit_expense(runtime: Runtime, key: str) -> int:
    """Start an expense claim and submit it, so `approve` waits with its reminder and deadline timers."""
    started = runtime.start("expense", {"org": "finance"}, "alice", business_key=key)
    runtime.complete(open_task(runtime, started.instance_id).task_id, {"amount": 12.5, "purpose": "taxi"}, "alice")
    return started.instance_id


def open_task(runtime: Runtime, instance_id: int) -> QueueTask:
    with runtime.db.reader() as session:
        return session.scalars(sa.select(QueueTask).where(QueueTask.instance_id == instance_id)).one()


def start_waiting(runtime: Runtime, due: datetime, parts: int = 1) -> int:
    return runtime.start("wait_timer", {"due": due.isoformat(), "parts": parts}, "loader").instance_id


def timers_of(runtime: Runtime, instance_id: int) -> dict[str, Timer]:
    with runtime.db.reader() as session:
        return {t.name: t for t in session.scalars(sa.select(Timer).where(Timer.instance_id == instance_id))}


def timer_events(runtime: Runtime) -> list[AuditEvent]:
    with runtime.db.reader() as session:
        return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.command == "timer")
                                    .order_by(AuditEvent.id)))


def fired_once_each(runtime: Runtime, instance_ids: list[int]) -> bool:
    events = timer_events(runtime)
    return sorted(e.instance_id for e in events) == sorted(instance_ids)


def test_a_reminder_fires_at_its_due_time_and_not_a_second_before(runtime, clock):
    instance_id = submit_expense(runtime, "E-1")
    sweeper = TimerSweeper(runtime)
    reminder_due = timers_of(runtime, instance_id)["Reminder 提醒"].due_at
    assert reminder_due == clock.now() + timedelta(days=3)
    assert sweeper.next_due() == reminder_due

    clock.set(reminder_due - timedelta(seconds=1))
    assert sweeper.sweep() == 0
    assert timer_events(runtime) == []

    clock.set(reminder_due)
    assert sweeper.sweep() == 1
    [event] = timer_events(runtime)
    assert event.instance_id == instance_id and event.actor == "system" and event.at == reminder_due
    [fired] = json.loads(event.data)["timers"]
    assert (fired["name"], fired["due_at"]) == ("Reminder 提醒", reminder_due.isoformat())
    timers = timers_of(runtime, instance_id)
    assert (timers["Reminder 提醒"].status, timers["Reminder 提醒"].fired_at) == ("fired", reminder_due)
    assert timers["Deadline passed 超期"].status == "pending"
    assert sweeper.sweep() == 0
    assert len(timer_events(runtime)) == 1


def test_the_deadline_interrupts_the_approval_when_it_passes(runtime, clock):
    instance_id = submit_expense(runtime, "E-2")
    sweeper = TimerSweeper(runtime)
    deadline = timers_of(runtime, instance_id)["Deadline passed 超期"].due_at
    clock.set(deadline - timedelta(seconds=1))
    assert sweeper.sweep() == 1  # only the reminder
    clock.set(deadline)
    assert sweeper.sweep() == 1
    with runtime.db.reader() as session:
        assert session.get(Instance, instance_id).status == "completed"
        assert session.scalars(sa.select(QueueTask).where(QueueTask.instance_id == instance_id)).all() == []
    assert [e.at for e in timer_events(runtime)] == [deadline - timedelta(seconds=1), deadline]


def test_after_downtime_one_sweep_fires_everything_that_fell_due_in_due_order(runtime, clock):
    start = clock.now()
    # Instances are created in shuffled order, so due order differs from creation order.
    offsets = list(range(1, 31))
    random.Random(7).shuffle(offsets)
    waiting = {start_waiting(runtime, start + timedelta(hours=h)): start + timedelta(hours=h) for h in offsets}
    claims = []
    for k in range(3):
        clock.set(start + timedelta(hours=5 * k + 2, minutes=30))
        claims.append(submit_expense(runtime, f"E-{k}"))
    clock.set(start + timedelta(days=90))  # the node was stopped all this time

    sweeper = TimerSweeper(runtime, batch_size=7)
    assert sweeper.sweep() == len(waiting) + 2 * len(claims)

    events = timer_events(runtime)
    assert len(events) == len(waiting) + len(claims)
    assert {e.at for e in events} == {clock.now()}  # every event carries the firing time ...
    earliest_due = [min(datetime.fromisoformat(t["due_at"]) for t in json.loads(e.data)["timers"]) for e in events]
    assert earliest_due == sorted(earliest_due)  # ... and the due time of each timer it fired, in due order
    for event in events:
        if event.instance_id in waiting:
            [fired] = json.loads(event.data)["timers"]
            assert datetime.fromisoformat(fired["due_at"]) == waiting[event.instance_id]
        else:
            assert {t["name"] for t in json.loads(event.data)["timers"]} == {"Reminder 提醒", "Deadline passed 超期"}
    assert sweeper.pending_count() == 0
    lateness = {f.instance_id: f.lateness for f in sweeper.fired() if f.instance_id in waiting}
    assert lateness == {i: clock.now() - due for i, due in waiting.items()}


def test_a_deadline_cancelled_by_completing_the_task_in_time_never_fires(runtime, clock):
    instance_id = submit_expense(runtime, "E-3")
    sweeper = TimerSweeper(runtime)
    deadline = timers_of(runtime, instance_id)["Deadline passed 超期"].due_at
    clock.set(deadline - timedelta(seconds=1))
    assert sweeper.sweep() == 1  # the reminder

    runtime.complete(open_task(runtime, instance_id).task_id, {"approved": True}, "bob")
    assert timers_of(runtime, instance_id)["Deadline passed 超期"].status == "cancelled"
    clock.advance(days=90)
    assert sweeper.sweep() == 0
    assert len(timer_events(runtime)) == 1
    assert sweeper.next_due() is None


def test_a_deadline_passing_while_the_task_is_being_completed_does_not_fire(runtime, clock, db):
    instance_id = submit_expense(runtime, "E-4")
    sweeper = TimerSweeper(runtime)
    deadline = timers_of(runtime, instance_id)["Deadline passed 超期"].due_at
    clock.set(deadline - timedelta(seconds=1))
    assert sweeper.sweep() == 1  # the reminder
    task_id = open_task(runtime, instance_id).task_id
    swept: list[int] = []

    with db.unit_of_work() as tx:
        runtime.complete(task_id, {"approved": False}, "bob", session=tx)
        clock.advance(seconds=2)  # the deadline passes before the operator's step commits
        sweeping = threading.Thread(target=lambda: swept.append(sweeper.sweep()))
        sweeping.start()
        if not db.is_sqlite:
            # PostgreSQL: the instance is locked by the step, so the sweep skips it without waiting.
            sweeping.join(timeout=30)
            assert not sweeping.is_alive() and swept == [0]
        # On SQLite the sweep waits for the step's write lock and then sees the deadline cancelled.
    sweeping.join(timeout=30)
    assert swept == [0]
    assert timers_of(runtime, instance_id)["Deadline passed 超期"].status == "cancelled"
    assert sweeper.sweep() == 0
    assert len(timer_events(runtime)) == 1


def test_a_batch_that_crashes_is_rolled_back_and_fired_exactly_once_later(runtime, clock):
    due = clock.now() + timedelta(hours=1)
    instance_ids = [start_waiting(runtime, due + timedelta(minutes=i)) for i in range(7)]
    with runtime.db.reader() as session:
        versions = {i: session.get(Instance, i).lock_version for i in instance_ids}
    clock.advance(days=1)
    fires = []

    def crash_on_the_fifth(tx, row):
        fires.append(row.id)
        if len(fires) == 5:  # the second instance of the second batch
            raise NodeCrashed("power cut")

    runtime.before_commit = crash_on_the_fifth
    sweeper = TimerSweeper(runtime, batch_size=3)
    with pytest.raises(NodeCrashed):
        sweeper.sweep()
    # The first batch committed; the second rolled back whole, the instance it had already fired too.
    assert sorted(e.instance_id for e in timer_events(runtime)) == instance_ids[:3]
    assert sweeper.pending_count() == 4
    with runtime.db.reader() as session:
        assert session.get(Instance, instance_ids[3]).lock_version == versions[instance_ids[3]]

    runtime.before_commit = None
    assert sweeper.sweep() == 4
    assert sweeper.sweep() == 0
    assert fired_once_each(runtime, instance_ids)


def test_a_process_failing_after_its_timer_holds_back_only_its_own_timer(runtime, clock, caplog):
    due = clock.now() + timedelta(hours=1)
    broken = start_waiting(runtime, due, parts=0)  # its step after the timer divides by zero
    healthy = [start_waiting(runtime, due + timedelta(minutes=i)) for i in range(4)]
    clock.advance(hours=2)
    sweeper = TimerSweeper(runtime, batch_size=2)

    with caplog.at_level(logging.ERROR, logger="engine.timers"):
        assert sweeper.sweep() == 4
    assert f"timers of instance {broken} could not fire" in caplog.text
    assert "division by zero" in caplog.text
    assert fired_once_each(runtime, healthy)
    [listed] = sweeper.pending()
    assert (listed.instance_id, listed.process_id, listed.overdue) == (broken, "wait_timer", True)
    assert sweeper.sweep() == 0  # retried, and still held back


def test_the_admin_listing_pages_through_pending_timers_soonest_first(runtime, clock):
    start = clock.now()
    for h in (5, 1, 3):
        start_waiting(runtime, start + timedelta(hours=h))
    sweeper = TimerSweeper(runtime)
    clock.advance(hours=2)
    assert sweeper.pending_count() == 3
    first, second = sweeper.pending(limit=2)
    assert (first.due_at, first.overdue, second.due_at, second.overdue) == (
        start + timedelta(hours=1), True, start + timedelta(hours=3), False)
    [third] = sweeper.pending(limit=2, offset=2)
    assert third.due_at == start + timedelta(hours=5)


def test_the_node_wakes_for_the_nearest_due_timer(runtime, clock):
    start = clock.now()
    start_waiting(runtime, start + timedelta(hours=2))
    node = NodeScheduler(TimerSweeper(runtime), sweep_seconds=30)
    node.run_due()
    assert node.wake_at == start + timedelta(hours=2)
    assert node.scheduler.get_job(WAKE_JOB) is not None

    # A step arms a nearer deadline and pokes the node; a later one changes nothing.
    start_waiting(runtime, start + timedelta(hours=1))
    node.poke(start + timedelta(hours=1))
    assert node.wake_at == start + timedelta(hours=1)
    node.poke(start + timedelta(hours=3))
    assert node.wake_at == start + timedelta(hours=1)

    clock.set(start + timedelta(hours=1))
    node.run_due()
    assert len(timer_events(runtime)) == 1
    assert node.wake_at == start + timedelta(hours=2)
    clock.set(start + timedelta(hours=2))
    node.run_due()
    assert len(timer_events(runtime)) == 2
    assert node.wake_at is None and node.scheduler.get_job(WAKE_JOB) is None


def test_cron_callbacks_run_on_the_crontabs_of_their_settings(runtime):
    settings = {"sweep_seconds": 5, "batch_size": 20, "timezone": "Asia/Shanghai",
                "reminder_digest_cron": "0 8 * * *", "kpi_snapshot_cron": "30 1 * * *"}
    node = build_scheduler(runtime, settings, {"reminder_digest": lambda: None, "kpi_snapshot": lambda: None},
                           blocking=True)
    assert isinstance(node.scheduler, BlockingScheduler)
    assert node.sweeper.batch_size == 20 and node.sweep_seconds == 5
    digest = node.scheduler.get_job("cron-reminder_digest")
    assert isinstance(digest.trigger, CronTrigger)
    assert str(digest.trigger.fields[5]) == "8" and str(digest.trigger.timezone) == "Asia/Shanghai"
    assert (digest.max_instances, digest.coalesce) == (1, True)

    with pytest.raises(ValueError, match="scheduler.monthly_bulletin_cron"):
        build_scheduler(runtime, settings, {"monthly_bulletin": lambda: None})
    with pytest.raises(ValueError, match="'0 8 \\* \\*' of job 'reminder_digest'"):
        build_scheduler(runtime, {**settings, "reminder_digest_cron": "0 8 * *"}, {"reminder_digest": lambda: None})


def test_a_node_that_loses_its_database_logs_and_sweeps_again_later(clock, caplog):
    unreachable = Database("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    runtime = Runtime(unreachable, Definitions(unreachable, clock), clock)
    node = NodeScheduler(TimerSweeper(runtime), sweep_seconds=30)
    with caplog.at_level(logging.WARNING, logger="engine.scheduler"):
        node.run_due()  # does not raise
    assert "the interval sweep retries in 30" in caplog.text
    node.poke(clock.now())  # the node is idle again and accepts a wake-up
    assert node.wake_at == clock.now()
    unreachable.dispose()
