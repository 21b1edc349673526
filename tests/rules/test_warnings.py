"""The pure early-warning rules: hotspots of a reported party or place within the window, sharp rises of a
division or pollution type against the periods before, at the thresholds and just below them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workflows.rules.warnings import (
    HOTSPOT_PARTY,
    HOTSPOT_PLACE,
    RISE_DIVISION,
    RISE_POLLUTION,
    CaseFacts,
    WarningRules,
    county_division,
    findings,
    hotspots,
    normalise_place,
    rises,
)

NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
XIHU = "EEB-330106"
RULES = WarningRules(hotspot_count=3, hotspot_days=30, rise_period_days=30, rise_previous_periods=3,
                     rise_factor=2.0, rise_min_count=4)


def case(case_id: int, days_ago: float, party: str = "", place: str = "", division: str = "330106",
         types: tuple[str, ...] = ("air",), bureau: str = XIHU) -> CaseFacts:
    return CaseFacts(case_id, bureau, NOW - timedelta(days=days_ago), party, place, division, types)


def test_places_are_compared_without_spaces_punctuation_or_width():
    assert normalise_place("文三路 99 号") == normalise_place("文三路９９号。") == "文三路99号"
    assert normalise_place(None) == ""
    assert county_division("330106001002") == "330106"


def test_three_cases_about_one_party_within_the_window_are_a_hotspot():
    cases = [case(1, 2, "杭州某某餐饮有限公司"), case(2, 10, "杭州某某餐饮 公司"), case(3, 29, "杭州某某餐饮")]
    [found] = hotspots(cases, NOW, RULES)
    assert (found.kind, found.bureau, found.subject, found.count, found.case_ids) == \
        (HOTSPOT_PARTY, XIHU, "杭州某某餐饮", 3, (3, 2, 1))
    assert found.label == "杭州某某餐饮", "worded as the earliest case wrote it"
    assert found.window_start == NOW - timedelta(days=30) and found.window_end == NOW


def test_a_case_outside_the_window_or_another_bureau_does_not_count():
    assert hotspots([case(1, 2, "甲厂"), case(2, 10, "甲厂"), case(3, 31, "甲厂")], NOW, RULES) == []
    assert hotspots([case(1, 2, "甲厂"), case(2, 10, "甲厂"), case(3, 5, "甲厂", bureau="EEB-330203")],
                    NOW, RULES) == []
    assert hotspots([case(1, 2, "甲厂"), case(2, 3, "甲厂"), case(3, -1, "甲厂")], NOW, RULES) == [], \
        "a case after the sweep's time is not in its window"


def test_a_place_is_a_hotspot_even_when_the_parties_differ():
    cases = [case(1, 1, "甲厂", "文三路99号"), case(2, 2, "乙厂", "文三路 99号"), case(3, 3, "", "文三路99 号")]
    [found] = hotspots(cases, NOW, RULES)
    assert (found.kind, found.subject, found.count) == (HOTSPOT_PLACE, "文三路99号", 3)


def test_a_sharp_rise_of_a_pollution_type_and_a_division():
    before = [case(10 + i, 40 + i * 20, types=("water",)) for i in range(3)]  # one per earlier period
    now = [case(i, i + 0.5, types=("noise",) if i < 4 else ("water",)) for i in range(6)]
    found = {(f.kind, f.subject): f for f in rises(before + now, NOW, RULES)}
    assert set(found) == {(RISE_POLLUTION, "noise"), (RISE_DIVISION, "330106")}, \
        "water: 2 now against 1 before is no sharp rise (below the minimum count)"
    noise = found[(RISE_POLLUTION, "noise")]
    assert (noise.count, noise.baseline, noise.case_ids) == (4, 0.0, (0, 1, 2, 3))
    division = found[(RISE_DIVISION, "330106")]
    assert (division.count, division.baseline) == (6, 1.0)


def test_no_rise_when_the_periods_before_were_as_busy():
    before = [case(100 + i, 31 + i * 2, types=("air",)) for i in range(30)]  # ten per earlier period on average
    now = [case(i, i + 0.5, types=("air",)) for i in range(12)]
    assert rises(before + now, NOW, RULES) == [], "12 now against 10 before is less than twice"
    assert [f.kind for f in findings(before + now, NOW, RULES)] == []
    more = now + [case(50 + i, 1, types=("air",)) for i in range(8)]
    assert {f.subject for f in rises(before + more, NOW, RULES)} == {"air", "330106"}, "20 against 10 is twice"
