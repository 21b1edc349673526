"""Jurisdiction routing and assignment (交办): the registering bureau dispatches, waits for the completion
report, and may return the case for rework."""
from __future__ import annotations

import pytest

from tests.lifecycle.helpers import (
    ACCEPTANCE,
    DISPATCH,
    INVESTIGATE,
    REGISTRAR,
    REPORT,
    SUPERVISOR,
    accept,
    end_of_day,
    handle_and_reply,
    return_visit,
    shanghai,
)


def test_a_case_registered_at_the_city_is_assigned_to_the_county_bureau_of_the_place(register):
    case = register(registration_org="EEB-330100")
    [row] = case.queue()
    assert (row.title, row.role, row.organisation, row.form) == (DISPATCH, "registrar", "EEB-330100",
                                                                 "dispatch.json")
    assert row.due_at == end_of_day(2026, 3, 17)
    assert case.pending_timers() == {"分办提醒 Dispatch reminder": shanghai(2026, 3, 14),
                                     "分办超期 Dispatch overdue": end_of_day(2026, 3, 17)}
    case.advance(days=4)
    case.complete(DISPATCH, {"dispatch_decision": "assign", "assignment_note": "请西湖分局依法核查"}, REGISTRAR)
    [row] = case.queue()
    # The acceptance clock starts when the county receives the assignment (Friday 03-06).
    assert (row.title, row.organisation, row.due_at) == (ACCEPTANCE, "EEB-330106", end_of_day(2026, 3, 23))
    data = case.task_data(ACCEPTANCE)
    assert (data["assigned"], data["assigning_org"], data["handling_org"]) == (True, "EEB-330100", "EEB-330106")


def test_the_registering_bureau_may_keep_a_case_it_would_assign(register):
    case = register(registration_org="EEB-330100")
    case.complete(DISPATCH, {"dispatch_decision": "handle_here"}, REGISTRAR)
    assert (case.task(ACCEPTANCE).organisation, case.task(ACCEPTANCE).due_at) == ("EEB-330100",
                                                                                  end_of_day(2026, 3, 17))
    accept(case)
    handle_and_reply(case)
    assert case.queue() == [], "no completion report for a case that was not assigned"


def test_an_assigned_case_returned_for_rework_is_handled_again_before_the_review_window_opens(register):
    case = register(registration_org="EEB-330100")
    case.complete(DISPATCH, {"dispatch_decision": "assign"}, REGISTRAR)
    accept(case)
    handle_and_reply(case)
    [row] = case.queue()
    assert (row.title, row.role, row.organisation, row.form) == (REPORT, "supervisor", "EEB-330100",
                                                                 "completion_report_review.json")
    assert case.task_data(REPORT)["completion_report"]["findings"] == "现场检查属实：油烟未经净化直排。"
    assert case.pending_timers() == {}, "the review window waits for the report"
    case.complete(REPORT, {"report_decision": "return", "report_opinion": "未附整改照片，退回重办"}, SUPERVISOR)
    [row] = case.queue()
    assert (row.title, row.organisation, row.due_at) == (INVESTIGATE, "EEB-330106", end_of_day(2026, 5, 6))
    data = case.task_data(INVESTIGATE)
    assert (data["status"], data["rework_count"], data["rework_reason"]) == ("handling", 1, "未附整改照片，退回重办")

    case.advance(days=5)
    handle_and_reply(case)
    case.complete(REPORT, {"report_decision": "accept"}, SUPERVISOR)
    # Delivered Saturday 03-07; 30 days end on Qingming Monday 04-06, a holiday, so Tuesday.
    assert case.pending_timers() == {"申请期届满 Request window closed": end_of_day(2026, 4, 7)}
    case.advance(days=32)
    assert case.task("回访 Return visit").organisation == "EEB-330100", "the registering bureau visits"
    return_visit(case)
    data = case.data()
    assert (data["status"], data["rework_count"], len(data["replies"])) == ("archived", 1, 2)


@pytest.mark.parametrize("changes, level, bureau", [
    ({}, "county", "EEB-330106"),
    ({"division_code": "330212101001"}, "county", "EEB-330212"),
    ({"pollution_types": ["radiation"]}, "city", "EEB-330100"),
    ({"division_code": "330200", "pollution_types": ["water"]}, "city", "EEB-330200"),
    ({"cross_county": True}, "province", "EEB-330000"),
    ({"province_listed": True, "division_code": "330110"}, "province", "EEB-330000"),
])
def test_jurisdiction_routing_sends_the_case_to_the_bureau_of_the_place_at_the_right_level(
        register, changes, level, bureau):
    case = register(registration_org="EEB-330000", **changes)
    if bureau != "EEB-330000":
        assert case.task(DISPATCH).organisation == "EEB-330000"
        case.complete(DISPATCH, {"dispatch_decision": "assign"}, REGISTRAR)
    data = case.task_data(ACCEPTANCE)
    assert (data["handling_level"], data["handling_org"], case.task(ACCEPTANCE).organisation) == (
        level, bureau, bureau)
