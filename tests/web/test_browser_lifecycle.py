"""In a real browser (Debian's Chromium): a case from registration at the city bureau to the delivered reply
at the county bureau, with a leader sending the draft back once; the reply delivered once in English.
Screenshots of each page go to tests/artifacts/."""
from __future__ import annotations

import re

import sqlalchemy as sa

from engine.models import QueueTask
from tests.web.conftest import browser_login, shoot
from tests.web.helpers import fetch_case, to_investigation
from workflows.models import Case, RevealLog

REGISTRATION = {
    "petitioner-name": "张三", "petitioner-phone": "13800000000", "petitioner-id_number": "330106199001011234",
    "petitioner-address": "杭州市西湖区文三路1号", "reported_party": "杭州某某餐饮有限公司",
    "reported_address": "杭州市西湖区文三路99号", "division_code": "330106", "location": "文三路99号后厨排风口",
    "facts": "餐厅油烟直排，夜间风机噪声扰民，已持续两个月。", "demands": "安装油烟净化设施，夜间停开风机。",
}


def register_in_browser(page, artifacts) -> str:
    page.goto("/cases/new")
    page.select_option("#channel", "12369")
    page.fill("#received_at", "2026-03-02T08:30")
    for field, value in REGISTRATION.items():
        page.fill(f"#{field}", value)
    page.check('input[name=pollution_types][value=air]')
    page.check('input[name=pollution_types][value=noise]')
    page.check('input[name=petition_class][value=report]')
    page.click("button[value=check]")
    page.wait_for_selector("#no-repeats")
    shoot(page, artifacts, "01-registration")
    page.click("#register")
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    case_no = page.locator("h1 .case-no").inner_text().strip()
    assert re.fullmatch(r"330100-2026-\d{5}", case_no)
    shoot(page, artifacts, "02-case-registered")
    return case_no


def open_task(page, case_no: str, title: str, tab: str = "unclaimed") -> None:
    page.goto(f"/queue?tab={tab}")
    row = page.locator("tr", has=page.locator(f"text={case_no}"))
    row.locator(f"a:has-text('{title}')").first.click()
    page.wait_for_url(re.compile(r".*/tasks/[0-9a-f-]+$"))


def complete(page) -> None:
    page.click("#complete")
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    assert page.locator(".flash-success").count() == 1, page.content()


