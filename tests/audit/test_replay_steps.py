"""Replaying a case step by step rebuilds, after every event, the tasks, deadlines and timers the engine
recorded live, through review and re-review, claims, timers and a corrected deadline."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.replay import instance_states
from engine.store import Database
from tests.audit.conftest import RecordingCase
from tests.conftest import START
from tests.lifecycle.conftest import (
    BUNDLE_DEPLOYED,
    deadline_calculator,
    petition_runtime,
)
from tests.lifecycle.helpers import (
    ACCEPTANCE,
    REGISTRAR,
    REVIEW_DRAFT,
    accept,
    handle_and_reply,
    petition,
    return_visit,
    review_opinion,
)
from tests.templates import Template


@dataclass(frozen=True)
class Lived:
    instance_id: int
    recorded: dict[int, dict]  # what the engine stored after each live step, by event number
    now: datetime


def live_a_whole_life(url: str, folder: Path) -> Lived:
    """A case through its whole life: remanded on review, replied again, upheld on review and re-review."""
    database, clock = Database(url), ManualClock(START)
    case = RecordingCase.register(petition_runtime(database, clock, deadline_calculator()), clock, petition())
    case.claim(ACCEPTANCE, REGISTRAR)
    case.release(ACCEPTANCE, REGISTRAR)
    case.claim(ACCEPTANCE, REGISTRAR)
    accept(case)
    handle_and_reply(case)
    case.advance(days=8)
    case.correlate("review_requested", {"reason": "夜间噪声未处理"})
    case.advance(days=10)
    review_opinion(case, "remand")
    case.advance(days=20)
    handle_and_reply(case)
    case.advance(days=3)
    case.correlate("review_requested", {"reason": "仍不满意"})
    overdue = next(t for t in case.timers("pending") if "超期" in t.name)
    case.runtime.correct_deadline(overdue.id, overdue.due_at + timedelta(days=2), "auditor-test",
                                  "邮寄延误，期限顺延")
    case.record()
    case.advance(days=26)
    assert [t.name for t in case.timers("fired")][-1].startswith("复查复核提醒"), "the reminder fired"
    review_opinion(case, "uphold")
    case.advance(days=5)
    case.correlate("review_requested", {"reason": "不服复查意见"})
    review_opinion(case, "uphold", reviewer="rev-prov-he")
    return_visit(case)
    assert case.status == "completed"
    database.dispose()
    return Lived(case.instance_id, case.recorded, clock.now())


LIVED = Template("lived", live_a_whole_life, base=BUNDLE_DEPLOYED)


@pytest.fixture
def lived(backend, database_copy, clock, calculator) -> RecordingCase:
    """The test's copy of the case that lived its whole life, with what was recorded at each live step."""
    made = database_copy(LIVED, backend)
    clock.set(made.info.now)
    database = Database(made.url)
    case = RecordingCase(petition_runtime(database, clock, calculator), clock, made.info.instance_id)
    case.recorded = made.info.recorded
    yield case
    database.dispose()


def as_recorded(state) -> dict:
    return {
        "queue": sorted((t.spec_name, t.title, t.role, t.organisation, t.assignee, t.due_at, t.form)
                        for t in state.ready),
        "timers": sorted((t.name, t.due_at) for t in state.timers),
    }


def test_replay_gives_the_recorded_tasks_and_timers_after_every_event(lived):
    states = instance_states(lived.runtime, lived.instance_id)
    assert [s.seq for s in states] == list(range(1, len(states) + 1))
    assert sorted(lived.recorded) == [s.seq for s in states], "every live step was recorded"
    for state in states:
        assert as_recorded(state) == lived.recorded[state.seq], f"after event {state.seq} ({state.command})"
    commands = {s.command for s in states}
    assert commands >= {"start", "claim", "release", "complete", "message", "timer", "correct_deadline"}


def test_the_path_taken_grows_through_the_called_processes(lived):
    states = instance_states(lived.runtime, lived.instance_id)
    first, last = states[0], states[-1]
    assert first.active["petition"] == ["acceptance_overdue_timer", "acceptance_reminder_timer",
                                        "decide_acceptance"]
    assert "investigate" not in first.completed.get("petition_handling", [])
    assert {"investigate", "draft_reply", "deliver_reply"} <= set(last.completed["petition_handling"])
    assert {"draft_review_opinion", "sign_review_opinion"} <= set(last.completed["petition_review"])
    assert ("decide_acceptance", "triage_case") in last.flows["petition"]
    assert last.status == "completed" and last.ready == [] and last.timers == []
    assert last.data["status"] == "archived"
    for before, after in itertools.pairwise(states):
        for process, done in before.completed.items():
            assert set(done) <= set(after.completed[process]), "the path only grows"


def test_each_state_shows_the_case_data_of_that_moment(lived):
    states = instance_states(lived.runtime, lived.instance_id)
    assert states[0].data["case_no"] == "XH-2026-0001" and "acceptance_decision" not in states[0].data
    accepted = next(s for s in states if s.command == "complete" and s.data.get("acceptance_decision"))
    assert accepted.data["acceptance_decision"] == "accept"
    review = next(s for s in states if s.command == "message")
    assert [t.title for t in review.ready] == [REVIEW_DRAFT]
    assert review.data["review_reason"] == "夜间噪声未处理"
