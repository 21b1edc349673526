"""The monthly bulletin (简报) of a bureau: the month's KPIs for it with its subtree, each bureau below it on one
line, volumes by channel, pollution type and region, and the most reported parties; a month without a case
received is a nil report (零报告). The web layer renders it as PDF and XLSX."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy.orm as so

from engine.errors import FieldError, InvalidData
from workflows.models import Organisation
from workflows.reporting.facts import load_facts
from workflows.reporting.kpis import (
    BacklogReader,
    KpiFilters,
    KpiReport,
    VolumeRow,
    backlog_from_ledger,
    report_from_facts,
    subtree,
)
from workflows.reporting.periods import Period, parse_period

if TYPE_CHECKING:
    from workflows.settings import KpiTargets

TOP_PARTIES = 10


@dataclass
class BureauLine:
    """One bureau of the subtree (itself included) with its own subtree's figures for the month."""

    organisation: Organisation
    report: KpiReport


@dataclass
class Bulletin:
    organisation: Organisation
    month: Period
    report: KpiReport
    bureaus: list[BureauLine]
    top_parties: list[VolumeRow]
    made_at: datetime

    @property
    def nil(self) -> bool:
        """零报告: no case was received in the bureau's subtree during the month."""
        return not self.report.received


def bulletin_month(text: str) -> Period:
    """The month a bulletin is for ("2026-03"); InvalidData naming `month` for anything else."""
    period = parse_period(text, "month")
    if period.kind != "month":
        raise InvalidData("kpi.filters_invalid", errors={"month": FieldError("kpi.month_invalid",
                                                                            {"value": (text or "")[:40]})})
    return period


def build_bulletin(session: so.Session, organisation_code: str, month: Period, as_of: datetime,
                   targets: KpiTargets | None = None, backlog: BacklogReader = backlog_from_ledger) -> Bulletin:
    """The bulletin of the organisation for the month, as the log stands at `as_of`; InvalidData naming `org`
    for an unknown organisation."""
    organisation = session.get(Organisation, organisation_code)
    if organisation is None:
        raise InvalidData("kpi.filters_invalid", errors={"org": FieldError("kpi.organisation_unknown",
                                                                          {"organisation": organisation_code[:60]})})
    facts = load_facts(session, as_of, organisation.path, (month.start, month.end))
    lines = []
    for bureau in subtree(session, organisation):
        mine = [f for f in facts if f.under(bureau.path)]
        lines.append(BureauLine(bureau, report_from_facts(mine, bureau.code, month, KpiFilters(), as_of, targets,
                                                          backlog(session, bureau.path, month.start, month.end, as_of))))
    report = lines[0].report
    return Bulletin(organisation, month, report, lines, report.volumes["reported_party"][:TOP_PARTIES], as_of)

