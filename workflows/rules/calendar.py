"""The working-day calendar of mainland China: which days count as working days for deadlines.

Official holidays and make-up working days (调休) come from the `chinese_calendar` package;
configuration may add or override days for any year, since the package only ships the
years published when it was released."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache

import chinese_calendar

_SATURDAY = 5


_ONE_DAY = timedelta(days=1)


@cache
def _package_knows_year(year: int) -> bool:
    # Probe rather than read the package's private tables: its supported range is derived
    # from its own data and moves with each release.
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class WorkingCalendar:
    """Answers "is this a working day" and counts working days, for any year.

    `extra_holidays` and `extra_workdays` come from config.yaml (`calendar.holidays`,
    `calendar.workdays`) and take precedence over the package, in any year.
    """

    def __init__(
        self,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> None:
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_workdays = frozenset(extra_workdays)
        both = sorted(self._extra_holidays & self._extra_workdays)
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise ValueError(
                f"calendar: {listed} listed both as holiday and as working day; "
                "keep each date in only one of calendar.holidays and calendar.workdays"
            )
        self._configured_years = frozenset(d.year for d in self._extra_holidays)

    def is_working_day(self, d: date) -> bool:
        """True when `d` is a working day: configuration first, then the package, then weekdays."""
        if d in self._extra_workdays:
            return True
        if d in self._extra_holidays:
            return False
        if _package_knows_year(d.year):
            return bool(chinese_calendar.is_workday(d))
        return d.weekday() < _SATURDAY

    def knows_year(self, year: int) -> bool:
        """True when the package ships that year's schedule or configuration gives its holidays."""
        return year in self._configured_years or _package_knows_year(year)

    def next_working_day(self, d: date) -> date:
        """`d` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start`; `start` itself is never counted.

        A negative `n` counts backwards (the |n|-th working day before `start`); `n == 0`
        returns `start` unchanged.
        """
        step = _ONE_DAY if n >= 0 else -_ONE_DAY
        remaining = abs(n)
        d = start
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def warnings_for(self, years: Iterable[int]) -> list[str]:
        """One warning per year whose official schedule is unknown, in year order."""
        return [
            f"No official holiday data for {year}: counting weekends only; "
            "add holidays to config.yaml calendar.holidays"
            for year in sorted(set(years))
            if not self.knows_year(year)
        ]