def test_a_case_goes_from_registration_to_the_delivered_reply(new_page, artifacts, services):
    # The registrar of the city bureau registers the complaint and assigns it to the county of the place.
    registrar = new_page()
    browser_login(registrar, "reg-hz")
    case_no = register_in_browser(registrar, artifacts)
    open_task(registrar, case_no, "分办交办")
    shoot(registrar, artifacts, "03-task-dispatch")
    registrar.check("input[name=dispatch_decision][value=assign]")
    registrar.fill("#f-assignment_note", "请西湖分局依法核查处理")
    complete(registrar)

    # The county registrar accepts it.
    county = new_page()
    browser_login(county, "reg-xh")
    open_task(county, case_no, "受理决定")
    county.check("input[name=acceptance_decision][value=accept]")
    county.select_option("#f-content_category", "pollution_complaint")
    county.check("input[name=track][value=normal]")
    assert county.locator("[data-field=refusal_reason]").is_hidden(), "refusal reason shows only for a refusal"
    shoot(county, artifacts, "04-task-acceptance")
    complete(county)

    # The county handler claims it from the bureau's queue, investigates and drafts the reply.
    handler = new_page()
    browser_login(handler, "han-xh")
    handler.goto("/queue?tab=unclaimed")
    shoot(handler, artifacts, "05-queue-unclaimed")
    row = handler.locator("tr", has=handler.locator(f"text={case_no}"))
    row.locator("button:has-text('认领')").click()
    handler.wait_for_selector(".flash-success")
    handler.goto("/queue?tab=mine")
    shoot(handler, artifacts, "06-queue-mine")
    open_task(handler, case_no, "调查核实", tab="mine")
    handler.check("input[name=next_step][value=draft_reply]")
    handler.check("#f-site_inspected")
    handler.fill("#f-inspection_date", "2026-03-03")
    handler.fill("#f-findings", "现场检查属实：油烟未经净化直排，风机夜间运行。")
    handler.check("#f-violation_found")
    handler.check("input[name=enforcement_actions][value=order_correction]")
    shoot(handler, artifacts, "07-task-investigate")
    complete(handler)
    open_task(handler, case_no, "拟写答复")
    handler.check("input[name=reply_opinion][value=support]")
    handler.fill("#f-reply_text", "已责令该餐饮企业限期安装油烟净化设施。")
    complete(handler)

    # The leader sends the draft back once...
    leader = new_page()
    browser_login(leader, "lead-xh")
    open_task(leader, case_no, "审批答复")
    assert "已责令该餐饮企业限期安装油烟净化设施" in leader.content(), "the leader sees the draft"
    leader.check("input[name=approval_decision][value=send_back]")
    leader.fill("#f-approval_comment", "请补充夜间噪声的处理情况。")
    shoot(leader, artifacts, "08-task-approve-send-back")
    complete(leader)

    # ... the handler finds the redraft in their own tasks, with the earlier text, and revises it ...
    open_task(handler, case_no, "拟写答复", tab="mine")
    assert handler.input_value("#f-reply_text") == "已责令该餐饮企业限期安装油烟净化设施。"
    assert "请补充夜间噪声的处理情况" in handler.content(), "the drafter sees why it came back"
    handler.fill("#f-reply_text", "已责令该餐饮企业限期安装油烟净化设施，夜间22时后停开风机。")
    handler.check("input[name=reply_opinion][value=support]")
    shoot(handler, artifacts, "09-task-redraft")
    complete(handler)

    # ... and the leader approves.
    open_task(leader, case_no, "审批答复")
    leader.check("input[name=approval_decision][value=approve]")
    complete(leader)

    # The handler delivers the reply, in English this time.
    handler.goto("/queue")
    handler.click("form.lang button[value=en]")
    handler.wait_for_selector("html[lang=en]")
    open_task(handler, case_no, "Deliver written reply")
    assert handler.locator("h1").inner_text() == "Deliver written reply"
    assert "张三" not in handler.content() and "13800000000" not in handler.content(), \
        "the delivery page carries no petitioner identity"
    handler.select_option("#f-delivery_method", "post")
    handler.fill("#f-delivered_at", "2026-03-06T10:00")
    shoot(handler, artifacts, "10-task-deliver-en")
    handler.click("#complete")
    handler.wait_for_url(re.compile(r".*/cases/\d+$"))
    assert "Done: Deliver written reply" in handler.locator(".flash-success").inner_text()
    shoot(handler, artifacts, "11-case-replied-en")

    with services.db.reader() as session:
        case = session.scalar(sa.select(Case).where(Case.case_no == case_no))
        open_tasks = [t.title for t in session.scalars(sa.select(QueueTask).where(
            QueueTask.instance_id == case.instance_id))]
    assert case.status == "replied"
    assert open_tasks == ["审核办结报告 Review completion report"], "the city reviews the completion report"

    # The city registrar reveals the petitioner on the case page: logged.
    registrar.goto(f"/cases/{case.id}")
    assert registrar.locator("#petitioner [data-field=phone]").inner_text() == "138****0000"
    registrar.click("#reveal")
    registrar.wait_for_selector("#petitioner [data-field=phone]:has-text('13800000000')")
    shoot(registrar, artifacts, "12-case-revealed")
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(RevealLog)) == 1

    # The notice to the reported party never names the petitioner.
    registrar.goto(f"/cases/{case.id}/notice")
    text = registrar.content()
    assert "杭州某某餐饮有限公司" in text and "张三" not in text and "13800000000" not in text
    shoot(registrar, artifacts, "13-notice")

    # A handler of another bureau cannot open the case.
    stranger = new_page()
    browser_login(stranger, "han-nb")
    response = stranger.goto(f"/cases/{case.id}")
    assert response.status == 403
    assert stranger.locator("h1").inner_text() == "无权访问"
    shoot(stranger, artifacts, "14-other-bureau-403")

    # The same pages at phone width.
    phone = new_page(phone=True)
    browser_login(phone, "han-xh")
    phone.goto(f"/cases/{case.id}")
    shoot(phone, artifacts, "15-phone-case")
    phone.goto("/queue?tab=mine")
    shoot(phone, artifacts, "16-phone-queue")


def test_the_handler_delivers_the_reply_in_chinese(new_page, artifacts, services):
    case = to_investigation(services)
    case.complete("调查核实", {"next_step": "draft_reply", "findings": "现场检查属实。"}, "han-xh")
    case.complete("拟写答复", {"reply_opinion": "explain", "reply_text": "经核查，该企业已整改到位。"}, "han-xh")
    case.complete("审批答复", {"approval_decision": "approve"}, "lead-xh")
    handler = new_page()
    browser_login(handler, "han-xh")
    open_task(handler, case.case_no, "送达答复")
    assert handler.locator("h1").inner_text() == "送达答复"
    assert "经核查，该企业已整改到位。" in handler.content(), "the approved reply is on the page"
    handler.select_option("#f-delivery_method", "in_person")
    handler.fill("#f-delivery_note", "当面送达，信访人签收。")
    shoot(handler, artifacts, "17-task-deliver-zh")
    complete(handler)
    assert "已办理：案件 " + case.case_no + " 的“送达答复”。" == handler.locator(".flash-success").inner_text()
    assert fetch_case(services, case.case_id).status == "replied"
