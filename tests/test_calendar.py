"""The working-day calendar against the official 2026 schedule and the fallback for later years.

The 2026 schedule as shipped by chinese_calendar 1.11.0 (constants.holidays / workdays):
  Mid-Autumn   Fri 2026-09-25 .. Sun 2026-09-27 off
  National Day Thu 2026-10-01 .. Wed 2026-10-07 off (Thu 10-08 is an ordinary working day)
  make-up working days (调休) for National Day: Sun 2026-09-20 and Sat 2026-10-10
chinese_calendar 1.11.0 covers 2004 through 2026 and raises NotImplementedError otherwise.

For a later year the calendar counts weekends and the statutory holidays of 全国年节及纪念日放假办法 (as in
force since 2025). 2027 by the Chinese calendar: lunar New Year Sat Feb 6 (Eve Fri Feb 5), Qingming Mon Apr 5,
Dragon Boat (lunar 5/5) Wed Jun 9, Mid-Autumn (lunar 8/15) Wed Sep 15.
"""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from workflows.rules.calendar import (
    YEAR_UNKNOWN,
    CalendarWarning,
    WorkingCalendar,
    statutory_holidays,
)

WARNING_2027 = CalendarWarning(YEAR_UNKNOWN, {"year": 2027})

HOLIDAYS_2027 = {date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),
                 date(2027, 4, 5), date(2027, 5, 1), date(2027, 5, 2), date(2027, 6, 9), date(2027, 9, 15),
                 date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)}


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


def test_unknown_year_falls_back_to_weekends_and_statutory_holidays(calendar):
    assert not calendar.is_working_day(date(2027, 1, 1))  # New Year's Day, a Friday
    assert not calendar.is_working_day(date(2027, 1, 2))  # Saturday
    assert calendar.is_working_day(date(2027, 1, 4))
    # Dec 31 (1), Jan 1 New Year, Jan 2-3 weekend, Jan 4 (2), Jan 5 (3)
    assert calendar.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)


def test_the_statutory_holidays_of_2027_by_their_solar_and_lunar_dates():
    assert statutory_holidays(2027) == HOLIDAYS_2027
    calendar = WorkingCalendar()
    assert [d for d in sorted(HOLIDAYS_2027) if calendar.is_working_day(d)] == []
    # Spring Festival: Eve Friday Feb 5 to Monday Feb 8; Tuesday Feb 9 is a working day again (no bridging days).
    assert calendar.next_working_day(date(2027, 2, 5)) == date(2027, 2, 9)
    assert calendar.is_working_day(date(2027, 9, 16)) and calendar.is_working_day(date(2027, 10, 4))


def test_the_fallback_holidays_agree_with_the_official_schedules_the_package_ships():
    # Under the rule in force since 2025 every statutory day is an official holiday of that year.
    for year in (2025, 2026):
        for day in statutory_holidays(year):
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            assert on_holiday and name is not None, f"{day} is not an official holiday"
    # The lunar and solar-term festivals fell on the computed days in every year the package knows (before
    # 2025 lunar New Year's Eve was a working day: the Spring Festival ran from lunar 1/1).
    for year in range(2008, 2027):
        festivals = sorted(statutory_holidays(year) - {date(year, m, d) for m, d in ((1, 1), (5, 1), (5, 2),
                                                                                      (10, 1), (10, 2), (10, 3))})
        if year < 2025:
            festivals = festivals[1:]           # the first of them is the Eve
        for day in festivals:
            assert chinese_calendar.get_holiday_detail(day)[0], f"{day} ({year}) is not an official holiday"


def test_lunar_festivals_are_computed_for_any_year():
    days = statutory_holidays(2031)
    assert {date(2031, 1, 22), date(2031, 1, 23)} <= days    # lunar New Year's Eve and Day 2031
    assert date(2031, 6, 24) in days                          # Dragon Boat
    assert len(days) == 12, "Mid-Autumn 2031 falls on National Day, October 1"


def test_warnings_name_each_unknown_year_once_in_order(calendar):
    assert calendar.warnings_for([2028, 2026, 2027, 2027]) == [
        WARNING_2027,
        CalendarWarning(YEAR_UNKNOWN, {"year": 2028}),
    ]
    assert calendar.warnings_for([2026]) == []
    assert WARNING_2027.as_dict() == {"code": "calendar.year_unknown", "params": {"year": 2027}}


def test_a_later_year_is_known_once_configuration_lists_all_its_statutory_holidays():
    # The State Council's schedule: every statutory day plus bridging days, and make-up working days.
    configured = WorkingCalendar(extra_holidays=HOLIDAYS_2027 | {date(2027, 2, 9), date(2027, 2, 10)},
                                 extra_workdays=[date(2027, 2, 20)])
    assert configured.knows_year(2027)
    assert configured.warnings_for([2027]) == []
    assert not configured.is_working_day(date(2027, 2, 9))   # a bridging day from configuration
    assert configured.is_working_day(date(2027, 2, 20))      # a make-up Saturday


def test_a_partly_configured_year_keeps_the_warning_and_the_statutory_fallback():
    calendar = WorkingCalendar(extra_holidays=[date(2027, 1, 1), date(2027, 1, 4)])
    assert not calendar.knows_year(2027)
    assert calendar.warnings_for([2027]) == [WARNING_2027]
    assert not calendar.is_working_day(date(2027, 1, 4))     # configured
    assert not calendar.is_working_day(date(2027, 10, 1))    # statutory, not configured


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
