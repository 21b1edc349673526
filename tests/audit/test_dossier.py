"""Exports of a case: the dossier as JSON that replays elsewhere to the stored state, as a PDF, and the
case list as CSV and XLSX with the filters applied."""
from __future__ import annotations

import io
import json
from datetime import date

import sqlalchemy as sa

from engine.models import AuditEvent
from workflows.audit.case_list import (
    CASE_COLUMNS,
    CaseFilters,
    case_rows,
    cases_csv,
    cases_xlsx,
    list_cases,
)
from workflows.audit.dossier import (
    build_dossier,
    dossier_json,
    dossier_json_text,
    pdf_from_html,
    verify_dossier,
)
from workflows.models import RevealLog


def test_the_json_dossier_replays_in_memory_to_the_stored_state(services, make_actor, closed_case):
    auditor = make_actor("aud-zj", "auditor", "EEB-330000")
    document = json.loads(dossier_json_text(dossier_json(services, auditor, closed_case.id)))
    assert document["case"]["case_no"] == closed_case.case_no
    assert document["instance"]["event_count"] == len(document["events"]) > 10
    assert set(document["version"]["files"]) >= {"petition.bpmn", "handling.bpmn", "review.bpmn"}
    verdict = verify_dossier(services, document)
    assert verdict.ok, str(verdict)
    with services.db.reader() as session:
        logged = session.scalars(sa.select(RevealLog).where(RevealLog.case_id == closed_case.id)).all()
        assert [(r.username, "dossier" in r.fields) for r in logged] == [("aud-zj", True)]


def test_a_tampered_json_dossier_names_the_event(services, make_actor, closed_case):
    auditor = make_actor("aud-zj", "auditor", "EEB-330000")
    document = dossier_json(services, auditor, closed_case.id)
    edited = json.loads(json.dumps(document))
    assert '"acceptance_decision":"accept"' in edited["events"][1]["data"]
    edited["events"][1]["data"] = edited["events"][1]["data"].replace('"accept"', '"refuse"')
    verdict = verify_dossier(services, edited)
    assert (verdict.ok, verdict.bad_seq, verdict.code) == (False, 2, "verify.event_altered")
    edited = json.loads(json.dumps(document))
    state = json.loads(edited["state"])
    state["data"]["status"] = "closed"
    edited["state"] = json.dumps(state)
    verdict = verify_dossier(services, edited)
    assert (verdict.ok, verdict.code) == (False, "verify.state_altered")
    edited = json.loads(json.dumps(document))
    edited["version"]["files"]["petition.bpmn"] += "<!-- changed -->"
    assert verify_dossier(services, edited).code == "verify.files_mismatch"


def test_the_dossier_holds_the_record_timeline_and_every_hash(services, make_actor, closed_case):
    auditor = make_actor("aud-zj", "auditor", "EEB-330000")
    dossier = build_dossier(services, auditor, closed_case.id)
    assert dossier.verdict.ok
    with services.db.reader() as session:
        hashes = list(session.scalars(sa.select(AuditEvent.hash).where(
            AuditEvent.instance_id == closed_case.instance_id).order_by(AuditEvent.seq)))
    assert [e.hash for e in dossier.history.entries] == hashes
    # An auditor's role does not reveal the petitioner: the PDF's record and timeline show them masked, and
    # nothing is written to the reveal log; an exporter whose role may reveal gets them in full, logged.
    start = dossier.history.entries[0]
    assert any(c.path == "petitioner.name" and c.after == "张*" for c in start.changes)
    assert (dossier.petitioner.name, dossier.petitioner.phone, dossier.petitioner.revealed) == (
        "张*", "138****0000", False)
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count(RevealLog.id))) == 0
    supervising_auditor = make_actor("aud-sup", ["auditor", "supervisor"], "EEB-330000")
    full = build_dossier(services, supervising_auditor, closed_case.id)
    assert any(c.path == "petitioner.name" and c.after == "张三" for c in full.history.entries[0].changes)
    assert (full.petitioner.name, full.petitioner.phone, full.petitioner.revealed) == ("张三", "13800000000", True)
    with services.db.reader() as session:
        assert session.scalars(sa.select(RevealLog.username)).all() == ["aud-sup"]


def test_a_pdf_renders_chinese_text():
    pdf = pdf_from_html("<html><body style='font-family: \"Noto Sans CJK SC\"'><h1>信访件 档案</h1></body></html>")
    assert pdf.startswith(b"%PDF")


def test_the_case_list_exports_with_filters(services, make_actor, closed_case):
    from tests.domain.test_cases import FORM
    from workflows.intake.registration import register_case

    registrar = make_actor("reg-li", "registrar")
    register_case(services, registrar, dict(FORM, channel="letter", reported_party="某化工厂",
                                            pollution_types=["water"]))
    auditor = make_actor("aud-zj", "auditor", "EEB-330000")
    other_city = make_actor("aud-nb", "auditor", "EEB-330200")
    with services.db.reader() as session:
        everything = list_cases(session, auditor, CaseFilters())
        water = list_cases(session, auditor, CaseFilters(pollution_type="water"))
        archived = list_cases(session, auditor, CaseFilters(status="archived", received_from=date(2026, 3, 1),
                                                            received_to=date(2026, 3, 2)))
        none = list_cases(session, auditor, CaseFilters(received_from=date(2026, 3, 3)))
        assert everything.total == 2 and water.total == 1 and archived.total == 1 and none.total == 0
        assert water.cases[0].reported_party == "某化工厂"
        assert list_cases(session, other_city, CaseFilters()).total == 0
    headers = list(CASE_COLUMNS)
    rows = case_rows(water.cases)
    text = cases_csv(headers, rows).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("case_no,received_at,")
    assert "某化工厂" in text and "张三" not in text, "no personal data in the list"
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(cases_xlsx(headers, case_rows(everything.cases)))).active
    assert sheet.max_row == 3 and sheet["A1"].value == "case_no"
    assert {sheet.cell(row=r, column=6).value for r in (2, 3)} == {"某化工厂", "杭州某某餐饮有限公司"}
