"""Oversight on real databases: the backlog ledger (entering by the sweep, striking off only with approval,
backlog_figures), leader ownership, supervision orders (feedback, escalation when late), hotspot warnings
raised once, and refusals of the wrong role, the wrong bureau and bad input, with nothing half-written."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.errors import Conflict, InvalidData, NotAllowed
from engine.models import QueueTask
from tests.domain.conftest import ORGANISATIONS, create_actor, services_on
from tests.domain.test_cases import FORM
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case
from workflows.models import Case, Notification
from workflows.oversight.ledger import (
    add_progress,
    backlog_figures,
    decide_strike_off,
    ledger_detail,
    ledger_rows,
    request_strike_off,
    update_entry,
)
from workflows.oversight.models import (
    BacklogEntry,
    EarlyWarning,
    OversightEvent,
    SupervisionOrder,
)
from workflows.oversight.ownership import owned_cases, release_ownership, take_ownership
from workflows.oversight.supervision import answer_order, board, issue_order
from workflows.oversight.sweep import oversight_sweep
from workflows.oversight.warnings import (
    acknowledge_warning,
    act_on_warning,
    warning_rows,
)
from workflows.rules.timezone import SHANGHAI

XIHU, HANGZHOU, NINGBO = "EEB-330106", "EEB-330100", "EEB-330200"


def rows(services, model, *where):
    with services.db.reader() as s:
        return list(s.scalars(sa.select(model).where(*where).order_by(model.id)))


def events(services, subject: str, subject_id: int) -> list[str]:
    return [e.kind for e in rows(services, OversightEvent, OversightEvent.subject == subject,
                                 OversightEvent.subject_id == subject_id)]


@pytest.fixture
def people(make_actor):
    return {"registrar": make_actor("reg-wang", "registrar"),
            "handler": make_actor("han-li", "handler"),
            "leader": make_actor("lead-zhao", "leader"),
            "leader2": make_actor("lead-qian", "leader"),
            "city_supervisor": make_actor("sup-chen", "supervisor", HANGZHOU),
            "other_supervisor": make_actor("sup-nb", "supervisor", NINGBO),
            "auditor": make_actor("aud-sun", "auditor", HANGZHOU)}


def overdue_case(services, people, clock):
    """A case registered at 西湖 whose acceptance decision (15 days) is missed, swept onto the ledger."""
    case = register_case(services, people["registrar"], FORM)
    clock.advance(days=16)
    assert oversight_sweep(services).entered == [case.id]
    [entry] = rows(services, BacklogEntry)
    return case, entry


def test_a_case_enters_the_ledger_only_once_it_is_overdue_and_only_once(services, people, clock):
    case = register_case(services, people["registrar"], FORM)
    assert oversight_sweep(services).entered == [], "15 days to decide: not late yet"
    clock.advance(days=15, hours=20)
    assert oversight_sweep(services).entered == [case.id]
    assert oversight_sweep(services).entered == [], "a rerun (or another node) adds nothing"
    [entry] = rows(services, BacklogEntry)
    with services.db.reader() as s:
        due = s.scalar(sa.select(QueueTask.due_at).join(Case, Case.instance_id == QueueTask.instance_id))
    assert (entry.case_id, entry.organisation, entry.status, entry.overdue_since) == (case.id, XIHU, "open", due)
    assert entry.org_path.endswith(f"{HANGZHOU}/{XIHU}/")
    assert events(services, "ledger", entry.id) == ["ledger.entered"]
    with services.db.reader() as s:
        assert [r.case.id for r in ledger_rows(s, people["city_supervisor"]).rows] == [case.id], "the city sees 西湖's"
        assert ledger_rows(s, people["other_supervisor"]).rows == [], "宁波 does not"
        with pytest.raises(NotAllowed):
            ledger_rows(s, people["handler"])


def test_striking_off_needs_a_plan_a_request_and_another_leaders_approval(services, people, clock):
    _, entry = overdue_case(services, people, clock)
    leader, leader2 = people["leader"], people["leader2"]

    with pytest.raises(Conflict) as no_request:
        decide_strike_off(services, leader2, entry.id, True, "")
    assert no_request.value.code == "ledger.no_request", "no striking off without a request and its approval"
    with pytest.raises(InvalidData) as no_plan:
        request_strike_off(services, leader, entry.id, "已解决")
    assert no_plan.value.errors["plan"].code == "ledger.plan_required"
    with pytest.raises(InvalidData) as bad:
        update_entry(services, leader, entry.id, "nobody-such", "  ")
    assert set(bad.value.errors) == {"plan", "owner"}
    assert bad.value.errors["owner"].code == "ledger.unknown_owner"
    assert rows(services, BacklogEntry)[0].plan is None, "nothing of the refused update stored"
    with pytest.raises(NotAllowed):
        update_entry(services, people["handler"], entry.id, "", "计划")
    with pytest.raises(NotAllowed):
        update_entry(services, people["auditor"], entry.id, "", "计划")

    with pytest.raises(InvalidData) as elsewhere:
        update_entry(services, leader, entry.id, "sup-nb", "计划")
    assert elsewhere.value.errors["owner"].code == "ledger.owner_elsewhere", "宁波's supervisor is not 西湖's"
    update_entry(services, leader, entry.id, "lead-zhao", "一周内现场核查并约谈企业")
    add_progress(services, leader, entry.id, "已现场核查，企业承诺整改")
    with pytest.raises(InvalidData):
        add_progress(services, leader, entry.id, "   ")
    with pytest.raises(InvalidData) as no_note:
        request_strike_off(services, leader, entry.id, "")
    assert set(no_note.value.errors) == {"note"}
    request_strike_off(services, leader, entry.id, "整改完成，群众认可")
    with pytest.raises(Conflict):
        request_strike_off(services, leader2, entry.id, "again")

    with pytest.raises(NotAllowed) as own:
        decide_strike_off(services, leader, entry.id, True, "")
    assert own.value.code == "ledger.own_request"
    with pytest.raises(NotAllowed) as role:
        decide_strike_off(services, people["city_supervisor"], entry.id, True, "")
    assert role.value.code == "ledger.approver_required" and role.value.params == {"role": "leader",
                                                                                  "organisation": XIHU}
    with pytest.raises(InvalidData):
        decide_strike_off(services, leader2, entry.id, False, "")
    assert rows(services, BacklogEntry)[0].status == "strike_requested"
    assert ledger_detail(services, leader2, entry.id).may_decide
    assert not ledger_detail(services, leader, entry.id).may_decide

    decide_strike_off(services, leader2, entry.id, False, "群众仍不满意，继续跟进")
    assert rows(services, BacklogEntry)[0].status == "open"
    request_strike_off(services, leader, entry.id, "复核后已解决")
    clock.advance(days=1)
    decide_strike_off(services, leader2, entry.id, True, "同意销号")
    [done] = rows(services, BacklogEntry)
    assert (done.status, done.struck_off_by, done.struck_off_at) == ("struck_off", "lead-qian", clock.now())
    assert events(services, "ledger", entry.id) == [
        "ledger.entered", "ledger.updated", "ledger.progress", "ledger.strike_requested", "ledger.strike_rejected",
        "ledger.strike_requested", "ledger.strike_approved"]
    with pytest.raises(Conflict):
        add_progress(services, leader, entry.id, "too late")
    assert oversight_sweep(services).entered == [], "a struck-off case does not come back"


@pytest.fixture
def supervisor_approves(backend, database_copy, clock, tmp_path):
    """Services where 西湖's strike-off is approved by a supervisor of the bureau above (杭州)."""
    with services_on(database_copy(ORGANISATIONS, backend).url, clock, tmp_path,
                     {"oversight.strike_off_approval_by_bureau": {XIHU: "supervisor"}}) as built:
        yield built


