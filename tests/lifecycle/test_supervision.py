"""Supervision (督办) beside the lifecycle: a yellow reminder before each deadline, and when one passes, a
supervision task for the supervisor of the bureau one level up, whose order the late bureau must answer."""
from __future__ import annotations

from tests.lifecycle.helpers import (
    ACCEPTANCE,
    FEEDBACK,
    HANDLER,
    INVESTIGATE,
    OWNERSHIP,
    REVIEW_DRAFT,
    SUPERVISE,
    SUPERVISOR,
    accept,
    end_of_day,
    handle_and_reply,
    return_visit,
    review_opinion,
    shanghai,
)


def statuses(case) -> dict[str, str]:
    return {t.name: t.status for t in case.timers()}


def test_an_overdue_acceptance_goes_to_the_city_supervisor_after_a_reminder(register):
    case = register()
    case.advance_to(shanghai(2026, 3, 13, 23, 59))
    assert statuses(case) == {"受理提醒 Acceptance reminder": "pending", "受理超期 Acceptance overdue": "pending"}
    case.advance_to(shanghai(2026, 3, 14))
    assert statuses(case) == {"受理提醒 Acceptance reminder": "fired", "受理超期 Acceptance overdue": "pending"}
    assert [r.title for r in case.queue()] == [ACCEPTANCE], "a reminder changes no task"

    case.advance_to(end_of_day(2026, 3, 17))
    assert statuses(case)["受理超期 Acceptance overdue"] == "fired"
    row = case.task(SUPERVISE)
    assert (row.role, row.organisation, row.form, row.due_at) == ("supervisor", "EEB-330100",
                                                                  "supervision_order.json", None)
    assert case.task(ACCEPTANCE).organisation == "EEB-330106", "the late bureau still has to decide"
    data = case.task_data(SUPERVISE)
    assert (data["overdue_clock"], data["overdue_due"], data["supervised_org"]) == (
        "acceptance", "2026-03-17T23:59:59+08:00", "EEB-330106")

    case.advance(hours=9)                                  # Wednesday 03-18, 09:00
    case.complete(SUPERVISE, {"supervision_action": "order", "order_text": "立即作出受理决定", "listed": False},
                  SUPERVISOR)
    row = case.task(FEEDBACK)
    assert (row.role, row.organisation, row.due_at) == ("handler", "EEB-330106", end_of_day(2026, 4, 17))
    assert case.pending_timers() == {"反馈提醒 Feedback reminder": shanghai(2026, 4, 12),
                                     "反馈超期 Feedback overdue": end_of_day(2026, 4, 17)}
    case.complete(FEEDBACK, {"feedback_text": "已于当日作出受理决定", "measures_taken": "建立受理台账"}, HANDLER)
    assert [r.title for r in case.queue()] == [ACCEPTANCE]
    accept(case)
    assert [r.title for r in case.queue()] == [INVESTIGATE]


def test_unanswered_supervision_goes_to_a_leader_and_ends_with_the_case(register):
    case = register()
    accept(case)
    case.advance_to(shanghai(2026, 4, 29))
    assert statuses(case)["办理提醒 Handling reminder"] == "fired"
    case.advance_to(shanghai(2026, 5, 7, 9))
    row = case.task(SUPERVISE)
    assert (row.organisation, case.task_data(SUPERVISE)["overdue_clock"]) == ("EEB-330100", "handling")
    case.complete(SUPERVISE, {"supervision_action": "order", "order_text": "限期办结", "listed": True}, SUPERVISOR)
    assert case.task(FEEDBACK).due_at == end_of_day(2026, 6, 8), "30 days from 05-07 end on Saturday 06-06"
    case.advance_to(shanghai(2026, 6, 9))
    row = case.task(OWNERSHIP)
    assert (row.role, row.organisation, row.form) == ("leader", "EEB-330100", "leader_ownership.json")
    case.complete(OWNERSHIP, {"owning_leader": "赵局长", "resolution_plan": "两周内完成整改验收"}, "lead-city-zhao")

    # The bureau finally replies; the unanswered supervision feedback closes with the case.
    assert {r.title for r in case.queue()} == {INVESTIGATE, FEEDBACK}
    handle_and_reply(case)
    assert [r.title for r in case.queue()] == [FEEDBACK]
    case.advance(days=31)
    return_visit(case)
    assert (case.status, case.data()["status"], case.queue()) == ("completed", "archived", [])
    assert case.timers("pending") == []


def test_a_supervisor_may_note_an_overdue_case_without_an_order(register):
    case = register()
    case.advance_to(shanghai(2026, 3, 18))
    case.complete(SUPERVISE, {"supervision_action": "note", "note_text": "信访人要求暂缓，已记录"}, SUPERVISOR)
    assert [r.title for r in case.queue()] == [ACCEPTANCE]


def test_an_overdue_review_opinion_of_the_city_is_supervised_by_the_province(register):
    case = register()
    accept(case)
    handle_and_reply(case)
    case.correlate("review_requested", {"reason": "不服"})
    assert case.task(REVIEW_DRAFT).organisation == "EEB-330100"
    case.advance_to(shanghai(2026, 4, 2))                  # the opinion was due 04-01
    row = case.task(SUPERVISE)
    assert (row.organisation, case.task_data(SUPERVISE)["supervised_org"]) == ("EEB-330000", "EEB-330100")
    assert statuses(case)["复查复核提醒 Review opinion reminder"] == "fired"
    review_opinion(case, "uphold")
    assert [r.title for r in case.queue()] == [SUPERVISE], "supervision outlives the late step"



def test_a_late_dispatch_at_the_city_is_supervised_by_the_province(register):
    case = register(registration_org="EEB-330100")
    case.advance_to(shanghai(2026, 3, 18))
    assert statuses(case) == {"分办提醒 Dispatch reminder": "fired", "分办超期 Dispatch overdue": "fired"}
    row = case.task(SUPERVISE)
    assert (row.organisation, case.task_data(SUPERVISE)["overdue_clock"]) == ("EEB-330000", "registration_decision")
