"""The demo data: an account for every role, and cases driven through the real lifecycle, timers and all, into
every stage, with an audit trail that replays."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.clock import ManualClock
from engine.models import AuditEvent, QueueTask
from engine.verify import verify_all
from tests.conftest import START
from tests.domain.conftest import ORGANISATIONS, services_on
from tests.templates import Copy, Template
from webui import create_app
from workflows.demo.accounts import PASSWORD, demo_accounts
from workflows.demo.planner import Planner
from workflows.demo.scenarios import REQUIRED
from workflows.demo.seed import DemoReport, run_demo
from workflows.intake.registration import register_case
from workflows.models import CHANNELS, POLLUTION_TYPES, ROLES, Case, CaseLink, User

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
STATUSES = {"registered", "awaiting_acceptance", "refused", "forwarding", "forwarded", "replied", "under_review",
            "under_rereview", "reviewed", "closed", "reopened", "archived"}
TASKS = {"dispatch_case", "decide_acceptance", "investigate", "joint_investigation", "draft_reply", "approve_reply",
         "deliver_reply", "approve_extension", "review_completion_report", "draft_review_opinion",
         "sign_review_opinion", "return_visit", "order_rehandling", "supervise_overdue", "supervision_feedback",
         "take_ownership"}


def run_forty_cases(url: str, folder: Path) -> DemoReport:
    """The demo on a database with the bundle and the organisations: its accounts and forty cases."""
    with services_on(url, ManualClock(START), folder) as services:
        return run_demo(services.settings, cases=40, seed=7, now=NOW, echo=lambda _: None)


# Driving forty cases through their lives takes seconds: once per run and backend, copied for each test.
DEMO = Template("demo", run_forty_cases, base=ORGANISATIONS)


@pytest.fixture
def demo(backend, database_copy) -> Copy:
    """The test's copy of the database the demo filled; its `info` is the demo's report."""
    return database_copy(DEMO, backend)


@pytest.fixture
def demo_services(demo, clock, tmp_path):
    with services_on(demo.url, clock, tmp_path) as built:
        yield built


def test_the_demo_leaves_cases_in_every_stage_of_the_lifecycle(demo, demo_services):
    report = demo.info
    assert report.off_plan == [], "every case ends in its scenario's stage"
    assert {name for name, _ in REQUIRED} <= set(report.stages)
    assert STATUSES <= set(report.statuses)
    assert "handling" in report.statuses
    with demo_services.db.reader() as s:
        cases = list(s.scalars(sa.select(Case)))
        open_tasks = list(s.scalars(sa.select(QueueTask)))
    assert len(cases) == 40 and sum(report.statuses.values()) == 40
    assert TASKS <= {t.spec_name.removesuffix(" [child]") for t in open_tasks}
    assert any(t.spec_name == "draft_reply" and t.assignee for t in open_tasks), "a reply sent back to its drafter"


def test_the_demo_cases_vary_in_channel_pollution_class_track_and_bureau(demo_services):
    with demo_services.db.reader() as s:
        cases = list(s.scalars(sa.select(Case)))
    assert any(c.track == "simple" for c in cases)
    assert {c.channel for c in cases} == set(CHANNELS)
    assert {t for c in cases for t in c.pollution_type_list} == set(POLLUTION_TYPES)
    assert {c.petition_class for c in cases} == {"suggestion", "report", "grievance"}
    assert {c.anonymous for c in cases} == {True, False}
    assert {c.handling_org for c in cases if c.handling_org} >= {"EEB-330000", "EEB-330100", "EEB-330106",
                                                                  "EEB-330110", "EEB-330203", "EEB-330212"}


def test_the_demo_cases_were_received_in_the_last_four_months_and_repeats_are_linked(demo_services):
    with demo_services.db.reader() as s:
        cases = list(s.scalars(sa.select(Case)))
        links = list(s.scalars(sa.select(CaseLink)))
        last_event = s.scalar(sa.select(sa.func.max(AuditEvent.at)))
    assert all(NOW - timedelta(days=120) < c.received_at < NOW for c in cases)
    assert last_event <= NOW
    assert {link.status for link in links} == {"confirmed", "proposed"}, "repeat cases linked to earlier ones"


def test_every_demo_case_replays_from_its_audit_events(demo_services):
    assert all(v.ok for v in verify_all(demo_services.runtime)), "every case replays from its audit events"


def test_every_role_has_a_demo_account(demo_services):
    with demo_services.db.reader() as s:
        users = {u.username: u for u in s.scalars(sa.select(User))}
    assert set(users) == {a.username for a in demo_accounts()}
    assert {role for u in users.values() for role in u.role_names} == set(ROLES)
    for bureau in ("province", "hangzhou", "ningbo", "xihu", "yuhang", "haishu", "yinzhou"):
        for role in ("registrar", "handler", "leader", "supervisor", "auditor"):
            assert users[f"{bureau}-{role}"].role_names == {role}
    assert (users["admin"].organisation_code, users["xihu-registrar"].organisation_code) == ("EEB-330000",
                                                                                            "EEB-330106")
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in u.display_name) for u in users.values())


def test_the_same_seed_plans_the_same_cases(services):
    first = Planner(services, 7, NOW).plans(45)
    again = Planner(services, 7, NOW).plans(45)
    other = Planner(services, 8, NOW).plans(45)
    assert [(p.form, p.times) for p in first] == [(p.form, p.times) for p in again]
    assert [p.form for p in first] != [p.form for p in other]


def test_if_empty_adds_nothing_to_a_database_with_cases(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    register_case(services, registrar, {
        "channel": "letter", "received_at": "2026-03-01T09:00:00+08:00",
        "petitioner": {"anonymous": True}, "reported_party": "杭州某某餐饮有限公司", "division_code": "330106",
        "pollution_types": ["air"], "petition_class": "report", "facts": "餐厅油烟直排扰民。"})
    said = []
    assert run_demo(services.settings, cases=40, if_empty=True, now=NOW, echo=said.append) is None
    assert said == ["the database already holds 1 cases; no demo data added"]
    with services.db.reader() as s:
        assert s.scalar(sa.select(sa.func.count(Case.id))) == 1
        assert s.scalar(sa.select(sa.func.count(User.id))) == 1


@pytest.fixture
def cli(database_url, tmp_path):
    app = create_app(overrides={"database.url": database_url, "scheduler.enabled": False,
                                "uploads.dir": str(tmp_path / "uploads"),
                                "security.secret_key_file": str(tmp_path / "secret")})
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["deploy"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    return runner


def test_the_demo_command_prints_the_accounts_and_then_only_once_with_if_empty(cli):
    result = cli.invoke(args=["demo", "--if-empty", "--cases", "12", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert f"所有演示账号密码: {PASSWORD}" in result.output
    for line in ("province-auditor", "xihu-registrar", "admin", "浙江省生态环境厅"):
        assert line in result.output
    assert re.search(r"total\s+12\n", result.output)
    again = cli.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "the database already holds 12 cases; no demo data added" in again.output
    verified = cli.invoke(args=["verify", "--all"])
    assert verified.exit_code == 0 and "checked 12 cases: 12 ok, 0 failed" in verified.output
