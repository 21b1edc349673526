"""In a real browser: bad input is marked next to each field and nothing is stored; completing a task that
someone else completed a moment ago shows the conflict and sends the user back to the current case."""
from __future__ import annotations

import re

import sqlalchemy as sa

from engine.models import Instance, QueueTask
from tests.web.conftest import browser_login, shoot
from tests.web.helpers import register
from workflows.accounts import Actor
from workflows.handling.tasks import complete_task
from workflows.models import Case


def count_cases(services) -> int:
    with services.db.reader() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Case))


def test_a_registration_with_bad_input_shows_each_error_and_stores_nothing(new_page, artifacts, services):
    page = new_page()
    browser_login(page, "reg-hz")
    page.goto("/cases/new")
    page.fill("#petitioner-name", "")
    page.fill("#division_code", "33")
    page.fill("#facts", "油烟")
    page.click("#register")
    page.wait_for_selector(".error-summary")
    errors = {el.get_attribute("id"): el.inner_text() for el in page.query_selector_all(".field-error")}
    assert errors["channel-error"] == "此项必填。"
    assert errors["petitioner-name-error"] == "非匿名信访必须填写。"
    assert errors["petitioner-phone-error"] == "请填写联系电话或通讯地址，以便答复。"
    assert errors["division_code-error"].startswith("不是有效的 GB/T 2260 行政区划代码")
    assert errors["reported_party-error"] == "此项必填。"
    assert "facts-error" in errors and "pollution_types-error" in errors and "petition_class-error" in errors
    assert page.input_value("#division_code") == "33", "what was typed stays in the form"
    shoot(page, artifacts, "20-registration-errors")
    assert count_cases(services) == 0


def test_a_task_form_with_bad_input_shows_the_errors_and_the_case_does_not_move(new_page, artifacts, services):
    case = register(services)
    page = new_page()
    browser_login(page, "reg-hz")
    page.goto(f"/tasks/{case.task_id('分办交办')}")
    page.click("#complete")
    page.wait_for_selector(".error-summary")
    assert page.locator("[data-field=dispatch_decision] .field-error").inner_text() == "此项必填。"
    shoot(page, artifacts, "21-task-errors")
    assert case.titles() == ["分办交办 Dispatch case"]


def test_completing_a_task_someone_else_just_completed_shows_the_conflict(new_page, artifacts, services):
    case = register(services)
    page = new_page()
    browser_login(page, "reg-hz")
    task_id = case.task_id("分办交办")
    page.goto(f"/tasks/{task_id}")
    page.check("input[name=dispatch_decision][value=handle_here]")
    # A colleague at the same bureau completes the task while the page is open.
    complete_task(services, Actor("reg-hz", "EEB-330100", frozenset({"registrar"})), task_id,
                  {"dispatch_decision": "assign"})
    page.click("#complete")
    page.wait_for_selector(".conflict")
    assert page.locator(".conflict-message").inner_text() == \
        "此任务已不在待办中：他人刚刚办理完成。请查看案件的最新情况。"
    shoot(page, artifacts, "22-task-conflict")
    page.click("text=立即刷新")
    page.wait_for_url(re.compile(rf".*/cases/{case.case_id}$"))
    assert "受理决定" in page.locator("#open-tasks").inner_text(), "the reloaded case shows the current task"


def test_a_stale_form_of_a_case_that_moved_on_is_refused(app, services, as_user):
    """The form's lock_version is checked: a claim by someone else since the page was drawn is a conflict."""
    case = register(services)
    task_id = case.task_id("分办交办")
    with services.db.reader() as session:
        version = session.get(Instance, case.instance_id).lock_version
    services.runtime.claim(task_id, "reg-hz", organisation="EEB-330100")
    response = as_user("reg-hz").post(f"/tasks/{task_id}", {"dispatch_decision": "assign",
                                                           "lock_version": str(version)})
    assert response.status_code == 409
    assert "您打开页面后案件已发生变化" in response.get_data(as_text=True)
    with services.db.reader() as session:
        assert session.get(QueueTask, task_id) is not None, "nothing was completed"
