"""In the browser: the registrar asks for the simple track with the findings it needs, the handler later asks
to move the case to the normal track, the leader approves, and the case page shows the normal track with the
normal deadline. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import re

from tests.web.conftest import browser_login, shoot
from tests.web.helpers import fetch_case, register
from tests.web.test_browser_lifecycle import complete, open_task


def test_a_simple_track_case_moves_to_the_normal_track_in_the_browser(new_page, artifacts, services):
    case = register(services, registrar="reg-xh")               # registered at 西湖, handled there
    registrar = new_page()
    browser_login(registrar, "reg-xh")
    open_task(registrar, case.case_no, "受理决定")
    assert registrar.locator("[data-field=first_petition]").is_hidden(), "asked only for the simple track"
    registrar.check("input[name=acceptance_decision][value=accept]")
    registrar.select_option("#f-content_category", "pollution_complaint")
    registrar.check("input[name=track][value=simple]")
    assert registrar.locator("[data-field=first_petition]").is_visible()
    registrar.check("#f-first_petition")
    registrar.check("#f-facts_clear")
    shoot(registrar, artifacts, "simple-track-acceptance")
    complete(registrar)
    assert fetch_case(services, case.case_id).track == "simple"

    handler = new_page()
    browser_login(handler, "han-xh")
    open_task(handler, case.case_no, "调查核实")
    handler.check("input[name=next_step][value=normal_track]")
    assert handler.locator("[data-field=normal_track_reason]").is_visible()
    handler.fill("#f-findings", "初步核查：涉及多家企业排放，需委托第三方监测。")
    handler.fill("#f-normal_track_reason", "涉及多家企业，事实难以在简易程序期限内查清。")
    shoot(handler, artifacts, "simple-track-ask-normal")
    complete(handler)

    leader = new_page()
    browser_login(leader, "lead-xh")
    open_task(leader, case.case_no, "审批转普通程序")
    leader.check("input[name=normal_track_decision][value=approve]")
    complete(leader)
    assert fetch_case(services, case.case_id).track == "normal"
    leader.goto(f"/cases/{case.case_id}")
    assert "普通程序" in leader.locator("body").inner_text()
    badge = leader.locator("#open-tasks .badge").first.inner_text()
    assert re.search(r"剩 \d+ 天", badge), f"calendar days now, not working days: {badge}"
    shoot(leader, artifacts, "simple-track-moved-to-normal")