def test_a_bureau_may_have_striking_off_approved_by_the_supervisor_above(supervisor_approves, clock):
    services = supervisor_approves
    people = {"registrar": create_actor(services, "reg-wang", "registrar"),
              "leader": create_actor(services, "lead-zhao", "leader"),
              "leader2": create_actor(services, "lead-qian", "leader"),
              "city_supervisor": create_actor(services, "sup-chen", "supervisor", HANGZHOU)}
    _, entry = overdue_case(services, people, clock)
    update_entry(services, people["leader"], entry.id, "", "计划")
    request_strike_off(services, people["leader"], entry.id, "已解决")
    with pytest.raises(NotAllowed) as leader:
        decide_strike_off(services, people["leader2"], entry.id, True, "")
    assert leader.value.params == {"role": "supervisor", "organisation": HANGZHOU}
    decide_strike_off(services, people["city_supervisor"], entry.id, True, "")
    assert rows(services, BacklogEntry)[0].status == "struck_off"


def test_backlog_figures_count_the_ledger_at_the_start_and_what_was_resolved(services, people, clock):
    registrar = people["registrar"]
    first = register_case(services, registrar, FORM)
    second = register_case(services, registrar, dict(FORM, reported_party="另一家化工厂"))
    third = register_case(services, registrar, dict(FORM, reported_party="第三家企业"))
    clock.advance(days=16)
    entered_at = clock.now()
    assert sorted(oversight_sweep(services).entered) == [first.id, second.id, third.id]
    start = entered_at + timedelta(days=1)
    clock.advance(days=2)
    # The first is refused (closed) in the period; the second struck off; the third stays.
    with services.db.reader() as s:
        task_id = s.scalar(sa.select(QueueTask.task_id).where(QueueTask.instance_id == first.instance_id))
    complete_task(services, registrar, task_id, {"acceptance_decision": "refuse", "content_category": "in_litigation",
                                                 "track": "normal", "refusal_reason": "已进入诉讼程序"})
    [entry2] = rows(services, BacklogEntry, BacklogEntry.case_id == second.id)
    update_entry(services, people["leader"], entry2.id, "", "计划")
    request_strike_off(services, people["leader"], entry2.id, "已解决")
    decide_strike_off(services, people["leader2"], entry2.id, True, "")
    end = clock.now() + timedelta(seconds=1)
    with services.db.reader() as s:
        figures = backlog_figures(s, "MEE/EEB-330000/", start, end)
        assert figures.at_start == sorted([first.id, second.id, third.id])
        assert figures.resolved == sorted([first.id, second.id])
        assert backlog_figures(s, "MEE/EEB-330000/EEB-330200/", start, end).at_start == [], "宁波 has none"
        before = backlog_figures(s, "MEE/", entered_at - timedelta(days=1), entered_at)
        assert before.at_start == [] and before.resolved == [], "not on the ledger before it entered"
        later = backlog_figures(s, "MEE/", end, end + timedelta(days=30))
        assert later.at_start == [third.id] and later.resolved == [], "resolved ones leave the ledger"


