"""Reporting periods: a month, a quarter, a year or a custom range of days, counted in Asia/Shanghai, and the
text forms that name them ("2026-03", "2026-Q1", "2026", "2026-03-01..2026-03-15")."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.errors import FieldError, InvalidData
from workflows.rules.timezone import SHANGHAI

KINDS = ("month", "quarter", "year", "range")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
# A custom range longer than this is refused: a trend of more months says nothing a year does not.
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """Days `first` to `last` (both included) in Asia/Shanghai; `kind` says how it was named."""

    kind: str
    first: date
    last: date

    @property
    def start(self) -> datetime:
        """The first instant of the period (midnight in Shanghai)."""
        return datetime.combine(self.first, time(0), SHANGHAI)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(0), SHANGHAI)

    @property
    def key(self) -> str:
        """The period's text form, which `parse_period` reads back."""
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.first.year)
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def months(self) -> list[Period]:
        """The calendar months the period touches, each whole, in order."""
        found = []
        current = month_of(self.first)
        while current.first <= self.last:
            found.append(current)
            current = month_of(current.last + timedelta(days=1))
        return found

    def trend_months(self) -> list[Period]:
        """The months a trend chart shows: those of the period, or the twelve up to it when it is one month."""
        if self.kind != "month" and len(self.months()) > 1:
            return self.months()
        months = [self]
        while len(months) < 12:
            months.insert(0, month_of(months[0].first - timedelta(days=1)))
        return months


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period("month", first, following - timedelta(days=1))


def quarter_of(day: date) -> Period:
    first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    following = (first + timedelta(days=100)).replace(day=1)
    return Period("quarter", first, following - timedelta(days=1))


def year_of(day: date) -> Period:
    return Period("year", date(day.year, 1, 1), date(day.year, 12, 31))


def period_containing(moment: datetime, kind: str = "month") -> Period:
    """The month (quarter, year) that `moment` falls in, in Shanghai."""
    day = moment.astimezone(SHANGHAI).date()
    return {"month": month_of, "quarter": quarter_of, "year": year_of}[kind](day)


def previous_month(moment: datetime) -> Period:
    """The last whole month before the one `moment` falls in."""
    return month_of(period_containing(moment).first - timedelta(days=1))


def recent_periods(moment: datetime) -> list[Period]:
    """The periods a reader picks from: the last twelve months, four quarters and two years, newest first."""
    found = []
    for kind, count in (("month", 12), ("quarter", 4), ("year", 2)):
        period = period_containing(moment, kind)
        for _index in range(count):
            found.append(period)
            period = period_containing(period.start - timedelta(seconds=1), kind)
    return found


def last_month_in(period: Period, moment: datetime) -> Period:
    """The period's last month that has begun by `moment` (the month a bulletin is offered for)."""
    return period_containing(min(period.end, moment) - timedelta(seconds=1))


def parse_period(text: str, field: str = "period") -> Period:
    """A period from its text form; InvalidData naming `field` when the text is none of the forms."""
    text = (text or "").strip()
    try:
        if match := _MONTH.match(text):
            return month_of(date(int(match[1]), int(match[2]), 1))
        if match := _QUARTER.match(text):
            return quarter_of(date(int(match[1]), (int(match[2]) - 1) * 3 + 1, 1))
        if match := _YEAR.match(text):
            return year_of(date(int(match[1]), 1, 1))
        if match := _RANGE.match(text):
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            if last < first:
                raise InvalidData(errors={field: FieldError("kpi.period_reversed",
                                                            {"first": match[1], "last": match[2]})})
            if (last - first).days >= MAX_RANGE_DAYS:
                raise InvalidData(errors={field: FieldError("kpi.period_too_long", {"limit": MAX_RANGE_DAYS})})
            return Period("range", first, last)
    except ValueError:
        pass
    raise InvalidData(errors={field: FieldError("kpi.period_invalid", {"value": text[:40]})})


def range_period(first: date, last: date, field: str = "period") -> Period:
    """A custom range from two days, checked like a typed one."""
    return parse_period(f"{first.isoformat()}..{last.isoformat()}", field)
