"""In Chromium: an administrator creates a county bureau under a city, a registrar and a handler for it, and
signs out; the registrar signs in, is made to change the password, registers a case and accepts it; the
handler (after choosing a password too) finds it in the bureau's queue. Screenshots: tests/artifacts/admin-*.png."""
from __future__ import annotations

import re

from tests.web.conftest import browser_login, shoot
from tests.web.test_browser_lifecycle import REGISTRATION, complete, open_task
from workflows.accounts import create_user

REGISTRAR_PASSWORD = "Binjiang-Start-1"


def choose_own_password(page, artifacts, current: str, new: str, shot: str | None = None) -> None:
    assert page.url.endswith("/password"), page.url
    assert page.locator("#must-change").is_visible()
    if shot:
        shoot(page, artifacts, shot)
    page.fill("#current-password", current)
    page.fill("#new-password", new)
    page.fill("#confirm-password", new)
    page.click("#change-password")
    page.wait_for_url(lambda url: not url.endswith("/password"))


def test_an_admin_sets_up_a_new_bureau_whose_people_can_work(new_page, artifacts, services):
    with services.db.unit_of_work() as tx:
        create_user(tx, services.clock, "admin", "管理员", "password123", "EEB-330000", ["admin"])

    # The administrator adds the 滨江 county bureau under the Hangzhou city bureau ...
    admin = new_page()
    browser_login(admin, "admin")
    admin.goto("/admin/organisations")
    admin.select_option("#parent", "EEB-330100")
    admin.fill("#code", "EEB-330108")
    admin.fill("#name_zh", "杭州市生态环境局滨江分局")
    admin.fill("#name_en", "Hangzhou Ecology and Environment Bureau, Binjiang Branch")
    admin.select_option("#level", "county")
    shoot(admin, artifacts, "admin-01-new-bureau")
    admin.click("#add-organisation")
    admin.wait_for_url(re.compile(r".*/admin/organisations/EEB-330108$"))
    shoot(admin, artifacts, "admin-02-bureau")

    # ... a registrar with a typed first password, and a handler whose first password is generated ...
    admin.click("#add-user-here")
    assert admin.input_value("#organisation") == "EEB-330108"
    admin.fill("#username", "bj-registrar")
    admin.fill("#display_name", "滨江登记员")
    admin.check("input[name=roles][value=registrar]")
    admin.fill("#password", REGISTRAR_PASSWORD)
    shoot(admin, artifacts, "admin-03-new-user")
    admin.click("#save-user")
    admin.wait_for_selector("#issued")
    admin.goto("/admin/users/new?organisation=EEB-330108")
    admin.fill("#username", "bj-handler")
    admin.fill("#display_name", "滨江承办人")
    admin.check("input[name=roles][value=handler]")
    admin.click("#save-user")
    handler_password = admin.locator("#issued-password").inner_text().strip()
    shoot(admin, artifacts, "admin-04-password-issued")
    admin.goto("/admin/users?organisation=EEB-330108")
    shoot(admin, artifacts, "admin-05-users")
    admin.goto("/admin/log")
    assert admin.locator("#admin-log tbody tr").count() == 3
    shoot(admin, artifacts, "admin-06-log")
    admin.click("form.lang button[value=en]")
    admin.wait_for_selector("html[lang=en]")
    admin.goto("/admin/organisations/EEB-330108")
    assert admin.locator("h1").inner_text().startswith("Hangzhou Ecology and Environment Bureau, Binjiang Branch")
    shoot(admin, artifacts, "admin-06-bureau-en")
    admin.click("form.logout button")
    admin.wait_for_url(re.compile(r".*/login$"))

    # The registrar must choose a password before anything else, then registers and accepts a case.
    registrar = new_page()
    browser_login(registrar, "bj-registrar", REGISTRAR_PASSWORD)
    registrar.goto("/queue")
    choose_own_password(registrar, artifacts, REGISTRAR_PASSWORD, "Binjiang-River-2026", "admin-07-must-change")
    registrar.goto("/cases/new")
    registrar.select_option("#channel", "12369")
    registrar.fill("#received_at", "2026-03-02T08:30")
    place = {"division_code": "330108", "reported_party": "滨江某化工企业", "location": "滨江区江南大道"}
    for field, value in (REGISTRATION | place).items():
        registrar.fill(f"#{field}", value)
    registrar.check("input[name=pollution_types][value=water]")
    registrar.check("input[name=petition_class][value=report]")
    registrar.click("#register")
    registrar.wait_for_url(re.compile(r".*/cases/\d+$"))
    case_no = registrar.locator("h1 .case-no").inner_text().strip()
    open_task(registrar, case_no, "受理决定")
    registrar.check("input[name=acceptance_decision][value=accept]")
    registrar.select_option("#f-content_category", "pollution_complaint")
    registrar.check("input[name=track][value=normal]")
    complete(registrar)

    # The handler, after choosing a password, finds the investigation in the new bureau's queue.
    handler = new_page()
    browser_login(handler, "bj-handler", handler_password)
    choose_own_password(handler, artifacts, handler_password, "Binjiang-Handler-2026")
    handler.goto("/queue?tab=unclaimed")
    row = handler.locator("tr", has=handler.locator(f"text={case_no}"))
    assert row.count() == 1 and "调查核实" in row.inner_text()
    shoot(handler, artifacts, "admin-08-handler-queue")
