"""The registration page: every channel and field, errors by field, repeat suggestions before saving,
documents stored outside the database under their checksum."""
from __future__ import annotations

import hashlib
import io
import re

import pytest
import sqlalchemy as sa

from tests.web.helpers import register
from workflows.intake.attachments import blob_path
from workflows.models import CHANNELS, Attachment, Case, CaseLink

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

FORM = {
    "channel": "12369", "received_at": "2026-03-02T08:30", "petitioner.name": "张三",
    "petitioner.phone": "13800000000", "petitioner.id_number": "330106199001011234",
    "petitioner.address": "杭州市西湖区文三路1号", "petitioner.group_size": "1",
    "reported_party": "杭州某某餐饮有限公司", "reported_address": "文三路99号", "division_code": "330106",
    "location": "后厨排风口", "pollution_types": ["air", "noise"], "petition_class": "report",
    "facts": "餐厅油烟直排，夜间风机噪声扰民。", "demands": "安装油烟净化设施", "action": "register",
}


def cases(services) -> list[Case]:
    with services.db.reader() as session:
        return list(session.scalars(sa.select(Case).order_by(Case.id)))


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_case_from_any_channel_is_registered_with_every_field(as_user, services, channel):
    web = as_user("reg-hz")
    response = web.post("/cases/new", dict(FORM, channel=channel, track="simple",
                                           **{"petitioner.group_size": "3"}, cross_county="on"))
    assert response.status_code == 302
    [case] = cases(services)
    assert (case.channel, case.petitioner_name, case.petitioner_id_number, case.group_size, case.reported_party,
            case.division_code, case.pollution_type_list, case.petition_class, case.track) == (
        channel, "张三", "330106199001011234", 3, "杭州某某餐饮有限公司", "330106", ["air", "noise"], "report", "simple")
    assert case.received_at.isoformat() == "2026-03-02T00:30:00+00:00", "typed in Beijing time"
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert f"案件 {case.case_no} 已登记。信访人查询码：{case.query_code}" in page


def test_an_anonymous_petition_needs_no_identity(as_user, services):
    form = {k: v for k, v in FORM.items() if not k.startswith("petitioner.")}
    response = as_user("reg-hz").post("/cases/new", dict(form, **{"petitioner.anonymous": "on"}))
    assert response.status_code == 302
    assert cases(services)[0].anonymous is True


