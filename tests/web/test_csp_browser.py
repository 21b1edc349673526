"""The Content-Security-Policy in Chromium: the main pages, the designer studio, the audit replay, the API docs
and the portal run with no CSP violation in the console and no script error. Screenshot of the studio under the
policy in tests/artifacts/csp-studio.png."""
from __future__ import annotations

from tests.domain.conftest import create_actor
from tests.web.conftest import browser_login, shoot
from tests.web.helpers import to_investigation


def _watch(page) -> list[str]:
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text
            or m.type == "error" and "Refused" in m.text else None)
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    return problems


def test_the_operator_and_audit_pages_run_under_the_policy(services, new_page):
    case = to_investigation(services)
    page = new_page()
    problems = _watch(page)
    browser_login(page, "reg-hz")
    for path in ("/queue", "/cases", f"/cases/{case.case_id}", f"/cases/{case.case_id}/notice", "/cases/new"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    auditor = new_page()
    problems += _watch(auditor)
    browser_login(auditor, "aud-zj")
    auditor.goto(f"/audit/cases/{case.case_id}")
    auditor.wait_for_selector("#diagram svg")
    auditor.wait_for_load_state("networkidle")
    auditor.goto("/audit/versions")
    auditor.wait_for_load_state("networkidle")
    auditor.click("a[href$=\"/heatmap\"]")
    auditor.wait_for_selector("#heatmap svg")
    auditor.wait_for_load_state("networkidle")
    assert problems == []


def test_the_designer_studio_runs_under_the_policy(services, new_page, artifacts):
    create_actor(services, "des-zj", "designer", "EEB-330000")
    page = new_page()
    problems = _watch(page)
    browser_login(page, "des-zj")
    page.goto("/design/")
    page.click("#new-draft")
    page.wait_for_selector("#studio[data-ready=true]")
    page.click("button.file[data-path='forms/acceptance.json']")
    page.wait_for_selector("#form-preview-body")
    page.wait_for_load_state("networkidle")
    shoot(page, artifacts, "csp-studio")
    assert problems == []


def test_the_api_docs_and_the_portal_run_under_the_policy(new_page, artifacts):
    page = new_page()
    problems = _watch(page)
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    shoot(page, artifacts, "csp-api-docs")
    for path in ("/portal/", "/portal/submit"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert problems == []
    # The policy is in force and its violations are seen: an inline script added to the page does not run, and
    # the console says why.
    assert page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';
                                    document.head.appendChild(s); return window.ran === 1 ? 'ran' : 'refused'; }""") \
        == "refused"
    page.wait_for_timeout(200)
    assert any("Content Security Policy" in problem for problem in problems)


def test_the_dashboard_oversight_and_administration_run_under_the_policy(services, new_page, artifacts):
    to_investigation(services)
    create_actor(services, "adm-zj", "admin", "EEB-330000")
    page = new_page()
    problems = _watch(page)
    browser_login(page, "sup-hz")
    for path in ("/dashboard/", "/oversight/", "/oversight/ledger"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    shoot(page, artifacts, "csp-oversight-ledger")
    admin = new_page()
    problems += _watch(admin)
    browser_login(admin, "adm-zj")
    for path in ("/admin/users", "/admin/organisations", "/admin/log", "/admin/timers"):
        admin.goto(path)
        admin.wait_for_load_state("networkidle")
    assert problems == []
