"""In Chromium: a provincial leader opens the dashboard on the demo data, sees the cards and the trend charts
drawn by ECharts, drills down into the cases behind a number and downloads a table; screenshots go to
tests/artifacts/."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.web.conftest import browser_login, shoot
from tests.web.test_dashboard import app, overrides, report_for, services  # noqa: F401 - shared fixtures
from workflows.demo.accounts import PASSWORD
from workflows.settings import PROJECT_ROOT

ECHARTS = PROJECT_ROOT / "webui" / "static" / "vendor" / "echarts" / "echarts.min.js"
# How many pixels of a canvas are painted (alpha > 0): a drawn chart has thousands.
PAINTED = """(selector) => {
  const canvas = document.querySelector(selector + ' canvas');
  if (!canvas) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
  return painted;
}"""


@pytest.fixture(autouse=True)
def _echarts_installed():
    if not ECHARTS.exists():
        pytest.fail(f"{ECHARTS} is missing: run `make assets` (npm ci, then copies echarts into webui/static/vendor)")


def test_a_leader_reads_the_dashboard_drills_down_and_downloads(new_page, artifacts: Path, services):  # noqa: F811
    page = new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    browser_login(page, "province-leader", PASSWORD)
    page.click("nav >> text=统计看板")
    page.wait_for_url("**/dashboard/")
    # The current month by default: every figure has cases behind it on the demo data, 积案化解率 included
    # (the demo's ledger entered cases as they fell overdue, and it struck some off at its end).
    month = report_for(services, "EEB-330000", "2026-11")
    for key, figure in month.figures.items():
        assert figure.percent is not None, key
        shown = page.locator(f'[data-kpi="{key}"] .kpi-value').inner_text()
        assert shown == f"{figure.percent:.1f}%", key
    shoot(page, artifacts, "dashboard-province-month")
    page.fill("#from", "2026-10-01")
    page.select_option("#period", "2026-Q4")
    assert page.input_value("#from") == "", "choosing a quarter clears the range typed before"
    page.click("#kpi-filters button[type=submit]")
    page.wait_for_selector("#kpi-trend[data-ready=true] canvas")
    page.wait_for_function(f"({PAINTED})('#kpi-trend') > 2000")
    assert page.evaluate(PAINTED, "#kpi-trend") > 2000, "the rates chart is drawn"
    assert page.evaluate(PAINTED, "#kpi-received") > 500, "the cases chart is drawn"
    report = report_for(services, "EEB-330000", "2026-Q4")
    timely = report.figures["timely_acceptance"]
    card = page.locator('[data-kpi="timely_acceptance"]')
    assert card.locator(".kpi-value").inner_text() == (f"{timely.percent:.1f}%" if timely.percent is not None else "—")
    assert page.locator(".kpi-card").count() == 10
    shoot(page, artifacts, "dashboard-province-q4")
    page.locator("#kpi-cards").screenshot(path=str(artifacts / "dashboard-cards.png"))
    page.locator("#kpi-trend").screenshot(path=str(artifacts / "dashboard-trend-chart.png"))

    # The cases behind the denominator of the timely acceptance rate.
    card.locator('a[data-part="denominator"]').click()
    page.wait_for_selector("#drilldown")
    assert page.locator("#drilldown tbody tr").count() == len(timely.denominator)
    shoot(page, artifacts, "dashboard-drilldown")

    # Back, and download the channel table as XLSX.
    page.go_back()
    page.wait_for_selector("#kpi-cards")
    with page.expect_download() as downloading:
        page.click('[data-download="channel-xlsx"]')
    download = downloading.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert sum(row[1] for row in rows) == len(report.received)
    page.locator("#bulletin-title").scroll_into_view_if_needed()
    shoot(page, artifacts, "dashboard-after-download")
    assert not errors, errors


def test_the_dashboard_fits_a_phone(new_page, artifacts: Path, services):  # noqa: F811
    page = new_page(phone=True)
    browser_login(page, "xihu-leader", PASSWORD)
    page.goto("/dashboard/?period=2026")
    page.wait_for_selector("#kpi-trend[data-ready=true] canvas")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "nothing wider than the phone"
    shoot(page, artifacts, "dashboard-phone")
