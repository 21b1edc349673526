"""Return visit (回访) after closure: a problem still unsolved reopens the case under supervision."""
from __future__ import annotations

import pytest

from engine.errors import FieldError, InvalidData
from tests.lifecycle.helpers import (
    INVESTIGATE,
    REHANDLING,
    RETURN_VISIT,
    SUPERVISOR,
    accept,
    end_of_day,
    handle_and_reply,
    return_visit,
    shanghai,
)


def closed_case(register):
    case = register()
    accept(case)
    handle_and_reply(case)
    case.advance(days=31)                                  # the review window lapsed on 04-01
    return case


def test_an_unsolved_problem_at_the_return_visit_reopens_supervision_and_rehandling(register):
    case = closed_case(register)
    return_visit(case, problem_status="unresolved")
    [row] = case.queue()
    assert (row.title, row.role, row.organisation, row.form) == (REHANDLING, "supervisor", "EEB-330100",
                                                                 "rehandling_order.json")
    assert case.task_data(REHANDLING)["status"] == "reopened"
    case.advance(days=1)
    case.complete(REHANDLING, {"rehandling_decision": "order", "order_text": "限30日内整改到位并书面反馈",
                               "listed": True}, SUPERVISOR)
    # Re-handling runs on the supervision feedback clock: 30 days from 04-03 end in the May holidays.
    [row] = case.queue()
    assert (row.title, row.organisation, row.due_at) == (INVESTIGATE, "EEB-330106", end_of_day(2026, 5, 6))
    assert case.pending_timers() == {"办理提醒 Handling reminder": shanghai(2026, 5, 1),
                                     "办理超期 Handling overdue": end_of_day(2026, 5, 6)}
    assert case.task_data(INVESTIGATE)["handling_clock"] == "supervision_feedback"

    case.advance(days=10)
    handle_and_reply(case)
    assert case.pending_timers() == {"申请期届满 Request window closed": end_of_day(2026, 5, 13)}
    case.advance(days=31)
    assert case.task(RETURN_VISIT).organisation == "EEB-330106"
    return_visit(case, problem_status="resolved")
    data = case.data()
    assert (case.status, data["status"], data["reopen_count"], len(data["replies"])) == ("completed", "archived",
                                                                                         1, 2)


def test_a_supervisor_may_archive_a_reopened_case_with_reasons(register):
    case = closed_case(register)
    case.complete(RETURN_VISIT, {"visit_result": "reached", "problem_status": "unresolved",
                                 "visit_satisfaction": "dissatisfied"}, "reg-wang")
    case.complete(REHANDLING, {"rehandling_decision": "archive",
                               "archive_reason": "诉求超出生态环境部门职责，已告知信访人"}, SUPERVISOR)
    data = case.data()
    assert (data["status"], data["reopen_count"], data["visit_satisfaction"]) == ("archived", 1, "dissatisfied")


def test_an_unreachable_petitioner_cannot_be_recorded_as_solved(register):
    case = closed_case(register)
    row = case.task(RETURN_VISIT)
    with pytest.raises(InvalidData) as caught:
        case.runtime.complete(row.task_id, {"visit_result": "unreachable", "problem_status": "resolved"}, "reg-wang")
    assert caught.value.errors == {"problem_status": FieldError("form.const", {"expected": "unknown"})}