def test_a_leader_owns_a_case_sees_it_and_releases_it(services, people):
    case = register_case(services, people["registrar"], FORM)
    leader, leader2 = people["leader"], people["leader2"]
    take_ownership(services, leader, case.id, "重大案件")
    with services.db.reader() as s:
        [owned] = owned_cases(s, leader)
        assert owned.case.id == case.id and owned.ownership.leader == "lead-zhao"
        assert owned_cases(s, leader2) == []
    with pytest.raises(Conflict) as taken:
        take_ownership(services, leader2, case.id)
    assert taken.value.code == "ownership.taken" and taken.value.params["leader"] == "lead-zhao"
    with pytest.raises(NotAllowed):
        release_ownership(services, leader2, case.id)
    with pytest.raises(NotAllowed):
        take_ownership(services, people["handler"], case.id)
    nb_leader = create_actor(services, "lead-nb", "leader", NINGBO)
    with pytest.raises(NotAllowed) as other:
        take_ownership(services, nb_leader, case.id)
    assert other.value.code == "case.other_bureau"
    release_ownership(services, leader, case.id)
    take_ownership(services, leader2, case.id)
    with services.db.reader() as s:
        assert [o.case.id for o in owned_cases(s, leader2)] == [case.id] and owned_cases(s, leader) == []


def test_a_city_leader_may_own_a_county_case(services, people):
    case = register_case(services, people["registrar"], FORM)
    city_leader = create_actor(services, "lead-hz", "leader", HANGZHOU)
    take_ownership(services, city_leader, case.id)
    with services.db.reader() as s:
        assert [o.case.id for o in owned_cases(s, city_leader)] == [case.id]


