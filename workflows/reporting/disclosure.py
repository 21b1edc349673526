"""Public disclosure (信息公开) of a month's figures per bureau: counts and rates only, never a case number, a
petitioner or (unless `portal.disclosure_reported_parties`) a reported party's name."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from workflows.models import Organisation
from workflows.reporting.facts import load_facts
from workflows.reporting.kpis import KpiFilters, report_from_facts
from workflows.reporting.periods import Period
from workflows.rules.organisations import BUREAU_PREFIX

# The rates a bureau discloses; the repeat and backlog figures stay internal.
DISCLOSED_KPIS = ("timely_acceptance", "on_time_completion", "rating_participation", "satisfaction")
TOP_PARTIES = 5


@dataclass
class DisclosedBureau:
    code: str
    name_zh: str
    name_en: str
    received: int
    rates: dict[str, float | None]                 # percent, None when nothing was due
    by_pollution_type: dict[str, int]
    top_parties: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Disclosure:
    month: Period
    bureaus: list[DisclosedBureau]
    parties_shown: bool


def monthly_disclosure(session: so.Session, month: Period, as_of: datetime, show_parties: bool) -> Disclosure:
    """Every active bureau's anonymised figures (with its subtree) for the month, in tree order."""
    facts = load_facts(session, as_of, window=(month.start, month.end))
    bureaus = []
    for org in session.scalars(sa.select(Organisation).where(Organisation.active.is_(True))
                               .order_by(Organisation.path)):
        if not org.code.startswith(BUREAU_PREFIX):
            continue  # the ministry and departments publish no bureau figures
        report = report_from_facts([f for f in facts if f.under(org.path)], org.code, month, KpiFilters(), as_of)
        bureaus.append(DisclosedBureau(
            org.code, org.name_zh, org.name_en, len(report.received),
            {key: report.figures[key].percent for key in DISCLOSED_KPIS},
            {row.value: row.count for row in report.volumes["pollution_type"]},
            [(row.value, row.count) for row in report.volumes["reported_party"][:TOP_PARTIES]] if show_parties else []))
    return Disclosure(month, bureaus, show_parties)
