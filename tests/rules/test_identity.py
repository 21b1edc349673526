"""Identity normalisation: the same petitioner's phone and the same reported party are found by equality
however a registrar typed them."""
from __future__ import annotations

import pytest

from workflows.rules.identity import normalise_party, normalise_phone


@pytest.mark.parametrize("typed", ["杭州某某餐饮有限公司", "杭州 某某餐饮公司", "（杭州）某某餐饮股份有限公司",
                                   "杭州某某餐饮有限责任公司", "杭州某某餐饮。"])
def test_a_reported_party_loses_spaces_punctuation_and_its_company_form(typed):
    assert normalise_party(typed) == "杭州某某餐饮"


def test_a_branch_is_the_party_it_belongs_to():
    assert normalise_party("杭州某某餐饮分公司") == "杭州某某餐饮"


def test_only_one_company_form_is_removed_from_the_end():
    assert normalise_party("某某公司食堂有限公司") == "某某公司食堂"


def test_full_width_and_upper_case_letters_compare_equal_to_their_plain_lower_case_form():
    assert normalise_party("ＡＢＣ化工有限公司") == normalise_party("abc化工公司") == "abc化工"


def test_a_name_that_is_only_a_company_form_is_not_emptied():
    assert normalise_party("公司") == "公司"


@pytest.mark.parametrize("missing", [None, "", "  "])
def test_no_reported_party_normalises_to_empty(missing):
    assert normalise_party(missing) == ""


@pytest.mark.parametrize("typed", ["13800000000", "138-0000-0000", "138 0000 0000", "+86 138 0000 0000",
                                   "0086 13800000000", "8613800000000"])
def test_a_mobile_number_is_its_eleven_digits(typed):
    assert normalise_phone(typed) == "13800000000"


def test_a_landline_keeps_its_area_code_digits():
    assert normalise_phone("0571-8888 6666") == "057188886666"


def test_a_country_code_is_removed_only_before_eleven_digits():
    assert normalise_phone("86571123") == "86571123"
    assert normalise_phone("86138000000001") == "86138000000001"


@pytest.mark.parametrize("missing", [None, "", "无"])
def test_no_phone_normalises_to_empty(missing):
    assert normalise_phone(missing) == ""
