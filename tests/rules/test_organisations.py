"""The organisation code scheme at its edges: division codes of every length, levels without a bureau, and
climbing the tree; tests/lifecycle/test_organisations.py covers the ordinary tree."""
from __future__ import annotations

import pytest

from workflows.rules.organisations import (
    MINISTRY,
    ancestors,
    bureau_for,
    check_division_code,
    division_level,
    is_within,
    org_above,
    org_level,
    parent_org,
)


@pytest.mark.parametrize("code", ["330106", "330106001", "330106001002"])
def test_township_and_village_codes_belong_to_their_county(code):
    assert check_division_code(code) == "330106"


@pytest.mark.parametrize("code", ["33010", "3301060", "33010600", "3301060010", "330106001002003", "33010a",
                                  " 330106", "", None, 330106])
def test_anything_but_six_nine_or_twelve_digits_is_not_a_division_code(code):
    with pytest.raises(ValueError):
        check_division_code(code)


@pytest.mark.parametrize("division, level, bureau", [
    ("330106", "province", "EEB-330000"),
    ("330106", "city", "EEB-330100"),
    ("330106", "county", "EEB-330106"),
    ("330100", "province", "EEB-330000"),
    ("330100", "city", "EEB-330100"),
    ("330000", "province", "EEB-330000"),
    ("330212001", "city", "EEB-330200"),
])
def test_the_bureau_of_each_level_over_a_division(division, level, bureau):
    assert bureau_for(division, level) == bureau


@pytest.mark.parametrize("division, level", [("330000", "city"), ("330000", "county"), ("330100", "county"),
                                             ("330106", "ministry"), ("330106", "township")])
def test_a_level_the_division_does_not_have_is_refused(division, level):
    with pytest.raises(ValueError):
        bureau_for(division, level)


def test_levels_of_organisation_codes():
    assert [org_level(code) for code in (MINISTRY, "EEB-330000", "EEB-330200", "EEB-330212")] == [
        "ministry", "province", "city", "county"]
    assert division_level("330212001002") == "county"


@pytest.mark.parametrize("code", ["EEB-3301", "EEB-330106001", "eeb-330106", "HZ-1", "", None])
def test_an_unknown_organisation_code_is_refused(code):
    with pytest.raises(ValueError):
        org_level(code)


def test_climbing_the_tree_stops_above_the_ministry():
    assert org_above("EEB-330106", 0) == "EEB-330106"
    assert org_above("EEB-330106", 3) == MINISTRY
    assert org_above("EEB-330106", 4) is None
    assert org_above("EEB-330106", 9) is None
    assert ancestors(MINISTRY) == []
    assert parent_org(MINISTRY) is None


def test_an_organisation_is_within_itself_and_what_is_above_it_only():
    assert is_within("EEB-330106", "EEB-330106")
    assert is_within("EEB-330106", MINISTRY) and is_within("EEB-330000", MINISTRY)
    assert not is_within("EEB-330100", "EEB-330106"), "a city is not within its county"
    assert not is_within(MINISTRY, "EEB-330000")
