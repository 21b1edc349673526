"""The case page as one use case: the masked petitioner, handling so far, open tasks with their badges, the
running clocks and the timeline, read through the real engine; revealing is logged."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.errors import NotAllowed
from engine.models import QueueTask
from tests.domain.test_cases import FORM
from workflows.audit.history import Option
from workflows.handling.case_page import case_notice, case_page
from workflows.handling.task_page import task_page
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case
from workflows.models import RevealLog

ACCEPT = {"acceptance_decision": "accept", "content_category": "pollution_complaint", "track": "normal"}


def accepted_case(services, registrar):
    case = register_case(services, registrar, FORM)
    with services.db.reader() as s:
        task = s.scalar(sa.select(QueueTask).where(QueueTask.instance_id == case.instance_id))
    complete_task(services, registrar, task.task_id, ACCEPT)
    return case


def test_the_case_page_shows_handling_tasks_clocks_and_timeline_with_the_petitioner_masked(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    case = accepted_case(services, registrar)
    page = case_page(services, registrar, case.id)
    assert page.case.case_no == case.case_no
    assert page.petitioner.name == "张*" and not page.petitioner.revealed and page.may_reveal
    handling = {f.path: f.value for f in page.handling}
    assert isinstance(handling["acceptance_decision"], Option), "option codes come named"
    assert "petitioner" not in handling and "facts" not in handling
    assert page.tasks and {t.organisation for t in page.tasks} == {"EEB-330106"}
    assert page.clocks and page.clocks == sorted(page.clocks, key=lambda c: c.due_at)
    start, accepted = page.timeline[0], page.timeline[1]
    assert (start.command, start.names, start.facts) == ("start", (), [])
    assert accepted.command == "complete" and accepted.names and \
        "acceptance_decision" in {f.path for f in accepted.facts}


def test_revealing_on_the_case_page_is_logged_and_refused_to_handlers(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    case = accepted_case(services, registrar)
    assert case_page(services, registrar, case.id, reveal=True).petitioner.name == "张三"
    with services.db.reader() as s:
        assert s.scalar(sa.select(sa.func.count(RevealLog.id))) == 1
    with pytest.raises(NotAllowed):
        case_page(services, make_actor("han-li", "handler"), case.id, reveal=True)


def test_the_notice_carries_the_findings_only(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    case = accepted_case(services, registrar)
    notice = case_notice(services, registrar, case.id)
    assert notice.case.id == case.id
    assert {f.path for f in notice.findings} <= {"inspection_date", "findings", "violation_found",
                                                 "enforcement_actions"}


def test_the_task_page_says_why_an_actor_may_not_work_a_task(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    leader = make_actor("lead-li", "leader")
    case = register_case(services, registrar, FORM)
    with services.db.reader() as s:
        task_id = s.scalar(sa.select(QueueTask.task_id).where(QueueTask.instance_id == case.instance_id))
    mine = task_page(services, registrar, task_id)
    assert mine.may_act and mine.refusal is None and mine.schema and mine.reassign_to == []
    theirs = task_page(services, leader, task_id)
    assert not theirs.may_act and isinstance(theirs.refusal, NotAllowed)
    assert ("reg-wang", "reg-wang") in theirs.reassign_to