def test_bad_fields_are_named_and_nothing_is_stored(as_user, services):
    response = as_user("reg-hz").post("/cases/new", dict(FORM, **{"petitioner.id_number": "12345",
                                                                 "petitioner.group_size": "many"},
                                                         received_at="2026-03-09T08:00", division_code="33"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="petitioner-id_number-error">请填写18位居民身份证号码（末位可为X）。' in page
    assert 'id="petitioner-group_size-error">请填写整数。' in page
    assert 'id="division_code-error">不是有效的' in page
    assert cases(services) == []


def test_bad_fields_are_named_in_the_users_language_from_their_codes(as_user, services):
    bad = dict(FORM, **{"petitioner.phone": "call me"}, facts="oil", channel="fax", repeats_checked="1")
    del bad["pollution_types"]
    unreachable = dict(FORM, **{"petitioner.name": "", "petitioner.phone": "", "petitioner.address": ""},
                       repeats_checked="1")
    web = as_user("reg-hz")
    chinese = web.post("/cases/new", bad).get_data(as_text=True)
    assert '<p class="error-summary" role="alert">案件未登记，请更正标出的字段。</p>' in chinese
    assert 'id="petitioner-phone-error">只能填写数字、+、- 和空格。' in chinese
    assert 'id="facts-error">请填写 5 至 20000 个字。' in chinese
    assert 'id="pollution_types-error">请至少选择一种污染类型。' in chinese
    assert 'id="channel-error">请从选项中选择。' in chinese
    chinese = web.post("/cases/new", unreachable).get_data(as_text=True)
    assert 'id="petitioner-name-error">非匿名信访必须填写。' in chinese
    assert 'id="petitioner-phone-error">请填写联系电话或通讯地址，以便答复。' in chinese
    web.post("/language", {"locale": "en"})
    response = web.post("/cases/new", bad)
    english = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<p class="error-summary" role="alert">The case was not registered; correct the fields marked.</p>' \
        in english
    assert 'id="petitioner-phone-error">Digits, +, - and spaces only.' in english
    assert 'id="facts-error">Give between 5 and 20000 characters.' in english
    assert 'id="pollution_types-error">Choose at least one pollution type.' in english
    assert 'id="channel-error">Choose one of the options.' in english
    english = web.post("/cases/new", unreachable).get_data(as_text=True)
    assert 'id="petitioner-name-error">Required unless the petitioner is anonymous.' in english
    assert 'id="petitioner-phone-error">Give a phone number or an address to reply to.' in english
    assert "field." not in english and "petitioner.name_required" not in english
    assert cases(services) == []


def test_a_future_receipt_time_is_refused(as_user, services):
    response = as_user("reg-hz").post("/cases/new", dict(FORM, received_at="2026-03-09T08:00"))
    assert 'id="received_at-error">时间不能晚于现在。' in response.get_data(as_text=True)
    assert cases(services) == []


def test_earlier_cases_of_the_petitioner_are_shown_before_saving_and_linked_when_ticked(as_user, services):
    first = register(services)
    web = as_user("reg-hz")
    response = web.post("/cases/new", FORM)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and len(cases(services)) == 1, "shown, not yet saved"
    assert "发现相似的既往案件" in page and f'value="{first.case_no}"' in page
    assert re.search(r'class="score"[^>]*>\d+%', page)
    assert 'name="repeats_checked" value="1"' in page
    response = web.post("/cases/new", dict(FORM, repeats_checked="1", link_case_nos=first.case_no))
    assert response.status_code == 302
    with services.db.reader() as session:
        [link] = session.scalars(sa.select(CaseLink))
        assert (link.linked_case_id, link.status) == (first.case_id, "confirmed")
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert first.case_no in page and "已确认" in page


def test_check_for_repeats_says_when_there_are_none(as_user, services):
    page = as_user("reg-hz").post("/cases/new", dict(FORM, action="check")).get_data(as_text=True)
    assert "未发现相似的既往案件。" in page and cases(services) == []


def test_documents_are_stored_by_checksum_and_served_to_those_who_see_the_case(as_user, services):
    web = as_user("reg-hz")
    response = web.post("/cases/new", dict(FORM, attachments=(io.BytesIO(PNG), "../现场照片.png")),
                        content_type="multipart/form-data")
    assert response.status_code == 302
    with services.db.reader() as session:
        [row] = session.scalars(sa.select(Attachment))
    assert (row.filename, row.content_type, row.size, row.sha256) == (
        "现场照片.png", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest())
    assert blob_path(services.settings, row.sha256).read_bytes() == PNG
    url = f"/cases/{row.case_id}/documents/{row.id}"
    download = web.get(url)
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert as_user("han-nb").get(url).status_code == 403


@pytest.mark.parametrize("upload, message", [
    ((io.BytesIO(b"MZ\x90\x00"), "tool.exe"), "tool.exe：不接受此类文件"),
    ((io.BytesIO(b"not really"), "photo.png"), "photo.png：文件内容不是 PNG 格式"),
    ((io.BytesIO(b"%PDF" + b"0" * (1024 * 1024 + 10)), "big.pdf"), "big.pdf：超过 1 MB"),
])
def test_a_document_of_the_wrong_type_or_size_is_refused_and_nothing_is_stored(as_user, services, upload, message):
    response = as_user("reg-hz").post("/cases/new", dict(FORM, repeats_checked="1", attachments=upload),
                                      content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert cases(services) == []
