"""The auditor's pages: the case list with filters and its CSV/XLSX exports, a case's history with the
state after every event, verify, the dossier as PDF and JSON, the reveal log, heatmaps, and that an
auditor changes nothing: every route that accepts a write refuses them."""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.clock import ManualClock
from engine.models import AuditEvent, Instance
from tests.conftest import START
from tests.domain.conftest import services_on
from tests.domain.test_cases import FORM
from tests.lifecycle.helpers import (
    CaseDriver,
    review_upheld_and_archive,
)
from tests.templates import Template
from tests.web.conftest import WEB_SETTINGS, WEB_USERS
from webui.auth import READ_ONLY_EXEMPT, WRITE_METHODS
from workflows.accounts import Actor
from workflows.audit.dossier import verify_dossier
from workflows.intake.registration import register_case
from workflows.models import Case, RevealLog

REGISTRAR = Actor("reg-xh", "EEB-330106", frozenset({"registrar"}))


@dataclass(frozen=True)
class Reviewed:
    case_id: int
    now: datetime


def review_a_case(url: str, folder: Path) -> Reviewed:
    """A case of the 西湖 bureau: replied, review upheld by the city, archived after the return visit."""
    clock = ManualClock(START)
    with services_on(url, clock, folder, WEB_SETTINGS) as services:
        case = register_case(services, REGISTRAR, FORM)
        review_upheld_and_archive(CaseDriver(services.runtime, clock, case.instance_id))
    return Reviewed(case.id, clock.now())


# The web tests' users and the reviewed case, on SQLite and on PostgreSQL.
REVIEWED = Template("web_reviewed", review_a_case, base=WEB_USERS)


@pytest.fixture
def reviewed_copy(backend, database_copy, clock):
    """The test's copy of the database with the reviewed case, and the clock where the case left it."""
    made = database_copy(REVIEWED, backend)
    clock.set(made.info.now)
    return made


@pytest.fixture
def services(reviewed_copy, tmp_path, clock):
    """The web fixtures' services and users, with the reviewed case, on SQLite and on PostgreSQL."""
    with services_on(reviewed_copy.url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built


@pytest.fixture
def reviewed_case(services, reviewed_copy) -> Case:
    """A case of the 西湖 bureau: replied, review upheld by the city, archived after the return visit."""
    with services.db.reader() as session:
        return session.get(Case, reviewed_copy.info.case_id)


@pytest.fixture
def open_case(services, clock):
    """A second case, water pollution by letter, still waiting for its acceptance decision."""
    return register_case(services, REGISTRAR, dict(FORM, channel="letter", reported_party="某化工厂",
                                                   pollution_types=["water"]))


def test_the_auditor_lists_every_case_below_and_exports_the_filtered_list(as_user, reviewed_case, open_case):
    auditor = as_user("aud-zj")
    page = auditor.get("/audit/").get_data(as_text=True)
    assert reviewed_case.case_no in page and open_case.case_no in page
    page = auditor.get("/audit/?pollution_type=water").get_data(as_text=True)
    assert open_case.case_no in page and reviewed_case.case_no not in page
    assert 'href="/audit/cases.csv?pollution_type=water"' in page
    csv_text = auditor.get("/audit/cases.csv?pollution_type=water").get_data().decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == 2 and open_case.case_no in lines[1] and "某化工厂" in lines[1]
    assert lines[0].startswith("案件编号,收件时间,信访渠道,"), "headers from the catalog, in the reader's language"
    assert "张三" not in csv_text, "the list carries no personal data"
    response = auditor.get("/audit/cases.xlsx?status=archived")
    assert response.headers["Content-Disposition"].startswith("attachment")
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)] == [reviewed_case.case_no]


def test_the_history_shows_every_event_in_order_with_what_it_changed(as_user, services, reviewed_case):
    page = as_user("aud-zj").get(f"/audit/cases/{reviewed_case.id}").get_data(as_text=True)
    with services.db.reader() as session:
        events = list(session.scalars(sa.select(AuditEvent).where(
            AuditEvent.instance_id == reviewed_case.instance_id).order_by(AuditEvent.seq)))
    positions = [page.index(f'id="event-{e.seq}"') for e in events]
    assert positions == sorted(positions) and len(events) > 10
    for event in events:
        assert event.hash[:12] in page
    assert "登记案件" in page and "完成任务" in page and "受理决定" in page
    assert "期限到期" in page and "收到消息" in page and "review_requested" in page
    assert "张三" not in page and "张*" in page, "personal data is masked in the history"
    assert "<ins>受理</ins>" in page, "the acceptance decision shows as its option name"


