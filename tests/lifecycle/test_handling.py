"""Handling at the bureau of the place: normal and simple track, extension, send-back, joint handling."""
from __future__ import annotations

import pytest

from engine.errors import NotAllowed, ScriptError
from tests.lifecycle.helpers import (
    APPROVE,
    DELIVER,
    DRAFT,
    EXTENSION,
    HANDLER,
    INVESTIGATE,
    JOINT,
    LEADER,
    RETURN_VISIT,
    accept,
    deliver,
    draft_and_approve,
    end_of_day,
    handle_and_reply,
    investigate,
    return_visit,
    shanghai,
)


def test_a_normal_track_case_runs_from_registration_to_archive(register):
    case = register()
    case.advance(days=2)
    accept(case)                                           # Wed 03-04: 60 days run to 05-03, a holiday
    [row] = case.queue()
    assert (row.title, row.role, row.organisation, row.form) == (INVESTIGATE, "handler", "EEB-330106",
                                                                 "investigation.json")
    assert row.due_at == end_of_day(2026, 5, 6), "Labour Day holidays (05-01..05-05) move the last day"
    assert case.pending_timers() == {"办理提醒 Handling reminder": shanghai(2026, 4, 29),
                                     "办理超期 Handling overdue": end_of_day(2026, 5, 6)}
    assert case.task_data(INVESTIGATE)["notices"][-1] == {
        "kind": "acceptance", "at": "2026-03-04T01:00:00+00:00", "track": "normal", "track_basis": "",
        "handling_due": "2026-05-06T23:59:59+08:00"}

    case.advance(days=10)
    investigate(case)
    assert [(r.title, r.role, r.organisation) for r in case.queue()] == [(DRAFT, "handler", "EEB-330106")]
    case.complete(DRAFT, {"reply_opinion": "support", "reply_text": "已责令限期安装油烟净化设施。",
                          "drafted_by": HANDLER}, HANDLER)
    assert [(r.title, r.role, r.organisation, r.due_at) for r in case.queue()] == [
        (APPROVE, "leader", "EEB-330106", end_of_day(2026, 5, 6))]
    case.complete(APPROVE, {"approval_decision": "approve"}, LEADER)
    assert case.task(DELIVER).role == "handler"
    deliver(case, shanghai(2026, 3, 16, 15, 0))

    # The petitioner has 30 days from receiving the reply to ask for review; meanwhile they rate it.
    assert case.queue() == []
    assert case.pending_timers() == {"申请期届满 Request window closed": end_of_day(2026, 4, 15)}
    case.advance(days=4)
    case.correlate("satisfaction_rated", {"rating": "basically_satisfied", "comment": "处理及时", "source": "portal"})
    assert case.pending_timers() == {"申请期届满 Request window closed": end_of_day(2026, 4, 15)}
    case.advance_to(end_of_day(2026, 4, 15))
    [visit] = case.queue()
    assert (visit.title, visit.role, visit.organisation) == (RETURN_VISIT, "registrar", "EEB-330106")
    assert case.task_data(RETURN_VISIT)["status"] == "closed"
    return_visit(case)

    assert case.status == "completed"
    data = case.data()
    assert (data["status"], data["satisfaction"], data["satisfaction_source"]) == (
        "archived", "basically_satisfied", "portal")
    assert data["replies"] == [{"org": "EEB-330106", "opinion": "support", "text": "已责令限期安装油烟净化设施。",
                                "method": "in_person", "delivered_at": "2026-03-16T15:00:00+08:00",
                                "received_at": "2026-03-16T15:00:00+08:00", "receipt_basis": "delivery"}]
    assert (data["final"], data["rework_count"], data["reviews"]) == (False, 0, [])
    assert case.timers("pending") == []


def test_a_simple_track_case_is_accepted_in_three_working_days_and_answered_in_ten(register):
    case = register(track="simple")
    assert case.task("受理决定 Acceptance decision").due_at == end_of_day(2026, 3, 5)
    assert case.pending_timers() == {"受理提醒 Acceptance reminder": shanghai(2026, 3, 4),
                                     "受理超期 Acceptance overdue": end_of_day(2026, 3, 5)}
    case.advance(days=1)
    accept(case, track="simple")                          # Tue 03-03 + 10 working days
    assert case.task(INVESTIGATE).due_at == end_of_day(2026, 3, 17)
    assert case.pending_timers() == {"办理提醒 Handling reminder": shanghai(2026, 3, 13),
                                     "办理超期 Handling overdue": end_of_day(2026, 3, 17)}
    handle_and_reply(case)
    case.advance(days=31)
    return_visit(case)
    assert (case.status, case.data()["status"], case.data()["handling_clock"]) == (
        "completed", "archived", "simple_reply")


