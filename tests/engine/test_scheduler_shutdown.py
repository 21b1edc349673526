"""A node's scheduler asked to stop while a sweep is running lets the sweep finish and then stops, instead of
waiting for it forever (APScheduler 3 holds its job-store lock while it waits for running jobs, and the end
of a sweep re-arms the wake-up job)."""
from __future__ import annotations

import threading
from datetime import timedelta

from engine.bundles import read_bundle
from engine.runtime import Runtime
from engine.scheduler import NodeScheduler
from engine.timers import TimerSweeper
from tests.conftest import FIXTURES


class HeldSweeper(TimerSweeper):
    """The real sweeper on the test database, held at the start of its sweep until the test lets it go."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(runtime)
        self.sweeping = threading.Event()
        self.go_on = threading.Event()

    def sweep(self, limit: int | None = None) -> int:
        self.sweeping.set()
        assert self.go_on.wait(10), "the test never let the sweep go on"
        return super().sweep(limit)


def test_stopping_during_a_sweep_waits_for_the_sweep_and_then_stops(make_runtime, definitions, clock):
    definitions.deploy(read_bundle(FIXTURES / "wait_timer"), "designer")
    runtime = make_runtime()
    instance_id = runtime.start("wait_timer", {"due": (clock.now() + timedelta(hours=1)).isoformat(), "parts": 1},
                                "designer").instance_id
    clock.advance(hours=2)  # its timer is due
    sweeper = HeldSweeper(runtime)
    node = NodeScheduler(sweeper, sweep_seconds=30)
    node.start()  # the first sweep runs at once
    assert sweeper.sweeping.wait(10)

    stopper = threading.Thread(target=node.shutdown, kwargs={"wait": True})
    stopper.start()
    stopper.join(0.5)
    assert stopper.is_alive()  # waiting for the sweep, as asked
    sweeper.go_on.set()
    stopper.join(10)
    assert not stopper.is_alive(), "shutdown(wait=True) deadlocked with the sweep re-arming its wake-up"
    assert sweeper.pending_count() == 0 and [t.instance_id for t in sweeper.fired()] == [instance_id]
