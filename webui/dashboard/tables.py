"""The words of the dashboard and the bulletin: each KPI's name and the names of its numerator and
denominator, and the report's tables with translated headers and labels, as downloads and bulletin sheets."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from webui.i18n import label, org_name
from workflows.reporting.dashboard import Dashboard, DrilldownRow
from workflows.reporting.exports import Table
from workflows.reporting.kpis import (
    AVERAGE_KEYS,
    KPI_KEYS,
    LOWER_IS_BETTER,
    VOLUME_KEYS,
    Figure,
    KpiReport,
)

KPI_NAMES = {
    "timely_acceptance": _l("Timely acceptance rate"),
    "on_time_completion": _l("On-time completion rate"),
    "rating_participation": _l("Rating participation rate"),
    "satisfaction": _l("Satisfaction rate (satisfied + basically satisfied)"),
    "satisfaction_strict": _l("Satisfaction rate (satisfied only)"),
    "repeat_rate": _l("Repeat petition rate"),
    "backlog_resolution": _l("Backlog resolution rate"),
}
# What is counted above and below the line of each rate.
KPI_PARTS = {
    "timely_acceptance": (_l("Decided by the deadline"), _l("Acceptance decisions due")),
    "on_time_completion": (_l("Replied by the deadline"), _l("Replies due")),
    "rating_participation": (_l("Rated"), _l("Open to rating")),
    "satisfaction": (_l("Satisfied or basically satisfied"), _l("Rated")),
    "satisfaction_strict": (_l("Satisfied"), _l("Rated")),
    "repeat_rate": (_l("Confirmed repeats"), _l("Cases received")),
    "backlog_resolution": (_l("Resolved in the period"), _l("On the backlog ledger at the start")),
}
AVERAGE_NAMES = {"days_to_accept": _l("Average days from receipt to acceptance"),
                 "days_to_reply": _l("Average days from acceptance to the written reply")}
VOLUME_NAMES = {"channel": _l("By channel"), "pollution_type": _l("By pollution type"),
                "petition_class": _l("By petition class"), "region": _l("By region"),
                "reported_party": _l("By reported party")}
VOLUME_COLUMNS = {"channel": _l("Channel"), "pollution_type": _l("Pollution type"),
                  "petition_class": _l("Petition class"), "region": _l("Region"),
                  "reported_party": _l("Reported party")}
# The downloadable tables of the dashboard, by the name in their URL.
TABLE_NAMES = ("figures", "trend", *VOLUME_KEYS)


def region_name(code: str) -> str:
    """A county-level division by the name of its bureau, else its code."""
    name = org_name(f"EEB-{code}")
    return code if name.startswith("EEB-") else name


def volume_label(kind: str, value: str) -> str:
    if kind == "channel":
        return label("channel", value)
    if kind == "pollution_type":
        return label("pollution", value)
    if kind == "petition_class":
        return label("class", value)
    if kind == "region":
        return region_name(value)
    return value


def target_text(figure: Figure) -> str:
    """"≥ 95%" or "≤ 10%"; empty without a target."""
    if figure.target is None:
        return ""
    sign = "≤" if figure.key in LOWER_IS_BETTER else "≥"
    return f"{sign} {figure.target:g}%"


def met_text(figure: Figure) -> str:
    if not figure.available:
        return _("Not available")
    if figure.met is None:
        return ""
    return _("Met") if figure.met else _("Missed")


def figures_table(report: KpiReport) -> Table:
    table = Table(str(_l("Indicators")), [_("Indicator"), _("Numerator"), _("Denominator"), _("Rate (%)"),
                                          _("Target"), _("Target met")])
    for key in KPI_KEYS:
        figure = report.figures[key]
        above, below = KPI_PARTS[key]
        table.rows.append([str(KPI_NAMES[key]), f"{above}: {len(figure.numerator)}",
                           f"{below}: {len(figure.denominator)}", figure.percent, target_text(figure),
                           met_text(figure)])
    for key in AVERAGE_KEYS:
        average = report.averages[key]
        cases = pgettext("number of cases", "Cases")
        table.rows.append([str(AVERAGE_NAMES[key]), average.days, f"{cases}: {len(average.case_ids)}", None, "", ""])
    return table


def trend_table(board: Dashboard) -> Table:
    table = Table(_("Monthly trend"), [_("Month"), *(str(KPI_NAMES[k]) + " (%)" for k in KPI_KEYS),
                                       _("Cases received")])
    for index, month in enumerate(board.months):
        table.rows.append([month.key, *(board.trend[k][index] for k in KPI_KEYS), board.received_by_month[index]])
    return table


def volume_table(report: KpiReport, kind: str) -> Table:
    table = Table(str(VOLUME_NAMES[kind]), [str(VOLUME_COLUMNS[kind]), pgettext("number of cases", "Cases")])
    table.rows = [[volume_label(kind, row.value), row.count] for row in report.volumes[kind]]
    return table


def cases_table(rows: list[DrilldownRow], title: str) -> Table:
    table = Table(title, [_("Case no."), _("Received"), _("Channel"), _("Pollution types"), _("Reported party"),
                          _("Handling body"), _("Status"), _("Acceptance deadline"), _("Decided"),
                          _("Reply deadline"), _("Replied"), _("Rating")])
    for row in rows:
        f, case = row.facts, row.case
        table.rows.append([case.case_no, f.received_at, label("channel", f.channel),
                           "、".join(label("pollution", t) for t in f.pollution_types), f.reported_party,
                           org_name(case.handling_org) if case.handling_org else "", label("status", case.status),
                           f.acceptance_due, f.decided_at, f.handling_due, f.replied_at,
                           rating_label(f.rating)])
    return table


def rating_label(rating: str | None) -> str:
    return {"satisfied": _("Satisfied"), "basically_satisfied": _("Basically satisfied"),
            "dissatisfied": _("Dissatisfied")}.get(rating or "", "")


def bureaus_table(lines) -> Table:
    """The bulletin's line per bureau: cases received and each rate."""
    table = Table(_("Bureaus"), [_("Bureau"), _("Cases received"), *(str(KPI_NAMES[k]) + " (%)" for k in KPI_KEYS)])
    for line in lines:
        table.rows.append([org_name(line.organisation.code), len(line.report.received),
                           *(line.report.figures[k].percent for k in KPI_KEYS)])
    return table
