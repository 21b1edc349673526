"""Fixtures for the auditor's view: a petition case driven through its whole life on the real bundle,
with the task queue and the timers recorded after every live step."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.models import Instance, QueueTask, Timer
from tests.domain.conftest import make_actor, services  # noqa: F401 - fixtures shared with the domain tests
from tests.domain.test_cases import FORM
from tests.lifecycle.conftest import calculator, register, runtime  # noqa: F401 - fixtures shared with lifecycle
from tests.lifecycle.helpers import (
    CaseDriver,
    petition,
    review_upheld_and_archive,
)
from workflows.intake.registration import register_case


class RecordingCase(CaseDriver):
    """A case that remembers, after each live step, the queue rows and pending timers the engine stored."""

    def __init__(self, engine_runtime, clock, instance_id: int) -> None:
        super().__init__(engine_runtime, clock, instance_id)
        self.recorded: dict[int, dict] = {}

    def verify(self) -> None:
        super().verify()
        self.record()

    def record(self) -> None:
        with self.db.reader() as session:
            seq = session.get(Instance, self.instance_id).event_count
            queue = session.scalars(sa.select(QueueTask).where(QueueTask.instance_id == self.instance_id))
            timers = session.scalars(sa.select(Timer).where(Timer.instance_id == self.instance_id,
                                                            Timer.status == "pending"))
            self.recorded[seq] = {
                "queue": sorted((q.spec_name, q.title, q.role, q.organisation, q.assignee, q.due_at,
                                 q.form) for q in queue),
                "timers": sorted((t.name, t.due_at) for t in timers),
            }

    def claim(self, title: str, actor: str) -> None:
        self.runtime.claim(self.task(title).task_id, actor)
        self.record()

    def release(self, title: str, actor: str) -> None:
        self.runtime.release(self.task(title).task_id, actor)
        self.record()


@pytest.fixture
def record_case(runtime, clock):  # noqa: F811 - the fixture imported above
    def start(**changes) -> RecordingCase:
        return RecordingCase.register(runtime, clock, petition(**changes))
    return start


@pytest.fixture
def closed_case(services, make_actor, clock):  # noqa: F811
    """A case registered through the domain, replied, reviewed once (upheld) and archived after its visit."""
    registrar = make_actor("reg-wang", "registrar")
    case = register_case(services, registrar, FORM)
    driver = CaseDriver(services.runtime, clock, case.instance_id)
    review_upheld_and_archive(driver)
    assert driver.status == "completed"
    return case
