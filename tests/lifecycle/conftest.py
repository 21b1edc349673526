"""Fixtures for lifecycle tests: the real bundle in bpmn/ deployed, the petition script functions, a case."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from engine.bundles import read_bundle
from engine.clock import ManualClock
from engine.definitions import Definitions
from engine.runtime import Runtime
from engine.store import Database
from tests.conftest import START, TABLES, share_compiled_versions
from tests.lifecycle.helpers import BUNDLE, CaseDriver, petition
from tests.templates import Template
from workflows.bootstrap import load_deadline_rules
from workflows.rules.calendar import WorkingCalendar
from workflows.rules.deadlines import DeadlineCalculator
from workflows.scripting import script_functions


def deploy_bundle(url: str, folder: Path) -> None:
    """The bundle in bpmn/ deployed by a designer when the tests' clock starts."""
    database = Database(url)
    try:
        Definitions(database, ManualClock(START)).deploy(read_bundle(BUNDLE), "designer")
    finally:
        database.dispose()


BUNDLE_DEPLOYED = Template("bundle", deploy_bundle, base=TABLES, rebuilt_on_postgres=True)


def deadline_calculator() -> DeadlineCalculator:
    return DeadlineCalculator(load_deadline_rules(BUNDLE / "deadlines.yaml"), WorkingCalendar())


def petition_runtime(database: Database, clock, calculator: DeadlineCalculator) -> Runtime:
    """The engine with the petition script functions, as bootstrap builds it but without the domain."""
    return Runtime(database, share_compiled_versions(Definitions(database, clock)), clock,
                   script_functions(calculator))


@dataclass(frozen=True)
class Driven:
    instance_id: int
    now: datetime  # the clock when the drive ended


def driven_case(name: str, drive: Callable[[CaseDriver], None]) -> Template:
    """A template of one case registered with helpers.PETITION and driven on by `drive`, checked at every step."""
    def build(url: str, folder: Path) -> Driven:
        database, clock = Database(url), ManualClock(START)
        try:
            case = CaseDriver.register(petition_runtime(database, clock, deadline_calculator()), clock, petition())
            drive(case)
            return Driven(case.instance_id, clock.now())
        finally:
            database.dispose()
    return Template(name, build, base=BUNDLE_DEPLOYED)


@pytest.fixture(scope="session")
def calculator() -> DeadlineCalculator:
    return deadline_calculator()


@pytest.fixture
def runtime(backend, database_copy, clock, calculator):
    """The petition engine on the test's own copy of a database with the bundle deployed."""
    database = Database(database_copy(BUNDLE_DEPLOYED, backend).url)
    yield petition_runtime(database, clock, calculator)
    database.dispose()


@pytest.fixture
def case_copy(backend, database_copy, clock, calculator):
    """`case_copy(template)`: the case of a `driven_case` template on the test's own copy of its database, the
    clock set to where the drive left it."""
    databases = []

    def copy(template: Template) -> CaseDriver:
        made = database_copy(template, backend)
        clock.set(made.info.now)
        databases.append(Database(made.url))
        return CaseDriver(petition_runtime(databases[-1], clock, calculator), clock, made.info.instance_id)
    yield copy
    for database in databases:
        database.dispose()


@pytest.fixture
def register(runtime, clock):
    """Register a case (start data of helpers.PETITION with changes) and drive it."""
    def start(**changes) -> CaseDriver:
        return CaseDriver.register(runtime, clock, petition(**changes))
    return start
