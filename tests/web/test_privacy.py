"""Whistleblower confidentiality: personal data masked, revealed only to roles that need it and logged,
never on what goes to the reported party."""
from __future__ import annotations

import sqlalchemy as sa

from tests.web.helpers import to_investigation
from workflows.models import RevealLog

PERSONAL = ("张三", "13800000000", "330106199001011234", "杭州市西湖区文三路1号")


def reveals(services) -> list[RevealLog]:
    with services.db.reader() as session:
        return list(session.scalars(sa.select(RevealLog)))


def test_the_case_page_masks_the_petitioner_for_everyone(as_user, services):
    case = to_investigation(services)
    for username in ("reg-hz", "han-xh", "lead-xh", "sup-hz", "aud-zj"):
        page = as_user(username).get(f"/cases/{case.case_id}").get_data(as_text=True)
        assert not any(value in page for value in PERSONAL), username
        assert "138****0000" in page
    assert reveals(services) == []


def test_a_registrar_reveals_the_petitioner_and_the_look_is_logged(as_user, services, clock):
    case = to_investigation(services)
    response = as_user("reg-xh").post(f"/cases/{case.case_id}/reveal")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and all(value in page for value in PERSONAL)
    [log] = reveals(services)
    assert (log.case_id, log.username, log.organisation, log.fields, log.at) == (
        case.case_id, "reg-xh", "EEB-330106", "name,phone,id_number,address", clock.now())
    again = as_user("reg-xh").get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert "13800000000" not in again, "a reload masks again"


def test_a_handler_may_not_reveal(as_user, services):
    case = to_investigation(services)
    web = as_user("han-xh")
    assert "显示个人信息" not in web.get(f"/cases/{case.case_id}").get_data(as_text=True)
    response = web.post(f"/cases/{case.case_id}/reveal")
    assert response.status_code == 403 and "13800000000" not in response.get_data(as_text=True)
    assert reveals(services) == []


def test_a_user_of_another_bureau_cannot_reveal(as_user, services):
    case = to_investigation(services)
    assert as_user("han-nb").post(f"/cases/{case.case_id}/reveal").status_code == 403
    assert reveals(services) == []


def test_the_notice_to_the_reported_party_never_names_the_petitioner(as_user, services):
    case = to_investigation(services)
    case.complete("调查核实", {"next_step": "draft_reply", "findings": "现场检查属实：油烟直排。",
                             "violation_found": True, "enforcement_actions": ["order_correction"]}, "han-xh")
    page = as_user("reg-xh").get(f"/cases/{case.case_id}/notice").get_data(as_text=True)
    assert "杭州某某餐饮有限公司" in page and "现场检查属实：油烟直排。" in page and "责令改正" in page
    assert not any(value in page for value in PERSONAL)
    assert "138****0000" not in page and "信访人身份依法保密" in page


def test_task_pages_carry_no_petitioner_identity(as_user, services):
    case = to_investigation(services)
    page = as_user("han-xh").get(f"/tasks/{case.task_id('调查核实')}").get_data(as_text=True)
    assert not any(value in page for value in PERSONAL)
    assert "实名（保密）" in page


def test_the_timeline_leaves_out_the_registration_data(as_user, services):
    case = to_investigation(services)
    page = as_user("reg-hz").get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert "已登记" in page and "13800000000" not in page
