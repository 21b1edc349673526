"""The public portal over HTTP, no account: submit with the CAPTCHA, the receipt, following a case, rating and
review through the forms, one answer for a wrong number and a wrong code, and the refusals of the protection
(CAPTCHA, rate limits)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.portal.conftest import Staff
from webui import create_app
from webui.portal.captcha import TEST_ANSWER_KEY
from workflows.portal.submission import Receipt

FORM = {
    "petitioner.name": "张三", "petitioner.phone": "13800000000", "petitioner.address": "杭州市西湖区文三路1号",
    "petitioner.group_size": "1", "reported_party": "杭州某某餐饮有限公司", "division_code": "330106",
    "pollution_types": ["air", "noise"], "petition_class": "report", "facts": "餐厅油烟直排，夜间风机噪声扰民。",
}


class Petitioner:
    """A browser without an account: reads the CSRF token and the CAPTCHA's answer (through the test hook)."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self) -> str:
        page = self.client.get("/portal/").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def answer(self) -> str:
        self.client.get("/portal/captcha.png")
        with self.client.session_transaction() as session:
            return session[TEST_ANSWER_KEY]

    def submit(self, form: dict | None = None, answer: str | None = None, **kwargs):
        data = dict(form or FORM, csrf_token=self.token())
        data["captcha"] = self.answer() if answer is None else answer
        return self.client.post("/portal/submit", data=data, **kwargs)

    def receipt(self, response) -> Receipt:
        page = response.get_data(as_text=True)
        number = re.search(r'id="receipt-case-no"[^>]*>([^<]+)<', page).group(1)
        code = re.search(r'id="receipt-query-code"[^>]*>([^<]+)<', page).group(1)
        return Receipt(number, code)

    def open(self, case_no: str, query_code: str):
        return self.client.post("/portal/track", data={"case_no": case_no, "query_code": query_code,
                                                       "csrf_token": self.token()})

    def post(self, path: str, data: dict):
        return self.client.post(path, data=dict(data, csrf_token=self.token()))


@pytest.fixture
def petitioner(app):
    return Petitioner(app.test_client())


def test_the_portal_needs_no_account_and_speaks_chinese_by_default(petitioner):
    page = petitioner.client.get("/portal/")
    assert page.status_code == 200 and "提交信访" in page.get_data(as_text=True)
    english = petitioner.client.get("/portal/submit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Submit a petition" in english


def test_a_petitioner_submits_and_receives_the_case_number_and_query_code(petitioner, services):
    response = petitioner.submit()
    assert response.status_code == 200
    receipt = petitioner.receipt(response)
    assert receipt.case_no.startswith("330106-2026-") and len(receipt.query_code) == 10
    opened = petitioner.open(receipt.case_no, receipt.query_code)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/portal/case")
    page = petitioner.client.get("/portal/case").get_data(as_text=True)
    assert receipt.case_no in page and "受理审查中" in page
    assert receipt.query_code not in opened.headers["Location"]


def test_a_wrong_captcha_is_refused_and_nothing_is_registered(petitioner, services):
    response = petitioner.submit(answer="999")
    assert response.status_code == 422
    assert "验证答案错误或已过期" in response.get_data(as_text=True)
    # Without ever fetching a picture there is no sum to answer either.
    fresh = Petitioner(petitioner.client.application.test_client())
    data = dict(FORM, csrf_token=fresh.token(), captcha="2")
    assert fresh.client.post("/portal/submit", data=data).status_code == 422


def test_a_used_captcha_does_not_serve_twice(petitioner):
    answer = petitioner.answer()
    data = dict(FORM, csrf_token=petitioner.token(), captcha=answer)
    assert petitioner.client.post("/portal/submit", data=data).status_code == 200
    assert petitioner.client.post("/portal/submit", data=data).status_code == 422


def test_field_errors_come_back_in_the_form(petitioner):
    form = dict(FORM, facts="", division_code="12")
    page = petitioner.submit(form)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert 'id="facts-error"' in text and 'id="division_code-error"' in text


def test_a_wrong_number_and_a_wrong_code_look_the_same(petitioner):
    receipt = petitioner.receipt(petitioner.submit())
    wrong_code = petitioner.open(receipt.case_no, "ABCDEFGHJK")
    wrong_number = petitioner.open("330106-2026-99999", receipt.query_code)
    assert wrong_code.status_code == wrong_number.status_code == 404

    def message(response):
        return re.search(r'id="portal-message">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert message(wrong_code) == message(wrong_number)


def test_rating_and_review_through_the_case_page(petitioner, services):
    receipt = petitioner.receipt(petitioner.submit())
    staff = Staff(services, receipt)
    staff.accept()
    staff.reply()
    petitioner.open(receipt.case_no, receipt.query_code)
    page = petitioner.client.get("/portal/case").get_data(as_text=True)
    assert "已责令限期安装油烟净化设施" in page and 'id="rate"' in page and 'id="request-review"' in page
    rated = petitioner.post("/portal/rate", {"rating": "satisfied", "comment": "很好"})
    assert rated.status_code == 303
    page = petitioner.client.get("/portal/case").get_data(as_text=True)
    assert "您的评价：满意" in page
    asked = petitioner.post("/portal/review", {"reason": "夜间噪声仍然存在"})
    assert asked.status_code == 303
    page = petitioner.client.get("/portal/case").get_data(as_text=True)
    assert "您的申请已提交" in page and "已申请复查复核，正在审查" in page and 'id="request-review"' not in page


def test_review_after_the_window_says_when_it_closed(petitioner, services):
    receipt = petitioner.receipt(petitioner.submit())
    staff = Staff(services, receipt)
    staff.accept()
    staff.reply()
    petitioner.open(receipt.case_no, receipt.query_code)
    services.clock.advance(timedelta(days=31))
    petitioner.post("/portal/review", {"reason": "夜间噪声仍然存在"})
    page = petitioner.client.get("/portal/case").get_data(as_text=True)
    assert "申请复查的期限已于" in page


@pytest.fixture
def strict_app(services):
    """The portal with low limits, to see them bite."""
    from dataclasses import replace
    settings = replace(services.settings, portal=replace(services.settings.portal, submit_limit="2 per minute",
                                                         lookup_limit="100 per minute", code_limit="3 per minute"))
    app = create_app(services=replace(services, settings=settings))
    app.config.update(TESTING=True)
    return app


def test_submissions_are_limited_per_address(strict_app):
    petitioner = Petitioner(strict_app.test_client())
    assert [petitioner.submit().status_code for _ in range(3)] == [200, 200, 429]


def test_lookups_are_limited_per_query_code_whatever_the_address(strict_app):
    petitioner = Petitioner(strict_app.test_client())
    receipt = petitioner.receipt(petitioner.submit())
    codes = []
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"):
        other = Petitioner(strict_app.test_client())
        other.client.environ_base["REMOTE_ADDR"] = address
        codes.append(other.open(receipt.case_no, receipt.query_code).status_code)
    assert codes == [302, 302, 302, 429]


def test_a_solved_captcha_cookie_sent_again_does_not_serve_twice(petitioner):
    answer = petitioner.answer()
    with petitioner.client.session_transaction() as session:
        replayed = dict(session)
    data = dict(FORM, csrf_token=petitioner.token(), captcha=answer)
    assert petitioner.client.post("/portal/submit", data=data).status_code == 200
    with petitioner.client.session_transaction() as session:
        session.update(replayed)
    assert petitioner.client.post("/portal/submit", data=data).status_code == 422
