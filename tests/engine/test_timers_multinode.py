"""Several nodes sweeping one PostgreSQL database fire each of 1,000 due timers exactly once, even when one
node is killed in the middle of a batch.

The nodes are separate worker processes running this file as a script; each keeps a ManualClock set to
the same fixed time, so nothing here waits for the wall clock.
"""
from __future__ import annotations

import argparse
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.bundles import read_bundle
from engine.clock import ManualClock
from engine.definitions import Definitions
from engine.models import AuditEvent, Base, Instance, Timer
from engine.runtime import Runtime
from engine.store import Database
from engine.timers import TimerSweeper
from tests.conftest import START
from tests.templates import Copy, Template

ROOT = Path(__file__).resolve().parents[2]
TIMERS = 1000
WORKER_TIMEOUT = 60

# PostgreSQL only: conftest's `postgres_url` skips it when the server is unreachable, or fails with
# REQUIRE_POSTGRES=1. SQLite has one writer at a time, so there is no race between nodes to test.
pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


class Worker:
    """A sweeping node in its own process; its output lines arrive on a queue as it prints them."""

    def __init__(self, name: str, url: str, now: datetime, batch_size: int = 50, delay: float = 0.0) -> None:
        self.name = name
        self.lines: queue.Queue[str] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--url", url, "--now", now.isoformat(), "--batch-size", str(batch_size),
             "--delay", str(delay)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, deadline: float) -> str:
        try:
            return self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            pytest.fail(f"worker {self.name} printed nothing more in time")

    def finish(self) -> int:
        """Wait for the worker to finish; return how many timers it fired."""
        try:
            self.process.wait(timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"worker {self.name} did not finish within {WORKER_TIMEOUT} s")
        output = []
        while not self.lines.empty():
            output.append(self.lines.get())
        assert self.process.returncode == 0, f"worker {self.name} failed:\n" + "\n".join(output)
        return int(next(line for line in output if line.startswith("done ")).split()[1])


def start_waiting_instances(url: str, folder: Path) -> datetime:
    """1,000 instances each waiting on one timer, all due an hour after the start; returns a time after that."""
    db, clock = Database(url), ManualClock(START)
    Base.metadata.create_all(db.engine)
    definitions = Definitions(db, clock)
    definitions.deploy(read_bundle(ROOT / "tests" / "fixtures" / "wait_timer"), "designer")
    runtime = Runtime(db, definitions, clock)
    due = (clock.now() + timedelta(hours=1)).isoformat()
    for _ in range(TIMERS // 250):
        with db.unit_of_work() as tx:
            for _ in range(250):
                runtime.start("wait_timer", {"due": due, "parts": 1}, "loader", session=tx)
    db.dispose()
    return clock.now() + timedelta(hours=2)


# Built once per run: both tests start from the same thousand waiting instances.
WAITING = Template("waiting_timers", start_waiting_instances)


@pytest.fixture
def waiting(backend, database_copy) -> Copy:
    return database_copy(WAITING, backend)


@pytest.fixture
def db(waiting):
    """The test's own copy of the database with the thousand waiting instances."""
    database = Database(waiting.url)
    yield database
    database.dispose()


@pytest.fixture
def due_timers(waiting) -> datetime:
    """A time when every timer of the waiting instances is due."""
    return waiting.info


def assert_each_timer_fired_exactly_once(db: Database) -> None:
    with db.reader() as session:
        statuses = dict(session.execute(sa.select(Timer.status, sa.func.count()).group_by(Timer.status)).all())
        assert statuses == {"fired": TIMERS}
        per_instance = session.execute(sa.select(AuditEvent.instance_id, sa.func.count())
                                       .where(AuditEvent.command == "timer")
                                       .group_by(AuditEvent.instance_id)).all()
        assert len(per_instance) == TIMERS and {count for _, count in per_instance} == {1}
        completed = session.scalar(sa.select(sa.func.count()).select_from(Instance)
                                   .where(Instance.status == "completed"))
        assert completed == TIMERS


def test_three_nodes_fire_a_thousand_due_timers_exactly_once(db, due_timers):
    workers = [Worker(f"node-{n}", db.url.render_as_string(hide_password=False), due_timers) for n in range(3)]
    fired = [worker.finish() for worker in workers]
    assert sum(fired) == TIMERS
    assert_each_timer_fired_exactly_once(db)


def test_a_node_killed_mid_batch_loses_nothing_and_fires_nothing_twice(db, due_timers):
    url = db.url.render_as_string(hide_password=False)
    # The victim fires slowly and announces each instance it fired but has not committed yet.
    victim = Worker("victim", url, due_timers, batch_size=10, delay=0.05)
    survivors = [Worker(f"survivor-{n}", url, due_timers) for n in range(2)]
    deadline = time.monotonic() + WORKER_TIMEOUT
    committed = 0
    while committed == 0:
        line = victim.next_line(deadline)
        if line.startswith("committed "):
            committed = int(line.split()[1])
    in_flight = []
    while len(in_flight) < 2:
        line = victim.next_line(deadline)
        assert not line.startswith(("committed", "done")), f"victim finished a batch before the kill: {line}"
        if line.startswith("firing "):
            in_flight.append(int(line.split()[1]))
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=10)

    fired_by_survivors = sum(survivor.finish() for survivor in survivors)
    assert_each_timer_fired_exactly_once(db)
    # The victim's one committed batch stays fired; everything it held when it died was fired by the others.
    assert fired_by_survivors == TIMERS - committed
    with db.reader() as session:
        fired_in_flight = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.command == "timer", AuditEvent.instance_id.in_(in_flight)))
    assert fired_in_flight == len(in_flight)


def run_worker(argv: list[str]) -> None:
    """A node: sweep one batch at a time, printing progress, until no due timer is left."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--now", required=True, type=datetime.fromisoformat)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args(argv)

    db = Database(args.url)
    clock = ManualClock(args.now)
    runtime = Runtime(db, Definitions(db, clock), clock)
    if args.delay:
        def slow_fire(tx, row: Instance) -> None:
            print(f"firing {row.id}", flush=True)
            time.sleep(args.delay)
        runtime.before_commit = slow_fire
    sweeper = TimerSweeper(runtime, batch_size=args.batch_size)
    total = 0
    while True:
        fired = sweeper.sweep(limit=args.batch_size)
        total += fired
        print(f"committed {fired}", flush=True)
        if fired == 0:
            next_due = sweeper.next_due()
            if next_due is None or next_due > clock.now():
                break
            # Other nodes hold the rest of what is due; look again once they may have committed.
            time.sleep(0.05)
    print(f"done {total}", flush=True)
    db.dispose()


if __name__ == "__main__":
    run_worker(sys.argv[1:])
