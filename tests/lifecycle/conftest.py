"""Fixtures for lifecycle tests: the real bundle in bpmn/ deployed, the petition script functions, a case."""
from __future__ import annotations

import pytest

from engine.bundles import read_bundle
from tests.lifecycle.helpers import BUNDLE, CaseDriver, petition
from workflows.bootstrap import load_deadline_rules
from workflows.rules.calendar import WorkingCalendar
from workflows.rules.deadlines import DeadlineCalculator
from workflows.scripting import script_functions


@pytest.fixture(scope="session")
def calculator() -> DeadlineCalculator:
    return DeadlineCalculator(load_deadline_rules(BUNDLE / "deadlines.yaml"), WorkingCalendar())


@pytest.fixture
def runtime(make_runtime, definitions, calculator):
    definitions.deploy(read_bundle(BUNDLE), "designer")
    return make_runtime(script_functions(calculator))


@pytest.fixture
def register(runtime, clock):
    """Register a case (start data of helpers.PETITION with changes) and drive it."""
    def start(**changes) -> CaseDriver:
        return CaseDriver.register(runtime, clock, petition(**changes))
    return start
