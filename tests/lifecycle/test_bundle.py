"""The bundle in bpmn/ deploys, every user task has its form and role, every statutory clock is modelled."""
from __future__ import annotations

import re

from lxml import etree

from engine.bundles import compile_bundle, read_bundle
from engine.spiff.tasks import is_user_task
from tests.lifecycle.helpers import BUNDLE

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")
ROLES = {"registrar", "handler", "leader", "supervisor"}
FLOW_NODES = ("startEvent", "endEvent", "boundaryEvent", "userTask", "scriptTask", "businessRuleTask",
              "callActivity", "receiveTask", "exclusiveGateway")


def bilingual(text: str | None) -> bool:
    return bool(text and CJK.search(text) and LATIN.search(text))


def user_tasks(compiled):
    for process_id, (spec, subprocess_specs) in compiled.specs.items():
        for task_spec in spec.task_specs.values():
            if is_user_task(task_spec):
                yield process_id, task_spec


def bpmn_trees():
    return {path.name: etree.parse(str(path)) for path in sorted(BUNDLE.glob("*.bpmn"))}


def test_the_bundle_deploys_with_the_lifecycle_handling_and_review_processes(definitions):
    version, created = definitions.deploy(read_bundle(BUNDLE), "designer")
    assert created
    assert sorted(definitions.compiled(version.id).specs) == ["petition", "petition_handling", "petition_review"]
    _, subprocess_specs = definitions.compiled(version.id).spec("petition")
    assert sorted(subprocess_specs) == ["petition_handling", "petition_review"]


def test_every_user_task_has_a_bilingual_form_that_exists_in_the_bundle():
    compiled = compile_bundle(read_bundle(BUNDLE))
    tasks = list(user_tasks(compiled))
    assert len(tasks) == 17
    forms_used = set()
    for process_id, task_spec in tasks:
        form_name = task_spec.extensions["properties"]["formJsonSchemaFilename"]
        form = compiled.form(form_name)
        assert form is not None, f"{process_id}/{task_spec.bpmn_id}: form {form_name} is missing"
        forms_used.add(form_name)
        assert bilingual(form["title"]) and form["required"], form_name
        for field, schema in form["properties"].items():
            assert bilingual(schema.get("title")), f"{form_name}: field {field} needs a Chinese and English title"
            if "enum" in schema:
                assert len(schema["enumNames"]) == len(schema["enum"]), f"{form_name}: {field} labels"
                assert all(bilingual(label) for label in schema["enumNames"])
    assert len(forms_used) == 17, "one form per user task"
    assert {p.name for p in (BUNDLE / "forms").glob("*.json")} == forms_used


def test_every_user_task_names_its_role_and_organisation():
    compiled = compile_bundle(read_bundle(BUNDLE))
    seen = {}
    for process_id, task_spec in user_tasks(compiled):
        properties = task_spec.extensions["properties"]
        role = task_spec.lane.split()[0]
        assert role in ROLES, f"{task_spec.bpmn_id} is in lane {task_spec.lane!r}"
        assert properties["organisation"], task_spec.bpmn_id
        seen[task_spec.bpmn_id] = (role, properties["organisation"])
    assert seen == {
        "dispatch_case": ("registrar", "registration_org"),
        "decide_acceptance": ("registrar", "handling_org"),
        "approve_extension": ("leader", "handling_org"),
        "approve_normal_track": ("leader", "handling_org"),
        "review_completion_report": ("supervisor", "assigning_org"),
        "return_visit": ("registrar", "registration_org"),
        "order_rehandling": ("supervisor", "supervising_org"),
        "supervise_overdue": ("supervisor", "supervising_org"),
        "supervision_feedback": ("handler", "supervised_org"),
        "take_ownership": ("leader", "supervising_org"),
        "investigate": ("handler", "handling_org"),
        "joint_investigation": ("handler", "joint_department"),
        "draft_reply": ("handler", "handling_org"),
        "approve_reply": ("leader", "handling_org"),
        "deliver_reply": ("handler", "handling_org"),
        "draft_review_opinion": ("handler", "reviewing_org"),
        "sign_review_opinion": ("leader", "reviewing_org"),
    }


def test_every_statutory_clock_is_computed_by_the_process(calculator):
    scripts = " ".join(node.text for tree in bpmn_trees().values() for node in tree.iter(f"{BPMN}script"))
    quoted = set(re.findall(r'"([a-z_]+)"', scripts))
    assert set(calculator.rules) <= quoted, f"clocks not modelled: {set(calculator.rules) - quoted}"


def test_every_deadline_has_a_timer_and_a_reminder_before_it():
    timers = {}
    for tree in bpmn_trees().values():
        for event in tree.iter(f"{BPMN}boundaryEvent"):
            time_date = event.find(f".//{BPMN}timeDate")
            if time_date is not None:
                timers[event.get("id")] = (event.get("attachedToRef"), time_date.text, event.get("cancelActivity"))
    assert timers == {
        "dispatch_reminder_timer": ("dispatch_case", "registration_reminder", "false"),
        "dispatch_overdue_timer": ("dispatch_case", "registration_due", "false"),
        "acceptance_reminder_timer": ("decide_acceptance", "acceptance_reminder", "false"),
        "acceptance_overdue_timer": ("decide_acceptance", "acceptance_due", "false"),
        "forward_objection_window": ("await_forward_objection", "forward_objection_due", None),
        "handling_reminder_timer": ("handle_case", "handling_reminder", "false"),
        "handling_overdue_timer": ("handle_case", "handling_due", "false"),
        "request_window_closed": ("await_petitioner", "request_due", None),
        "opinion_reminder_timer": ("review_case", "opinion_reminder", "false"),
        "opinion_overdue_timer": ("review_case", "opinion_due", "false"),
        "feedback_reminder_timer": ("supervision_feedback", "supervision_feedback_reminder", "false"),
        "feedback_overdue_timer": ("supervision_feedback", "supervision_feedback_due", "false"),
    }


def test_every_element_is_named_in_chinese_and_english_and_drawn():
    for name, tree in bpmn_trees().items():
        drawn = {shape.get("bpmnElement") for shape in tree.iter("{*}BPMNShape")}
        edges = {edge.get("bpmnElement") for edge in tree.iter("{*}BPMNEdge")}
        for tag in FLOW_NODES:
            for node in tree.iter(f"{BPMN}{tag}"):
                assert bilingual(node.get("name")), f"{name}: {node.get('id')} is named {node.get('name')!r}"
                assert node.get("id") in drawn, f"{name}: {node.get('id')} has no diagram shape"
        for lane in tree.iter(f"{BPMN}lane"):
            assert lane.get("id") in drawn and lane.get("name").split()[0] in ROLES | {"petitioner"}
        flows = {flow.get("id") for flow in tree.iter(f"{BPMN}sequenceFlow")}
        assert flows == edges, f"{name}: flows without edges {flows - edges}"
