"""Registration and the acceptance decision: accept, refuse (with the legal channel) or forward."""
from __future__ import annotations

import pytest

from engine.errors import FieldError, InvalidData
from tests.lifecycle.helpers import (
    ACCEPTANCE,
    INVESTIGATE,
    REGISTRAR,
    accept,
    end_of_day,
    shanghai,
)


def test_a_case_registered_where_it_happened_waits_for_that_bureaus_acceptance_decision(register):
    case = register()
    [row] = case.queue()
    assert (row.title, row.role, row.organisation, row.form) == (
        ACCEPTANCE, "registrar", "EEB-330106", "acceptance.json")
    assert row.due_at == end_of_day(2026, 3, 17), "15 days from receipt on 03-02"
    assert case.pending_timers() == {"受理提醒 Acceptance reminder": shanghai(2026, 3, 14),
                                     "受理超期 Acceptance overdue": end_of_day(2026, 3, 17)}
    data = case.task_data(ACCEPTANCE)
    assert (data["handling_org"], data["handling_level"], data["status"]) == ("EEB-330106", "county",
                                                                             "awaiting_acceptance")


def test_a_claim_for_damages_is_refused_with_the_litigation_channel(register):
    case = register()
    # The registrar would accept, but the legal-channel table sends damages claims to court.
    accept(case, category="civil_compensation")
    # The petitioner may still rate the refusal (应评尽评) for 30 days; then the case ends.
    assert case.queue() == [] and case.status == "running"
    assert list(case.pending_timers()) == ["评价期届满 Rating period over"]
    case.advance(days=30)
    assert case.status == "completed" and case.timers("pending") == []
    data = case.data()
    assert (data["status"], data["acceptance_decision"], data["legal_channel"]) == ("refused", "refuse",
                                                                                    "litigation")
    assert data["legal_channel_zh"] == "诉讼"
    assert data["refusal_reason"].startswith("损害赔偿属于民事纠纷")
    assert data["notices"] == [{"kind": "refusal", "at": "2026-03-02T01:00:00+00:00",
                                "reason": data["refusal_reason"], "legal_channel": "litigation"}]


def test_a_refused_case_takes_the_petitioners_rating_then_ends(register):
    case = register()
    accept(case, category="civil_compensation")
    case.advance(days=3)
    case.correlate("satisfaction_rated", {"rating": "dissatisfied", "comment": "应当受理", "source": "portal"})
    assert case.status == "completed"
    data = case.data()
    assert (data["status"], data["satisfaction"], data["satisfaction_comment"]) == ("refused", "dissatisfied",
                                                                                    "应当受理")


@pytest.mark.parametrize("category, channel", [("contract_dispute", "arbitration"),
                                               ("administrative_decision", "administrative_reconsideration"),
                                               ("in_litigation", "litigation")])
def test_other_legal_channel_matters_are_refused_with_their_channel(register, category, channel):
    case = register()
    accept(case, category=category)
    case.advance(days=30)
    assert (case.data()["status"], case.data()["legal_channel"]) == ("refused", channel)


def test_a_refusal_gives_the_registrars_reason(register):
    case = register()
    case.complete(ACCEPTANCE, {"acceptance_decision": "refuse", "content_category": "other", "track": "normal",
                               "refusal_reason": "无具体被举报对象和事实。"}, REGISTRAR)
    case.advance(days=30)
    data = case.data()
    assert (data["status"], data["legal_channel"], data["refusal_reason"]) == ("refused", "none",
                                                                               "无具体被举报对象和事实。")


def test_the_acceptance_form_names_every_field_it_is_missing(register):
    case = register()
    row = case.task(ACCEPTANCE)
    with pytest.raises(InvalidData) as caught:
        case.runtime.complete(row.task_id, {"acceptance_decision": "forward", "track": "fast"}, REGISTRAR)
    assert caught.value.errors == {"content_category": FieldError("form.required"),
                                   "forward_reason": FieldError("form.required"),
                                   "forward_to": FieldError("form.required"),
                                   "track": FieldError("form.enum", {"options": ["normal", "simple"]})}
    assert case.task(ACCEPTANCE).task_id == row.task_id, "nothing moved"


def test_a_forwarded_case_closes_when_the_receiving_body_does_not_object_in_five_working_days(register):
    case = register()
    case.complete(ACCEPTANCE, {"acceptance_decision": "forward", "content_category": "pollution_complaint",
                               "track": "normal", "forward_to": "杭州市西湖区城市管理局",
                               "forward_reason": "餐饮油烟属城市管理部门职责"}, REGISTRAR)
    assert case.queue() == []
    assert case.pending_timers() == {"异议期届满 Objection period over": end_of_day(2026, 3, 9)}
    case.advance_to(end_of_day(2026, 3, 9).replace(second=58))
    assert case.status == "running"
    case.advance(seconds=1)
    # A forwarded case may be rated too (应评尽评), for 30 days.
    assert case.status == "running" and case.queue() == []
    case.correlate("satisfaction_rated", {"rating": "satisfied", "source": "portal"})
    assert case.status == "completed"
    data = case.data()
    assert (data["status"], data["forward_to"], data["satisfaction"]) == ("forwarded", "杭州市西湖区城市管理局",
                                                                          "satisfied")
    assert data["notices"][-1]["kind"] == "forwarding"


def test_an_objection_to_forwarding_returns_the_case_to_the_acceptance_decision(register):
    case = register()
    case.complete(ACCEPTANCE, {"acceptance_decision": "forward", "content_category": "pollution_complaint",
                               "track": "normal", "forward_to": "杭州市西湖区城市管理局",
                               "forward_reason": "餐饮油烟属城市管理部门职责"}, REGISTRAR)
    case.clock.advance(days=3)
    case.correlate("forward_objected", {"by": "杭州市西湖区城市管理局", "reason": "排放油烟超标属生态环境部门职责"},
                   "reg-zhou")
    row = case.task(ACCEPTANCE)
    assert (row.organisation, row.due_at) == ("EEB-330106", end_of_day(2026, 3, 17)), "the first clock still runs"
    assert case.task_data(ACCEPTANCE)["objections"] == [
        {"at": "2026-03-05T01:00:00+00:00", "by": "杭州市西湖区城市管理局", "reason": "排放油烟超标属生态环境部门职责"}]
    accept(case)
    assert case.task(INVESTIGATE).organisation == "EEB-330106"