def test_the_steps_give_the_state_after_each_event(as_user, reviewed_case):
    data = as_user("aud-zj").get(f"/audit/cases/{reviewed_case.id}/steps.json").get_json()
    assert [p["id"] for p in data["processes"]] == ["petition", "petition_handling", "petition_review"]
    first, last = data["steps"][0], data["steps"][-1]
    assert [t["title"] for t in first["ready"]] == ["受理决定"]
    assert first["ready"][0]["due_at"] and first["timers"]
    assert first["data"]["petitioner"]["name"] == "张*"
    assert last["status"] == "completed" and last["ready"] == []
    assert "review_case" in last["completed"]["petition"]
    xml = as_user("aud-zj").get(data["processes"][1]["diagram"]).get_data(as_text=True)
    assert 'id="petition_handling"' in xml


def test_verify_from_the_page_passes_and_names_a_tampered_event(as_user, services, reviewed_case):
    auditor = as_user("aud-zj")
    verdict = auditor.get(f"/audit/cases/{reviewed_case.id}/verify").get_json()
    assert verdict["ok"] and verdict["events"] > 10
    with services.db.unit_of_work() as tx:
        event = tx.scalar(sa.select(AuditEvent).where(AuditEvent.instance_id == reviewed_case.instance_id,
                                                      AuditEvent.seq == 3))
        event.actor = "someone-else"
    verdict = auditor.get(f"/audit/cases/{reviewed_case.id}/verify").get_json()
    assert not verdict["ok"] and verdict["bad_seq"] == 3 and verdict["code"] == "verify.event_altered"
    assert verdict["problem"] == "该事件内容与其哈希不符（事件已被篡改）。"


def test_the_dossier_downloads_as_pdf_and_as_json_that_replays(as_user, services, reviewed_case, artifacts):
    auditor = as_user("aud-zj")
    pdf = auditor.get(f"/audit/cases/{reviewed_case.id}/dossier.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data().startswith(b"%PDF")
    (artifacts / "audit-dossier.pdf").write_bytes(pdf.get_data())
    document = json.loads(auditor.get(f"/audit/cases/{reviewed_case.id}/dossier.json").get_data())
    assert document["case"]["case_no"] == reviewed_case.case_no
    verdict = verify_dossier(services, document)
    assert verdict.ok, str(verdict)
    with services.db.reader() as session:
        stored = session.get(Instance, reviewed_case.instance_id)
        assert document["instance"]["last_hash"] == stored.last_hash and document["state"] == stored.state


def test_the_reveal_log_lists_who_saw_personal_data(as_user, services, reviewed_case):
    assert as_user("lead-xh").post(f"/cases/{reviewed_case.id}/reveal").status_code == 200
    auditor = as_user("aud-zj")
    auditor.get(f"/audit/cases/{reviewed_case.id}/dossier.json")
    page = auditor.get("/audit/reveals").get_data(as_text=True)
    assert "lead-xh" in page and "aud-zj" in page and reviewed_case.case_no in page
    page = auditor.get("/audit/reveals?username=lead-xh").get_data(as_text=True)
    assert "lead-xh" in page and "aud-zj" not in page
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count(RevealLog.id))) == 2


def test_the_heatmap_counts_cases_and_time_per_element(as_user, services, reviewed_case, open_case):
    auditor = as_user("aud-zj")
    with services.db.reader() as session:
        version_id = session.get(Instance, reviewed_case.instance_id).version_id
    assert f"/audit/versions/{version_id}/heatmap" in auditor.get("/audit/versions").get_data(as_text=True)
    assert auditor.get(f"/audit/versions/{version_id}/heatmap").status_code == 200
    elements = {(e["process_id"], e["element_id"]): e
                for e in auditor.get(f"/audit/versions/{version_id}/heatmap.json").get_json()["elements"]}
    acceptance = elements[("petition", "decide_acceptance")]
    assert (acceptance["cases"], acceptance["waiting"]) == (1, 1)
    assert elements[("petition", "case_received")]["cases"] == 2
    assert elements[("petition_review", "draft_review_opinion")]["cases"] == 1
    assert elements[("petition", "review_case")]["median_seconds"] == 3 * 86400, "review took three days"


