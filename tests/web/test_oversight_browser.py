"""In Chromium: a leader takes ownership of a case on its page; a supervisor issues 挂牌督办 from the case page
and finds it on the supervision board; the warnings page and the ledger after a sweep. Screenshots go to
tests/artifacts/oversight-*.png."""
from __future__ import annotations

from pathlib import Path

from tests.web.conftest import browser_login, shoot
from tests.web.helpers import to_investigation
from workflows.oversight.sweep import oversight_sweep


def test_a_leader_takes_ownership_on_the_case_page(services, new_page, artifacts: Path):
    case = to_investigation(services)
    page = new_page()
    browser_login(page, "lead-xh")
    page.goto(f"/cases/{case.case_id}")
    page.click("#take-ownership")
    page.wait_for_selector("#release-ownership")
    assert "lead-xh" in page.inner_text("#case-owner")
    page.locator("#oversight").scroll_into_view_if_needed()
    shoot(page, artifacts, "oversight-ownership")
    page.click("nav.nav >> text=督查督办")
    page.wait_for_selector("#owned")
    assert case.case_no in page.inner_text("#owned")
    shoot(page, artifacts, "oversight-owned")


def test_a_supervisor_issues_listed_supervision_and_sees_it_on_the_board(services, new_page, artifacts: Path):
    case = to_investigation(services)
    page = new_page()
    browser_login(page, "sup-hz")
    page.goto(f"/cases/{case.case_id}")
    page.click("#supervise")
    page.select_option("#level", "listed")
    page.fill("#instructions", "挂牌督办：请于期限内书面反馈调查处理情况。")
    shoot(page, artifacts, "oversight-supervise-form")
    page.click("#issue-order")
    page.wait_for_selector("#order")
    assert "挂牌督办" in page.inner_text("#order")
    page.click("nav.tabs >> text=督办看板")
    page.wait_for_selector("#board")
    row = page.locator("#board tbody tr").first
    assert case.case_no in row.inner_text() and "挂牌督办" in row.inner_text()
    shoot(page, artifacts, "oversight-board")


def test_the_warnings_page_and_the_ledger_after_a_sweep(services, new_page, artifacts: Path, clock):
    for _ in range(3):
        to_investigation(services)
    clock.advance(minutes=5)
    oversight_sweep(services)
    page = new_page()
    browser_login(page, "sup-hz")
    page.goto("/oversight/warnings")
    assert page.locator("#warnings tbody tr").count() >= 2
    assert "杭州某某餐饮" in page.inner_text("#warnings")
    shoot(page, artifacts, "oversight-warnings")
    page.locator("#warnings tbody tr a").first.click()
    page.wait_for_selector("#warning")
    shoot(page, artifacts, "oversight-warning")
    clock.advance(days=70)
    browser_login(page, "sup-hz")  # the session ended while idle for 70 days
    page.goto("/oversight/ledger")
    page.click("#run-sweep")
    page.wait_for_selector(".flash-success")
    assert page.locator("#ledger tbody tr").count() == 3
    shoot(page, artifacts, "oversight-ledger")
