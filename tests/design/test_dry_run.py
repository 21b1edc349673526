"""The dry run: a sample case driven through the draft along a chosen path, in a throwaway database; the
draft's own deadlines and BPMN apply, failures stop the run where they happen, and nothing real is written."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from engine.errors import InvalidBundle, InvalidData, NotAllowed
from engine.models import AuditEvent, Instance
from tests.design.test_deploy import edit
from workflows.design.drafts import DEADLINES_FILE, open_draft
from workflows.design.dry_run import DryStep, dry_run, sample_answer
from workflows.models import Case
from workflows.rules.timezone import SHANGHAI

# Tuesday 2026-09-29 10:00 in Shanghai: the acceptance clock (15 days) runs into the National Day holiday.
RECEIVED = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)


def accept(run, **changes):
    [task] = [t for t in run.waiting if t.task == "decide_acceptance"]
    data = dict(task.sample, acceptance_decision="accept", track="normal",
                acceptance_opinion="符合受理条件，予以受理。", **changes)
    return DryStep("complete", task="decide_acceptance", data=data)


def counts(services):
    with services.db.reader() as session:
        return (session.scalar(sa.select(sa.func.count()).select_from(Instance)),
                session.scalar(sa.select(sa.func.count()).select_from(Case)),
                session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)))


def test_a_new_case_waits_for_the_acceptance_decision_and_nothing_real_is_written(services, designer):
    draft = open_draft(services, designer)
    before = counts(services)
    run = dry_run(services, designer, draft.id, RECEIVED, [])
    assert [t.task for t in run.waiting] == ["decide_acceptance"]
    [task] = run.waiting
    assert task.organisation.startswith("EEB-33") and task.role
    assert task.element == "decide_acceptance"
    assert task.due_at is not None and task.due_at > RECEIVED
    assert [e.command for e in run.trail] == ["start"]
    assert not run.ended and run.failure is None
    assert run.now == RECEIVED
    assert counts(services) == before


def test_the_chosen_path_moves_the_case_on_and_each_step_is_in_the_trail(services, designer):
    draft = open_draft(services, designer)
    first = dry_run(services, designer, draft.id, RECEIVED, [])
    run = dry_run(services, designer, draft.id, RECEIVED, [accept(first)])
    assert run.failure is None
    assert "decide_acceptance" not in [t.task for t in run.waiting]
    assert [t.task for t in run.waiting] == ["investigate"]
    completed = [e for e in run.trail if e.command == "complete"]
    assert [e.names for e in completed] == [("decide_acceptance",)]
    assert completed[0].data["acceptance_decision"] == "accept"


def test_letting_time_run_fires_the_next_clock_at_its_due_time(services, designer):
    draft = open_draft(services, designer)
    first = dry_run(services, designer, draft.id, RECEIVED, [])
    accepted = dry_run(services, designer, draft.id, RECEIVED, [accept(first)])
    next_due = min(t.due_at for t in accepted.timers)
    run = dry_run(services, designer, draft.id, RECEIVED, [accept(first), DryStep("wait")])
    assert run.failure is None
    assert run.now == next_due
    fired = [e for e in run.trail if e.command == "timer"]
    assert fired and fired[-1].at == next_due
    assert all(t.due_at > next_due for t in run.timers)


def test_the_drafts_deadlines_table_applies_not_the_deployed_one(services, designer):
    draft = open_draft(services, designer)
    deployed = dry_run(services, designer, draft.id, RECEIVED, [])
    edit(services, designer, draft, DEADLINES_FILE, "  - key: acceptance\n    length: 15\n",
         "  - key: acceptance\n    length: 30\n")
    changed = dry_run(services, designer, draft.id, RECEIVED, [])
    [before], [after] = deployed.waiting, changed.waiting
    assert after.due_at.astimezone(SHANGHAI).date() > before.due_at.astimezone(SHANGHAI).date()


def test_the_drafts_diagram_applies(services, designer):
    draft = open_draft(services, designer)
    edit(services, designer, draft, "petition.bpmn", 'name="受理决定', 'name="试运行受理决定')
    run = dry_run(services, designer, draft.id, RECEIVED, [])
    assert "试运行受理决定" in run.waiting[0].title


def test_a_step_that_cannot_be_done_stops_the_run_there(services, designer):
    draft = open_draft(services, designer)
    first = dry_run(services, designer, draft.id, RECEIVED, [])
    run = dry_run(services, designer, draft.id, RECEIVED,
                  [accept(first), DryStep("complete", task="approve_reply", data={})])
    assert run.failure is not None
    assert (run.failure.index, run.failure.code) == (1, "design.dry_run_not_waiting")
    assert run.failure.params["task"] == "approve_reply"
    assert [t.task for t in run.waiting] == ["investigate"]


def test_refused_data_names_the_field_at_fault(services, designer):
    draft = open_draft(services, designer)
    first = dry_run(services, designer, draft.id, RECEIVED, [])
    step = accept(first)
    del step.data["acceptance_decision"]
    run = dry_run(services, designer, draft.id, RECEIVED, [step])
    assert run.failure is not None and run.failure.index == 0
    assert "acceptance_decision" in run.failure.errors
    assert [t.task for t in run.waiting] == ["decide_acceptance"]


def test_a_malformed_path_or_sample_is_refused_before_anything_runs(services, designer):
    draft = open_draft(services, designer)
    with pytest.raises(InvalidData) as bad_kind:
        dry_run(services, designer, draft.id, RECEIVED, [DryStep("jump")])
    assert bad_kind.value.code == "design.dry_run_step_kind"
    with pytest.raises(InvalidData) as bad_sample:
        dry_run(services, designer, draft.id, RECEIVED, [], sample={"channel": "pigeon"})
    assert "channel" in bad_sample.value.errors and "facts" in bad_sample.value.errors


def test_a_draft_that_does_not_compile_is_refused(services, designer):
    draft = open_draft(services, designer)
    edit(services, designer, draft, "petition.bpmn", 'value="acceptance.json"', 'value="missing.json"')
    with pytest.raises(InvalidBundle):
        dry_run(services, designer, draft.id, RECEIVED, [])


def test_only_designers_dry_run(services, designer, handler):
    draft = open_draft(services, designer)
    with pytest.raises(NotAllowed):
        dry_run(services, handler, draft.id, RECEIVED, [])


def test_a_sample_answer_follows_the_form():
    schema = {"properties": {
        "decision": {"type": "string", "enum": ["accept", "refuse"]},
        "days": {"type": "integer", "minimum": 1},
        "visited": {"type": "boolean"},
        "on": {"type": "string", "format": "date"},
        "note": {"type": "string", "default": "ok"},
        "kinds": {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 1},
    }}
    answer = sample_answer(schema, datetime(2026, 10, 8).date())
    assert answer == {"decision": "accept", "days": 1, "visited": False, "on": "2026-10-08", "note": "ok",
                      "kinds": ["a"]}
