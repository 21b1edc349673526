"""Moving running cases to a new version of the lifecycle: version B (made here from the bundle in bpmn/)
gives the acceptance overdue timer five more working days, renames the acceptance task and adds a check
of the approved reply before it is delivered. Cases waiting at every stage move; dry run and apply agree;
cases that cannot move are named with the reason; every moved case still verifies; a crash mid-run loses
nothing."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.bundles import read_bundle
from engine.clock import ManualClock
from engine.definitions import Definitions
from engine.errors import InvalidData
from engine.migration import (
    MigrationRefused,
    candidates,
    make_plan,
    parse_where,
    run_migration,
)
from engine.models import AuditEvent, Instance
from engine.store import Database
from engine.verify import verify_instance
from tests.conftest import START
from tests.lifecycle.conftest import (
    BUNDLE_DEPLOYED,
    deadline_calculator,
    petition_runtime,
)
from tests.lifecycle.helpers import (
    ACCEPTANCE,
    APPROVE,
    BUNDLE,
    DELIVER,
    DRAFT,
    HANDLER,
    INVESTIGATE,
    LEADER,
    REVIEW_DRAFT,
    CaseDriver,
    accept,
    deliver,
    draft_and_approve,
    end_of_day,
    handle_and_reply,
    investigate,
    petition,
)
from tests.templates import Template

RENAMED = "accept_or_refuse"
CHECK = "核对答复 Check reply"
ACCEPT_OR_REFUSE = "受理或不予受理 Accept or refuse"


def version_b(files: dict[str, str]) -> dict[str, str]:
    """Version B of the bundle: a longer acceptance overdue deadline, the acceptance task renamed, and a new
    step (the leader checks the approved reply) before delivery."""
    files = dict(files)
    petition_bpmn = files["petition.bpmn"]
    overdue = ('<bpmn:timeDate xsi:type="bpmn:tFormalExpression">acceptance_due</bpmn:timeDate>')
    assert petition_bpmn.count(overdue) == 1
    petition_bpmn = petition_bpmn.replace(overdue, overdue.replace("acceptance_due", "extension_due(acceptance_due, 5)"))
    petition_bpmn = petition_bpmn.replace("decide_acceptance", RENAMED)
    petition_bpmn = petition_bpmn.replace('name="受理决定 Acceptance decision"', f'name="{ACCEPT_OR_REFUSE}"')
    files["petition.bpmn"] = petition_bpmn
    handling = files["handling.bpmn"]
    handling = handling.replace('sourceRef="gw_reply_approved" targetRef="deliver_reply"',
                                'sourceRef="gw_reply_approved" targetRef="check_reply"')
    handling = handling.replace("""    <bpmn:userTask id="deliver_reply" """, f"""    <bpmn:userTask id="check_reply" name="{CHECK}">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="reply_check.json" />
          <spiffworkflow:property name="organisation" value="handling_org" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_checked_deliver" sourceRef="check_reply" targetRef="deliver_reply" />
    <bpmn:userTask id="deliver_reply" """)
    handling = handling.replace("<bpmn:flowNodeRef>approve_reply</bpmn:flowNodeRef>",
                                "<bpmn:flowNodeRef>approve_reply</bpmn:flowNodeRef>\n"
                                "        <bpmn:flowNodeRef>check_reply</bpmn:flowNodeRef>")
    files["handling.bpmn"] = handling
    files["forms/reply_check.json"] = json.dumps({
        "title": CHECK, "type": "object", "required": ["checked"],
        "properties": {"checked": {"type": "boolean", "title": "已核对 Checked"}}}, ensure_ascii=False)
    return files


# -- cases waiting at each stage, on version A, and version B deployed --------------------------------------

def at_acceptance(case: CaseDriver) -> None:
    pass


def at_investigation(case: CaseDriver) -> None:
    accept(case)


def at_draft(case: CaseDriver) -> None:
    accept(case)
    investigate(case)


def at_approval(case: CaseDriver) -> None:
    accept(case)
    investigate(case)
    case.complete(DRAFT, {"reply_opinion": "support", "reply_text": "已责令限期安装油烟净化设施。",
                          "drafted_by": HANDLER}, HANDLER)


def replied(case: CaseDriver) -> None:
    accept(case)
    handle_and_reply(case)


def under_review(case: CaseDriver) -> None:
    replied(case)
    case.advance(days=2)
    case.correlate("review_requested", {"reason": "噪声问题没有解决"})


STAGES = {"acceptance": at_acceptance, "investigation": at_investigation, "draft": at_draft,
          "approval": at_approval, "replied": replied, "review": under_review}


@dataclass(frozen=True)
class Staged:
    cases: dict[str, int]      # stage -> instance id
    version_a: int
    version_b: int
    now: object


def stage_cases(url: str, folder: Path) -> Staged:
    database, clock = Database(url), ManualClock(START)
    try:
        runtime = petition_runtime(database, clock, deadline_calculator())
        cases = {}
        for number, (stage, drive) in enumerate(STAGES.items(), start=1):
            case = CaseDriver.register(runtime, clock, petition(case_no=f"XH-2026-{number:04d}"))
            drive(case)
            cases[stage] = case.instance_id
        version_a = runtime.definitions.latest_for("petition")
        deployed, created = Definitions(database, clock).deploy(version_b(read_bundle(BUNDLE)), "designer",
                                                                "B: acceptance overdue +5, renamed, reply check")
        assert created
        return Staged(cases, version_a, deployed.id, clock.now())
    finally:
        database.dispose()


STAGED = Template("migration_stages", stage_cases, base=BUNDLE_DEPLOYED)


@pytest.fixture
def staged(backend, database_copy, clock, calculator):
    made = database_copy(STAGED, backend)
    clock.set(made.info.now)
    database = Database(made.url)
    yield petition_runtime(database, clock, calculator), made.info
    database.dispose()


def plan_for(runtime, info: Staged, **options):
    mappings = options.pop("mappings", {"decide_acceptance": RENAMED})
    return make_plan(runtime.definitions, info.version_a, info.version_b, "petition", mappings, **options)


def driver(runtime, info: Staged, stage: str) -> CaseDriver:
    return CaseDriver(runtime, runtime.clock, info.cases[stage])


# -- the tests ---------------------------------------------------------------------------------------------

def test_cases_at_every_stage_move_to_version_b_and_still_verify(staged):
    runtime, info = staged
    plan = plan_for(runtime, info)
    assert plan.added == ("check_reply",) and plan.removed == ()
    ids = candidates(runtime.db, plan)
    assert ids == sorted(info.cases.values())
    dry = run_migration(runtime, plan, ids, "designer", dry_run=True)
    assert [(o.instance_id, o.ok) for o in dry.outcomes] == [(i, True) for i in ids]
    acceptance = driver(runtime, info, "acceptance")
    overdue_before = acceptance.pending_timers()["受理超期 Acceptance overdue"]

    done = run_migration(runtime, plan, ids, "designer", dry_run=False)
    assert [(o.instance_id, o.ok) for o in done.outcomes] == [(o.instance_id, o.ok) for o in dry.outcomes]
    for instance_id in ids:
        verdict = verify_instance(runtime, instance_id)
        assert verdict.ok, str(verdict)
    with runtime.db.reader() as session:
        assert set(session.scalars(sa.select(Instance.version_id))) == {info.version_b}
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.instance_id == acceptance.instance_id,
                                                           AuditEvent.command == "migrate"))
    data = json.loads(event.data)
    assert (data["from_version"], data["to_version"], data["mappings"], event.version_id) == (
        info.version_a, info.version_b, {"decide_acceptance": RENAMED}, info.version_b)

    # The renamed task keeps its place in the queue under its new name; the changed deadline moved.
    row = acceptance.task(ACCEPT_OR_REFUSE)
    assert row.spec_name == RENAMED
    assert acceptance.pending_timers()["受理超期 Acceptance overdue"] == end_of_day(2026, 3, 23)
    assert overdue_before == end_of_day(2026, 3, 17)
    assert [t["name"] for t in data["timers"]] == ["受理超期 Acceptance overdue"]
    acceptance.complete(ACCEPT_OR_REFUSE, {"acceptance_decision": "accept", "content_category":
                                           "pollution_complaint", "track": "normal"}, "reg-wang")
    assert acceptance.titles() == [INVESTIGATE]

    # A case drafting its reply takes the new step after approval, then delivers.
    approval = driver(runtime, info, "approval")
    approval.complete(APPROVE, {"approval_decision": "approve"}, LEADER)
    assert approval.titles() == [CHECK]
    approval.complete(CHECK, {"checked": True}, LEADER)
    assert approval.titles() == [DELIVER]
    deliver(approval)

    draft = driver(runtime, info, "draft")
    draft_and_approve(draft)
    assert draft.titles() == [CHECK]

    review = driver(runtime, info, "review")
    assert review.titles() == [REVIEW_DRAFT]
    replied_case = driver(runtime, info, "replied")
    replied_case.correlate("review_requested", {"reason": "仍有油烟"})
    assert replied_case.titles() == [REVIEW_DRAFT]

    # Running the plan again finds nothing left on version A.
    assert candidates(runtime.db, plan) == []


def test_keep_due_keeps_the_old_deadlines(staged):
    runtime, info = staged
    plan = plan_for(runtime, info, keep_due=True)
    acceptance = driver(runtime, info, "acceptance")
    runtime.migrate(acceptance.instance_id, plan, "designer")
    assert acceptance.pending_timers()["受理超期 Acceptance overdue"] == end_of_day(2026, 3, 17)
    acceptance.verify()


def test_cases_waiting_at_an_element_b_lacks_are_refused_by_name(staged):
    runtime, info = staged
    plan = plan_for(runtime, info, mappings={})        # the renamed acceptance task is not mapped
    assert "decide_acceptance" in plan.removed and RENAMED in plan.added
    ids = candidates(runtime.db, plan)
    dry = run_migration(runtime, plan, ids, "designer", dry_run=True)
    refused = {o.instance_id: o.refusals for o in dry.outcomes if not o.ok}
    [reason] = refused[info.cases["acceptance"]]
    assert (reason.code, reason.params) == ("migration.element_missing", {
        "task": "受理决定 Acceptance decision", "element": "decide_acceptance", "process": "petition",
        "version": info.version_b})
    assert set(refused) == {info.cases["acceptance"]}

    done = run_migration(runtime, plan, ids, "designer", dry_run=False)
    assert [(o.instance_id, o.ok, o.refusals) for o in done.outcomes] == \
        [(o.instance_id, o.ok, o.refusals) for o in dry.outcomes]
    acceptance = driver(runtime, info, "acceptance")
    assert acceptance.instance().version_id == info.version_a, "a refused case stays as it was"
    assert acceptance.titles() == [ACCEPTANCE]
    with pytest.raises(MigrationRefused):
        runtime.migrate(acceptance.instance_id, plan, "designer")
    for instance_id in ids:
        assert verify_instance(runtime, instance_id).ok


def test_a_crash_mid_run_loses_nothing_and_a_rerun_finishes(staged):
    runtime, info = staged
    plan = plan_for(runtime, info)
    ids = candidates(runtime.db, plan)
    moved = []

    def crash_after_three(session, row):
        if len(moved) == 3:
            raise RuntimeError("node lost")
        moved.append(row.id)

    runtime.before_commit = crash_after_three
    with pytest.raises(RuntimeError):
        run_migration(runtime, plan, ids, "designer", dry_run=False)
    runtime.before_commit = None
    with runtime.db.reader() as session:
        versions = dict(session.execute(sa.select(Instance.id, Instance.version_id)).all())
    assert [versions[i] for i in ids] == [info.version_b] * 3 + [info.version_a] * (len(ids) - 3)
    for instance_id in ids:
        assert verify_instance(runtime, instance_id).ok
    assert candidates(runtime.db, plan) == ids[3:]
    rerun = run_migration(runtime, plan, candidates(runtime.db, plan), "designer", dry_run=False)
    assert rerun.moved == len(ids) - 3 and rerun.refused == 0
    for instance_id in ids:
        assert verify_instance(runtime, instance_id).ok


def test_a_plan_names_mappings_that_do_not_fit(staged):
    runtime, info = staged
    with pytest.raises(InvalidData) as caught:
        plan_for(runtime, info, mappings={"decide_acceptance": "no_such_task", "nothing_here": RENAMED})
    assert caught.value.code == "migration.invalid_plan"
    assert {k: (e.code, e.params) for k, e in caught.value.errors.items()} == {
        "decide_acceptance": ("migration.unknown_target", {"element": "no_such_task", "version": info.version_b}),
        "nothing_here": ("migration.unknown_source", {"element": "nothing_here", "version": info.version_a})}


def test_where_takes_cases_by_number_or_waiting_element(staged):
    runtime, info = staged
    plan = plan_for(runtime, info)
    assert candidates(runtime.db, plan, parse_where(["waiting=decide_acceptance"])) == [info.cases["acceptance"]]
    assert candidates(runtime.db, plan, parse_where(["business_key=XH-2026-000?"])) == sorted(info.cases.values())
    assert candidates(runtime.db, plan, parse_where([f"instance={info.cases['draft']}"])) == [info.cases["draft"]]
    with pytest.raises(InvalidData) as caught:
        parse_where(["colour=red"])
    assert caught.value.code == "migration.bad_filter"
