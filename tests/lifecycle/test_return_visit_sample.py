"""Return visits (回访) for a sample of closed cases: the rate is fixed into the case at registration (config.yaml
lifecycle.return_visit_rate) and the case number's hash decides, so replay and verify give the same answer."""
from __future__ import annotations

import pytest

from tests.lifecycle.helpers import RETURN_VISIT, accept, handle_and_reply
from workflows.rules.timezone import SHANGHAI
from workflows.scripting import sampled


def closed(register, case_no: str, rate: float):
    """A case received now at `rate`, answered at once and closed when its review window lapsed."""
    case = register(case_no=case_no, return_visit_rate=rate)
    accept(case)
    handle_and_reply(case)
    case.advance(days=31)                                  # the review window lapsed: the case closes
    return case


def closed_now(register, clock, case_no: str, rate: float):
    """As `closed`, for one of several cases: received at the clock's time, given 40 days for a window that a
    holiday may lengthen."""
    case = register(case_no=case_no, return_visit_rate=rate,
                    received_at=clock.now().astimezone(SHANGHAI).isoformat())
    accept(case)
    handle_and_reply(case)
    case.advance(days=40)
    return case


def test_at_rate_zero_a_closed_case_is_archived_without_a_visit(register):
    case = closed(register, "XH-2026-0001", 0)
    assert case.queue() == []
    data = case.data()
    assert (case.status, data["status"], data["return_visit_rate"]) == ("completed", "archived", 0)


def test_at_rate_one_every_closed_case_gets_a_visit(register):
    case = closed(register, "XH-2026-0001", 1)
    assert [row.title for row in case.queue()] == [RETURN_VISIT]


def test_a_case_registered_before_the_rate_was_configured_is_visited(register):
    case = register()                                      # start data without return_visit_rate
    accept(case)
    handle_and_reply(case)
    case.advance(days=31)
    assert [row.title for row in case.queue()] == [RETURN_VISIT]
    assert case.task_data(RETURN_VISIT)["return_visit_rate"] == 1


CASE_NOS = [f"XH-2026-{n:04d}" for n in range(1, 9)]


def test_at_a_fraction_the_case_number_decides_and_both_outcomes_occur(register, clock):
    expected = {case_no: sampled(case_no, 0.5) for case_no in CASE_NOS}
    assert set(expected.values()) == {True, False}, "the numbers chosen give both outcomes"
    for case_no in CASE_NOS:
        case = closed_now(register, clock, case_no, 0.5)
        visited = [row.title for row in case.queue()] == [RETURN_VISIT]
        assert visited == expected[case_no], case_no
        assert visited or case.data()["status"] == "archived"


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.9])
def test_the_sample_over_many_case_numbers_is_close_to_the_rate_and_stable(rate):
    numbers = [f"EEB-330106-2026-{n:05d}" for n in range(1, 4001)]
    chosen = [n for n in numbers if sampled(n, rate)]
    assert abs(len(chosen) / len(numbers) - rate) < 0.03
    assert chosen == [n for n in numbers if sampled(n, rate)], "the same numbers every time"
    assert set(chosen) <= {n for n in numbers if sampled(n, min(1.0, rate + 0.1))}, "a larger rate adds cases"


def test_rates_at_the_ends_take_none_or_all():
    numbers = [f"XH-2026-{n:05d}" for n in range(1, 1001)]
    assert not any(sampled(n, 0) for n in numbers)
    assert all(sampled(n, 1) for n in numbers)
