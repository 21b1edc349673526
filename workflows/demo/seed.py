"""`ecopetition demo`: seed the bureaus, the accounts and the planned cases, then report what was made."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from engine.bundles import read_bundle
from engine.clock import ManualClock, SystemClock
from engine.models import QueueTask
from workflows.accounts import seed_organisations
from workflows.bootstrap import Services, bootstrap
from workflows.demo.accounts import (
    PASSWORD,
    DemoAccount,
    create_accounts,
    demo_accounts,
)
from workflows.demo.oversight import seed_oversight
from workflows.demo.planner import DAYS_BACK, Plan, Planner
from workflows.demo.scenarios import CHILD_SUFFIX
from workflows.demo.simulation import Simulation
from workflows.models import Case, CaseLink
from workflows.rules.organisations import DEMO_ORGANISATIONS
from workflows.settings import Settings


# -- the command ---------------------------------------------------------------------------------------
@dataclass
class DemoReport:
    """What the demo made: the accounts and their password, cases by status and by scenario, and misfits."""

    accounts: list[DemoAccount]
    password: str
    statuses: dict[str, int]
    stages: dict[str, list[str]]
    links: dict[str, int]
    off_plan: list[str]
    seconds: float


def run_demo(settings: Settings, cases: int = 200, seed: int = 7, if_empty: bool = False,
             now: datetime | None = None, echo: Callable[[str], None] = print) -> DemoReport | None:
    """Seed the demo organisations, accounts and `cases` cases, ending at `now` (the wall clock by default).

    With `if_empty`, does nothing (and says so) when the database holds any case.
    """
    started = time.perf_counter()
    now = now or SystemClock().now()
    clock = ManualClock(now - timedelta(days=DAYS_BACK))
    services = bootstrap(settings, clock)
    try:
        with services.db.reader() as session:
            existing = session.scalar(sa.select(sa.func.count(Case.id)))
        if if_empty and existing:
            echo(f"the database already holds {existing} cases; no demo data added")
            return None
        services.definitions.deploy(read_bundle(settings.path(settings.bpmn.bundle_dir)), "designer",
                                    "deployed for the demo data")
        with services.db.unit_of_work() as tx:
            seed_organisations(tx)
        actors = create_accounts(services)
        echo(f"planning {cases} demo cases (seed {seed}) from {clock.now():%Y-%m-%d} to {now:%Y-%m-%d}")
        plans = Planner(services, seed, now).plans(cases)
        Simulation(services, clock, actors, now).run(plans)
        oversight = seed_oversight(services, actors)
        echo(f"oversight: {len(oversight.warnings)} early warnings; two overdue cases owned and under supervision;"
             f" {oversight.on_ledger} cases on the backlog ledger, {len(oversight.struck_off)} struck off")
        return _report(services, plans, time.perf_counter() - started)
    finally:
        services.close()


def _report(services: Services, plans: list[Plan], seconds: float) -> DemoReport:
    stages: dict[str, list[str]] = {}
    off_plan = []
    with services.db.reader() as session:
        statuses = dict(session.execute(sa.select(Case.status, sa.func.count(Case.id)).group_by(Case.status)
                                        .order_by(Case.status)).all())
        links = dict(session.execute(sa.select(CaseLink.status, sa.func.count(CaseLink.id))
                                     .group_by(CaseLink.status).order_by(CaseLink.status)).all())
        for plan in plans:
            stages.setdefault(plan.scenario.name, []).append(plan.case_no)
            if plan.case_id is None:
                off_plan.append(f"({plan.scenario.name}) not registered: {plan.stuck}")
                continue
            status = session.get(Case, plan.case_id).status
            tasks = frozenset(name.removesuffix(CHILD_SUFFIX) for name in session.scalars(
                sa.select(QueueTask.spec_name).where(QueueTask.instance_id == plan.instance_id)))
            if plan.stuck or status != plan.scenario.status or \
                    tasks != plan.scenario.tasks:
                off_plan.append(f"{plan.case_no} ({plan.scenario.name}): expected {plan.scenario.status} "
                                f"{sorted(plan.scenario.tasks)}, found {status} {sorted(tasks)} {plan.stuck}".rstrip())
    return DemoReport(demo_accounts(), PASSWORD, statuses, stages, links, off_plan, seconds)


def format_report(report: DemoReport) -> str:
    """The accounts table, the password, and the cases per status, as the command prints them."""
    names = {org.code: org.name_zh for org in DEMO_ORGANISATIONS}
    width = max(len(a.username) for a in report.accounts)
    lines = ["demo accounts 演示账号:", f"  {'username':<{width}}  display name / organisation / roles"]
    for account in report.accounts:
        organisation = names.get(account.organisation, "")
        roles = ", ".join(account.roles)
        lines.append(f"  {account.username:<{width}}  {account.display_name}  {organisation} ({account.organisation})"
                     f"  {roles}")
    lines.append(f"password for every demo account 所有演示账号密码: {report.password}")
    lines.append("cases by status 各状态案件数:")
    lines += [f"  {status:<20} {count:>5}" for status, count in report.statuses.items()]
    lines.append(f"  {'total':<20} {sum(report.statuses.values()):>5}")
    if report.links:
        lines.append("repeat links 重复信访关联: " + ", ".join(f"{s} {n}" for s, n in report.links.items()))
    if report.off_plan:
        lines.append(f"{len(report.off_plan)} cases did not end where their scenario meant to:")
        lines += [f"  {line}" for line in report.off_plan]
    lines.append(f"done in {report.seconds:.0f} s")
    return "\n".join(lines)
