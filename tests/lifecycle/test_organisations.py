"""The organisation code scheme and the script functions the lifecycle BPMN relies on."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.clock import ManualClock
from workflows.rules.organisations import (
    DEMO_ORGANISATIONS,
    ancestors,
    bureau_for,
    division_level,
    is_within,
    org_above,
    org_level,
    parent_org,
)
from workflows.scripting import parse_time, sampled, script_functions


def test_bureaus_form_a_tree_from_county_to_ministry():
    assert parent_org("EEB-330106") == "EEB-330100"
    assert parent_org("EEB-330100") == "EEB-330000"
    assert parent_org("EEB-330000") == "MEE"
    assert parent_org("MEE") is None
    assert org_above("EEB-330212", 2) == "EEB-330000"
    assert org_above("EEB-330000", 2) is None
    assert ancestors("EEB-330203") == ["EEB-330200", "EEB-330000", "MEE"]
    assert is_within("EEB-330110", "EEB-330100") and not is_within("EEB-330110", "EEB-330200")


def test_the_demo_organisations_agree_with_the_code_scheme():
    assert [o.code for o in DEMO_ORGANISATIONS] == ["MEE", "EEB-330000", "EEB-330100", "EEB-330106", "EEB-330110",
                                                    "EEB-330200", "EEB-330203", "EEB-330212"]
    for org in DEMO_ORGANISATIONS:
        assert (org_level(org.code), parent_org(org.code)) == (org.level, org.parent)


def test_division_codes_point_at_the_bureau_of_their_level():
    assert [division_level(c) for c in ("330000", "330100", "330106", "330106001", "330106001002")] == [
        "province", "city", "county", "county", "county"]
    assert bureau_for("330106001002", "city") == "EEB-330100"
    with pytest.raises(ValueError, match="not a county"):
        bureau_for("330100", "county")
    with pytest.raises(ValueError, match="6, 9 or 12 digits"):
        division_level("33010")
    with pytest.raises(ValueError, match="'EEB-' and a 6-digit"):
        parent_org("HZ-1")


def test_script_functions_count_deadlines_from_the_rules_and_the_step_clock(calculator):
    functions = script_functions(calculator)(ManualClock(datetime(2026, 5, 20, tzinfo=UTC)))
    assert functions["deadline"]("acceptance", "2026-03-02T09:00:00+08:00") == "2026-03-17T23:59:59+08:00"
    assert functions["reminder"]("acceptance", "2026-03-02T09:00:00+08:00") == "2026-03-14T00:00:00+08:00"
    assert functions["extension_due"]("2026-05-06T23:59:59+08:00", 20) == "2026-05-26T23:59:59+08:00"
    assert functions["reminder_before"]("extension", "2026-05-26T23:59:59+08:00") == "2026-05-21T00:00:00+08:00"
    assert functions["reminder_before"]("extension", "2026-05-22T23:59:59+08:00") == "2026-05-20T00:00:00+00:00", \
        "a reminder already past goes out now"
    with pytest.raises(ValueError, match="from 1 to 30"):
        functions["extension_due"]("2026-05-06T23:59:59+08:00", 45)
    with pytest.raises(ValueError, match="no timezone offset"):
        parse_time("2026-03-02T09:00:00")


def test_return_visit_sampling_is_stable_per_case():
    picks = [sampled(f"XH-2026-{n:04d}", 0.3) for n in range(1000)]
    assert picks == [sampled(f"XH-2026-{n:04d}", 0.3) for n in range(1000)]
    assert 250 < sum(picks) < 350
    assert sampled("any", 1) and not sampled("any", 0)
