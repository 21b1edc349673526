"""Statutory clocks of bpmn/deadlines.yaml counted on the official 2026 schedule, and the preview.

Expected dates are counted by hand on the 2026 schedule shipped by chinese_calendar 1.11.0:
Mid-Autumn Fri 09-25 .. Sun 09-27 off; National Day Thu 10-01 .. Wed 10-07 off; make-up
working days Sun 09-20 and Sat 10-10. 2027 is not in the package: weekends and the statutory
holidays (New Year Fri 01-01, Spring Festival Fri 02-05 .. Mon 02-08, Qingming Mon 04-05, May Day
05-01 .. 05-02, Dragon Boat Wed 06-09, Mid-Autumn Wed 09-15, National Day 10-01 .. 10-03) unless
configured. The start day is never counted; a clock ends at 23:59:59 Asia/Shanghai.
"""
from __future__ import annotations

import copy
import dataclasses
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from webui.deadlines_table import format_preview_table
from webui.i18n import compile_catalogs
from workflows.bootstrap import load_deadline_rules
from workflows.rules.calendar import (
    YEAR_UNKNOWN,
    CalendarWarning,
    WorkingCalendar,
    statutory_holidays,
)
from workflows.rules.deadlines import (
    DeadlineCalculator,
    DeadlineConfigError,
    DeadlineRules,
    UnknownDeadlineError,
)
from workflows.rules.deadlines_preview import (
    preview,
    preview_as_dict,
)
from workflows.rules.timezone import SHANGHAI

TABLE = Path(__file__).resolve().parent.parent / "bpmn" / "deadlines.yaml"


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    """The table's words come from the .mo catalogs, which a bare pytest run may not have built yet."""
    compile_catalogs()


WARNING_2027 = CalendarWarning(YEAR_UNKNOWN, {"year": 2027})
# A deployment's own 2027 holidays, as it would configure them once the State Council
# publishes them. A test fixture, not the official notice: every statutory holiday, with
# bridging days after the Spring Festival (Tue 02-09 .. Thu 02-11) and Labour Day (05-03 .. 05-05).
CONFIGURED_2027 = sorted(statutory_holidays(2027) | {date(2027, 2, 9), date(2027, 2, 10), date(2027, 2, 11),
                                                     *(date(2027, 5, day) for day in range(3, 6))})


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=SHANGHAI)


