"""The working-day calendar of mainland China: which days count as working days for deadlines.

Official holidays and make-up working days (调休) come from the `chinese_calendar` package;
configuration may add or override days for any year, since the package only ships the
years published when it was released. For a year neither of them knows in full, the calendar
falls back to weekends plus the statutory public holidays, computed from their solar and lunar
dates, and says so with a warning until configuration covers that year."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import chinese_calendar
from lunar_python import Lunar, Solar

_SATURDAY = 5


_ONE_DAY = timedelta(days=1)


# The code of the warning for a year whose official schedule is not known in full (params: year).
YEAR_UNKNOWN = "calendar.year_unknown"


@dataclass(frozen=True)
class CalendarWarning:
    """A warning about the calendar, as a code and parameters; the web layer words it from the catalogs."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


@cache
def _package_knows_year(year: int) -> bool:
    # Probe rather than read the package's private tables: its supported range is derived
    # from its own data and moves with each release.
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _solar_date(solar: Solar) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar_date(year: int, month: int, day: int) -> date:
    return _solar_date(Lunar.fromYmd(year, month, day).getSolar())


def _qingming(year: int) -> date:
    # The 清明 solar term falls on April 4, 5 or 6 (April 3 or 7 in rare centuries); ask the ephemeris.
    for day in range(1, 11):
        if Solar.fromYmd(year, 4, day).getLunar().getJieQi() == "清明":
            return date(year, 4, day)
    raise AssertionError(f"no 清明 solar term found in April {year}")


@cache
def statutory_holidays(year: int) -> frozenset[date]:
    """The public holidays every citizen has in `year` under 全国年节及纪念日放假办法 as in force since 2025.

    New Year's Day (Jan 1); Spring Festival, 4 days (lunar New Year's Eve and lunar 1/1 to 1/3); Qingming (the
    solar term's day); Labour Day (May 1-2); Dragon Boat Festival (lunar 5/5); Mid-Autumn Festival (lunar
    8/15); National Day (Oct 1-3). The State Council's yearly schedule adds bridging days and make-up working
    days (调休) that no rule predicts; those come only from the package or from configuration.
    """
    new_year = _lunar_date(year, 1, 1)
    days = {date(year, 1, 1), date(year, 5, 1), date(year, 5, 2), _qingming(year),
            _lunar_date(year, 5, 5), _lunar_date(year, 8, 15)}
    days.update(new_year + timedelta(days=offset) for offset in range(-1, 3))
    days.update(date(year, 10, day) for day in (1, 2, 3))
    return frozenset(days)


class WorkingCalendar:
    """Answers "is this a working day" and counts working days, for any year.

    `extra_holidays` and `extra_workdays` come from config.yaml (`calendar.holidays`,
    `calendar.workdays`) and take precedence over the package, in any year. A year the package
    does not ship counts weekends and the statutory holidays (`statutory_holidays`) as days off,
    and is known in full once configuration lists each of those holidays among `extra_holidays`.
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

    def is_working_day(self, d: date) -> bool:
        """True when `d` is a working day: configuration first, then the package, then the statutory fallback."""
        if d in self._extra_workdays:
            return True
        if d in self._extra_holidays:
            return False
        if _package_knows_year(d.year):
            return bool(chinese_calendar.is_workday(d))
        return d.weekday() < _SATURDAY and d not in statutory_holidays(d.year)

    def knows_year(self, year: int) -> bool:
        """True when the package ships that year's schedule or configuration lists all its statutory holidays."""
        return _package_knows_year(year) or statutory_holidays(year) <= self._extra_holidays

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

    def warnings_for(self, years: Iterable[int]) -> list[CalendarWarning]:
        """One `calendar.year_unknown` warning per year whose official schedule is not known in full, in year order."""
        return [CalendarWarning(YEAR_UNKNOWN, {"year": year})
                for year in sorted(set(years)) if not self.knows_year(year)]
