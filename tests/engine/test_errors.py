"""Engine errors carry a stable code and parameters, never a sentence to match: the forms, the bundles and
the runtime each report what is wrong as data the web layer translates."""
from __future__ import annotations

import pytest

from engine.bundles import compile_bundle, read_bundle
from engine.errors import (
    Conflict,
    EngineError,
    FieldError,
    InvalidBundle,
    InvalidData,
    NotFound,
    ScriptError,
)
from engine.forms import check_form, form_errors
from tests.conftest import FIXTURES


def test_an_error_carries_its_code_and_params_and_prints_both():
    error = Conflict("instance.changed", expected=3, current=4)
    assert (error.code, error.params) == ("instance.changed", {"expected": 3, "current": 4})
    assert str(error) == "instance.changed (expected=3, current=4)"
    assert isinstance(error, EngineError)


def test_without_a_code_an_error_has_its_class_code_and_a_lone_text_becomes_the_code():
    assert (NotFound().code, ScriptError().code, InvalidData().code) == ("engine.not_found", "script.failed",
                                                                        "data.invalid")
    assert NotFound("case 7 does not exist").code == "case 7 does not exist"
    legacy = InvalidData("the user was not created", {"username": "taken"})
    assert (legacy.code, legacy.errors) == ("the user was not created", {"username": "taken"})


def test_invalid_data_lists_its_field_errors():
    error = InvalidData("form.rejected", errors={"amount": FieldError("form.minimum", {"limit": 0})}, task="Pay")
    assert error.params == {"task": "Pay"} and error.errors["amount"].params == {"limit": 0}
    assert str(error) == "form.rejected (task='Pay'): amount: form.minimum (limit=0)"


SCHEMA = {
    "type": "object",
    "required": ["name", "kind"],
    "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$"},
        "kind": {"enum": ["a", "b"]},
        "count": {"type": "integer", "minimum": 1, "maximum": 9},
        "positive": {"type": "number", "exclusiveMinimum": 0},
        "tags": {"type": "array", "minItems": 1, "uniqueItems": True},
        "day": {"type": "string", "format": "date"},
        "fixed": {"const": "x"},
    },
}


@pytest.mark.parametrize(("data", "field", "expected"), [
    ({"kind": "a"}, "name", FieldError("form.required")),
    ({"name": "a", "kind": "a"}, "name", FieldError("form.min_length", {"limit": 2})),
    ({"name": "abcdef", "kind": "a"}, "name", FieldError("form.max_length", {"limit": 5})),
    ({"name": "AB", "kind": "a"}, "name", FieldError("form.pattern", {"pattern": "^[a-z]+$"})),
    ({"name": "ab", "kind": "c"}, "kind", FieldError("form.enum", {"options": ["a", "b"]})),
    ({"name": "ab", "kind": "a", "count": "3"}, "count", FieldError("form.type", {"expected": "integer"})),
    ({"name": "ab", "kind": "a", "count": 0}, "count", FieldError("form.minimum", {"limit": 1})),
    ({"name": "ab", "kind": "a", "count": 10}, "count", FieldError("form.maximum", {"limit": 9})),
    ({"name": "ab", "kind": "a", "positive": 0}, "positive", FieldError("form.exclusive_minimum", {"limit": 0})),
    ({"name": "ab", "kind": "a", "tags": []}, "tags", FieldError("form.min_items", {"limit": 1})),
    ({"name": "ab", "kind": "a", "tags": ["x", "x"]}, "tags", FieldError("form.unique_items")),
    ({"name": "ab", "kind": "a", "day": "3 May"}, "day", FieldError("form.format", {"format": "date"})),
    ({"name": "ab", "kind": "a", "fixed": "y"}, "fixed", FieldError("form.const", {"expected": "x"})),
])
def test_each_json_schema_keyword_becomes_a_field_error_with_its_limit(data, field, expected):
    assert form_errors(SCHEMA, data) == {field: expected}


def test_every_missing_required_field_is_named_and_the_whole_form_must_be_an_object():
    assert form_errors(SCHEMA, {}) == {"name": FieldError("form.required"), "kind": FieldError("form.required")}
    assert form_errors(SCHEMA, ["not", "an", "object"]) == {"(form)": FieldError("form.not_object")}


def test_a_rejected_form_is_invalid_data_naming_the_task():
    with pytest.raises(InvalidData) as caught:
        check_form(SCHEMA, {"kind": "a"}, "Submit")
    assert (caught.value.code, caught.value.params) == ("form.rejected", {"task": "Submit"})
    assert caught.value.errors == {"name": FieldError("form.required")}


def test_broken_xml_is_a_bundle_problem_with_its_code_file_and_line():
    files = read_bundle(FIXTURES / "expense")
    files["expense.bpmn"] = files["expense.bpmn"].replace("</bpmn:process>", "</bpmn:proces>")
    with pytest.raises(InvalidBundle) as caught:
        compile_bundle(files)
    [problem] = caught.value.problems
    assert (problem.file, problem.code) == ("expense.bpmn", "bundle.xml_syntax")
    assert problem.line and problem.params["detail"]
    assert problem.as_dict()["code"] == "bundle.xml_syntax"
    assert str(caught.value).startswith("invalid process bundle:\n  expense.bpmn:")
