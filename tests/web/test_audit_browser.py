"""In Chromium: an auditor opens a case's history, steps through it on the diagram, switches to a called
process, verifies the case, and looks at the version's heatmap; screenshots go to tests/artifacts/."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import browser_login
from tests.web.test_audit import REVIEWED, open_case, reviewed_case, services  # noqa: F401 - shared fixtures
from workflows.settings import PROJECT_ROOT

VIEWER = PROJECT_ROOT / "webui" / "static" / "vendor" / "bpmn-js" / "bpmn-navigated-viewer.production.min.js"


@pytest.fixture
def reviewed_copy(database_copy, clock):
    """The page tests' reviewed case, on SQLite only: the browser shows what the page tests check on both."""
    made = database_copy(REVIEWED, "sqlite")
    clock.set(made.info.now)
    return made


@pytest.fixture(autouse=True)
def _bpmn_js_installed():
    if not VIEWER.exists():
        pytest.fail(f"{VIEWER} is missing: run `make assets` (npm ci, then copies bpmn-js into webui/static/vendor)")


def _element(page, element_id: str, marker: str):
    return page.locator(f'#diagram .djs-element.{marker}[data-element-id="{element_id}"]')


def test_an_auditor_steps_through_a_case_on_its_diagram(new_page, artifacts: Path, reviewed_case, open_case):  # noqa: F811
    page = new_page()
    browser_login(page, "aud-zj")
    page.goto("/audit/")
    page.click(f"text={reviewed_case.case_no}")
    page.wait_for_selector("#diagram svg")
    _element(page, "review_case", "replay-done").wait_for()
    last = int(page.get_attribute("#step-slider", "max"))
    assert page.input_value("#step-slider") == str(last)
    assert page.locator("#state-no-tasks").is_visible(), "a finished case has no open tasks"
    page.locator("#replay").screenshot(path=str(artifacts / "audit-replay-end.png"))

    # The first event: the case waits for the acceptance decision, with its deadline and timers.
    page.fill("#step-slider", "1")
    _element(page, "decide_acceptance", "replay-active").wait_for()
    assert "受理决定" in page.inner_text("#state-tasks")
    assert page.locator("#state-timers tbody tr").count() == 2
    assert "事件 1 / " in page.inner_text("#step-label")
    assert _element(page, "review_case", "replay-done").count() == 0
    page.locator("#replay").screenshot(path=str(artifacts / "audit-replay-step1.png"))

    # Forward step by step until the review is under way, then look inside the called review process.
    for _ in range(last):
        if "拟写复查复核意见" in page.inner_text("#state-tasks"):
            break
        page.click("#step-next")
    assert "拟写复查复核意见" in page.inner_text("#state-tasks")
    _element(page, "review_case", "replay-active").wait_for()
    assert page.locator("#events tr.current").count() == 1
    page.click(".process-tab[data-process=petition_review]")
    _element(page, "draft_review_opinion", "replay-active").wait_for()
    page.locator("#replay").screenshot(path=str(artifacts / "audit-replay-review.png"))
    page.click("#step-prev")
    assert _element(page, "draft_review_opinion", "replay-active").count() == 0

    page.click("#verify")
    page.wait_for_selector("#verify-result.ok")
    assert "完好" in page.inner_text("#verify-result")
    page.screenshot(path=str(artifacts / "audit-history.png"), full_page=True)


def test_the_heatmap_draws_counts_on_the_diagram(new_page, artifacts: Path, reviewed_case, open_case):  # noqa: F811
    page = new_page()
    browser_login(page, "aud-zj")
    page.goto("/audit/versions")
    page.click("a[href$=\"/heatmap\"]")
    page.wait_for_selector("#diagram .heat-badge")
    assert "2 件" in page.inner_text("#diagram")
    assert "2" in page.inner_text("#heat-table tbody tr:first-child")
    page.locator("#heatmap").screenshot(path=str(artifacts / "audit-heatmap.png"))
    page.click(".process-tab[data-process=petition_handling]")
    page.wait_for_selector('#diagram .djs-element.heat-5[data-element-id="investigate"]')
    page.screenshot(path=str(artifacts / "audit-heatmap-handling.png"), full_page=True)