def test_other_roles_and_other_provinces_do_not_get_the_audit_pages(as_user, reviewed_case):
    assert as_user("han-xh").get("/audit/").status_code == 403
    assert as_user("sup-hz").get(f"/audit/cases/{reviewed_case.id}").status_code == 403


def test_an_auditor_outside_the_case_tree_cannot_open_it(app, services, clock, reviewed_case):
    from tests.web.conftest import SignedIn
    from workflows.accounts import create_user

    with services.db.unit_of_work() as tx:
        create_user(tx, clock, "aud-nb", "宁波审计", "password123", "EEB-330200", ["auditor"])
    web = SignedIn(app.test_client())
    web.login("aud-nb")
    assert web.get(f"/audit/cases/{reviewed_case.id}").status_code == 403
    assert reviewed_case.case_no not in web.get("/audit/").get_data(as_text=True)


def test_an_auditor_is_refused_every_route_that_accepts_a_write(app, as_user, services, reviewed_case):
    """Walks every registered URL rule, whichever area added it, and writes to it as a signed-in auditor."""
    auditor = as_user("aud-zj")
    token = auditor.token("/audit/")
    # Reviewed: an auditor changing their own password changes no case (and must, after a reset).
    assert READ_ONLY_EXEMPT == {"auth.login", "auth.logout", "auth.change_password", "i18n.set_language",
                                "static"}, "a new exemption from the read-only guard must be reviewed here"
    before = _fingerprint(services)
    adapter = app.url_map.bind("localhost")
    tried = []
    for rule in app.url_map.iter_rules():
        writes = sorted((rule.methods or set()) & WRITE_METHODS)
        if not writes or rule.endpoint in READ_ONLY_EXEMPT:
            continue
        values = {name: _sample(rule, name, reviewed_case) for name in rule.arguments}
        url = adapter.build(rule.endpoint, values, method=writes[0])
        for method in writes:
            response = auditor.client.open(url, method=method, data={"csrf_token": token},
                                           headers={"X-CSRFToken": token})
            assert response.status_code == 403, f"{method} {url} ({rule.endpoint}) gave {response.status_code}"
            tried.append(f"{method} {rule.endpoint}")
    assert "POST queue.claim" in tried and len(tried) >= 5, tried
    assert _fingerprint(services) == before, "nothing changed"


def _sample(rule, name: str, case: Case):
    converter = rule._converters[name].__class__.__name__
    if converter == "IntegerConverter":
        return case.id
    if converter == "UUIDConverter":
        import uuid
        return uuid.UUID(int=1)
    return "x"


def _fingerprint(services) -> tuple:
    from workflows.models import User
    with services.db.reader() as session:
        return (session.scalar(sa.select(sa.func.count(AuditEvent.id))),
                session.scalar(sa.select(sa.func.count(Case.id))),
                session.scalar(sa.select(sa.func.count(User.id))),
                tuple(session.scalars(sa.select(Instance.lock_version).order_by(Instance.id))))


def test_a_json_dossier_verifies_from_the_command_line(app, as_user, reviewed_case, tmp_path):
    path = tmp_path / "dossier.json"
    path.write_bytes(as_user("aud-zj").get(f"/audit/cases/{reviewed_case.id}/dossier.json").get_data())
    result = app.test_cli_runner().invoke(args=["audit", "verify-dossier", str(path)])
    assert result.exit_code == 0 and f"{reviewed_case.case_no}: ok" in result.output, result.output
    document = json.loads(path.read_text(encoding="utf-8"))
    document["events"][-1]["actor"] = "someone-else"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["audit", "verify-dossier", str(path)])
    assert result.exit_code == 1 and "FAILED at event" in result.output
