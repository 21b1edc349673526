"""The simple track (简易办理) only for a case that qualifies, and the way back to the normal track.

The decision at acceptance (bpmn/track.dmn) keeps the simple track for a single petitioner's first petition
with clear facts, inside one county; anything else is handled on the normal track and the case says why. A
simple-track case that proves unsuitable moves to the normal track when the handler asks and the leader
approves; its handling deadline is then the normal 60 days from acceptance.
"""
from __future__ import annotations

import pytest

from engine.errors import InvalidData
from tests.lifecycle.helpers import (
    ACCEPTANCE,
    HANDLER,
    INVESTIGATE,
    LEADER,
    NORMAL_TRACK,
    accept,
    end_of_day,
    handle_and_reply,
    investigate,
    petition,
    return_visit,
    shanghai,
)

# Received and accepted Mon 2026-03-02: simple reply due after 10 working days (Mon 03-16); normal handling
# 60 days (Fri 05-01, in the May Day holidays -> Wed 05-06).
SIMPLE_DUE = end_of_day(2026, 3, 16)
NORMAL_DUE = end_of_day(2026, 5, 6)


def test_a_first_petition_with_clear_facts_stays_on_the_simple_track(register):
    case = register(track="simple")
    accept(case, track="simple")
    assert case.task(INVESTIGATE).due_at == SIMPLE_DUE
    data = case.task_data(INVESTIGATE)
    assert (data["track"], data["requested_track"], data["handling_clock"]) == ("simple", "simple", "simple_reply")
    assert data["track_basis"].startswith("首次信访、事实清楚、争议不大")
    assert data["notices"][-1]["track"] == "simple" and data["notices"][-1]["track_basis"] == data["track_basis"]


@pytest.mark.parametrize(("start", "form", "basis"), [
    ({"repeat_links": 1}, {}, "非首次信访"),
    ({}, {"first_petition": False}, "非首次信访"),
    ({"petitioner": dict(petition()["petitioner"], group_size=12)}, {}, "集体信访"),
    ({"cross_county": True, "registration_org": "EEB-330000"}, {}, "跨县区事项"),   # handled by the province
    ({}, {"facts_clear": False}, "事实不清或争议较大"),
], ids=["linked_repeat", "registrar_finds_repeat", "group", "cross_county", "facts_unclear"])
def test_a_case_that_does_not_qualify_is_handled_on_the_normal_track_with_the_reason(register, start, form, basis):
    case = register(track="simple", **start)
    accept(case, track="simple", **form)
    row = case.task(INVESTIGATE)
    data = case.task_data(INVESTIGATE)
    assert (data["track"], data["requested_track"], data["handling_clock"]) == ("normal", "simple", "handling")
    assert data["track_basis"].startswith(basis) and "normal track" in data["track_basis"]
    assert row.due_at == NORMAL_DUE, "the normal handling deadline, 60 days"
    assert data["notices"][-1]["track"] == "normal"


def test_a_simple_track_case_moves_to_the_normal_track_when_the_leader_approves(register):
    case = register(track="simple")
    accept(case, track="simple")
    case.advance(days=6)                                    # Sun 03-08
    investigate(case, next_step="normal_track", normal_track_reason="涉及多家企业，需委托监测，事实难以在短期内查清")
    [row] = case.queue()
    assert (row.title, row.role, row.organisation, row.due_at) == (NORMAL_TRACK, "leader", "EEB-330106",
                                                                   SIMPLE_DUE)
    case.complete(NORMAL_TRACK, {"normal_track_decision": "approve", "normal_track_comment": "同意"}, LEADER)
    assert case.task(INVESTIGATE).due_at == NORMAL_DUE, "the normal deadline, counted from acceptance"
    assert case.pending_timers() == {"办理提醒 Handling reminder": shanghai(2026, 4, 29),
                                     "办理超期 Handling overdue": NORMAL_DUE}
    data = case.task_data(INVESTIGATE)
    assert (data["track"], data["handling_clock"], data["handling_end"]) == ("normal", "handling", "2026-05-01")
    assert data["notices"][-1] == {"kind": "track_change", "at": "2026-03-08T01:00:00+00:00", "track": "normal",
                                   "reason": "涉及多家企业，需委托监测，事实难以在短期内查清",
                                   "handling_due": "2026-05-06T23:59:59+08:00"}
    handle_and_reply(case)
    case.advance(days=31)
    return_visit(case)
    assert (case.status, case.data()["track"]) == ("completed", "normal")


def test_a_refused_move_keeps_the_simple_track_and_its_deadline(register):
    case = register(track="simple")
    accept(case, track="simple")
    investigate(case, next_step="normal_track", normal_track_reason="需要补充监测")
    case.complete(NORMAL_TRACK, {"normal_track_decision": "refuse", "normal_track_comment": "可在期限内办结"}, LEADER)
    assert case.task(INVESTIGATE).due_at == SIMPLE_DUE
    data = case.task_data(INVESTIGATE)
    assert (data["track"], data["handling_clock"], data["normal_track_comment"]) == ("simple", "simple_reply",
                                                                                    "可在期限内办结")


def test_asking_for_the_normal_track_on_a_normal_case_needs_no_leader(register):
    case = register()
    accept(case)
    investigate(case, next_step="normal_track", normal_track_reason="误选")
    [row] = case.queue()
    assert (row.title, row.due_at) == (INVESTIGATE, NORMAL_DUE)
    assert case.task_data(INVESTIGATE)["normal_track_decision"] == "refuse"


def test_asking_for_the_normal_track_needs_a_reason_and_stores_nothing_without_one(register):
    case = register(track="simple")
    accept(case, track="simple")
    row = case.task(INVESTIGATE)
    before = case.instance().lock_version
    with pytest.raises(InvalidData) as caught:
        case.runtime.complete(row.task_id, {"next_step": "normal_track", "findings": "初步调查"}, HANDLER)
    assert set(caught.value.errors) == {"normal_track_reason"}
    assert caught.value.errors["normal_track_reason"].code == "form.required"
    assert case.instance().lock_version == before and case.task(INVESTIGATE).task_id == row.task_id


def test_asking_for_the_simple_track_needs_the_registrars_findings_and_stores_nothing_without_them(register):
    case = register(track="simple")
    row = case.task(ACCEPTANCE)
    with pytest.raises(InvalidData) as caught:
        case.runtime.complete(row.task_id, {"acceptance_decision": "accept", "content_category": "pollution_complaint",
                                            "track": "simple"}, "reg-wang")
    assert {field: error.code for field, error in caught.value.errors.items()} == {
        "first_petition": "form.required", "facts_clear": "form.required"}
    assert case.task(ACCEPTANCE).task_id == row.task_id
