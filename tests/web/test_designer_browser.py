"""The designer in Chromium: open the lifecycle as a draft, change a deadline expression and a form field, break
a user task and see the lint error on it, fix it, preview the clocks, deploy; a new case then runs on the new
version while a case that was running stays on its own. Screenshots go to tests/artifacts/designer-*.png."""
from __future__ import annotations

import sqlalchemy as sa
from lxml import etree

from engine.models import Instance, QueueTask
from tests.domain.conftest import create_actor
from tests.web.conftest import browser_login, shoot
from tests.web.helpers import register

NEW_DEADLINE = 'deadline("simple_acceptance", acceptance_start)'


def version_and_due(services, case):
    with services.db.reader() as session:
        version = session.get(Instance, case.instance_id).version_id
        due = session.scalar(sa.select(QueueTask.due_at).where(QueueTask.instance_id == case.instance_id))
    return version, due


def panel_input(page, entry: str):
    return page.locator(f"#bio-properties-panel-{entry}")


def test_a_designer_changes_the_lifecycle_and_deploys_it(services, new_page, artifacts):
    create_actor(services, "des-zj", "designer", "EEB-330000")
    running = register(services, "reg-xh")
    page = new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, "des-zj")
    page.goto("/design/")
    page.click("#new-draft")
    page.wait_for_selector("#studio[data-ready=true]")
    shoot(page, artifacts, "designer-01-studio")

    # A deadline expression, in our properties group of the acceptance decision.
    assert page.evaluate("window.studio.select('decide_acceptance')")
    shoot(page, artifacts, "designer-01b-selected")
    deadline = panel_input(page, "eco-deadline")
    deadline.fill(NEW_DEADLINE)
    deadline.press("Tab")

    # Break the task (no form): the linter marks it, in the diagram and in the list; then fix it.
    form = panel_input(page, "eco-form")
    form.select_option("")
    page.wait_for_selector("#problems li.error[data-element=decide_acceptance]")
    assert page.locator(".bjsl-overlay, .bjsl-button-error").count() > 0
    shoot(page, artifacts, "designer-02-lint-error")
    form.select_option("acceptance.json")
    page.wait_for_selector("#problems li.error[data-element=decide_acceptance]", state="detached")

    # A form field, with the live preview as operators see it.
    page.click("button.file[data-path='forms/acceptance.json']")
    text = page.locator("#file-text")
    text.fill(text.input_value().replace("受理意见 Remarks", "受理说明 Notes on acceptance"))
    page.wait_for_selector("#form-preview-body :text('受理说明')")
    shoot(page, artifacts, "designer-03-form-preview")

    # The clocks of a case received on 29 September (the National Day holidays follow).
    page.click("#preview-clocks")
    page.wait_for_selector("#clocks tbody tr")
    shoot(page, artifacts, "designer-04-clocks")

    page.fill("#deploy-note", "受理期限按简易程序；受理说明改名 acceptance clock and remarks label")
    page.click("#deploy")
    page.wait_for_selector("#studio[data-deployed]")
    shoot(page, artifacts, "designer-05-deployed")
    version = int(page.get_attribute("#studio", "data-deployed"))
    assert errors == []

    newer = register(services, "reg-xh")
    old_version, old_due = version_and_due(services, running)
    new_version, new_due = version_and_due(services, newer)
    assert new_version == version != old_version
    assert new_due < old_due
    files = services.definitions.compiled(version).files
    assert "受理说明 Notes on acceptance" in files["forms/acceptance.json"]
    diagram = etree.fromstring(files["petition.bpmn"].encode())
    [deadline] = diagram.xpath("//*[@id='decide_acceptance']//*[local-name()='property'][@name='deadline']/@value")
    assert deadline == NEW_DEADLINE
    page.goto("/design/")
    assert page.locator(f"#versions tr[data-version='{version}']").inner_text().count("受理期限") == 1
    shoot(page, artifacts, "designer-06-versions")
