"""The working-day calendar against the official 2026 schedule and the fallback for later years.

The 2026 schedule as shipped by chinese_calendar 1.11.0 (constants.holidays / workdays):
  Mid-Autumn   Fri 2026-09-25 .. Sun 2026-09-27 off
  National Day Thu 2026-10-01 .. Wed 2026-10-07 off (Thu 10-08 is an ordinary working day)
  make-up working days (调休) for National Day: Sun 2026-09-20 and Sat 2026-10-10
chinese_calendar 1.11.0 covers 2004 through 2026 and raises NotImplementedError otherwise.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from workflows.rules.calendar import WorkingCalendar

WARNING_2027 = (
    "No official holiday data for 2027: counting weekends only; "
    "add holidays to config.yaml calendar.holidays"
)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def test_package_data_covers_2004_through_2026_only(calendar):
    assert calendar.knows_year(2004)
    assert calendar.knows_year(2026)
    assert not calendar.knows_year(2003)
    assert not calendar.knows_year(2027)


def test_national_day_2026_is_off_from_october_1_to_7(calendar):
    for offset in range(7):
        assert not calendar.is_working_day(date(2026, 10, 1) + timedelta(days=offset))
    assert calendar.is_working_day(date(2026, 10, 8))


def test_mid_autumn_2026_friday_is_off(calendar):
    assert not calendar.is_working_day(date(2026, 9, 25))


def test_make_up_weekend_days_of_2026_are_working_days(calendar):
    assert calendar.is_working_day(date(2026, 9, 20))  # Sunday, 调休
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday, 调休
    assert not calendar.is_working_day(date(2026, 10, 11))  # ordinary Sunday
    assert not calendar.is_working_day(date(2026, 9, 19))  # ordinary Saturday


def test_next_working_day_skips_the_holiday_and_keeps_a_working_day(calendar):
    assert calendar.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert calendar.next_working_day(date(2026, 10, 8)) == date(2026, 10, 8)
    assert calendar.next_working_day(date(2026, 10, 11)) == date(2026, 10, 12)


def test_three_working_days_from_september_29_skip_national_day(calendar):
    # Sep 30 (1), Oct 1-7 off, Oct 8 (2), Oct 9 (3)
    assert calendar.add_working_days(date(2026, 9, 29), 3) == date(2026, 10, 9)


def test_three_working_days_from_september_30_end_on_the_make_up_saturday(calendar):
    # Oct 8 (1), Oct 9 (2), Sat Oct 10 make-up day (3)
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_ten_working_days_across_national_day(calendar):
    # Sep 29, Sep 30, Oct 8, Oct 9, Oct 10 (Sat, 调休), Oct 12, 13, 14, 15, 16
    assert calendar.add_working_days(date(2026, 9, 28), 10) == date(2026, 10, 16)


def test_start_day_is_not_counted_even_when_it_is_a_working_day(calendar):
    assert calendar.add_working_days(date(2026, 10, 8), 1) == date(2026, 10, 9)
    assert calendar.add_working_days(date(2026, 10, 8), 0) == date(2026, 10, 8)


def test_negative_count_goes_back_across_the_holiday(calendar):
    assert calendar.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert calendar.add_working_days(date(2026, 10, 12), -2) == date(2026, 10, 9)


def test_unknown_year_falls_back_to_weekends_without_raising(calendar):
    assert calendar.is_working_day(date(2027, 1, 1))  # a Friday; the holiday is unknown
    assert not calendar.is_working_day(date(2027, 1, 2))  # Saturday
    assert calendar.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 4)


def test_warnings_name_each_unknown_year_once_in_order(calendar):
    assert calendar.warnings_for([2028, 2026, 2027, 2027]) == [
        WARNING_2027,
        WARNING_2027.replace("2027", "2028"),
    ]
    assert calendar.warnings_for([2026]) == []


def test_configured_holidays_make_a_later_year_known():
    calendar = WorkingCalendar(extra_holidays=[date(2027, 1, 1)])
    assert calendar.knows_year(2027)
    assert calendar.warnings_for([2027]) == []
    assert not calendar.is_working_day(date(2027, 1, 1))
    # Dec 31 (1), Jan 1 off, Jan 2-3 weekend, Jan 4 (2), Jan 5 (3)
    assert calendar.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)


def test_configured_make_up_days_alone_do_not_make_a_year_known():
    calendar = WorkingCalendar(extra_workdays=[date(2027, 2, 20)])
    assert not calendar.knows_year(2027)
    assert calendar.is_working_day(date(2027, 2, 20))  # a Saturday


def test_configuration_overrides_the_package_in_a_known_year():
    calendar = WorkingCalendar(
        extra_holidays=[date(2026, 10, 9)], extra_workdays=[date(2026, 10, 11)]
    )
    assert not calendar.is_working_day(date(2026, 10, 9))
    assert calendar.is_working_day(date(2026, 10, 11))
    # Oct 8 (1), Oct 9 now off, Oct 10 (2), Sun Oct 11 now working (3)
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 11)


def test_a_date_both_holiday_and_working_day_is_refused():
    with pytest.raises(ValueError, match="2027-01-01 listed both as holiday and as working day"):
        WorkingCalendar(extra_holidays=[date(2027, 1, 1)], extra_workdays=[date(2027, 1, 1)])
