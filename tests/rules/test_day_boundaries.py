"""Days end at midnight in Asia/Shanghai, not in UTC: a clock's first day, its last second, its reminder and
an extension are all counted on the Shanghai calendar, whatever offset the moment was given in."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from workflows.bootstrap import load_deadline_rules
from workflows.rules.calendar import WorkingCalendar
from workflows.rules.deadlines import DeadlineCalculator
from workflows.rules.timezone import SHANGHAI

TABLE = Path(__file__).resolve().parents[2] / "bpmn" / "deadlines.yaml"
# Sunday 2026-03-01 23:59:59 and Monday 2026-03-02 00:00:00 in Shanghai: both on Sunday in UTC.
LAST_SECOND_OF_SUNDAY = datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)
MONDAY_MIDNIGHT = datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def calculator() -> DeadlineCalculator:
    return DeadlineCalculator(load_deadline_rules(TABLE), WorkingCalendar())


def test_shanghai_is_eight_hours_ahead_of_utc_all_year_without_summer_time():
    for month in range(1, 13):
        assert datetime(2026, month, 15, tzinfo=SHANGHAI).utcoffset() == timedelta(hours=8)


def test_a_clock_started_in_the_last_second_of_a_shanghai_day_counts_from_that_day(calculator):
    # Three working days after Sunday: Mon 2, Tue 3, Wed 4; after Monday: Thu 5.
    assert calculator.last_day("simple_acceptance", LAST_SECOND_OF_SUNDAY).isoformat() == "2026-03-04"
    assert calculator.last_day("simple_acceptance", MONDAY_MIDNIGHT).isoformat() == "2026-03-05"
    # Fifteen calendar days after Sunday Mar 1 is Monday Mar 16; after Monday, Tuesday Mar 17.
    assert calculator.due("acceptance", LAST_SECOND_OF_SUNDAY) == datetime(2026, 3, 16, 23, 59, 59, tzinfo=SHANGHAI)
    assert calculator.due("acceptance", MONDAY_MIDNIGHT) == datetime(2026, 3, 17, 23, 59, 59, tzinfo=SHANGHAI)


def test_the_same_moment_in_another_offset_gives_the_same_deadline(calculator):
    tokyo = MONDAY_MIDNIGHT.astimezone(timezone(timedelta(hours=9)))
    new_york = MONDAY_MIDNIGHT.astimezone(timezone(timedelta(hours=-5)))
    assert calculator.due("acceptance", tokyo) == calculator.due("acceptance", new_york) == \
        calculator.due("acceptance", MONDAY_MIDNIGHT)


def test_a_deadline_ends_one_second_before_shanghai_midnight_which_is_in_the_utc_afternoon(calculator):
    due = calculator.due("acceptance", MONDAY_MIDNIGHT)
    assert due.astimezone(UTC) == datetime(2026, 3, 17, 15, 59, 59, tzinfo=UTC)
    assert (due + timedelta(seconds=1)).astimezone(SHANGHAI).date().isoformat() == "2026-03-18"


def test_a_reminder_goes_out_at_shanghai_midnight(calculator):
    reminder = calculator.reminder("acceptance", MONDAY_MIDNIGHT)
    assert reminder == datetime(2026, 3, 14, tzinfo=SHANGHAI)
    assert reminder.astimezone(UTC) == datetime(2026, 3, 13, 16, 0, tzinfo=UTC)


def test_an_extension_runs_on_from_the_shanghai_day_of_the_current_deadline(calculator):
    # Given in UTC, 15:59:59Z is 23:59:59 on May 6 in Shanghai: extended from May 6; a second later, from May 7.
    assert calculator.extension_due(datetime(2026, 5, 6, 15, 59, 59, tzinfo=UTC), 20) == \
        datetime(2026, 5, 26, 23, 59, 59, tzinfo=SHANGHAI)
    assert calculator.extension_due(datetime(2026, 5, 6, 16, 0, 0, tzinfo=UTC), 20) == \
        datetime(2026, 5, 27, 23, 59, 59, tzinfo=SHANGHAI)
