"""The morning reminder digest reaches the queue page of the users it is for, and no one else's."""
from __future__ import annotations

from tests.domain.test_cases import FORM
from workflows.accounts import Actor
from workflows.intake.registration import register_case
from workflows.reporting.digest import reminder_digest


def test_the_digest_shows_on_the_queue_of_the_bureau_and_role_it_is_for(services, clock, as_user):
    registrar = Actor("reg-xh", "EEB-330106", frozenset({"registrar"}))
    case = register_case(services, registrar, FORM)
    clock.advance(days=13)
    assert reminder_digest(services) == 1
    page = as_user("reg-xh").get("/queue").get_data(as_text=True)
    assert "提醒" in page and case.case_no in page
    assert "tasks due soon or overdue" in page or "项待办临期或逾期" in page
    other_role = as_user("han-xh").get("/queue").get_data(as_text=True)
    assert "项待办临期或逾期" not in other_role
