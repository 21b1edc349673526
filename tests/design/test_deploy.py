"""Validating, previewing and deploying a draft: problems by file, element and line; an invalid draft is never
deployed; a deployed draft is the version new cases start on, while running cases stay on theirs."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from engine.errors import Conflict, InvalidBundle, InvalidData, NotAllowed
from engine.models import Instance, QueueTask
from tests.domain.test_cases import FORM
from workflows.design.diff import diff_versions
from workflows.design.drafts import DEADLINES_FILE, get_draft, open_draft, save_file
from workflows.design.preview import preview_draft_deadlines
from workflows.design.validation import validate_draft
from workflows.design.versions import deploy_draft, list_versions
from workflows.intake.registration import register_case
from workflows.models import DesignEvent

ACCEPTANCE_DEADLINE = '<spiffworkflow:property name="deadline" value="acceptance_due" />'
SIMPLE_DEADLINE = '<spiffworkflow:property name="deadline" value="deadline(&quot;simple_acceptance&quot;, ' \
                  'acceptance_start)" />'


def edit(services, designer, draft, path, old, new):
    current = get_draft(services, designer, draft.id).file(path)
    assert old in current.content
    return save_file(services, designer, draft.id, path, current.content.replace(old, new, 1), current.revision)


def test_a_draft_of_the_deployed_version_is_valid(services, designer):
    report = validate_draft(services, designer, open_draft(services, designer).id)
    assert report.valid, report.problems


def test_every_problem_names_file_element_line_and_code(services, designer):
    draft = open_draft(services, designer)
    edit(services, designer, draft, "petition.bpmn", 'value="acceptance.json"', 'value="missing.json"')
    edit(services, designer, draft, "petition.bpmn", "acceptance_clock = \"simple_acceptance\"",
         "acceptance_clock = open(\"x\")")
    report = validate_draft(services, designer, draft.id)
    found = {(p.file, p.element, p.code) for p in report.problems}
    assert ("petition.bpmn", "decide_acceptance", "bundle.form_missing") in found
    assert ("petition.bpmn", "start_acceptance_clock", "bundle.script_name_not_allowed") in found
    assert all(p.line for p in report.problems)


def test_a_broken_deadlines_table_is_a_problem_of_its_file(services, designer):
    draft = open_draft(services, designer)
    save_file(services, designer, draft.id, DEADLINES_FILE, "clocks: 3", 1)
    [problem] = validate_draft(services, designer, draft.id).problems
    assert (problem.file, problem.code) == (DEADLINES_FILE, "design.deadlines_invalid")


def test_an_invalid_draft_is_never_deployed(services, designer):
    before = len(services.definitions.versions())
    draft = open_draft(services, designer)
    edit(services, designer, draft, "petition.bpmn", 'value="acceptance.json"', 'value="missing.json"')
    with pytest.raises(InvalidBundle) as refused:
        deploy_draft(services, designer, draft.id, "broken")
    assert [p.code for p in refused.value.problems] == ["bundle.form_missing"]
    assert len(services.definitions.versions()) == before


def test_a_deployed_draft_is_the_version_new_cases_start_on(services, designer, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    running = register_case(services, registrar, FORM)
    draft = open_draft(services, designer)
    edit(services, designer, draft, "petition.bpmn", ACCEPTANCE_DEADLINE, SIMPLE_DEADLINE)
    deployed = deploy_draft(services, designer, draft.id, "受理期限按简易程序 acceptance on the simple clock")
    assert not deployed.deadlines_changed
    newer = register_case(services, registrar, FORM)
    with services.db.reader() as s:
        versions = {case.id: s.get(Instance, case.instance_id).version_id for case in (running, newer)}
        due = {case.id: s.scalar(sa.select(QueueTask.due_at).where(QueueTask.instance_id == case.instance_id))
               for case in (running, newer)}
        [event] = s.scalars(sa.select(DesignEvent).where(DesignEvent.kind == "deployed"))
    assert versions[newer.id] == deployed.version_id != versions[running.id]
    assert due[newer.id] < due[running.id]  # 3 working days instead of 15 days
    assert (event.actor, event.version_id, event.note) == ("des-zj", deployed.version_id,
                                                          "受理期限按简易程序 acceptance on the simple clock")
    [latest, *_] = list_versions(services, designer)
    assert (latest.id, latest.deployed_by, latest.cases) == (deployed.version_id, "des-zj", 1)
    assert latest.note.startswith("受理期限")
    changes = diff_versions(services, designer, versions[running.id], deployed.version_id)
    assert [(d.path, d.changed, d.added, d.removed) for d in changes.diagrams] == \
        [("petition.bpmn", ["decide_acceptance"], [], [])]
    with pytest.raises(Conflict) as again:
        deploy_draft(services, designer, draft.id, "twice")
    assert again.value.code == "design.draft_closed"


def test_an_unchanged_draft_is_not_deployed_again(services, designer):
    with pytest.raises(Conflict) as refused:
        deploy_draft(services, designer, open_draft(services, designer).id, "nothing")
    assert refused.value.code == "design.unchanged"


def test_the_preview_counts_with_the_drafts_deadlines_table(services, designer):
    draft = open_draft(services, designer)
    received = datetime.fromisoformat("2026-09-29T10:00:00+08:00")
    before = {c.key: c.due for c in preview_draft_deadlines(services, designer, draft.id, received).clocks}
    text = draft.file(DEADLINES_FILE).content
    assert "length: 15" in text
    save_file(services, designer, draft.id, DEADLINES_FILE, text.replace("length: 15", "length: 20", 1), 1)
    after = {c.key: c.due for c in preview_draft_deadlines(services, designer, draft.id, received).clocks}
    assert [k for k in before if before[k] != after[k]]
    with pytest.raises(InvalidData) as refused:
        preview_draft_deadlines(services, designer, draft.id, received, "fast")
    assert refused.value.code == "design.unknown_track"


def test_only_designers_deploy_or_list_versions(services, designer, handler):
    draft = open_draft(services, designer)
    with pytest.raises(NotAllowed):
        deploy_draft(services, handler, draft.id, "x")
    with pytest.raises(NotAllowed):
        list_versions(services, handler)
