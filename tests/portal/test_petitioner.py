"""A petitioner's own way through a case, without an account: submit on the portal, follow the case by number
and query code, rate the reply, ask for review within the window and be refused after it."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.errors import Conflict, InvalidData, NotFound
from engine.models import AuditEvent
from tests.portal.conftest import petition
from workflows.intake.attachments import Upload
from workflows.models import Attachment, Case
from workflows.portal.requests import rate_case, request_review
from workflows.portal.submission import submit_petition
from workflows.portal.tracking import track_case

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def test_a_portal_petition_is_registered_for_the_bureau_of_the_place_with_its_documents(services):
    receipt = submit_petition(services, petition(), [Upload("现场.png", PNG)])
    with services.db.reader() as session:
        case = session.scalar(sa.select(Case).where(Case.case_no == receipt.case_no))
        documents = list(session.scalars(sa.select(Attachment).where(Attachment.case_id == case.id)))
    assert (case.channel, case.registration_org, case.registered_by) == ("web", "EEB-330106", "portal")
    assert case.query_code == receipt.query_code and len(receipt.query_code) == 10
    assert [d.filename for d in documents] == ["现场.png"]


def test_an_anonymous_petition_needs_no_name_or_contact(services):
    receipt = submit_petition(services, petition(petitioner={"anonymous": True}), [])
    assert track_case(services, receipt.case_no, receipt.query_code).stage == "received"


def test_every_bad_field_and_file_is_named_and_nothing_is_stored(services):
    form = petition(petitioner={"name": "", "phone": "", "anonymous": False}, pollution_types=[], facts="短")
    with pytest.raises(InvalidData) as caught:
        submit_petition(services, form, [Upload("run.exe", b"MZ")])
    assert {"petitioner.name", "petitioner.phone", "pollution_types", "facts", "attachments.0"} <= set(caught.value.errors)
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_a_place_no_bureau_here_serves_is_refused_at_the_division_code(services):
    with pytest.raises(InvalidData) as caught:
        submit_petition(services, petition(division_code="110105"), [])
    assert caught.value.errors["division_code"].code == "portal.division_not_served"


def test_a_wrong_number_and_a_wrong_code_get_the_same_answer(services, submitted):
    receipt = submitted.receipt
    answers = []
    for case_no, code in ((receipt.case_no, "AAAAAAAAAA"), ("330106-2026-99999", receipt.query_code), ("", "")):
        with pytest.raises(NotFound) as caught:
            track_case(services, case_no, code)
        answers.append((caught.value.code, caught.value.params))
    assert answers == [("portal.not_found", {})] * 3
    # Typed in lower case with a space, the code still opens the case.
    spaced = receipt.query_code[:5].lower() + " " + receipt.query_code[5:]
    assert track_case(services, receipt.case_no, spaced).case_no == receipt.case_no


def test_tracking_shows_the_stage_the_running_deadline_and_the_reply_but_nothing_internal(services, submitted):
    receipt = submitted.receipt
    received = track_case(services, receipt.case_no, receipt.query_code)
    assert received.stage == "received" and received.deadline is not None and not received.may_rate
    submitted.accept()
    handling = track_case(services, receipt.case_no, receipt.query_code)
    assert handling.stage == "handling" and [n.kind for n in handling.notices] == ["acceptance"]
    services.clock.advance(timedelta(days=10))
    submitted.reply()
    replied = track_case(services, receipt.case_no, receipt.query_code)
    assert replied.stage == "replied" and replied.may_rate
    assert [(r.opinion, r.text) for r in replied.replies] == [("support", "已责令限期安装油烟净化设施。")]
    assert replied.window.kind == "review" and replied.window.is_open and replied.deadline == replied.window.closes_at
    shown = repr(replied)
    for internal in ("现场检查属实", "han-xh", "lead-xh", "张三", "13800000000"):
        assert internal not in shown


def test_a_rating_enters_the_engine_as_the_satisfaction_message(services, submitted):
    receipt = submitted.receipt
    submitted.accept()
    with pytest.raises(Conflict) as early:
        rate_case(services, receipt.case_no, receipt.query_code, {"rating": "satisfied"})
    assert early.value.code == "portal.rating_not_open"
    submitted.reply()
    with pytest.raises(InvalidData) as bad:
        rate_case(services, receipt.case_no, receipt.query_code, {"rating": "great"})
    assert set(bad.value.errors) == {"rating"}
    rate_case(services, receipt.case_no, receipt.query_code, {"rating": "basically_satisfied", "comment": "处理及时"})
    assert track_case(services, receipt.case_no, receipt.query_code).rating == "basically_satisfied"
    with services.db.reader() as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.command == "message")).one()
    data = json.loads(event.data)
    assert (event.actor, data["message"], data["payload"]) == (
        "portal", "satisfaction_rated", {"rating": "basically_satisfied", "comment": "处理及时", "source": "portal"})


def test_review_is_requested_within_the_window_and_goes_one_level_up(services, submitted):
    receipt = submitted.receipt
    with pytest.raises(Conflict) as early:
        request_review(services, receipt.case_no, receipt.query_code, {"reason": "噪声问题没有解决"})
    assert early.value.code == "portal.review_not_open"
    submitted.accept()
    submitted.reply()
    services.clock.advance(timedelta(days=29))
    assert request_review(services, receipt.case_no, receipt.query_code, {"reason": "噪声问题没有解决"}) == "review"
    under = track_case(services, receipt.case_no, receipt.query_code)
    assert under.stage == "under_review" and under.window is None and not under.may_rate
    with services.db.reader() as session:
        assert session.scalar(sa.select(Case.status).where(Case.case_no == receipt.case_no)) == "under_review"


def test_review_after_the_window_is_refused_with_the_day_it_closed(services, submitted):
    receipt = submitted.receipt
    submitted.accept()
    submitted.reply()
    closes = track_case(services, receipt.case_no, receipt.query_code).window.closes_at
    services.clock.advance(timedelta(days=31))
    with pytest.raises(Conflict) as late:
        request_review(services, receipt.case_no, receipt.query_code, {"reason": "迟到的申请"})
    assert late.value.code == "portal.review_window_closed"
    assert late.value.params["kind"] == "review"
    assert late.value.params["closed_on"] == closes.astimezone(closes.tzinfo).date().isoformat()
    window = track_case(services, receipt.case_no, receipt.query_code).window
    assert not window.is_open and window.closed_on.isoformat() == late.value.params["closed_on"]


def test_a_refused_case_shows_the_refusal_notice_and_is_rated_too(services, submitted):
    receipt = submitted.receipt
    submitted.refuse()
    refused = track_case(services, receipt.case_no, receipt.query_code)
    assert refused.stage == "refused" and refused.may_rate and refused.window is None
    assert [(n.kind, n.details["reason"]) for n in refused.notices] == [("refusal", "不属于生态环境部门职责")]
    rate_case(services, receipt.case_no, receipt.query_code, {"rating": "dissatisfied", "comment": "应当受理"})
    rated = track_case(services, receipt.case_no, receipt.query_code)
    assert rated.rating == "dissatisfied" and not rated.may_rate


def test_a_refusal_can_no_longer_be_rated_after_its_rating_window(services, submitted):
    receipt = submitted.receipt
    submitted.refuse()
    services.clock.advance(timedelta(days=31))
    services.runtime.fire_timers(submitted.instance_id())
    assert not track_case(services, receipt.case_no, receipt.query_code).may_rate
    with pytest.raises(Conflict) as late:
        rate_case(services, receipt.case_no, receipt.query_code, {"rating": "satisfied"})
    assert late.value.code == "portal.rating_not_open"