def midnight(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def rules() -> DeadlineRules:
    return load_deadline_rules(TABLE)


@pytest.fixture
def calculator(rules) -> DeadlineCalculator:
    return DeadlineCalculator(rules, WorkingCalendar())


def calculator_with(rules: DeadlineRules, key: str, **changes) -> DeadlineCalculator:
    """The shipped table with one rule changed."""
    changed = [
        dataclasses.replace(rule, **changes) if rule.key == key else rule
        for rule in rules.values()
    ]
    return DeadlineCalculator(DeadlineRules(changed), WorkingCalendar())


# --- the table ---------------------------------------------------------------------------

SPEC_CLOCKS = {
    "registration_decision": (15, "calendar_days", "received"),
    "acceptance": (15, "calendar_days", "received"),
    "forward_objection": (5, "working_days", "received"),
    "simple_acceptance": (3, "working_days", "received"),
    "simple_reply": (10, "working_days", "accepted"),
    "handling": (60, "calendar_days", "accepted"),
    "extension": (30, "calendar_days", "extension_approved"),
    "reply_receipt": (15, "calendar_days", "reply_sent"),
    "review_request": (30, "calendar_days", "reply_received"),
    "review_opinion": (30, "calendar_days", "review_requested"),
    "rereview_request": (30, "calendar_days", "review_opinion"),
    "rereview_opinion": (30, "calendar_days", "rereview_requested"),
    "supervision_feedback": (30, "calendar_days", "supervision_ordered"),
}


def test_table_defines_every_clock_of_the_spec(rules):
    assert rules.timezone_name == "Asia/Shanghai"
    assert {key: (r.length, r.unit, r.starts_at) for key, r in rules.items()} == SPEC_CLOCKS
    # A presumed receipt is a day, not a period to act in: it does not roll.
    assert [key for key, rule in rules.items() if not rule.roll_to_working_day] == ["reply_receipt"]
    assert rules["acceptance"].remind_before == 3
    assert rules["simple_acceptance"].remind_before == 1
    assert rules["handling"].source.startswith("信访工作条例 (2022) 第三十五条")


def test_rules_are_frozen(rules):
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules["handling"].length = 90


def test_unknown_clock_names_the_key_and_lists_the_known_ones(rules, calculator):
    with pytest.raises(UnknownDeadlineError) as caught:
        rules["acceptence"]
    assert str(caught.value) == (
        "unknown deadline 'acceptence'; known deadlines: registration_decision, acceptance, "
        "forward_objection, simple_acceptance, simple_reply, handling, extension, "
        "reply_receipt, review_request, review_opinion, rereview_request, rereview_opinion, "
        "supervision_feedback"
    )
    with pytest.raises(UnknownDeadlineError, match="unknown deadline 'reply'"):
        calculator.due("reply", at(2026, 9, 1))


# --- working-day clocks around National Day 2026 ------------------------------------------


def test_simple_acceptance_from_september_29_skips_national_day(calculator):
    # Sep 30 (1), Oct 1-7 off, Oct 8 (2), Oct 9 (3)
    assert calculator.due("simple_acceptance", at(2026, 9, 29)) == end_of(2026, 10, 9)


def test_simple_acceptance_from_september_30_counts_the_make_up_saturday(calculator):
    # Oct 8 (1), Oct 9 (2), Sat Oct 10 调休 (3)
    assert calculator.due("simple_acceptance", at(2026, 9, 30)) == end_of(2026, 10, 10)


def test_simple_reply_counts_ten_working_days_across_national_day(calculator):
    # Sep 29, 30, Oct 8, 9, 10 (Sat 调休), 12, 13, 14, 15, 16
    assert calculator.due("simple_reply", at(2026, 9, 28)) == end_of(2026, 10, 16)


def test_forward_objection_from_the_make_up_sunday(calculator):
    # received Sun Sep 20 (a working day, but the start day is not counted):
    # Sep 21, 22, 23, 24, (25-27 Mid-Autumn off), 28
    assert calculator.due("forward_objection", at(2026, 9, 20)) == end_of(2026, 9, 28)


# --- calendar-day clocks and rolling ------------------------------------------------------


def test_acceptance_landing_in_national_day_rolls_to_october_8(calculator):
    # Sep 20 + 15 = Mon Oct 5, a holiday -> Thu Oct 8
    assert calculator.due("acceptance", at(2026, 9, 20)) == end_of(2026, 10, 8)


def test_acceptance_landing_on_the_make_up_saturday_does_not_roll(calculator):
    # Sep 25 + 15 = Sat Oct 10, an official working day
    assert calculator.due("acceptance", at(2026, 9, 25)) == end_of(2026, 10, 10)


def test_acceptance_landing_on_an_ordinary_sunday_rolls_to_monday(calculator):
    # Sep 26 + 15 = Sun Oct 11 -> Mon Oct 12
    assert calculator.due("acceptance", at(2026, 9, 26)) == end_of(2026, 10, 12)


def test_without_rolling_a_holiday_stays_the_last_day(rules):
    calculator = calculator_with(rules, "acceptance", roll_to_working_day=False)
    assert calculator.due("acceptance", at(2026, 9, 20)) == end_of(2026, 10, 5)
    assert calculator.warnings("acceptance", at(2026, 12, 20)) == []


def test_handling_counts_sixty_calendar_days(calculator):
    # Oct 8 + 60 = Mon Dec 7
    assert calculator.due("handling", at(2026, 10, 8)) == end_of(2026, 12, 7)


# --- time of day and time zones ---------------------------------------------------------


def test_deadline_ends_at_23_59_59_in_shanghai(calculator):
    due = calculator.due("acceptance", at(2026, 9, 20))
    assert due.tzinfo == SHANGHAI
    assert due.utcoffset() == timedelta(hours=8)
    assert due.astimezone(UTC) == datetime(2026, 10, 8, 15, 59, 59, tzinfo=UTC)


def test_utc_start_after_shanghai_midnight_counts_from_october_1(calculator):
    # 2026-09-30T17:30Z is 2026-10-01 01:30 in Shanghai: Oct 1 + 15 = Fri Oct 16
    start = datetime(2026, 9, 30, 17, 30, tzinfo=UTC)
    assert calculator.due("acceptance", start) == end_of(2026, 10, 16)


def test_utc_start_before_shanghai_midnight_counts_from_september_30(calculator):
    # 2026-09-30T15:59:59Z is 23:59:59 on Sep 30 in Shanghai: Sep 30 + 15 = Thu Oct 15
    start = datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)
    assert calculator.due("acceptance", start) == end_of(2026, 10, 15)