def test_a_supervision_order_escalates_when_late_and_closes_on_feedback(services, people, clock):
    case = register_case(services, people["registrar"], FORM)
    supervisor = people["city_supervisor"]
    today = clock.now().astimezone(SHANGHAI).date()
    with pytest.raises(InvalidData) as bad:
        issue_order(services, supervisor, case.id, "urgent", "", today - timedelta(days=1))
    assert set(bad.value.errors) == {"level", "instructions", "feedback_due"}
    assert bad.value.errors["feedback_due"].code == "supervision.due_in_past"
    assert rows(services, SupervisionOrder) == [], "nothing of the refused order stored"
    with pytest.raises(NotAllowed):
        issue_order(services, people["leader"], case.id, "order", "请尽快办理")
    with pytest.raises(NotAllowed):
        issue_order(services, people["other_supervisor"], case.id, "order", "请尽快办理")

    order = issue_order(services, supervisor, case.id, "listed", "挂牌督办：十日内书面反馈")
    assert order.feedback_due.astimezone(SHANGHAI).date() == today + timedelta(days=30), "30 days by default"
    assert (order.target_org, order.status, order.level) == (XIHU, "open", "listed")
    issued = [(n.organisation, n.role) for n in rows(services, Notification, Notification.kind == "supervision_issued")]
    assert sorted(issued) == [(XIHU, "handler"), (XIHU, "leader")]
    with services.db.reader() as s:
        assert [r.order.id for r in board(s, supervisor, level="listed").rows] == [order.id]
        assert board(s, supervisor, level="order").rows == []
        assert board(s, people["other_supervisor"]).rows == []

    clock.advance(days=29)
    assert oversight_sweep(services).escalated == [], "not late yet"
    clock.advance(days=2)
    assert oversight_sweep(services).escalated == [order.id]
    assert oversight_sweep(services).escalated == [], "escalates once"
    [late] = rows(services, SupervisionOrder)
    assert (late.status, late.escalated_at) == ("overdue", clock.now())
    told = sorted((n.organisation, n.username, n.role) for n in
                  rows(services, Notification, Notification.kind == "supervision_overdue"))
    assert told == [("EEB-330000", None, "supervisor"), (HANGZHOU, "sup-chen", None)], \
        "the issuer and the supervisors of the bureau above"

    with pytest.raises(NotAllowed):
        answer_order(services, supervisor, order.id, "反馈")
    with pytest.raises(InvalidData):
        answer_order(services, people["handler"], order.id, "  ")
    answer_order(services, people["handler"], order.id, "已现场核查，责令整改，企业已停用风机。")
    [answered] = rows(services, SupervisionOrder)
    assert (answered.status, answered.feedback_by) == ("answered", "han-li")
    with pytest.raises(Conflict):
        answer_order(services, people["leader"], order.id, "again")
    assert events(services, "order", order.id) == ["supervision.issued", "supervision.escalated",
                                                  "supervision.answered"]


def test_a_supervision_order_may_set_its_own_feedback_day(services, people, clock):
    case = register_case(services, people["registrar"], FORM)
    day = clock.now().astimezone(SHANGHAI).date() + timedelta(days=10)
    order = issue_order(services, people["city_supervisor"], case.id, "order", "十日内反馈", day)
    assert order.feedback_due.astimezone(SHANGHAI).isoformat() == f"{day.isoformat()}T23:59:59+08:00"


