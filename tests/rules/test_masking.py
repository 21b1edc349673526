"""Masking the petitioner's personal data where pages and histories show it: the first character of a name,
the first three and last four digits of a phone or ID number."""
from __future__ import annotations

import pytest

from workflows.rules.masking import PERSONAL_FIELDS, mask, mask_personal


@pytest.mark.parametrize("text, masked", [
    ("张三", "张*"),
    ("张", "张"),
    ("欧阳修远", "欧***"),
    ("13800000000", "138****0000"),
    ("330106199001011234", "330***********1234"),
    ("杭州市西湖区文三路1号", "杭**********"),
    ("12345678", "123*5678"),
    ("1234567", "1******"),
])
def test_names_keep_their_first_character_and_numbers_their_ends(text, masked):
    assert mask(text) == masked
    assert len(mask(text)) == len(text)


def test_the_petitioners_personal_fields_are_masked_and_nothing_else():
    data = {"petitioner": {"name": "张三", "phone": "13800000000", "id_number": "330106199001011234",
                           "address": "杭州市西湖区文三路1号", "anonymous": False, "group_size": 1},
            "reported_party": "杭州某某餐饮有限公司", "facts": "油烟直排"}
    masked = mask_personal(data)
    assert masked["petitioner"] == {"name": "张*", "phone": "138****0000", "id_number": "330***********1234",
                                    "address": "杭**********", "anonymous": False, "group_size": 1}
    assert {k: v for k, v in masked.items() if k != "petitioner"} == {k: v for k, v in data.items()
                                                                       if k != "petitioner"}
    assert set(PERSONAL_FIELDS) == {"name", "phone", "id_number", "address"}


def test_masking_leaves_the_data_it_was_given_unchanged():
    data = {"petitioner": {"name": "张三"}}
    mask_personal(data)
    assert data == {"petitioner": {"name": "张三"}}


def test_empty_and_missing_fields_stay_as_they_are():
    petitioner = {"name": "", "phone": None, "anonymous": True}
    assert mask_personal({"petitioner": petitioner})["petitioner"] == petitioner


@pytest.mark.parametrize("data", [{}, {"petitioner": None}, {"petitioner": "张三"}, {"facts": "油烟"}])
def test_data_without_a_petitioner_record_is_returned_as_is(data):
    assert mask_personal(data) is data