def test_naive_start_is_refused(calculator):
    with pytest.raises(ValueError, match=r"naive datetime 2026-09-20T10:00:00 refused"):
        calculator.due("acceptance", datetime(2026, 9, 20, 10, 0))
    with pytest.raises(ValueError, match="naive"):
        calculator.reminder("acceptance", datetime(2026, 9, 20, 10, 0))


# --- reminders --------------------------------------------------------------------------


def test_calendar_day_reminder_three_days_before_the_rolled_last_day(calculator):
    # due Thu Oct 8 -> reminder at midnight on Mon Oct 5
    assert calculator.reminder("acceptance", at(2026, 9, 20)) == midnight(2026, 10, 5)


def test_working_day_reminders_count_working_days_back(calculator):
    # simple_acceptance due Oct 9, one working day before: Oct 8
    assert calculator.reminder("simple_acceptance", at(2026, 9, 29)) == midnight(2026, 10, 8)
    # simple_reply due Oct 16, two working days before: Oct 14
    assert calculator.reminder("simple_reply", at(2026, 9, 28)) == midnight(2026, 10, 14)


def test_working_day_reminder_goes_back_across_the_holiday(rules):
    calculator = calculator_with(rules, "simple_acceptance", remind_before=2)
    # due Oct 9; back: Oct 8 (1), Oct 1-7 off, Sep 30 (2)
    assert calculator.reminder("simple_acceptance", at(2026, 9, 29)) == midnight(2026, 9, 30)


def test_reminder_is_never_before_the_start(rules):
    calculator = calculator_with(rules, "acceptance", length=1, remind_before=5)
    start = datetime(2026, 9, 21, 2, 0, tzinfo=UTC)
    reminder = calculator.reminder("acceptance", start)
    assert reminder == at(2026, 9, 21, 10, 0)
    assert reminder.tzinfo == SHANGHAI


# --- extension --------------------------------------------------------------------------


def test_extension_runs_on_from_the_current_deadline(calculator):
    # Dec 7 + 30 = Wed 2027-01-06 (2027 by the statutory fallback: an ordinary working day)
    assert calculator.extension_due(end_of(2026, 12, 7), 30) == end_of(2027, 1, 6)
    # Sep 21 + 14 = Mon Oct 5, National Day -> Oct 8
    assert calculator.extension_due(end_of(2026, 9, 21), 14) == end_of(2026, 10, 8)


def test_extension_beyond_thirty_days_is_refused(calculator):
    with pytest.raises(ValueError, match="allows from 1 to 30 calendar_days"):
        calculator.extension_due(end_of(2026, 12, 7), 31)
    with pytest.raises(ValueError, match="extension of 0 calendar_days refused"):
        calculator.extension_due(end_of(2026, 12, 7), 0)


def test_extension_runs_on_from_the_statutory_end_before_it_rolled(calculator):
    # accepted Sun 2026-08-02: + 60 = Thu Oct 1, National Day; the deadline rolled to Thu Oct 8
    accepted = at(2026, 8, 2)
    assert calculator.statutory_end("handling", accepted) == date(2026, 10, 1)
    assert calculator.due("handling", accepted) == end_of(2026, 10, 8)
    # extended 30 days from Oct 1 = Sat Oct 31 -> Mon Nov 2 (from the rolled Oct 8 it would be Mon Nov 9)
    assert calculator.extension_from_end(date(2026, 10, 1), 30) == end_of(2026, 11, 2)
    assert calculator.extension_due(end_of(2026, 10, 8), 30) == end_of(2026, 11, 9)
    # 14 days from Oct 1 = Thu Oct 15, a working day: no roll
    assert calculator.extension_from_end(date(2026, 10, 1), 14) == end_of(2026, 10, 15)


