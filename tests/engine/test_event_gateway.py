"""A timer behind an event-based gateway gets a timer row like any other, and loses the race cleanly."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.bundles import read_bundle
from engine.verify import verify_instance
from tests.conftest import FIXTURES
from tests.engine.helpers import instance, timers


@pytest.fixture
def runtime(make_runtime, definitions):
    definitions.deploy(read_bundle(FIXTURES / "event_gateway"), "designer")
    return make_runtime()


def start(runtime, clock):
    due = (clock.now() + timedelta(days=3)).isoformat()
    return runtime.start("event_gateway", {"due": due}, "alice").instance_id


def test_the_deadline_fires_when_no_answer_came(runtime, db, clock):
    instance_id = start(runtime, clock)
    [timer] = timers(db, instance_id)
    assert (timer.name, timer.status, timer.due_at) == ("Answer or deadline 答复或到期", "pending",
                                                       clock.now() + timedelta(days=3))
    clock.advance(days=3, seconds=-1)
    assert runtime.fire_timers(instance_id) is None, "not due yet"
    clock.advance(seconds=1)
    assert runtime.fire_timers(instance_id) is not None
    assert [t.status for t in timers(db, instance_id)] == ["fired"]
    assert instance(db, instance_id).status == "completed"
    assert runtime.load_workflow(instance(db, instance_id)).data["outcome"] == "lapsed"
    assert verify_instance(runtime, instance_id).ok


def test_an_answer_first_cancels_the_deadline(runtime, db, clock):
    instance_id = start(runtime, clock)
    clock.advance(days=1)
    runtime.correlate(instance_id, "answer", {"text": "ok"}, "bob")
    assert [t.status for t in timers(db, instance_id)] == ["cancelled"]
    assert runtime.load_workflow(instance(db, instance_id)).data["outcome"] == "answered"
    assert verify_instance(runtime, instance_id).ok
