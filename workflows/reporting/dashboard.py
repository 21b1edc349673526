"""The KPI dashboard's use cases: read its filters (a bureau at or below the reader's, a period, a channel and a
pollution type), build the period's report with its monthly trend, and list the cases behind any number."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import FieldError, InvalidData, NotAllowed
from workflows.accounts import Actor
from workflows.cases import visible_clause
from workflows.models import Case, Organisation
from workflows.reporting.facts import CaseFacts, load_facts
from workflows.reporting.kpis import (
    KPI_KEYS,
    BacklogReader,
    KpiFilters,
    KpiReport,
    backlog_from_ledger,
    kpi_filters,
    kpi_report,
    report_from_facts,
)
from workflows.reporting.periods import (
    Period,
    parse_period,
    period_containing,
    range_period,
)

if TYPE_CHECKING:
    from workflows.settings import KpiTargets

# Who reads the dashboard and the bulletins.
READERS = ("leader", "supervisor", "auditor", "admin")


@dataclass(frozen=True)
class DashboardQuery:
    """What the reader asked for: whose figures, which period, which cases."""

    organisation: Organisation
    period: Period
    filters: KpiFilters

    def as_args(self) -> dict[str, str]:
        """The query as URL parameters, which `read_query` reads back."""
        args = {"org": self.organisation.code}
        if self.period.kind == "range":
            args.update({"from": self.period.first.isoformat(), "to": self.period.last.isoformat()})
        else:
            args["period"] = self.period.key
        if self.filters.channel:
            args["channel"] = self.filters.channel
        if self.filters.pollution_type:
            args["pollution_type"] = self.filters.pollution_type
        return args


def scope_organisation(session: so.Session, actor: Actor, code: str | None) -> Organisation:
    """The bureau whose figures the actor asked for: their own by default, else one at or below it."""
    own = session.get(Organisation, actor.organisation)
    if own is None:
        raise NotAllowed("kpi.organisation_outside", organisation=actor.organisation)
    if not code or code == own.code:
        return own
    chosen = session.get(Organisation, code)
    if chosen is None:
        raise InvalidData("kpi.filters_invalid",
                          errors={"org": FieldError("kpi.organisation_unknown", {"organisation": code[:60]})})
    if not chosen.path.startswith(own.path):
        raise NotAllowed("kpi.organisation_outside", organisation=code)
    return chosen


def read_query(session: so.Session, actor: Actor, args: Mapping[str, str], now: datetime) -> DashboardQuery:
    """The dashboard's filters from URL parameters: `org`, `period` (2026-03, 2026-Q1, 2026) or `from` and `to`
    (days, both included), `channel`, `pollution_type`; the current month by default. InvalidData names every
    field that cannot be read; NotAllowed a bureau outside the reader's subtree."""
    errors: dict[str, FieldError] = {}
    try:
        organisation = scope_organisation(session, actor, (args.get("org") or "").strip() or None)
    except InvalidData as exc:
        errors.update(exc.errors)
    period = period_containing(now)
    first, last = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    try:
        if first or last:
            period = range_period(_day(first, "from"), _day(last, "to"), "to")
        elif (args.get("period") or "").strip():
            period = parse_period(args["period"])
    except InvalidData as exc:
        errors.update(exc.errors)
    try:
        filters = kpi_filters((args.get("channel") or "").strip(), (args.get("pollution_type") or "").strip())
    except InvalidData as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidData("kpi.filters_invalid", errors=errors)
    return DashboardQuery(organisation, period, filters)


def _day(text: str, field: str) -> date:
    if not text:
        raise InvalidData("kpi.filters_invalid", errors={field: FieldError("field.required")})
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidData("kpi.filters_invalid", errors={field: FieldError("kpi.day_invalid", {"value": text[:40]})}) \
            from None


def bureau_choices(session: so.Session, actor: Actor) -> list[Organisation]:
    """The bureaus whose figures the actor may read: their own and every one below it, in tree order."""
    own = session.get(Organisation, actor.organisation)
    if own is None:
        return []
    return list(session.scalars(sa.select(Organisation).where(Organisation.path.like(own.path + "%"))
                                .order_by(Organisation.path)))


# -- the report and its trend --------------------------------------------------------------------------------
@dataclass
class Dashboard:
    """A report and its monthly trend: each KPI's percent per month of `months`, and the cases received."""

    report: KpiReport
    months: list[Period]
    trend: dict[str, list[float | None]]
    received_by_month: list[int | None]


def build_report(session: so.Session, query: DashboardQuery, as_of: datetime,
                 targets: KpiTargets | None = None) -> KpiReport:
    """The period's figures without the trend (the page's cards, drill-downs and tables)."""
    return kpi_report(session, query.organisation, query.period, query.filters, as_of, targets)


def build_dashboard(session: so.Session, query: DashboardQuery, as_of: datetime, targets: KpiTargets | None = None,
                    backlog: BacklogReader = backlog_from_ledger) -> Dashboard:
    """The period's report and, for the trend charts, every KPI month by month (`Period.trend_months`)."""
    organisation, period = query.organisation, query.period
    months = period.trend_months()
    window = (min(period.start, months[0].start), max(period.end, months[-1].end))
    facts = load_facts(session, as_of, organisation.path, window)
    report = report_from_facts(facts, organisation.code, period, query.filters, as_of, targets,
                               backlog(session, organisation.path, period.start, period.end, as_of))
    trend: dict[str, list[float | None]] = {key: [] for key in KPI_KEYS}
    received = []
    for month in months:
        if month.start >= as_of:
            # A month still to come has no figures yet (a decision made early is not a month's record).
            for key in KPI_KEYS:
                trend[key].append(None)
            received.append(None)
            continue
        ledger = backlog(session, organisation.path, month.start, month.end, as_of)
        monthly = report_from_facts(facts, organisation.code, month, query.filters, as_of, targets, ledger)
        for key in KPI_KEYS:
            trend[key].append(monthly.figures[key].percent)
        received.append(len(monthly.received))
    return Dashboard(report, months, trend, received)


# -- drill-down ----------------------------------------------------------------------------------------------
@dataclass
class DrilldownRow:
    """A case behind a number: its facts, its row, and whether the reader may open its page."""

    facts: CaseFacts
    case: Case
    visible: bool


def drilldown(session: so.Session, actor: Actor, report: KpiReport, kpi: str, part: str) -> list[DrilldownRow]:
    """The cases behind one number of the report, oldest received first; InvalidData for an unknown number."""
    ids = report.case_ids(kpi, part)
    if not ids:
        return []
    cases = {c.id: c for c in session.scalars(sa.select(Case).where(Case.id.in_(ids)))}
    visible = set(session.scalars(sa.select(Case.id).where(Case.id.in_(ids), visible_clause(actor))))
    rows = [DrilldownRow(report.facts[i], cases[i], i in visible) for i in ids if i in cases and i in report.facts]
    return sorted(rows, key=lambda r: (r.facts.received_at, r.case.id))