def test_extension_from_the_statutory_end_rolls_once_over_a_holiday(calculator):
    # statutory end Sat Sep 5 + 30 = Mon Oct 5, National Day -> Thu Oct 8
    assert calculator.extension_from_end(date(2026, 9, 5), 30) == end_of(2026, 10, 8)


def test_extension_from_the_statutory_end_is_limited_like_any_extension(calculator):
    with pytest.raises(ValueError, match="allows from 1 to 30 calendar_days"):
        calculator.extension_from_end(date(2026, 10, 1), 31)
    with pytest.raises(ValueError, match="extension of '30' calendar_days refused"):
        calculator.extension_from_end(date(2026, 10, 1), "30")


def test_extension_from_the_approval_uses_the_maximum_by_default(calculator):
    # approved Nov 5 + 30 = Sat Dec 5 -> Mon Dec 7
    assert calculator.due("extension", at(2026, 11, 5)) == end_of(2026, 12, 7)


# --- into 2027 --------------------------------------------------------------------------


def test_handling_into_2027_counts_weekends_and_statutory_holidays_with_a_warning(calculator):
    # accepted Sun 2026-12-20: + 60 = Thu 2027-02-18
    start = at(2026, 12, 20)
    assert calculator.due("handling", start) == end_of(2027, 2, 18)
    assert calculator.warnings("handling", start) == [WARNING_2027]
    assert calculator.warnings("acceptance", at(2026, 9, 20)) == []


def test_handling_into_configured_2027_holidays_rolls_past_them(rules):
    configured = DeadlineCalculator(rules, WorkingCalendar(extra_holidays=CONFIGURED_2027))
    # accepted 2026-12-08: + 60 = Sat 2027-02-06, inside the configured holiday (to Thu Feb 11) -> Fri Feb 12
    assert configured.due("handling", at(2026, 12, 8)) == end_of(2027, 2, 12)
    assert configured.warnings("handling", at(2026, 12, 8)) == []
    # the statutory fallback knows the Spring Festival (Eve Fri Feb 5 .. Mon Feb 8), not the bridging days
    fallback = DeadlineCalculator(rules, WorkingCalendar())
    assert fallback.due("handling", at(2026, 12, 8)) == end_of(2027, 2, 9)
    assert fallback.warnings("handling", at(2026, 12, 8)) == [WARNING_2027]


def test_a_partly_configured_2027_keeps_the_warning(rules):
    partly = DeadlineCalculator(rules, WorkingCalendar(extra_holidays=[date(2027, 2, day) for day in range(5, 12)]))
    assert partly.due("handling", at(2026, 12, 8)) == end_of(2027, 2, 12)
    assert partly.warnings("handling", at(2026, 12, 8)) == [WARNING_2027]


def test_working_days_into_2027_skip_new_years_day_with_the_warning_until_configured(rules):
    start = at(2026, 12, 28)  # Monday
    fallback = DeadlineCalculator(rules, WorkingCalendar())
    # Dec 29, 30, 31, Fri Jan 1 statutory holiday, Mon Jan 4, Tue Jan 5
    assert fallback.due("forward_objection", start) == end_of(2027, 1, 5)
    assert fallback.warnings("forward_objection", start) == [WARNING_2027]
    configured = DeadlineCalculator(rules, WorkingCalendar(extra_holidays=CONFIGURED_2027))
    # Dec 29, 30, 31, Jan 1 off, Jan 4, Jan 5
    assert configured.due("forward_objection", start) == end_of(2027, 1, 5)
    assert configured.warnings("forward_objection", start) == []


# --- bad configuration ------------------------------------------------------------------

VALID_CLOCK = {
    "key": "acceptance",
    "length": 15,
    "unit": "calendar_days",
    "starts_at": "received",
    "roll_to_working_day": True,
    "remind_before": 3,
    "label_zh": "告知信访人是否受理",
    "label_en": "Acceptance notice",
    "source": "信访工作条例 (2022) 第二十三条",
}


def write_table(tmp_path: Path, data) -> Path:
    path = tmp_path / "deadlines.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def table_with(**changes) -> dict:
    clock = {**copy.deepcopy(VALID_CLOCK), **changes}
    return {"timezone": "Asia/Shanghai", "clocks": [clock]}


