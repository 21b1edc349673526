"""The petitioner's journey in Chromium: submit on the portal (the CAPTCHA answered through the test hook in the
signed session), keep the receipt, follow the case, rate the reply, request review, and see the window closed
on another case; screenshots in tests/artifacts/portal-*.png."""
from __future__ import annotations

from datetime import timedelta

from tests.portal.conftest import Staff
from tests.web.conftest import shoot
from webui.portal.captcha import TEST_ANSWER_KEY
from workflows.portal.submission import Receipt


def captcha_answer(page, app) -> str:
    """The sum's answer, read from the session cookie the picture set (only an app under test keeps it)."""
    [cookie] = [c for c in page.context.cookies() if c["name"] == app.config.get("SESSION_COOKIE_NAME", "session")]
    return str(app.session_interface.get_signing_serializer(app).loads(cookie["value"])[TEST_ANSWER_KEY])


def submit_on_portal(page, app, artifacts, anonymous: bool = False) -> Receipt:
    page.goto("/portal/")
    page.click("#start-submission")
    if anonymous:
        page.check("#petitioner-anonymous")
    else:
        page.fill("#petitioner-name", "张三")
        page.fill("#petitioner-phone", "13800000000")
    page.fill("#reported_party", "杭州某某餐饮有限公司")
    page.fill("#division_code", "330106")
    page.fill("#location", "文三路99号后厨排风口")
    page.check("input[name=pollution_types][value=air]")
    page.check("input[name=petition_class][value=report]")
    page.fill("#facts", "餐厅油烟直排，夜间风机噪声扰民。")
    page.wait_for_function("document.querySelector('#captcha-image').complete")
    page.fill("#captcha", captcha_answer(page, app))
    if not anonymous:
        shoot(page, artifacts, "portal-01-submit")
    page.click("#submit-petition")
    receipt = Receipt(page.inner_text("#receipt-case-no"), page.inner_text("#receipt-query-code"))
    return receipt


def open_case(page, receipt: Receipt) -> None:
    page.goto("/portal/")
    page.fill("#case_no", receipt.case_no)
    page.fill("#query_code", receipt.query_code)
    page.click("#track")
    page.wait_for_selector("#stage")


def test_a_petitioner_submits_follows_rates_and_requests_review(app, services, new_page, artifacts):
    page = new_page()
    receipt = submit_on_portal(page, app, artifacts)
    shoot(page, artifacts, "portal-02-receipt")
    open_case(page, receipt)
    assert "受理审查中" in page.inner_text("#stage")
    shoot(page, artifacts, "portal-03-received")

    staff = Staff(services, receipt)
    staff.accept()
    services.clock.advance(timedelta(days=12))
    staff.reply()
    page.reload()
    assert page.inner_text("#stage") == "已答复"
    page.check("input[name=rating][value=basically_satisfied]")
    page.fill("#comment", "处理及时，但夜间仍有噪声")
    page.click("#rate")
    assert "您的评价：基本满意" in page.inner_text("#current-rating")
    shoot(page, artifacts, "portal-04-rated")

    page.fill("#reason", "夜间风机噪声仍然存在，答复未回应。")
    page.click("#request-review")
    assert "正在审查" in page.inner_text("#stage")
    shoot(page, artifacts, "portal-05-review-requested")


def test_after_the_window_the_page_says_when_it_closed_in_english_too(app, services, new_page, artifacts):
    page = new_page(phone=True)
    receipt = submit_on_portal(page, app, artifacts, anonymous=True)
    staff = Staff(services, receipt)
    staff.accept()
    staff.reply()
    services.clock.advance(timedelta(days=31))
    open_case(page, receipt)
    assert "申请复查的期限已于" in page.inner_text("#window-closed")
    shoot(page, artifacts, "portal-06-window-closed-phone")
    page.click("form.lang button[value=en]")
    assert "The period to request review closed on" in page.inner_text("#window-closed")
    shoot(page, artifacts, "portal-07-window-closed-en")


def test_a_wrong_code_is_answered_like_a_wrong_number(app, services, new_page, artifacts):
    page = new_page()
    receipt = submit_on_portal(page, app, artifacts, anonymous=True)
    page.goto("/portal/")
    page.fill("#case_no", receipt.case_no)
    page.fill("#query_code", "WRONGCODE2")
    page.click("#track")
    wrong_code = page.inner_text("#portal-message")
    page.fill("#case_no", "330106-2026-99999")
    page.fill("#query_code", receipt.query_code)
    page.click("#track")
    assert page.inner_text("#portal-message") == wrong_code
    shoot(page, artifacts, "portal-08-not-found")
