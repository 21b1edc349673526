"""Administration: an admin lists pending timers and corrects one deadline with a reason (an audit event);
admins and designers list incidents and retry one."""
from __future__ import annotations

import sqlalchemy as sa

from engine.errors import ScriptLimitExceeded
from engine.incidents import open_incidents, record_incident
from engine.models import AuditEvent, Timer
from tests.domain.test_cases import FORM
from workflows.accounts import Actor, create_user
from workflows.intake.registration import register_case


def make_admin(services, clock):
    with services.db.unit_of_work() as tx:
        create_user(tx, clock, "admin", "管理员", "password123", "EEB-330000", ["admin"])


def a_case_with_timers(services):
    registrar = Actor("reg-xh", "EEB-330106", frozenset({"registrar"}))
    case = register_case(services, registrar, FORM)
    with services.db.reader() as tx:
        timers = list(tx.scalars(sa.select(Timer).where(Timer.instance_id == case.instance_id,
                                                       Timer.status == "pending").order_by(Timer.due_at)))
    return case, timers


def test_admin_lists_pending_timers_earliest_first(services, clock, as_user):
    make_admin(services, clock)
    case, timers = a_case_with_timers(services)
    page = as_user("admin").get("/admin/timers").get_data(as_text=True)
    assert case.case_no in page
    positions = [page.index(t.name) for t in timers]
    assert positions == sorted(positions)


def test_correcting_a_deadline_needs_a_reason_and_is_audited(services, clock, as_user):
    make_admin(services, clock)
    _case, timers = a_case_with_timers(services)
    timer = timers[-1]
    admin = as_user("admin")
    refused = admin.post(f"/admin/timers/{timer.id}/correct", {"new_due": "2026-03-31T23:59:59", "reason": " "})
    assert refused.status_code == 422
    with services.db.reader() as tx:
        assert tx.get(Timer, timer.id).due_at == timer.due_at
        assert tx.scalar(sa.select(sa.func.count()).where(AuditEvent.command == "correct_deadline")) == 0

    bad_time = admin.post(f"/admin/timers/{timer.id}/correct", {"new_due": "next week", "reason": "x"})
    assert bad_time.status_code == 422

    done = admin.post(f"/admin/timers/{timer.id}/correct",
                      {"new_due": "2026-03-31T23:59:59", "reason": "登记时间录入错误 registration time mistyped"})
    assert done.status_code == 302
    with services.db.reader() as tx:
        corrected = tx.get(Timer, timer.id)
        assert corrected.due_at.isoformat() == "2026-03-31T15:59:59+00:00"
        event = tx.scalar(sa.select(AuditEvent).where(AuditEvent.command == "correct_deadline"))
        assert event.actor == "admin" and "registration time mistyped" in event.data


def test_only_admins_reach_administration(services, clock, as_user):
    make_admin(services, clock)
    _, timers = a_case_with_timers(services)
    registrar = as_user("reg-xh")
    assert registrar.get("/admin/timers").status_code == 403
    assert registrar.post(f"/admin/timers/{timers[0].id}/correct",
                          {"new_due": "2026-03-31T23:59:59", "reason": "x"}).status_code == 403


def test_admin_finds_the_timers_of_a_case_by_its_number(services, clock, as_user):
    make_admin(services, clock)
    case, timers = a_case_with_timers(services)
    other, _ = a_case_with_timers(services)
    page = as_user("admin").get(f"/admin/timers?case_no={case.case_no}").get_data(as_text=True)
    assert case.case_no in page and other.case_no not in page
    assert f'href="/cases/{case.id}"' in page
    assert all(f"/admin/timers/{t.id}/correct" in page for t in timers)


def a_case_with_an_incident(services, clock):
    """A case whose timer step was stopped at the time limit, recorded as the engine records it."""
    case, _ = a_case_with_timers(services)
    stopped = ScriptLimitExceeded("script.limit_exceeded", element="decide_acceptance", limit="time", allowed=1.0)
    record_incident(services.db, case.instance_id, "timer", stopped, clock.now())
    return case


def test_designers_and_admins_see_incidents_and_retry_them(services, clock, as_user):
    make_admin(services, clock)
    with services.db.unit_of_work() as tx:
        create_user(tx, clock, "designer", "设计员", "password123", "EEB-330000", ["designer"])
    case = a_case_with_an_incident(services, clock)
    assert as_user("reg-xh").get("/admin/incidents").status_code == 403
    assert "/admin/incidents" in as_user("admin").get("/admin/incidents").get_data(as_text=True)

    designer = as_user("designer")
    page = designer.get("/admin/incidents").get_data(as_text=True)
    assert case.case_no in page and "decide_acceptance" in page and "/admin/timers" not in page
    [incident] = open_incidents(services.db)
    retried = designer.post(f"/admin/incidents/{incident.incident_id}/retry")
    assert retried.status_code == 302
    assert open_incidents(services.db) == []
    assert case.case_no not in designer.get("/admin/incidents").get_data(as_text=True)