def table_without(field: str) -> dict:
    clock = copy.deepcopy(VALID_CLOCK)
    del clock[field]
    return {"timezone": "Asia/Shanghai", "clocks": [clock]}


ACCEPTANCE = "rule 'acceptance', field"
BAD_TABLES = [
    (table_with(unit="weeks"),
     f"{ACCEPTANCE} 'unit': 'weeks' is not accepted; expected one of calendar_days, working_days"),
    (table_without("length"), f"{ACCEPTANCE} 'length': missing; expected a positive whole number"),
    (table_with(length=0), f"{ACCEPTANCE} 'length': 0 is not accepted; expected a positive"),
    (table_with(length=-5), f"{ACCEPTANCE} 'length': -5 is not accepted"),
    (table_with(length="15"), f"{ACCEPTANCE} 'length': '15' is not accepted"),
    (table_with(length=True), f"{ACCEPTANCE} 'length': True is not accepted"),
    (table_with(remind_before=-1),
     f"{ACCEPTANCE} 'remind_before': -1 is not accepted; expected a whole number of zero or more"),
    (table_with(starts_at="arrival"),
     f"{ACCEPTANCE} 'starts_at': 'arrival' is not accepted; expected one of received, accepted"),
    (table_with(roll_to_working_day="yes"),
     f"{ACCEPTANCE} 'roll_to_working_day': 'yes' is not accepted; expected true or false"),
    (table_with(label_en=""), f"{ACCEPTANCE} 'label_en': '' is not accepted"),
    (table_without("source"), f"{ACCEPTANCE} 'source': missing"),
    (table_with(lenght=15),
     "rule 'acceptance': unknown field 'lenght'; accepted fields: key, length, unit"),
    (table_without("key"), "clocks[0], field 'key': missing; expected a snake_case name"),
    (table_with(key="Acceptance Notice"),
     "clocks[0], field 'key': 'Acceptance Notice' is not accepted"),
    ({"timezone": "Asia/Shanghai", "clocks": [VALID_CLOCK, VALID_CLOCK]},
     f"{ACCEPTANCE} 'key': defined twice"),
    ({"timezone": "Mars/Olympus", "clocks": [VALID_CLOCK]},
     "field 'timezone' is 'Mars/Olympus'; expected an IANA zone name"),
    ({"timezone": "Asia/Shanghai", "clocks": []}, "field 'clocks' must be a non-empty list"),
    ({"timezone": "Asia/Shanghai", "clock": [VALID_CLOCK]},
     "unknown top-level field 'clock'; accepted fields: timezone, clocks"),
    (["not", "a", "mapping"], "expected a mapping with fields timezone, clocks"),
    ({"clocks": ["acceptance"]}, "clocks[0] is 'acceptance'; expected a mapping with fields"),
]