def test_an_extension_moves_the_handling_deadline_once_and_a_second_is_refused(register):
    case = register()
    accept(case)                                           # 60 days end Fri 05-01, a holiday: due 05-06
    case.advance(days=50)
    investigate(case, next_step="request_extension", extension_days=30,
                extension_reason="需委托第三方开展噪声监测")
    [row] = case.queue()
    assert (row.title, row.role, row.organisation, row.due_at) == (EXTENSION, "leader", "EEB-330106",
                                                                   end_of_day(2026, 5, 6))
    assert case.pending_timers() == {}, "no handling timers while the leader decides"
    case.complete(EXTENSION, {"extension_decision": "approve", "approved_days": 20}, LEADER)
    # The extension lengthens the period: 20 days from its statutory end, Fri 05-01 (not the rolled 05-06).
    assert case.task(INVESTIGATE).due_at == end_of_day(2026, 5, 21), "05-01 + 20 days"
    assert case.pending_timers() == {"办理提醒 Handling reminder": shanghai(2026, 5, 16),
                                     "办理超期 Handling overdue": end_of_day(2026, 5, 21)}
    data = case.task_data(INVESTIGATE)
    assert (data["extension_used"], data["handling_clock"]) == (True, "extension")
    assert data["notices"][-1] == {"kind": "extension", "at": "2026-04-21T01:00:00+00:00", "days": 20,
                                   "reason": "需委托第三方开展噪声监测", "handling_due": "2026-05-21T23:59:59+08:00"}

    investigate(case, next_step="request_extension", extension_days=10, extension_reason="监测报告未出")
    assert [r.title for r in case.queue()] == [INVESTIGATE], "no leader task: the law allows one extension"
    data = case.task_data(INVESTIGATE)
    assert (data["extension_decision"], data["handling_due"]) == ("refuse", "2026-05-21T23:59:59+08:00")
    assert data["extension_comment"].startswith("已延期一次")
    handle_and_reply(case)
    assert case.pending_timers() == {"申请期届满 Request window closed": end_of_day(2026, 5, 21)}


def test_a_refused_extension_sends_the_handler_back_with_the_same_deadline(register):
    case = register()
    accept(case)
    investigate(case, next_step="request_extension", extension_days=30, extension_reason="需要补充监测")
    case.complete(EXTENSION, {"extension_decision": "refuse", "extension_comment": "期限内可以办结"}, LEADER)
    assert case.task(INVESTIGATE).due_at == end_of_day(2026, 5, 6)
    assert case.task_data(INVESTIGATE)["extension_used"] is False


def test_the_leader_sends_the_reply_back_to_the_handler_who_drafted_it(register):
    case = register()
    accept(case)
    investigate(case)
    case.complete(DRAFT, {"reply_opinion": "explain", "reply_text": "经查未发现超标排放。", "drafted_by": HANDLER},
                  HANDLER)
    case.complete(APPROVE, {"approval_decision": "send_back", "approval_comment": "请补充夜间噪声监测结果"}, LEADER)
    row = case.task(DRAFT)
    assert (row.role, row.organisation, row.assignee) == ("handler", "EEB-330106", HANDLER)
    assert case.task_data(DRAFT)["approval_comment"] == "请补充夜间噪声监测结果"
    with pytest.raises(NotAllowed) as caught:
        case.runtime.complete(row.task_id, {"reply_opinion": "support", "reply_text": "x" * 5,
                                            "drafted_by": "han-zhou"}, "han-zhou")
    assert (caught.value.code, caught.value.params["assignee"]) == ("task.claimed_by", HANDLER)
    draft_and_approve(case)
    deliver(case)
    assert case.queue() == [] and case.status == "running"


def test_joint_handling_asks_each_department_in_parallel_and_merges_their_findings(register):
    case = register()
    accept(case)
    investigate(case, joint_departments=["EEB-330110", "EEB-330100"])
    rows = case.queue()
    assert sorted((r.title, r.role, r.organisation, r.form) for r in rows) == [
        (JOINT, "handler", "EEB-330100", "joint_investigation.json"),
        (JOINT, "handler", "EEB-330110", "joint_investigation.json")]
    assert {r.due_at for r in rows} == {end_of_day(2026, 5, 6)}
    case.complete(JOINT, {"department_findings": "余杭侧未发现同类排放"}, "han-yuhang", organisation="EEB-330110")
    assert [r.organisation for r in case.queue()] == ["EEB-330100"], "the draft waits for every department"
    case.complete(JOINT, {"department_findings": "市局复核监测数据超标", "department_actions": ["penalty_case"]},
                  "han-city", organisation="EEB-330100")
    assert case.task_data(DRAFT)["joint_findings"] == [
        {"department": "EEB-330110", "findings": "余杭侧未发现同类排放", "actions": []},
        {"department": "EEB-330100", "findings": "市局复核监测数据超标", "actions": ["penalty_case"]}]
    draft_and_approve(case)
    deliver(case)
    case.advance(days=31)
    return_visit(case)
    assert case.data()["completion_report"]["joint_findings"][1]["actions"] == ["penalty_case"]


def test_a_rating_outside_the_three_grades_is_refused(register):
    case = register()
    accept(case)
    handle_and_reply(case)
    with pytest.raises(ScriptError) as caught:
        case.runtime.correlate(case.instance_id, "satisfaction_rated", {"rating": "great"}, "portal")
    assert caught.value.code == "script.failed"
    assert "rating must be satisfied, basically_satisfied or dissatisfied" in caught.value.params["detail"]
    case.correlate("satisfaction_rated", {"rating": "dissatisfied", "source": "operator"}, "reg-wang")
    case.advance(days=31)
    assert case.task_data(RETURN_VISIT)["satisfaction"] == "dissatisfied"
