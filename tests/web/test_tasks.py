"""The task page: the form from the task's schema, documents on the task, completing it."""
from __future__ import annotations

import io
import json

import sqlalchemy as sa

from engine.models import AuditEvent
from tests.web.helpers import to_investigation
from workflows.models import Attachment

PDF = b"%PDF-1.4\n% test\n"


def test_documents_added_on_a_task_become_evidence_in_its_form(as_user, services):
    case = to_investigation(services)
    task_id = case.task_id("调查核实")
    web = as_user("han-xh")
    response = web.post(f"/tasks/{task_id}/documents", {"attachments": (io.BytesIO(PDF), "监测报告.pdf")},
                        content_type="multipart/form-data")
    assert response.status_code == 302
    with services.db.reader() as session:
        [document] = session.scalars(sa.select(Attachment))
    assert (document.task_id, document.uploaded_by, document.content_type) == (task_id, "han-xh", "application/pdf")
    page = web.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert f'name="evidence" value="{document.id}"' in page and "监测报告.pdf" in page
    response = web.post(f"/tasks/{task_id}", {"next_step": "draft_reply", "findings": "属实。",
                                              "evidence": str(document.id), "case_id": str(case.case_id)})
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{case.case_id}"
    with services.db.reader() as session:
        event = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert json.loads(event.data)["data"]["evidence"] == [str(document.id)]
    assert case.titles() == ["拟写答复 Draft reply"]


def test_a_wrong_document_on_a_task_is_refused_next_to_the_upload(as_user, services):
    case = to_investigation(services)
    response = as_user("han-xh").post(f"/tasks/{case.task_id('调查核实')}/documents",
                                      {"attachments": (io.BytesIO(b"#!/bin/sh"), "run.sh")},
                                      content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="attachments-error">run.sh：不接受此类文件' in response.get_data(as_text=True)
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_only_who_may_act_on_the_task_adds_documents_to_it(as_user, services):
    case = to_investigation(services)
    response = as_user("lead-xh").post(f"/tasks/{case.task_id('调查核实')}/documents",
                                       {"attachments": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 403


def test_a_time_asked_on_a_task_starts_at_now_in_beijing_time(as_user, services):
    case = to_investigation(services)
    case.complete("调查核实", {"next_step": "draft_reply", "findings": "属实。"}, "han-xh")
    case.complete("拟写答复", {"reply_opinion": "support", "reply_text": "已责令整改。"}, "han-xh")
    case.complete("审批答复", {"approval_decision": "approve"}, "lead-xh")
    page = as_user("han-xh").get(f"/tasks/{case.task_id('送达答复')}").get_data(as_text=True)
    assert 'name="delivered_at" type="datetime-local" value="2026-03-02T09:00"' in page


def test_a_completed_task_page_sends_the_user_back_to_the_case(as_user, services):
    case = to_investigation(services)
    task_id = case.task_id("调查核实")
    case.complete("调查核实", {"next_step": "draft_reply", "findings": "属实。"}, "han-xh")
    response = as_user("han-xh").get(f"/tasks/{task_id}")
    assert response.status_code == 409
    assert "此任务已不在待办中" in response.get_data(as_text=True)