@pytest.mark.parametrize(("data", "expected"), BAD_TABLES)
def test_bad_table_names_file_rule_field_and_what_is_accepted(tmp_path, data, expected):
    path = write_table(tmp_path, data)
    with pytest.raises(DeadlineConfigError) as caught:
        load_deadline_rules(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_roll_to_working_day_defaults_to_true(tmp_path):
    path = write_table(tmp_path, table_without("roll_to_working_day"))
    assert load_deadline_rules(path)["acceptance"].roll_to_working_day is True


def test_missing_table_file_is_named(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(DeadlineConfigError, match=r"nowhere\.yaml: file not found"):
        load_deadline_rules(path)


def test_table_that_is_not_yaml_is_named(tmp_path):
    path = tmp_path / "deadlines.yaml"
    path.write_text("clocks: [key: acceptance\n", encoding="utf-8")
    with pytest.raises(DeadlineConfigError, match=r"deadlines\.yaml: not valid YAML"):
        load_deadline_rules(path)


# --- preview ----------------------------------------------------------------------------


def test_normal_track_preview_chains_the_worst_case(calculator):
    result = preview(calculator, at(2026, 9, 20))
    clocks = {clock.key: clock for clock in result.clocks}
    assert list(clocks) == [
        "registration_decision", "acceptance", "forward_objection", "handling", "extension",
        "reply_receipt", "review_request", "review_opinion", "rereview_request", "rereview_opinion",
        "supervision_feedback",
    ]
    assert clocks["acceptance"].start == at(2026, 9, 20)
    assert clocks["acceptance"].due == end_of(2026, 10, 8)
    assert clocks["acceptance"].reminder == midnight(2026, 10, 5)
    assert clocks["acceptance"].assumed is False
    # accepted at the acceptance deadline; Oct 8 + 60 = Mon Dec 7
    assert clocks["handling"].start == end_of(2026, 10, 8)
    assert clocks["handling"].assumed is True
    assert clocks["handling"].due == end_of(2026, 12, 7)
    # extended at the handling deadline: 30 days from its statutory end, Dec 7 -> Wed 2027-01-06
    assert clocks["extension"].start == end_of(2026, 12, 7)
    assert clocks["extension"].due == end_of(2027, 1, 6)
    # posted at the handling deadline, no receipt: presumed received 15 days on, Tue Dec 22 (no roll)
    assert clocks["reply_receipt"].start == end_of(2026, 12, 7)
    assert clocks["reply_receipt"].due == end_of(2026, 12, 22)
    # the review window runs from that receipt: Dec 22 + 30 = Thu 2027-01-21
    assert clocks["review_request"].start == end_of(2026, 12, 22)
    assert clocks["review_request"].due == end_of(2027, 1, 21)
    assert clocks["supervision_feedback"].start == end_of(2026, 12, 7)
    # Jan 21 + 30 = Sat Feb 20 -> Mon Feb 22; Feb 22 + 30 = Wed Mar 24; Mar 24 + 30 = Fri Apr 23
    assert clocks["review_opinion"].due == end_of(2027, 2, 22)
    assert clocks["rereview_request"].due == end_of(2027, 3, 24)
    assert clocks["rereview_opinion"].due == end_of(2027, 4, 23)
    assert result.warnings == (WARNING_2027,)


def test_simple_track_preview_uses_the_simple_clocks(calculator):
    result = preview(calculator, at(2026, 9, 29), track="simple")
    clocks = {clock.key: clock for clock in result.clocks}
    assert "acceptance" not in clocks and "handling" not in clocks and "extension" not in clocks
    assert clocks["simple_acceptance"].due == end_of(2026, 10, 9)
    # accepted Oct 9: Oct 10 (Sat 调休), 12, 13, 14, 15, 16, 19, 20, 21, 22
    assert clocks["simple_reply"].start == end_of(2026, 10, 9)
    assert clocks["simple_reply"].due == end_of(2026, 10, 22)
    assert clocks["simple_reply"].reminder == midnight(2026, 10, 20)
    # presumed received Oct 22 + 15 = Fri Nov 6; + 30 = Sun Dec 6 -> Mon Dec 7
    assert clocks["reply_receipt"].due == end_of(2026, 11, 6)
    assert clocks["review_request"].due == end_of(2026, 12, 7)
    assert result.warnings == (WARNING_2027,)  # the re-review opinion reaches 2027


def test_preview_of_a_december_case_into_2027(rules):
    received = at(2026, 12, 20)
    fallback_preview = preview(DeadlineCalculator(rules, WorkingCalendar()), received)
    fallback = {c.key: c.due for c in fallback_preview.clocks}
    # Dec 20 + 15 = Mon Jan 4; + 60 = Fri Mar 5; presumed receipt + 15 = Sat Mar 20 (no roll);
    # + 30 = Mon Apr 19; + 30 = Wed May 19; + 30 = Fri Jun 18
    assert fallback["acceptance"] == end_of(2027, 1, 4)
    assert fallback["handling"] == end_of(2027, 3, 5)
    assert fallback["reply_receipt"] == end_of(2027, 3, 20)
    assert fallback["review_request"] == end_of(2027, 4, 19)
    assert fallback["review_opinion"] == end_of(2027, 5, 19)
    assert fallback["rereview_request"] == end_of(2027, 6, 18)
    assert fallback_preview.warnings == (WARNING_2027,)
    calendar = WorkingCalendar(extra_holidays=CONFIGURED_2027)
    configured = preview(DeadlineCalculator(rules, calendar), received)
    dues = {c.key: c.due for c in configured.clocks}
    # the configured bridging days are not on this chain: the same days, and no warning
    assert {key: dues[key] for key in fallback} == fallback
    assert configured.warnings == ()


def test_a_table_without_the_presumed_receipt_previews_the_window_from_the_reply(rules):
    older = DeadlineRules([rule for key, rule in rules.items() if key != "reply_receipt"])
    clocks = {c.key: c for c in preview(DeadlineCalculator(older, WorkingCalendar()), at(2026, 9, 20)).clocks}
    assert "reply_receipt" not in clocks
    assert clocks["review_request"].start == clocks["handling"].due == end_of(2026, 12, 7)
    assert clocks["review_request"].due == end_of(2027, 1, 6)


def test_preview_refuses_an_unknown_track(calculator):
    with pytest.raises(ValueError, match="unknown track 'fast'; accepted tracks: normal, simple"):
        preview(calculator, at(2026, 9, 20), track="fast")


def test_preview_refuses_a_naive_receipt_time(calculator):
    with pytest.raises(ValueError, match="naive"):
        preview(calculator, datetime(2026, 9, 20, 10, 0))


def test_preview_converts_a_utc_receipt_to_shanghai(calculator):
    result = preview(calculator, datetime(2026, 9, 30, 17, 30, tzinfo=UTC))
    acceptance = next(c for c in result.clocks if c.key == "acceptance")
    assert acceptance.start == at(2026, 10, 1, 1, 30)
    assert acceptance.start.tzinfo == SHANGHAI
    assert acceptance.due == end_of(2026, 10, 16)


def test_preview_as_dict_gives_iso_strings(calculator):
    items = preview_as_dict(preview(calculator, at(2026, 9, 20)))
    assert items[1] == {
        "key": "acceptance",
        "label_zh": "告知信访人是否受理",
        "label_en": "Acceptance notice to the petitioner",
        "starts_at": "received",
        "start": "2026-09-20T10:00:00+08:00",
        "due": "2026-10-08T23:59:59+08:00",
        "unit": "calendar_days",
        "length": 15,
        "reminder": "2026-10-05T00:00:00+08:00",
        "assumed": False,
    }
    assert items[3]["start"] == "2026-10-08T23:59:59+08:00"
    assert items[3]["assumed"] is True


def display_column(line: str, text: str) -> int:
    prefix = line[: line.index(text)]
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in prefix)


def test_chinese_table_is_aligned_and_ends_with_the_warnings(calculator):
    table = format_preview_table(preview(calculator, at(2026, 9, 20)), locale="zh_CN")
    lines = table.splitlines()
    assert lines[0].split() == ["时限", "规则", "起算", "截止", "提醒"]
    acceptance = next(line for line in lines if line.startswith("告知信访人是否受理"))
    assert "收件后 15 日" in acceptance
    assert "2026-10-08 23:59:59 周四" in acceptance
    handling = next(line for line in lines if line.startswith("办理并书面答复"))
    assert "2026-10-08 23:59:59 周四 *" in handling
    assert "2026-12-07 23:59:59 周一" in handling
    assert display_column(acceptance, "2026-10-08 23:59:59") == display_column(
        handling, "2026-12-07 23:59:59"
    ) == display_column(lines[0], "截止")
    assert "时间均为 Asia/Shanghai 时间" in lines
    assert lines[-1].startswith("注意：尚无2027年国务院放假安排")


def test_english_table_shows_rule_and_weekday(calculator):
    table = format_preview_table(preview(calculator, at(2026, 9, 29), track="simple"), locale="en")
    reply = next(line for line in table.splitlines() if line.startswith("Simple track: reply"))
    assert "10 working days after accepted" in reply
    assert "2026-10-22 23:59:59 Thu" in reply
    assert table.splitlines()[-1].startswith("Warning: No official holiday schedule for 2027 yet: deadlines in 2027 "
                                             "count weekends and the statutory holidays")


def test_table_refuses_an_unknown_language(calculator):
    with pytest.raises(ValueError, match="unknown language 'fr'; accepted: zh_CN, en"):
        format_preview_table(preview(calculator, at(2026, 9, 20)), locale="fr")
