"""The dry run in Chromium: a designer starts a sample case in the studio, sees where it waits (on the diagram
and in the panel), completes the acceptance decision, lets the next clock run out, undoes a step, and a
refused answer names its field. Nothing reaches the real database. Screenshots: tests/artifacts/dry-run-*.png."""
from __future__ import annotations

import json

import sqlalchemy as sa

from engine.models import Instance
from tests.domain.conftest import create_actor
from tests.web.conftest import browser_login, shoot


def instances(services) -> int:
    with services.db.reader() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Instance))


def test_a_designer_drives_a_sample_case_through_the_draft(services, new_page, artifacts):
    create_actor(services, "des-zj", "designer", "EEB-330000")
    before = instances(services)
    page = new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, "des-zj")
    page.goto("/design/")
    page.click("#new-draft")
    page.wait_for_selector("#studio[data-ready=true]")

    page.click("#dry-run-start")
    task = page.locator(".dry-run-task[data-task=decide_acceptance]")
    task.wait_for()
    assert page.locator("#dry-run-trail li[data-command=start]").count() == 1
    assert page.locator(".djs-element.dry-run-waiting[data-element-id=decide_acceptance]").count() == 1
    shoot(page, artifacts, "dry-run-01-waits-for-acceptance")

    # A refused answer: the field at fault is named and the step is not kept.
    box = task.locator("textarea")
    answer = json.loads(box.input_value())
    answer.pop("acceptance_decision", None)
    box.fill(json.dumps(answer, ensure_ascii=False))
    task.locator("button.dry-run-complete").click()
    page.wait_for_selector("#dry-run-failure:not([hidden])")
    assert "acceptance_decision" in page.inner_text("#dry-run-failure")
    assert page.get_attribute("#dry-run-panel", "data-steps") == "0"
    shoot(page, artifacts, "dry-run-02-refused")

    answer.update(acceptance_decision="accept", track="normal", acceptance_opinion="符合受理条件，予以受理。")
    task.locator("textarea").fill(json.dumps(answer, ensure_ascii=False))
    task.locator("button.dry-run-complete").click()
    page.wait_for_selector(".dry-run-task[data-task=investigate]")
    assert page.locator("#dry-run-failure").is_hidden()
    assert page.locator("#dry-run-trail li[data-command=complete]").count() == 1
    shoot(page, artifacts, "dry-run-03-accepted")

    page.click("#dry-run-wait")
    page.wait_for_selector("#dry-run-trail li[data-command=timer]")
    assert page.get_attribute("#dry-run-panel", "data-steps") == "2"
    shoot(page, artifacts, "dry-run-04-clock-ran-out")

    page.click("#dry-run-undo")
    page.wait_for_selector("#dry-run-panel[data-steps='1']")
    assert page.locator("#dry-run-trail li[data-command=timer]").count() == 0
    assert errors == []
    assert instances(services) == before
