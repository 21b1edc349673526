"""The studio's other parts in Chromium: a script error is marked while typing (before any save) and the pickers
follow unsaved edits; the properties panel speaks Chinese; a save over someone else's newer save opens the dialog
with both texts; a DMN table is edited in dmn-js and saved; two versions are compared with their changes drawn.
Screenshots: tests/artifacts/studio-*.png."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.domain.conftest import create_actor
from tests.web.conftest import browser_login, shoot
from workflows.design.drafts import get_draft, open_draft, save_file
from workflows.design.versions import deploy_draft

BROKEN_SCRIPT = 'acceptance_clock = ("simple_acceptance"'


def open_studio(page, username: str = "des-zj") -> int:
    browser_login(page, username)
    page.goto("/design/")
    page.click("#new-draft")
    page.wait_for_selector("#studio[data-ready=true]")
    return int(page.get_attribute("#studio", "data-draft"))


def file_button(page, path: str):
    return page.locator(f"button.file[data-path='{path}']")


def test_a_script_error_is_marked_while_typing_and_the_panel_speaks_chinese(services, new_page, artifacts):
    designer = create_actor(services, "des-zj", "designer", "EEB-330000")
    page = new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    draft_id = open_studio(page)
    assert page.evaluate("window.studio.select('start_acceptance_clock')")
    panel = page.locator("#properties")
    panel.get_by_text("常规", exact=True).wait_for()
    assert panel.get_by_text("General", exact=True).count() == 0
    script = page.locator("#bio-properties-panel-eco-script")
    script.fill(BROKEN_SCRIPT)
    script.press("Tab")
    problem = page.locator("#problems li.error[data-element=start_acceptance_clock]")
    problem.wait_for()
    assert "•" in file_button(page, "petition.bpmn").inner_text()  # not saved
    assert get_draft(services, designer, draft_id).file("petition.bpmn").revision == 1
    shoot(page, artifacts, "studio-01-script-error-while-typing")
    script.fill('acceptance_clock = "simple_acceptance" if track == "simple" else "acceptance"')
    script.press("Tab")
    problem.wait_for(state="detached")
    assert errors == []


def test_the_decision_picker_follows_an_unsaved_dmn_edit(services, new_page, artifacts):
    create_actor(services, "des-zj", "designer", "EEB-330000")
    page = new_page()
    open_studio(page)
    page.evaluate("""async () => {
        const file = window.studio.state.files['routing.dmn'];
        file.content = file.content.replace('id="jurisdiction_routing"', 'id="jurisdiction_routing_v2"');
        file.dirty = true;
    }""")
    # Any edit of the open diagram schedules the check, which carries every unsaved file.
    assert page.evaluate("window.studio.select('start_acceptance_clock')")
    page.locator("#bio-properties-panel-eco-name-en").fill("Start the acceptance clock (edited)")
    page.locator("#bio-properties-panel-eco-name-en").press("Tab")
    page.wait_for_selector("#problems li.error[data-element=route_case]")
    assert page.evaluate("window.studio.select('route_case')")
    options = page.locator("#bio-properties-panel-eco-decision option").all_inner_texts()
    assert "jurisdiction_routing_v2" in options
    shoot(page, artifacts, "studio-02-picker-follows-edit")


def test_a_save_over_a_newer_save_shows_both_and_theirs_can_be_taken(services, new_page, artifacts):
    create_actor(services, "des-zj", "designer", "EEB-330000")
    other = create_actor(services, "des-hz", "designer", "EEB-330000")
    page = new_page()
    draft_id = open_studio(page)
    stored = get_draft(services, other, draft_id).file("forms/acceptance.json")
    theirs = stored.content.replace("受理意见", "受理意见（他人修改）", 1)
    save_file(services, other, draft_id, "forms/acceptance.json", theirs, stored.revision)

    file_button(page, "forms/acceptance.json").click()
    text = page.locator("#file-text")
    text.fill(text.input_value().replace("受理意见", "受理意见（我的修改）", 1))
    page.click("#save")
    dialog = page.locator("dialog#conflict")
    dialog.wait_for(state="visible")
    assert "des-hz" in dialog.locator(".conflict-message").inner_text()
    assert "我的修改" in page.locator("#conflict-mine").input_value()
    assert "他人修改" in page.locator("#conflict-theirs").input_value()
    shoot(page, artifacts, "studio-03-conflict")
    page.click("#take-theirs")
    dialog.wait_for(state="hidden")
    expect(page.locator("#file-text")).to_have_value(re.compile("他人修改"))
    assert "•" not in file_button(page, "forms/acceptance.json").inner_text()


def test_a_dmn_table_is_edited_in_the_browser_and_saved(services, new_page, artifacts):
    designer = create_actor(services, "des-zj", "designer", "EEB-330000")
    page = new_page()
    draft_id = open_studio(page)
    file_button(page, "routing.dmn").click()
    page.wait_for_selector(".tjs-table")
    annotation = page.locator(".tjs-table td.annotation").first
    annotation.click()
    page.keyboard.press("End")
    page.keyboard.type(" 试改")
    file_button(page, "routing.dmn").filter(has_text="•").wait_for()
    shoot(page, artifacts, "studio-04-dmn-table")
    page.click("#save")
    page.wait_for_selector(".studio-status.ok")
    saved = get_draft(services, designer, draft_id).file("routing.dmn")
    assert saved.revision == 2 and "试改" in saved.content


def test_two_versions_are_compared_with_their_changes_drawn(services, new_page, artifacts):
    designer = create_actor(services, "des-zj", "designer", "EEB-330000")
    draft = open_draft(services, designer)
    petition = get_draft(services, designer, draft.id).file("petition.bpmn")
    save_file(services, designer, draft.id, "petition.bpmn",
              petition.content.replace('name="受理决定 Acceptance decision"', 'name="受理审查 Acceptance review"', 1),
              petition.revision)
    deploy_draft(services, designer, draft.id, "受理决定改名 rename the acceptance decision")
    page = new_page()
    browser_login(page, "des-zj")
    page.goto("/design/versions/diff")
    page.click("#show-diff")
    page.wait_for_selector("body[data-diff-shown=true]")
    page.wait_for_selector("#diff-new .djs-element.diff-changed[data-element-id=decide_acceptance]")
    assert page.locator("#diff-old .djs-element.diff-changed[data-element-id=decide_acceptance]").count() == 1
    assert "decide_acceptance" in page.inner_text("#diff-summary")
    shoot(page, artifacts, "studio-05-compare-versions")


def test_a_new_form_is_created_offered_by_the_picker_and_saved(services, new_page, artifacts):
    designer = create_actor(services, "des-zj", "designer", "EEB-330000")
    page = new_page()
    draft_id = open_studio(page)
    page.fill("#new-form-name", "Bad Name")
    page.click("#new-form button[type=submit]")
    page.wait_for_selector(".studio-status.error")
    assert file_button(page, "forms/Bad Name.json").count() == 0
    page.fill("#new-form-name", "site_visit")
    page.click("#new-form button[type=submit]")
    file_button(page, "forms/site_visit.json").wait_for()
    text = page.locator("#file-text")
    text.fill(text.input_value().replace('"properties": {}', '"properties": {"visited_on": '
                                         '{"type": "string", "format": "date", "title": "走访日期 Visited on"}}'))
    page.wait_for_selector("#form-preview-body :text('走访日期')")
    page.wait_for_selector("#studio[data-checks]")
    file_button(page, "petition.bpmn").click()
    page.wait_for_selector("#studio[data-kind=bpmn]")
    assert page.evaluate("window.studio.select('decide_acceptance')")
    options = page.locator("#bio-properties-panel-eco-form option").all_inner_texts()
    assert "site_visit.json" in options
    shoot(page, artifacts, "studio-06-new-form")
    page.click("#save")
    page.wait_for_selector(".studio-status.ok")
    saved = get_draft(services, designer, draft_id).file("forms/site_visit.json")
    assert saved.revision == 1 and "visited_on" in saved.content


def test_the_clocks_preview_warns_of_a_year_the_calendar_does_not_know(services, new_page, artifacts):
    create_actor(services, "des-zj", "designer", "EEB-330000")
    page = new_page()
    open_studio(page)
    page.fill("#received", "2026-03-02T10:00")
    page.click("#preview-clocks")
    page.wait_for_selector("#clocks tbody tr")
    assert page.locator("#clock-warnings li").count() == 0
    page.fill("#received", "2031-12-20T10:00")
    page.click("#preview-clocks")
    warning = page.locator("#clock-warnings li[data-code='calendar.year_unknown']").first
    warning.wait_for()
    assert "2031" in warning.inner_text() or "2032" in warning.inner_text()
    shoot(page, artifacts, "studio-07-calendar-warning")
