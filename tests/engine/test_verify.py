"""verify: replaying each case's events rebuilds its stored state, and the hash chain catches tampering."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.models import AuditEvent, Instance
from engine.verify import verify_all, verify_instance
from tests.engine.helpers import deploy_expense, expense_functions, queue


@pytest.fixture
def cases(make_runtime, definitions, db, clock):
    deploy_expense(definitions)
    runtime = make_runtime(expense_functions)
    ids = []
    for n, approved in enumerate([True, False, None]):
        case = runtime.start("expense", {"org": f"ORG-{n}"}, "alice", business_key=f"E-{n}").instance_id
        [submit] = queue(db, case)
        runtime.claim(submit.task_id, "alice")
        runtime.complete(submit.task_id, {"amount": 10 + n, "purpose": "trip"}, "alice")
        clock.advance(days=4)
        runtime.fire_timers(case)
        if approved is not None:
            [approve] = queue(db, case)
            runtime.complete(approve.task_id, {"approved": approved}, "bob")
        ids.append(case)
    runtime.correlate(ids[0], "paid", {"ref": "P"}, "bank")
    return runtime, ids


def test_verify_all_passes_on_clean_data(cases):
    runtime, _ids = cases
    verdicts = verify_all(runtime)
    assert [v.ok for v in verdicts] == [True, True, True], [str(v) for v in verdicts]
    assert [v.events for v in verdicts] == [6, 5, 4]


def test_verify_detects_an_edited_event(cases, db):
    runtime, ids = cases
    with db.unit_of_work() as s:
        event = s.scalar(sa.select(AuditEvent).where(AuditEvent.instance_id == ids[1], AuditEvent.seq == 3))
        event.data = event.data.replace("trip", "holiday")
    verdict = verify_instance(runtime, ids[1])
    assert (verdict.ok, verdict.bad_seq, verdict.code) == (False, 3, "verify.event_altered")
    assert [v.ok for v in verify_all(runtime)] == [True, False, True]


def test_verify_detects_a_deleted_event_in_the_middle(cases, db):
    runtime, ids = cases
    with db.unit_of_work() as s:
        s.execute(sa.delete(AuditEvent).where(AuditEvent.instance_id == ids[0], AuditEvent.seq == 2))
    verdict = verify_instance(runtime, ids[0])
    assert (verdict.ok, verdict.bad_seq, verdict.code, verdict.params) == (False, 2, "verify.event_missing",
                                                                           {"next_seq": 3})


def test_verify_detects_a_deleted_last_event(cases, db):
    runtime, ids = cases
    with db.unit_of_work() as s:
        s.execute(sa.delete(AuditEvent).where(AuditEvent.instance_id == ids[0], AuditEvent.seq == 6))
    verdict = verify_instance(runtime, ids[0])
    assert (verdict.ok, verdict.code) == (False, "verify.events_removed")
    assert (verdict.params["recorded"], verdict.params["stored"]) == (6, 5)


def test_verify_detects_an_edited_state_row(cases, db):
    runtime, ids = cases
    with db.unit_of_work() as s:
        row = s.get(Instance, ids[2])
        row.state = row.state.replace('"amount": 12', '"amount": 9000')
    verdict = verify_instance(runtime, ids[2])
    assert (verdict.ok, verdict.code) == (False, "verify.state_altered")


def test_verify_passes_whatever_order_the_caller_gave_the_data_keys(make_runtime, definitions, db):
    deploy_expense(definitions)
    runtime = make_runtime(expense_functions)
    case = runtime.start("expense", {"org": "ORG-9", "a_first": 1}, "alice").instance_id
    [submit] = queue(db, case)
    runtime.complete(submit.task_id, {"purpose": "trip", "amount": 3}, "alice")
    assert verify_instance(runtime, case).ok
