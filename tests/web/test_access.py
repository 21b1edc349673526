"""Who sees which case: the organisation's own users, supervisors and auditors also those below; nobody
else, not even by guessing a case or task address."""
from __future__ import annotations

import pytest

from tests.web.helpers import register, to_investigation


@pytest.mark.parametrize("username", ["reg-hz", "sup-hz", "aud-zj", "reg-xh", "han-xh"])
def test_the_bureaus_that_took_part_and_those_above_with_oversight_open_the_case(as_user, services, username):
    case = to_investigation(services)
    response = as_user(username).get(f"/cases/{case.case_id}")
    assert response.status_code == 200
    assert case.case_no in response.get_data(as_text=True)


def test_a_user_of_another_bureau_gets_the_not_allowed_page(as_user, services):
    case = to_investigation(services)
    web = as_user("han-nb")
    response = web.get(f"/cases/{case.case_id}")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "无权访问" in page and "该案件属于其他单位" in page and "张三" not in page
    assert web.get(f"/tasks/{case.task_id('调查核实')}").status_code == 403
    assert web.get(f"/cases/{case.case_id}/notice").status_code == 403
    assert case.case_no not in web.get("/cases").get_data(as_text=True)


def test_another_bureaus_user_cannot_claim_or_complete_its_task(as_user, services):
    case = to_investigation(services)
    task_id = case.task_id("调查核实")
    web = as_user("han-nb")
    assert web.post(f"/tasks/{task_id}/claim").status_code == 403
    assert web.post(f"/tasks/{task_id}", {"next_step": "draft_reply", "findings": "查无此事"}).status_code == 403
    assert case.titles() == ["调查核实 Investigate"]


def test_a_task_for_another_role_is_shown_read_only(as_user, services):
    case = to_investigation(services)
    page = as_user("lead-xh").get(f"/tasks/{case.task_id('调查核实')}").get_data(as_text=True)
    assert "此任务需要其他角色（承办人）办理。" in page
    assert "<fieldset disabled" in page


def test_a_case_that_does_not_exist_is_not_found(as_user):
    assert as_user("reg-hz").get("/cases/999").status_code == 404


def test_only_registrars_open_the_registration_page(as_user):
    assert as_user("han-xh").get("/cases/new").status_code == 403
    assert as_user("reg-xh").get("/cases/new").status_code == 200


def test_the_case_list_shows_the_cases_a_user_may_see(as_user, services):
    case = register(services)
    assert case.case_no in as_user("reg-hz").get("/cases").get_data(as_text=True)
    assert case.case_no in as_user("aud-zj").get("/cases").get_data(as_text=True)
    assert case.case_no not in as_user("han-nb").get("/cases").get_data(as_text=True)