def test_a_hotspot_raises_one_warning_for_the_supervisors_not_two(services, people, clock):
    registrar = people["registrar"]
    cases = [register_case(services, registrar, dict(FORM, reported_party=party, reported_address=address))
             for party, address in (("杭州某某餐饮有限公司", "文三路99号"), ("杭州某某餐饮 公司", "文三路 99 号"),
                                    ("杭州某某餐饮", "文三路99号"))]
    clock.advance(minutes=5)
    raised = oversight_sweep(services).warnings
    warnings = rows(services, EarlyWarning)
    kinds = {w.kind: w for w in warnings}
    assert sorted(kinds) == ["hotspot_party", "hotspot_place"] and len(raised) == 2
    party = kinds["hotspot_party"]
    assert (party.organisation, party.count, party.subject) == (XIHU, 3, "杭州某某餐饮")
    assert json.loads(party.case_ids) == [c.id for c in cases]
    told = sorted((n.organisation, n.role) for n in rows(services, Notification, Notification.kind == "warning_raised"))
    assert told == sorted([(XIHU, "supervisor"), (HANGZHOU, "supervisor")] * 2)
    assert oversight_sweep(services).warnings == [], "a second sweep raises nothing new"
    clock.advance(days=1)
    register_case(services, registrar, FORM)
    assert oversight_sweep(services).warnings == [], "a fourth case within the window is the same hotspot"
    assert len(rows(services, EarlyWarning)) == 2

    supervisor = people["city_supervisor"]
    with services.db.reader() as s:
        assert {r.warning.id for r in warning_rows(s, supervisor).rows} == {w.id for w in warnings}
        assert warning_rows(s, people["other_supervisor"]).rows == []
    with pytest.raises(InvalidData):
        acknowledge_warning(services, supervisor, party.id, "")
    with pytest.raises(NotAllowed):
        acknowledge_warning(services, people["leader"], party.id, "seen")
    with pytest.raises(NotAllowed):
        acknowledge_warning(services, people["other_supervisor"], party.id, "seen")
    acknowledge_warning(services, supervisor, party.id, "已安排执法检查")
    with pytest.raises(Conflict):
        acknowledge_warning(services, supervisor, party.id, "again")
    place = kinds["hotspot_place"]
    with pytest.raises(InvalidData) as not_listed:
        act_on_warning(services, supervisor, place.id, 999999, "order", "督办")
    assert not_listed.value.errors["case_id"].code == "warning.case_not_listed"
    order = act_on_warning(services, supervisor, place.id, cases[0].id, "listed", "挂牌督办该点位")
    [acted] = rows(services, EarlyWarning, EarlyWarning.id == place.id)
    assert (acted.status, acted.handled_by) == ("acted", "sup-chen") and order.warning_id == place.id
    assert events(services, "warning", place.id) == ["warning.raised", "warning.acted"]


def test_the_demo_leaves_owned_cases_under_supervision_on_the_ledger(backend, database_copy, clock, tmp_path):
    from tests.domain.test_demo import DEMO, NOW
    from workflows.oversight.models import CaseOwnership

    clock.set(NOW)
    with services_on(database_copy(DEMO, backend).url, clock, tmp_path) as services:
        ledger = {entry.case_id: entry for entry in rows(services, BacklogEntry)}
        owned = rows(services, CaseOwnership)
        orders = rows(services, SupervisionOrder)
        assert len(owned) == 2 and {o.case_id for o in owned} == {o.case_id for o in orders}
        assert sorted(o.level for o in orders) == ["listed", "order"]
        assert {o.case_id for o in owned} <= set(ledger), "the cases owned are overdue ones, on the ledger"
        assert {ledger[o.case_id].status for o in owned} == {"open"}, "owned cases are not the ones struck off"
        assert oversight_sweep(services).entered == [], "the simulation's sweep left nothing overdue behind"


def test_the_ledger_is_read_page_by_page_in_its_order(backend, database_copy, clock, tmp_path):
    from tests.domain.test_demo import DEMO, NOW
    from workflows.accounts import Actor

    clock.set(NOW)
    with services_on(database_copy(DEMO, backend).url, clock, tmp_path) as services, \
            services.db.reader() as session:
        province = Actor("p", "EEB-330000", frozenset({"supervisor"}), "p")
        everything = ledger_rows(session, province, per_page=1000)
        assert everything.total == len(everything.rows) >= 2, "the demo's ledger has entries not struck off"
        pages = [ledger_rows(session, province, page=n, per_page=1) for n in range(1, everything.total + 3)]
        assert pages[0].pages == everything.total and {p.total for p in pages} == {everything.total}
        read = [row.entry.id for listing in pages[:pages[0].pages] for row in listing.rows]
        assert read == [row.entry.id for row in everything.rows], "each entry once, longest overdue first"
        assert pages[-1].page == pages[0].pages and pages[-1].rows == pages[pages[0].pages - 1].rows, \
            "a page past the end gives the last"
