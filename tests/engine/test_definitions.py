"""Deploying bundles: new versions only on change, invalid bundles refused whole with the place named."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.bundles import read_bundle
from engine.errors import InvalidBundle
from engine.models import ProcessVersion
from tests.conftest import FIXTURES
from tests.engine.helpers import expense_functions, instance, queue


def versions(db) -> int:
    with db.reader() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(ProcessVersion))


def bundle() -> dict[str, str]:
    return read_bundle(FIXTURES / "expense")


def test_deploying_the_same_content_twice_makes_one_version(definitions, db):
    first, created = definitions.deploy(bundle(), "designer")
    again, created_again = definitions.deploy(bundle(), "designer")
    assert created and not created_again and first.id == again.id and versions(db) == 1


def test_a_changed_bundle_is_a_new_version_and_running_cases_stay_on_theirs(definitions, db, make_runtime):
    runtime = make_runtime(expense_functions)
    v1, _ = definitions.deploy(bundle(), "designer")
    old_case = runtime.start("expense", {"org": "A"}, "alice").instance_id
    files = bundle()
    files["expense.bpmn"] = files["expense.bpmn"].replace("Submit claim 提交报销", "Submit expense 提交费用")
    v2, created = definitions.deploy(files, "designer")
    new_case = runtime.start("expense", {"org": "A"}, "alice").instance_id
    assert created and v2.id != v1.id
    assert instance(db, old_case).version_id == v1.id and instance(db, new_case).version_id == v2.id
    assert queue(db, old_case)[0].title == "Submit claim 提交报销"
    assert queue(db, new_case)[0].title == "Submit expense 提交费用"


def refused(definitions, db, files) -> InvalidBundle:
    with pytest.raises(InvalidBundle) as caught:
        definitions.deploy(files, "designer")
    assert versions(db) == 0, "nothing may be stored from an invalid bundle"
    return caught.value


def test_broken_xml_is_refused_naming_file_and_line(definitions, db):
    files = bundle()
    files["expense.bpmn"] = files["expense.bpmn"].replace('<bpmn:endEvent id="end_paid" name="Paid 已付款" />',
                                                          '<bpmn:endEvent id="end_paid" name="Paid">')
    [problem] = refused(definitions, db, files).problems
    assert problem.file == "expense.bpmn" and problem.line and problem.line > 70
    assert problem.code == "bundle.xml_syntax" and problem.params["detail"]
    assert "expense.bpmn:" in str(problem) and "bundle.xml_syntax" in str(problem)


def test_an_unknown_element_is_refused_naming_its_line(definitions, db):
    files = bundle()
    files["expense.bpmn"] = files["expense.bpmn"].replace('<bpmn:endEvent id="end_rejected"',
                                                          '<bpmn:finishEvent id="end_rejected"')
    [problem] = refused(definitions, db, files).problems
    assert problem.file == "expense.bpmn"
    assert (problem.code, problem.params["tag"], problem.line) == ("bundle.unknown_element", "bpmn:finishEvent", 71)
    assert problem.params["expected"] and all(name.startswith("bpmn:") for name in problem.params["expected"])


def test_an_unquoted_timer_expression_is_refused_naming_the_element(definitions, db):
    files = bundle()
    files["expense.bpmn"] = files["expense.bpmn"].replace('<bpmn:timeDuration>"P3D"</bpmn:timeDuration>',
                                                          '<bpmn:timeDuration>P3D</bpmn:timeDuration>')
    [problem] = refused(definitions, db, files).problems
    assert (problem.file, problem.element, problem.line) == ("expense.bpmn", "remind", 51)
    assert (problem.code, problem.params) == ("bundle.timer_unquoted", {"expression": "P3D"})


def test_a_missing_form_is_refused_naming_the_user_task(definitions, db):
    files = bundle()
    del files["forms/approve.json"]
    [problem] = refused(definitions, db, files).problems
    assert (problem.file, problem.element, problem.line) == ("expense.bpmn", "approve", 42)
    assert (problem.code, problem.params) == ("bundle.form_missing", {"form": "approve.json",
                                                                       "path": "forms/approve.json"})


def test_a_script_that_reaches_for_internals_is_refused(definitions, db):
    files = bundle()
    files["expense.bpmn"] = files["expense.bpmn"].replace(
        "reminders = 0", "reminders = ().__class__.__base__.__subclasses__()")
    [problem] = refused(definitions, db, files).problems
    assert (problem.element, problem.code, problem.params["part"]) == ("set_deadline", "bundle.restricted_script",
                                                                        "script")
    assert "__class__" in problem.params["detail"]


def test_a_form_that_is_not_json_is_refused_with_its_line(definitions, db):
    files = bundle()
    files["forms/submit.json"] = '{\n  "type": "object",\n  "properties": {,}\n}'
    [problem] = refused(definitions, db, files).problems
    assert (problem.file, problem.line, problem.code) == ("forms/submit.json", 3, "bundle.form_json")
