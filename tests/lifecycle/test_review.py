"""Review (复查) and re-review (复核) one and two levels up, the request windows, and finality."""
from __future__ import annotations

import pytest

from engine.errors import Conflict
from tests.lifecycle.conftest import driven_case
from tests.lifecycle.helpers import (
    INVESTIGATE,
    RETURN_VISIT,
    REVIEW_DRAFT,
    REVIEW_SIGN,
    CaseDriver,
    accept,
    end_of_day,
    handle_and_reply,
    return_visit,
    review_opinion,
    shanghai,
)


def reply(case: CaseDriver) -> None:
    accept(case)
    handle_and_reply(case)


REPLIED = driven_case("replied", reply)


@pytest.fixture
def replied(case_copy) -> CaseDriver:
    """A case of the 西湖 bureau whose written reply reached the petitioner on 2026-03-02."""
    return case_copy(REPLIED)


def test_the_review_window_closes_the_case_when_it_lapses(replied):
    case = replied
    assert case.pending_timers() == {"申请期届满 Request window closed": end_of_day(2026, 4, 1)}
    case.advance_to(shanghai(2026, 4, 1, 23, 59, 58))
    assert case.queue() == [] and case.status == "running"
    case.advance(seconds=1)
    assert [(r.title, r.organisation) for r in case.queue()] == [(RETURN_VISIT, "EEB-330106")]
    assert case.task_data(RETURN_VISIT)["status"] == "closed"
    with pytest.raises(Conflict) as caught:
        case.runtime.correlate(case.instance_id, "review_requested", {"reason": "迟到的申请"}, "portal")
    assert (caught.value.code, caught.value.params) == ("message.not_awaited", {"message": "review_requested"})
    return_visit(case)
    assert (case.status, case.data()["status"], case.data()["reviews"]) == ("completed", "archived", [])


def test_review_is_upheld_by_the_city_and_the_rereview_window_then_lapses(replied):
    case = replied
    case.advance(days=8)
    case.correlate("review_requested", {"reason": "噪声问题没有解决"})
    [row] = case.queue()
    assert (row.title, row.role, row.organisation, row.form, row.due_at) == (
        REVIEW_DRAFT, "handler", "EEB-330100", "review_opinion.json", end_of_day(2026, 4, 9))
    assert case.pending_timers() == {"复查复核提醒 Review opinion reminder": shanghai(2026, 4, 4),
                                     "复查复核超期 Review opinion overdue": end_of_day(2026, 4, 9)}
    data = case.task_data(REVIEW_DRAFT)
    assert (data["status"], data["review_kind"], data["review_reason"]) == ("under_review", "review",
                                                                          "噪声问题没有解决")

    case.advance(days=10)
    case.complete(REVIEW_DRAFT, {"review_outcome": "uphold", "review_opinion": "维持", "review_drafted_by": "rev-sun"},
                  "rev-sun")
    row = case.task(REVIEW_SIGN)
    assert (row.role, row.organisation) == ("leader", "EEB-330100")
    case.complete(REVIEW_SIGN, {"review_sign_decision": "send_back", "review_sign_comment": "说明维持的理由"},
                  "rev-lead-qian")
    assert case.task(REVIEW_DRAFT).assignee == "rev-sun", "the opinion goes back to its drafter"
    review_opinion(case, "uphold")

    # Upheld on 03-20: 30 days for a re-review request end on Sunday 04-19, so Monday.
    assert case.queue() == []
    assert case.pending_timers() == {"申请期届满 Request window closed": end_of_day(2026, 4, 20)}
    case.advance_to(end_of_day(2026, 4, 20))
    return_visit(case)
    data = case.data()
    assert (data["status"], data["next_review"], data["final"]) == ("archived", "rereview", False)
    assert data["reviews"] == [{"kind": "review", "org": "EEB-330100", "outcome": "uphold",
                                "opinion": "经复查，原处理意见认定事实清楚。", "at": "2026-03-20T01:00:00+00:00"}]


def test_review_is_remanded_to_the_handling_bureau(replied):
    case = replied
    case.advance(days=8)
    case.correlate("review_requested", {"reason": "夜间噪声未处理"})
    case.advance(days=10)
    review_opinion(case, "remand")
    [row] = case.queue()
    assert (row.title, row.role, row.organisation) == (INVESTIGATE, "handler", "EEB-330106")
    assert row.due_at == end_of_day(2026, 5, 19), "60 days from the remand on 03-20"
    data = case.task_data(INVESTIGATE)
    assert (data["status"], data["remanded_by"], data["rework_count"], data["remand_instructions"]) == (
        "handling", "EEB-330100", 1, "补充夜间噪声监测后重新答复。")
    case.advance(days=20)
    handle_and_reply(case)
    # The new reply can be contested again at the level that remanded it: a review, not a re-review.
    # 30 days from 04-09 end on Saturday 05-09, a make-up working day (调休), so it stays.
    assert case.pending_timers() == {"申请期届满 Request window closed": end_of_day(2026, 5, 9)}
    case.advance(days=40)
    return_visit(case)
    data = case.data()
    assert (data["status"], data["request_clock"], [r["outcome"] for r in data["reviews"]]) == (
        "archived", "review_request", ["remand"])
    assert [r["delivered_at"] for r in data["replies"]] == ["2026-03-02T09:00:00+08:00",
                                                            "2026-04-09T09:00:00+08:00"]


def test_rereview_at_the_province_makes_the_case_final(replied):
    case = replied
    case.advance(days=8)
    case.correlate("review_requested", {"reason": "不服处理意见"})
    case.advance(days=10)
    review_opinion(case, "uphold")
    case.advance(days=5)
    case.correlate("review_requested", {"reason": "不服复查意见"})
    [row] = case.queue()
    assert (row.title, row.organisation, row.due_at) == (REVIEW_DRAFT, "EEB-330000", end_of_day(2026, 4, 24))
    assert case.task_data(REVIEW_DRAFT)["status"] == "under_rereview"
    assert case.pending_timers() == {"复查复核提醒 Review opinion reminder": shanghai(2026, 4, 19),
                                     "复查复核超期 Review opinion overdue": end_of_day(2026, 4, 24)}
    review_opinion(case, "uphold", reviewer="rev-prov-he")
    # Final (终结): no further window; the case closes at once and goes to the return visit.
    assert [r.title for r in case.queue()] == [RETURN_VISIT]
    assert case.pending_timers() == {}
    data = case.task_data(RETURN_VISIT)
    assert (data["status"], data["final"], data["next_review"]) == ("closed", True, "final")
    return_visit(case)
    assert [(r["kind"], r["org"]) for r in case.data()["reviews"]] == [("review", "EEB-330100"),
                                                                       ("rereview", "EEB-330000")]
    assert case.data()["status"] == "archived"
