"""The KPIs of SPEC.md on the demo data: for the province and each bureau (with its subtree), every month,
quarter and the year, each figure's numerator and denominator are the cases a direct count over the audit
events, the armed timers, the repeat links and the backlog ledger finds, written here independently of
workflows.reporting; filters, targets, the ledger's figure and the nightly snapshot agree too."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from engine.models import AuditEvent, Timer
from tests.domain.conftest import services_on
from tests.domain.test_demo import DEMO, NOW
from workflows.accounts import Actor
from workflows.demo.oversight import RESOLVED_AFTER
from workflows.demo.simulation import LEDGER_SWEEP_EVERY
from workflows.models import (
    Case,
    CaseLink,
    CaseOrganisation,
    KpiSnapshot,
    Organisation,
    User,
)
from workflows.oversight.ledger import (
    decide_strike_off,
    request_strike_off,
    update_entry,
)
from workflows.oversight.models import BacklogEntry, OversightEvent
from workflows.reporting.kpis import (
    KPI_KEYS,
    KpiFilters,
    kpi_filters,
    kpi_report,
    kpi_snapshot,
)
from workflows.reporting.periods import parse_period
from workflows.settings import KpiTargets

PERIODS = ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-Q3", "2026-Q4", "2026",
           "2026-08-15..2026-10-14")
SATISFIED = ("satisfied", "basically_satisfied")


@pytest.fixture
def demo_services(backend, database_copy, clock, tmp_path):
    made = database_copy(DEMO, backend)
    clock.set(NOW)
    with services_on(made.url, clock, tmp_path) as built:
        yield built


# -- the direct count ----------------------------------------------------------------------------------------
@dataclass
class Lived:
    """One case as read straight from its rows here, not through workflows.reporting."""

    received: datetime
    channel: str
    pollution: list[str]
    decided: datetime | None = None
    acceptance_due: datetime | None = None
    accepted: datetime | None = None
    replied: datetime | None = None
    handling_armed: list[tuple[datetime, datetime]] = field(default_factory=list)
    rating_opened: datetime | None = None
    rating: str | None = None
    repeat: bool = False

    @property
    def handling_due(self) -> datetime | None:
        armed = [due for at, due in self.handling_armed if self.replied is None or at <= self.replied]
        return armed[-1] if armed else None


def lived_cases(session, path: str) -> dict[int, Lived]:
    """Every case an organisation at or below `path` took part in, from its events, timers and links."""
    instances = dict(session.execute(
        sa.select(Case.instance_id, Case.id).where(Case.id.in_(
            sa.select(CaseOrganisation.case_id).where(CaseOrganisation.org_path.startswith(path))))).all())
    lived: dict[int, Lived] = {}
    for instance_id, at, command, data in session.execute(
            sa.select(AuditEvent.instance_id, AuditEvent.at, AuditEvent.command, AuditEvent.data)
            .where(AuditEvent.instance_id.in_(list(instances))).order_by(AuditEvent.instance_id, AuditEvent.seq)):
        event = json.loads(data)
        case_id = instances[instance_id]
        if command == "start":
            form = event["data"]
            lived[case_id] = Lived(datetime.fromisoformat(form["received_at"]), form["channel"],
                                   form["pollution_types"])
            continue
        case = lived[case_id]
        task = event.get("task", "").replace(" [child]", "")
        if command == "complete" and task == "decide_acceptance" and case.decided is None:
            case.decided = at
        elif command == "complete" and task == "deliver_reply" and case.replied is None:
            case.replied = at
        elif command == "message" and event["message"] == "satisfaction_rated":
            case.rating = event["payload"]["rating"]
    for instance_id, name, created, due in session.execute(
            sa.select(Timer.instance_id, Timer.spec_name, Timer.created_at, Timer.due_at)
            .where(Timer.instance_id.in_(list(instances))).order_by(Timer.id)):
        case = lived[instances[instance_id]]
        if name == "acceptance_overdue_timer" and case.acceptance_due is None:
            case.acceptance_due = due
        elif name == "handling_overdue_timer":
            # The handling clock starts in the step that accepts the case.
            case.accepted = case.accepted or created
            case.handling_armed.append((created, due))
        elif name in ("request_window_closed", "refusal_rating_window", "forwarded_rating_window"):
            case.rating_opened = min(filter(None, (case.rating_opened, created)))
    for case_id in session.scalars(sa.select(CaseLink.case_id).where(CaseLink.status == "confirmed")):
        if case_id in lived:
            lived[case_id].repeat = True
    return lived


def direct_counts(lived: dict[int, Lived], start: datetime, end: datetime) -> dict[str, tuple[set, set]]:
    """{kpi: (numerator case ids, denominator case ids)} for the period [start, end) at NOW."""
    def inside(moment):
        return moment is not None and start <= moment < end
    counts = {}
    due = {i for i, c in lived.items() if inside(c.acceptance_due) and (c.decided or c.acceptance_due <= NOW)}
    counts["timely_acceptance"] = ({i for i in due if lived[i].decided and lived[i].decided <= lived[i].acceptance_due},
                                   due)
    due = {i for i, c in lived.items() if c.accepted and inside(c.handling_due) and (c.replied or c.handling_due <= NOW)}
    counts["on_time_completion"] = ({i for i in due if lived[i].replied and lived[i].replied <= lived[i].handling_due},
                                    due)
    opened = {i for i, c in lived.items() if inside(c.rating_opened)}
    rated = {i for i in opened if lived[i].rating}
    counts["rating_participation"] = (rated, opened)
    counts["satisfaction"] = ({i for i in rated if lived[i].rating in SATISFIED}, rated)
    counts["satisfaction_strict"] = ({i for i in rated if lived[i].rating == "satisfied"}, rated)
    received = {i for i, c in lived.items() if inside(c.received)}
    counts["repeat_rate"] = ({i for i in received if lived[i].repeat}, received)
    return counts


def organisations(session) -> list[Organisation]:
    return list(session.scalars(sa.select(Organisation).order_by(Organisation.path)))


# -- the figures ------------------------------------------------------------------------------------------------
def test_every_kpi_of_every_bureau_and_period_equals_the_direct_count(demo_services):
    seen = defaultdict(int)
    with demo_services.db.reader() as session:
        for org in organisations(session):
            lived = lived_cases(session, org.path)
            for text in PERIODS:
                period = parse_period(text)
                report = kpi_report(session, org, period, KpiFilters(), NOW)
                expected = direct_counts(lived, period.start, period.end)
                for key, (numerator, denominator) in expected.items():
                    figure = report.figures[key]
                    assert (set(figure.numerator), set(figure.denominator)) == (numerator, denominator), \
                        f"{org.code} {text} {key}"
                    assert figure.value == (len(numerator) / len(denominator) if denominator else None)
                    seen[key] += len(denominator)
                received = {i for i, c in lived.items() if period.start <= c.received < period.end}
                assert set(report.received) == received
                assert sum(row.count for row in report.volumes["channel"]) == len(received)
    assert all(seen[key] > 0 for key in ("timely_acceptance", "on_time_completion", "rating_participation",
                                         "satisfaction", "repeat_rate")), dict(seen)


def test_the_province_sees_every_case_and_a_county_only_its_own(demo_services):
    year = parse_period("2026")
    with demo_services.db.reader() as session:
        province = session.get(Organisation, "EEB-330000")
        xihu = session.get(Organisation, "EEB-330106")
        everything = kpi_report(session, province, year, KpiFilters(), NOW)
        county = kpi_report(session, xihu, year, KpiFilters(), NOW)
        all_cases = set(session.scalars(sa.select(Case.id)))
        xihu_cases = set(session.scalars(sa.select(CaseOrganisation.case_id)
                                         .where(CaseOrganisation.organisation == "EEB-330106")))
    assert set(everything.received) == all_cases, "every demo case was received in 2026"
    assert set(county.received) == xihu_cases and xihu_cases < all_cases


def test_late_decisions_and_replies_count_against_the_rate(demo_services):
    """The demo has late cases: some decision or reply past its deadline lowers a rate below 100%."""
    with demo_services.db.reader() as session:
        province = session.get(Organisation, "EEB-330000")
        report = kpi_report(session, province, parse_period("2026"), KpiFilters(), NOW)
        lived = lived_cases(session, province.path)
    late = {i for i, c in lived.items() if (c.decided or NOW) > (c.acceptance_due or NOW + timedelta(days=1))}
    timely = report.figures["timely_acceptance"]
    assert set(timely.denominator) - set(timely.numerator) == late & set(timely.denominator)
    assert report.figures["on_time_completion"].denominator, "replies fell due in 2026"


def test_averages_count_days_from_receipt_to_acceptance_and_to_the_reply(demo_services):
    with demo_services.db.reader() as session:
        province = session.get(Organisation, "EEB-330000")
        period = parse_period("2026-Q3")
        report = kpi_report(session, province, period, KpiFilters(), NOW)
        lived = lived_cases(session, province.path)
    accepted = {i: c for i, c in lived.items() if c.accepted and period.start <= c.accepted < period.end}
    average = report.averages["days_to_accept"]
    assert set(average.case_ids) == set(accepted) and accepted
    expected = sum((c.accepted - c.received).total_seconds() for c in accepted.values()) / len(accepted) / 86400
    assert average.days == round(expected, 1)
    replied = {i: c for i, c in lived.items() if c.replied and c.accepted and period.start <= c.replied < period.end}
    assert set(report.averages["days_to_reply"].case_ids) == set(replied)


@pytest.mark.parametrize(("channel", "pollution"), [("12369", None), (None, "water"), ("letter", "air")])
def test_the_channel_and_pollution_filters_count_only_matching_cases(demo_services, channel, pollution):
    with demo_services.db.reader() as session:
        province = session.get(Organisation, "EEB-330000")
        lived = lived_cases(session, province.path)
        period = parse_period("2026")
        report = kpi_report(session, province, period, kpi_filters(channel, pollution), NOW)
    matching = {i: c for i, c in lived.items()
                if (channel is None or c.channel == channel) and (pollution is None or pollution in c.pollution)}
    assert matching, "the demo has such cases"
    for key, (numerator, denominator) in direct_counts(matching, period.start, period.end).items():
        assert (set(report.figures[key].numerator), set(report.figures[key].denominator)) == (numerator, denominator)
    assert set(report.received) == set(matching)
    assert {row.value for row in report.volumes["channel"]} <= ({channel} if channel else {c.channel for c in
                                                                                         lived.values()})


def test_an_unknown_channel_or_pollution_type_is_refused_naming_the_field():
    from engine.errors import InvalidData
    with pytest.raises(InvalidData) as refused:
        kpi_filters("fax", "smell")
    assert set(refused.value.errors) == {"channel", "pollution_type"}
    assert refused.value.errors["channel"].code == "field.one_of"


def test_targets_mark_each_figure_met_or_missed_and_the_repeat_rate_is_a_ceiling(demo_services):
    with demo_services.db.reader() as session:
        province = session.get(Organisation, "EEB-330000")
        year = parse_period("2026")
        strict = KpiTargets(100, 100, 100, 100, 100, 0, 100)
        lenient = KpiTargets(0, 0, 0, 0, 0, 100, 0)
        hard = kpi_report(session, province, year, KpiFilters(), NOW, strict)
        easy = kpi_report(session, province, year, KpiFilters(), NOW, lenient)
        untargeted = kpi_report(session, province, year, KpiFilters(), NOW)
    for key in ("timely_acceptance", "on_time_completion", "rating_participation", "satisfaction", "repeat_rate"):
        figure = hard.figures[key]
        assert figure.target == strict.__getattribute__(key)
        if key == "repeat_rate":
            assert figure.met == (figure.value == 0)
        else:
            assert figure.met == (figure.value == 1)
        assert easy.figures[key].met is True, key
        assert untargeted.figures[key].met is None
    assert demo_services.settings.kpi.targets.timely_acceptance == 100, "config.yaml's default"


def test_the_demo_fills_the_ledger_as_its_cases_fall_overdue_and_strikes_some_off_with_approval(demo_services):
    """The simulation runs the ledger's sweep on its way, so each entry carries the hour its case fell overdue,
    not the demo's end; the bureaus strike some off two weeks after they entered it, and the demo a few more at
    its end, each asked by one person and approved by another."""
    with demo_services.db.reader() as session:
        entries = list(session.scalars(sa.select(BacklogEntry).order_by(BacklogEntry.id)))
        approvals = list(session.scalars(sa.select(OversightEvent).where(OversightEvent.kind == "ledger.strike_approved")))
    assert entries, "the demo has overdue cases"
    for entry in entries:
        assert entry.overdue_since < entry.entered_at <= entry.overdue_since + LEDGER_SWEEP_EVERY, entry.case_id
    assert min(entry.entered_at for entry in entries) < NOW - timedelta(days=30), "entries from weeks ago"
    struck = [entry for entry in entries if entry.status == "struck_off"]
    assert struck and {event.subject_id for event in approvals} == {entry.id for entry in struck}
    for entry in struck:
        assert entry.struck_off_by not in (None, entry.requested_by)
        assert entry.struck_off_at == NOW or entry.struck_off_at - entry.entered_at >= RESOLVED_AFTER
    assert any(entry.struck_off_at < NOW for entry in struck), "some were struck off while the demo ran"
    assert any(entry.struck_off_at == NOW for entry in struck), "and some at its end"


def test_backlog_resolution_comes_from_the_ledger(demo_services):
    """More entries are struck off with approval at the demo's end: for every bureau and period the figure is the
    cases struck off or closed in it over the entries open at its start, as the ledger rows say; a period that
    began before anything was on the ledger has no figure."""
    with demo_services.db.reader() as session:
        entries = list(session.scalars(sa.select(BacklogEntry).where(BacklogEntry.status == "open")
                                       .order_by(BacklogEntry.id)))
        users = {(u.organisation_code, r): Actor.of(u) for u in session.scalars(sa.select(User))
                 for r in u.role_names}
    for entry in entries[: max(1, len(entries) // 2)]:
        supervisor, leader = users[(entry.organisation, "supervisor")], users[(entry.organisation, "leader")]
        update_entry(demo_services, supervisor, entry.id, leader.username, "现场复查并约谈企业负责人。")
        request_strike_off(demo_services, supervisor, entry.id, "问题已整改到位。")
        decide_strike_off(demo_services, leader, entry.id, True, "同意销号。")
    with demo_services.db.reader() as session:
        rows = session.execute(sa.select(BacklogEntry.case_id, BacklogEntry.org_path, BacklogEntry.entered_at,
                                         BacklogEntry.struck_off_at, Case.closed_at)
                               .join(Case, Case.id == BacklogEntry.case_id)).all()
        for key in ("2026-10", "2026-11", "2026-Q4", "2026-11-01..2026-11-10"):
            period = parse_period(key)
            for org in organisations(session):
                figure = kpi_report(session, org, period, KpiFilters(), NOW).figures["backlog_resolution"]
                at_start = {case_id for case_id, path, at, struck_at, closed in rows
                            if path.startswith(org.path) and at < period.start
                            and (struck_at is None or struck_at >= period.start)
                            and (closed is None or closed >= period.start)}
                resolved = {case_id for case_id, path, at, struck_at, closed in rows if case_id in at_start
                            and any(moment is not None and moment < period.end and moment <= NOW
                                    for moment in (struck_at, closed))}
                assert (set(figure.denominator), set(figure.numerator)) == (at_start, resolved), (key, org.code)
        november = kpi_report(session, session.get(Organisation, "EEB-330000"), parse_period("2026-11"),
                              KpiFilters(), NOW).figures["backlog_resolution"]
        year = kpi_report(session, session.get(Organisation, "EEB-330000"), parse_period("2026"), KpiFilters(),
                          NOW).figures["backlog_resolution"]
    assert november.denominator and november.numerator, "on the demo, a figure to show"
    assert year.denominator == [] and year.percent is None, "nothing was on the ledger when 2026 began"


def test_the_nightly_snapshot_stores_the_months_figures_as_the_dashboard_counts_them(demo_services):
    assert kpi_snapshot(demo_services) > 0
    with demo_services.db.reader() as session:
        rows = {row.organisation: json.loads(row.figures) for row in session.scalars(sa.select(KpiSnapshot))}
        xihu = session.get(Organisation, "EEB-330106")
        month = parse_period("2026-11")
        report = kpi_report(session, xihu, month, KpiFilters(), NOW, demo_services.settings.kpi.targets)
    figures = rows["EEB-330106"]
    assert figures["month"] == "2026-11"
    for key in KPI_KEYS:
        if key == "backlog_resolution":
            continue
        assert figures["kpis"][key]["numerator"] == len(report.figures[key].numerator), key
        assert figures["kpis"][key]["denominator"] == len(report.figures[key].denominator), key
