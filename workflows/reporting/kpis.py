"""The KPIs of SPEC.md for a bureau with its subtree, a period and optional channel and pollution filters, each
figure with the cases behind its numerator and denominator; volumes, average days, monthly trends, targets;
and the nightly snapshot that stores the month's running figures per organisation.

The figures, over the case facts of `workflows.reporting.facts`:
- 及时受理率 timely_acceptance: acceptance decisions (accept, refuse or forward) made by their deadline /
  decisions whose deadline falls in the period and that are made or already late (one still open before its
  deadline is not counted yet).
- 按期办结率 on_time_completion: written replies delivered by the handling deadline (extended if approved) /
  accepted cases whose handling deadline falls in the period and that are replied or already late.
- 群众参评率 rating_participation: rated / cases that became open to rating in the period (a reply delivered,
  or a refusal or forwarding notified: the process opened a rating window).
- 群众满意率 satisfaction: 满意 + 基本满意 / rated, and satisfaction_strict: 满意 / rated, over the rated cases
  of that cohort (the latest rating of each case counts).
- 重复信访率 repeat_rate: cases confirmed as repeats of an earlier one / cases received in the period.
- 积案化解率 backlog_resolution: ledger cases struck off or closed in the period / ledger cases at its start
  (from the backlog ledger, `workflows.oversight.ledger`).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import fmean
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import FieldError, InvalidData
from engine.models import QueueTask
from workflows.cases import CLOSED_STATUSES
from workflows.models import (
    CHANNELS,
    POLLUTION_TYPES,
    Case,
    CaseOrganisation,
    KpiSnapshot,
    Organisation,
)
from workflows.oversight.ledger import backlog_figures
from workflows.reporting.facts import (
    BASICALLY_SATISFIED,
    SATISFIED,
    CaseFacts,
    load_facts,
)
from workflows.reporting.periods import Period, period_containing
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services
    from workflows.settings import KpiTargets

# The figures in the order pages and bulletins show them.
KPI_KEYS = ("timely_acceptance", "on_time_completion", "rating_participation", "satisfaction",
            "satisfaction_strict", "repeat_rate", "backlog_resolution")
# A figure that is better when lower: its target is a ceiling, not a floor.
LOWER_IS_BETTER = frozenset({"repeat_rate"})
AVERAGE_KEYS = ("days_to_accept", "days_to_reply")
VOLUME_KEYS = ("channel", "pollution_type", "petition_class", "region", "reported_party")
DAY = timedelta(days=1)


# -- what a report holds -----------------------------------------------------------------------------------
@dataclass
class Figure:
    """A rate: the cases counted above the line and below it, and the target it is held to (percent)."""

    key: str
    numerator: list[int]
    denominator: list[int]
    target: float | None = None
    available: bool = True

    @property
    def value(self) -> float | None:
        """The rate as a fraction, None when nothing was due (no denominator)."""
        return len(self.numerator) / len(self.denominator) if self.denominator else None

    @property
    def percent(self) -> float | None:
        return None if self.value is None else round(self.value * 100, 1)

    @property
    def met(self) -> bool | None:
        """Whether the target is met; None without a target or without a value."""
        if self.target is None or self.value is None:
            return None
        percent = self.value * 100
        return percent <= self.target if self.key in LOWER_IS_BETTER else percent >= self.target - 1e-9


@dataclass
class Average:
    """An average duration in days over the cases listed."""

    key: str
    case_ids: list[int]
    days: float | None


@dataclass
class VolumeRow:
    value: str
    case_ids: list[int]

    @property
    def count(self) -> int:
        return len(self.case_ids)


@dataclass(frozen=True)
class KpiFilters:
    """Which cases count: all, or those of one channel and/or with one pollution type."""

    channel: str | None = None
    pollution_type: str | None = None

    def matches(self, facts: CaseFacts) -> bool:
        return (self.channel is None or facts.channel == self.channel) and \
            (self.pollution_type is None or self.pollution_type in facts.pollution_types)


def kpi_filters(channel: str | None, pollution_type: str | None) -> KpiFilters:
    """Filters from submitted values (blank means all); InvalidData naming the field for an unknown code."""
    errors = {}
    if channel and channel not in CHANNELS:
        errors["channel"] = FieldError("field.one_of", {"choices": list(CHANNELS)})
    if pollution_type and pollution_type not in POLLUTION_TYPES:
        errors["pollution_type"] = FieldError("field.one_of", {"choices": list(POLLUTION_TYPES)})
    if errors:
        raise InvalidData("kpi.filters_invalid", errors=errors)
    return KpiFilters(channel or None, pollution_type or None)


@dataclass
class KpiReport:
    """Every figure of one bureau (with its subtree) for one period, as of one moment."""

    organisation: str
    period: Period
    filters: KpiFilters
    as_of: datetime
    figures: dict[str, Figure]
    averages: dict[str, Average]
    volumes: dict[str, list[VolumeRow]]
    received: list[int]
    facts: dict[int, CaseFacts] = field(repr=False, default_factory=dict)

    def case_ids(self, kpi: str, part: str) -> list[int]:
        """The cases behind one number: `part` is numerator or denominator for a figure, `cases` for an
        average, or a volume row's value for a volume (`kpi` being the volume's key)."""
        if kpi in self.figures and part in ("numerator", "denominator"):
            return list(getattr(self.figures[kpi], part))
        if kpi in self.averages and part == "cases":
            return list(self.averages[kpi].case_ids)
        if kpi in self.volumes:
            return next((row.case_ids for row in self.volumes[kpi] if row.value == part), [])
        if kpi == "received":
            return list(self.received)
        raise InvalidData("kpi.drilldown_unknown", errors={"kpi": FieldError("kpi.drilldown_unknown",
                                                                            {"kpi": kpi, "part": part})})


# Reads the backlog ledger: (session, org_path, period start, period end, as_of) -> (case ids at start, of them
# resolved by as_of), or None when the figure is not wanted.
BacklogReader = Callable[[so.Session, str, datetime, datetime, datetime], tuple[list[int], list[int]] | None]


def backlog_from_ledger(session: so.Session, org_path: str, start: datetime, end: datetime,
                        as_of: datetime) -> tuple[list[int], list[int]] | None:
    """The backlog ledger's figures for the organisation's subtree and the period, as it stood at `as_of`."""
    figures = backlog_figures(session, org_path, start, end, as_of)
    return list(figures.at_start), list(figures.resolved)


# -- computing -----------------------------------------------------------------------------------------------
def report_from_facts(facts: Iterable[CaseFacts], organisation: str, period: Period, filters: KpiFilters,
                      as_of: datetime, targets: KpiTargets | None = None,
                      backlog: tuple[list[int], list[int]] | None = None) -> KpiReport:
    """Every figure over the facts given (already limited to the bureau's subtree)."""
    chosen = {f.case_id: f for f in facts if filters.matches(f)}
    cases = list(chosen.values())
    start, end = period.start, period.end

    def within(moment: datetime | None) -> bool:
        return moment is not None and start <= moment < end

    def ids(items: Iterable[CaseFacts]) -> list[int]:
        return sorted(f.case_id for f in items)

    due_decisions = [f for f in cases if within(f.acceptance_due)
                     and (f.decided_at is not None or f.acceptance_due <= as_of)]
    due_replies = [f for f in cases if f.accepted_at is not None and within(f.handling_due)
                   and (f.replied_at is not None or f.handling_due <= as_of)]
    open_to_rating = [f for f in cases if within(f.rating_open_at)]
    rated = [f for f in open_to_rating if f.rated_at is not None]
    received = [f for f in cases if within(f.received_at)]
    figures = {
        "timely_acceptance": Figure("timely_acceptance", ids(
            f for f in due_decisions if f.decided_at is not None and f.decided_at <= f.acceptance_due),
            ids(due_decisions)),
        "on_time_completion": Figure("on_time_completion", ids(
            f for f in due_replies if f.replied_at is not None and f.replied_at <= f.handling_due),
            ids(due_replies)),
        "rating_participation": Figure("rating_participation", ids(rated), ids(open_to_rating)),
        "satisfaction": Figure("satisfaction", ids(f for f in rated if f.rating in (SATISFIED, BASICALLY_SATISFIED)),
                               ids(rated)),
        "satisfaction_strict": Figure("satisfaction_strict", ids(f for f in rated if f.rating == SATISFIED),
                                      ids(rated)),
        "repeat_rate": Figure("repeat_rate", ids(f for f in received if f.repeat), ids(received)),
    }
    if backlog is None:
        figures["backlog_resolution"] = Figure("backlog_resolution", [], [], available=False)
    else:
        at_start, resolved = ({i for i in part if i in chosen} for part in backlog)
        figures["backlog_resolution"] = Figure("backlog_resolution", sorted(resolved & at_start), sorted(at_start))
    for key, figure in figures.items():
        figure.target = getattr(targets, key, None) if targets is not None else None
    accepted = [f for f in cases if within(f.accepted_at)]
    replied = [f for f in cases if within(f.replied_at) and f.accepted_at is not None]
    averages = {
        "days_to_accept": _average("days_to_accept", accepted, lambda f: f.accepted_at - f.received_at),
        "days_to_reply": _average("days_to_reply", replied, lambda f: f.replied_at - f.accepted_at),
    }
    return KpiReport(organisation, period, filters, as_of, figures, averages, _volumes(received), ids(received),
                     chosen)


def _average(key: str, cases: list[CaseFacts], duration: Callable[[CaseFacts], timedelta]) -> Average:
    days = [duration(f) / DAY for f in cases]
    return Average(key, sorted(f.case_id for f in cases), round(fmean(days), 1) if days else None)


def region_of(division_code: str) -> str:
    """The county-level division (the first six digits of the GB/T 2260 code)."""
    return division_code[:6]


def _volumes(received: list[CaseFacts]) -> dict[str, list[VolumeRow]]:
    groups: dict[str, dict[str, list[int]]] = {key: defaultdict(list) for key in VOLUME_KEYS}
    for f in sorted(received, key=lambda f: f.case_id):
        groups["channel"][f.channel].append(f.case_id)
        for kind in f.pollution_types:
            groups["pollution_type"][kind].append(f.case_id)
        groups["petition_class"][f.petition_class].append(f.case_id)
        groups["region"][region_of(f.division_code)].append(f.case_id)
        groups["reported_party"][f.reported_party].append(f.case_id)
    return {key: sorted((VolumeRow(value, case_ids) for value, case_ids in rows.items()),
                        key=lambda row: (-row.count, row.value))
            for key, rows in groups.items()}


# -- the use cases ---------------------------------------------------------------------------------------------
def subtree(session: so.Session, organisation: Organisation) -> list[Organisation]:
    """The organisation and every one below it, in tree order."""
    return list(session.scalars(sa.select(Organisation).where(Organisation.path.like(organisation.path + "%"))
                                .order_by(Organisation.path)))


def kpi_report(session: so.Session, organisation: Organisation, period: Period, filters: KpiFilters,
               as_of: datetime, targets: KpiTargets | None = None,
               backlog: BacklogReader = backlog_from_ledger) -> KpiReport:
    """Every figure of the organisation with its subtree for the period, as the log stood at `as_of`."""
    facts = load_facts(session, as_of, organisation.path, (period.start, period.end))
    return report_from_facts(facts, organisation.code, period, filters, as_of, targets,
                             backlog(session, organisation.path, period.start, period.end, as_of))


def kpi_snapshot(services: Services) -> int:
    """Yesterday's running figures per organisation that took part in a case: its own case counts, and the KPIs
    of it with its subtree for the month to date (the same computation as the dashboard).

    Replaces the day's snapshot if it exists, so a rerun (or a second node) gives the same rows."""
    now = services.clock.now()
    yesterday = (now.astimezone(SHANGHAI) - DAY)
    day = yesterday.date().isoformat()
    month = period_containing(yesterday)
    targets = services.settings.kpi.targets
    with services.db.reader() as session:
        cases = session.execute(
            sa.select(CaseOrganisation.organisation, Case.id, Case.status, Case.channel)
            .join(Case, Case.id == CaseOrganisation.case_id)).all()
        overdue = Counter(session.scalars(
            sa.select(QueueTask.organisation).where(QueueTask.due_at.is_not(None), QueueTask.due_at < now)))
        facts = load_facts(session, now, window=(month.start, month.end))
        organisations = {o.code: o for o in session.scalars(sa.select(Organisation))}
        backlogs = {code: backlog_from_ledger(session, org.path, month.start, month.end, now)
                    for code, org in organisations.items()}
    figures: dict[str, dict] = defaultdict(lambda: {"cases": 0, "open": 0, "closed": 0, "by_channel": Counter()})
    for organisation, _case_id, status, channel in cases:
        f = figures[organisation]
        f["cases"] += 1
        f["closed" if status in CLOSED_STATUSES else "open"] += 1
        f["by_channel"][channel] += 1
    with services.db.unit_of_work() as tx:
        tx.execute(sa.delete(KpiSnapshot).where(KpiSnapshot.day == day))
        for code, f in sorted(figures.items()):
            org = organisations.get(code)
            path = org.path if org is not None else code + "/"
            report = report_from_facts([x for x in facts if x.under(path)], code, month, KpiFilters(), now, targets,
                                       backlogs.get(code))
            satisfaction = report.figures["satisfaction"]
            f.update(overdue_tasks=overdue.get(code, 0), by_channel=dict(f["by_channel"]), month=month.key,
                     rated=len(satisfaction.denominator), satisfied=len(satisfaction.numerator),
                     satisfaction_rate=round(satisfaction.value, 4) if satisfaction.value is not None else None,
                     kpis={key: {"numerator": len(fig.numerator), "denominator": len(fig.denominator),
                                 "value": None if fig.value is None else round(fig.value, 4)}
                           for key, fig in report.figures.items() if fig.available})
            tx.add(KpiSnapshot(day=day, organisation=code, figures=json.dumps(f, sort_keys=True),
                               computed_at=now))
    return len(figures)
