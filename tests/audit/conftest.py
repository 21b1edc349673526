"""Fixtures for the auditor's view: a petition case driven through its whole life on the real bundle, built
once per run and backend (tests/templates.py) and copied for each test."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.clock import ManualClock
from engine.models import Instance, QueueTask, Timer
from tests.conftest import START
from tests.domain.conftest import ORGANISATIONS, create_actor, make_actor, services_on  # noqa: F401 - a fixture
from tests.domain.test_cases import FORM
from tests.lifecycle.conftest import calculator  # noqa: F401 - a fixture shared with the lifecycle tests
from tests.lifecycle.helpers import CaseDriver, review_upheld_and_archive
from tests.templates import Template
from workflows.intake.registration import register_case
from workflows.models import Case


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


@dataclass(frozen=True)
class Closed:
    case_id: int
    now: datetime


def close_a_case(url: str, folder: Path) -> Closed:
    """A case registered through the domain, replied, reviewed once (upheld) and archived after its visit."""
    clock = ManualClock(START)
    with services_on(url, clock, folder) as services:
        registrar = create_actor(services, "reg-wang", "registrar")
        case = register_case(services, registrar, FORM)
        driver = CaseDriver(services.runtime, clock, case.instance_id)
        review_upheld_and_archive(driver)
        assert driver.status == "completed"
    return Closed(case.id, clock.now())


CLOSED_CASE = Template("closed_case", close_a_case, base=ORGANISATIONS)


@pytest.fixture
def closed_copy(backend, database_copy, clock):
    """The test's copy of the database with the closed case, and the clock where the case left it."""
    made = database_copy(CLOSED_CASE, backend)
    clock.set(made.info.now)
    return made


@pytest.fixture
def services(closed_copy, clock, tmp_path):
    """The domain's services on the test's copy of the database with the closed case."""
    with services_on(closed_copy.url, clock, tmp_path) as built:
        yield built


@pytest.fixture
def closed_case(services, closed_copy) -> Case:
    """A case registered through the domain, replied, reviewed once (upheld) and archived after its visit."""
    with services.db.reader() as session:
        return session.get(Case, closed_copy.info.case_id)
