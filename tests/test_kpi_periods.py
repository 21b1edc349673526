"""Reporting periods: a month, a quarter, a year or a range of days in Asia/Shanghai, read from their text forms,
with a clear error naming the field for anything else; the months a trend chart shows; spreadsheet cells; the
KPI targets of config.yaml."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from engine.errors import InvalidData
from workflows.reporting.exports import Table, neutralised, table_csv, tables_xlsx
from workflows.reporting.periods import (
    last_month_in,
    parse_period,
    period_containing,
    previous_month,
    recent_periods,
)
from workflows.rules.timezone import SHANGHAI
from workflows.settings import SettingsError, load_settings


def test_a_month_quarter_year_and_range_are_read_from_their_text():
    march = parse_period("2026-03")
    assert (march.kind, march.first, march.last, march.key) == ("month", date(2026, 3, 1), date(2026, 3, 31), "2026-03")
    assert march.start == datetime(2026, 3, 1, tzinfo=SHANGHAI) and march.end == datetime(2026, 4, 1, tzinfo=SHANGHAI)
    first = parse_period("2026-q1")
    assert (first.first, first.last, first.key) == (date(2026, 1, 1), date(2026, 3, 31), "2026-Q1")
    assert parse_period("2026-Q4").last == date(2026, 12, 31)
    year = parse_period("2024")
    assert (year.first, year.last, year.key) == (date(2024, 1, 1), date(2024, 12, 31), "2024")
    days = parse_period("2026-02-27..2026-03-02")
    assert (days.kind, days.first, days.last, days.key) == ("range", date(2026, 2, 27), date(2026, 3, 2),
                                                            "2026-02-27..2026-03-02")
    assert parse_period("2028-02").last == date(2028, 2, 29), "a leap February"


def test_a_period_is_counted_in_shanghai_time():
    march = parse_period("2026-03")
    # 2026-02-28 16:30 UTC is 2026-03-01 00:30 in Shanghai: inside March; 2026-03-31 16:00 UTC is April there.
    assert march.contains(datetime(2026, 2, 28, 16, 30, tzinfo=UTC))
    assert not march.contains(datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    assert period_containing(datetime(2026, 3, 31, 16, 0, tzinfo=UTC)).key == "2026-04"
    assert period_containing(datetime(2026, 5, 20, tzinfo=UTC), "quarter").key == "2026-Q2"
    assert previous_month(datetime(2026, 1, 15, tzinfo=UTC)).key == "2025-12"


def test_the_periods_offered_and_the_bulletins_month():
    now = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    keys = [p.key for p in recent_periods(now)]
    assert keys[:3] == ["2026-11", "2026-10", "2026-09"] and keys[11] == "2025-12"
    assert keys[12:] == ["2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1", "2026", "2025"]
    assert last_month_in(parse_period("2026-Q4"), now).key == "2026-11", "December has not begun"
    assert last_month_in(parse_period("2026-Q3"), now).key == "2026-09"
    assert last_month_in(parse_period("2026-10-05..2026-10-09"), now).key == "2026-10"


@pytest.mark.parametrize(("text", "code"), [
    ("", "kpi.period_invalid"), ("2026-13", "kpi.period_invalid"), ("March", "kpi.period_invalid"),
    ("2026-Q5", "kpi.period_invalid"), ("2026-02-30..2026-03-01", "kpi.period_invalid"),
    ("2026-03-05..2026-03-01", "kpi.period_reversed"), ("2020-01-01..2026-01-01", "kpi.period_too_long"),
])
def test_an_unreadable_period_is_refused_naming_the_field(text, code):
    with pytest.raises(InvalidData) as refused:
        parse_period(text, "period")
    assert list(refused.value.errors) == ["period"]
    assert refused.value.errors["period"].code == code


def test_the_trend_shows_twelve_months_up_to_a_month_or_the_months_of_a_longer_period():
    assert [m.key for m in parse_period("2026-03").trend_months()] == \
        [f"2025-{m:02d}" for m in range(4, 13)] + ["2026-01", "2026-02", "2026-03"]
    assert [m.key for m in parse_period("2026-Q2").trend_months()] == ["2026-04", "2026-05", "2026-06"]
    assert len(parse_period("2026").trend_months()) == 12
    assert [m.key for m in parse_period("2026-01-20..2026-02-10").trend_months()] == ["2026-01", "2026-02"]


def test_a_cell_that_would_start_a_formula_stays_text_in_csv_and_xlsx():
    table = Table("被举报对象", ["对象", "件数"], [["=HYPERLINK(\"http://x\")", 1], ["+1", 2], ["-3", -3],
                                              ["@SUM(A1)", 4], ["某化工厂", 5]])
    assert neutralised("=1+1") == "'=1+1" and neutralised(-3) == -3 and neutralised("某厂") == "某厂"
    text = table_csv(table).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["对象", "件数"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-3", "'@SUM(A1)", "某化工厂"]
    assert rows[3][1] == "-3", "numbers are numbers, even negative ones"
    book = load_workbook(io.BytesIO(tables_xlsx([table, Table("被举报对象", ["x"], [["y"]])])))
    assert book.sheetnames == ["被举报对象", "被举报对象 2"]
    sheet = book["被举报对象"]
    assert [c.value for c in sheet["A"]][1:] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-3", "'@SUM(A1)", "某化工厂"]
    assert all(c.data_type == "s" for c in sheet["A"]), "no cell became a formula"
    assert sheet["B4"].value == -3


def test_kpi_targets_come_from_config_yaml_and_the_environment_and_are_checked():
    shipped = load_settings(environ={}).kpi.targets
    assert (shipped.timely_acceptance, shipped.on_time_completion, shipped.repeat_rate) == (100, 95, 10)
    assert shipped.satisfaction_strict is None, "no target for the strict variant unless configured"
    changed = load_settings(environ={"ECOPETITION_KPI_TARGETS_ON_TIME_COMPLETION": "98.5"}).kpi.targets
    assert changed.on_time_completion == 98.5
    with pytest.raises(SettingsError, match="kpi.targets.satisfaction"):
        load_settings(environ={"ECOPETITION_KPI_TARGETS_SATISFACTION": "120"})
    assert load_settings(environ={}).portal.disclosure_enabled is False
