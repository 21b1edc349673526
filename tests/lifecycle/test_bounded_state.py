"""Bounded state: a case that goes round the remand loop stores about the same state each round (the engine
prunes the finished history after every step, engine/spiff/prune.py), and replaying its events still rebuilds
exactly what is stored. An instance started before pruning existed keeps its whole tree and verifies too."""
from __future__ import annotations

import json

import engine.runtime as runtime_module
from engine.verify import verify_instance
from tests.lifecycle.helpers import (
    RETURN_VISIT,
    CaseDriver,
    accept,
    handle_and_reply,
    return_visit,
    review_opinion,
)
from tests.lifecycle.test_review import REPLIED

LOOPS = 4


class Unchecked(CaseDriver):
    """Drives a case without verifying after every step; the test verifies once at the end."""

    def verify(self) -> None:
        pass


def remand_round(case: CaseDriver) -> None:
    """The petitioner asks for review, the city remands, the county handles and replies again."""
    case.advance(days=1)
    case.correlate("review_requested", {"reason": "夜间噪声未处理"})
    case.advance(days=1)
    review_opinion(case, "remand")
    case.advance(days=1)
    handle_and_reply(case)


def stored(case: CaseDriver) -> tuple[int, dict]:
    state = case.instance().state
    return len(state.encode()), json.loads(state)


def unchecked(case: CaseDriver) -> Unchecked:
    return Unchecked(case.runtime, case.clock, case.instance_id)


def test_the_state_of_a_looping_case_stays_bounded_and_replays_exactly(case_copy):
    case = unchecked(case_copy(REPLIED))
    sizes = [stored(case)[0]]
    for _ in range(LOOPS):
        remand_round(case)
        sizes.append(stored(case)[0])
    _, state = stored(case)
    # The called processes of finished rounds are gone; the top level keeps only what it may still need.
    assert len(state["subprocesses"]) <= 1, list(state["subprocesses"])
    assert len(state["tasks"]) < 60, len(state["tasks"])
    # Each round adds a review and a reply to the case data, a few hundred bytes; not a copy of its history.
    per_round = (sizes[-1] - sizes[1]) / (LOOPS - 1)
    assert per_round < 3_000, sizes
    assert sizes[-1] < 1.5 * sizes[0], sizes
    verdict = verify_instance(case.runtime, case.instance_id)
    assert verdict.ok, str(verdict)
    # The case still works on: the window lapses and the return visit ends it, and verify stays exact.
    case.advance(days=40)
    assert [row.title for row in case.queue()] == [RETURN_VISIT]
    return_visit(case)
    assert case.status == "completed" and [r["outcome"] for r in case.data()["reviews"]] == ["remand"] * LOOPS
    assert verify_instance(case.runtime, case.instance_id).ok


def test_an_instance_started_before_pruning_keeps_its_whole_history_and_verifies(register, monkeypatch):
    # An instance whose start event does not ask for pruning, as every instance started before it existed.
    monkeypatch.setattr(runtime_module, "mark_bounded", lambda workflow: None)
    monkeypatch.setattr(runtime_module, "BOUNDED", "started_before_pruning")
    case = register()
    accept(case)
    handle_and_reply(case)
    monkeypatch.undo()  # the code that runs it now prunes bounded instances only
    sizes = [stored(case)[0]]
    for _ in range(2):
        remand_round(case)
        sizes.append(stored(case)[0])
    assert len(stored(case)[1]["subprocesses"]) >= 5, "every round's called processes are still stored"
    assert sizes[2] - sizes[1] > 10_000, sizes
    assert verify_instance(case.runtime, case.instance_id).ok
