"""Task forms drawn from every JSON Schema in bpmn/forms/, and the submitted form read back as data."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from engine.errors import FieldError
from engine.forms import form_errors
from webui.forms import form_fields, prefill, read_form
from workflows.settings import PROJECT_ROOT

FORMS = sorted((PROJECT_ROOT / "bpmn" / "forms").glob("*.json"))
KNOWN_KINDS = {"line", "text", "radio", "select", "checkbox", "checkboxes", "attachments", "lines", "integer",
               "date", "datetime", "system"}


def schema(name: str) -> dict:
    return json.loads((PROJECT_ROOT / "bpmn" / "forms" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_every_field_of_every_form_gets_a_widget_with_a_bilingual_label(path: Path):
    form = json.loads(path.read_text(encoding="utf-8"))
    fields = form_fields(form)
    assert [f.name for f in fields] == list(form["properties"])
    for field in fields:
        assert field.kind in KNOWN_KINDS, field
        assert field.title != field.name, f"{path.name}: {field.name} has no title"
        if field.kind in ("radio", "select", "checkboxes"):
            assert field.options and all(label != value for value, label in field.options), field


def test_widgets_follow_the_schema_types():
    kinds = {f.name: f.kind for f in form_fields(schema("investigation.json"), attachments=[("7", "#7 photo.png")])}
    assert kinds == {"next_step": "radio", "site_inspected": "checkbox", "inspection_date": "date",
                     "findings": "text", "violation_found": "checkbox", "enforcement_actions": "checkboxes",
                     "evidence": "attachments", "joint_departments": "lines", "extension_days": "integer",
                     "extension_reason": "text", "normal_track_reason": "text"}
    delivery = {f.name: f.kind for f in form_fields(schema("reply_delivery.json"))}
    assert delivery == {"delivery_method": "select", "delivered_at": "datetime", "receipt_date": "date",
                        "delivery_note": "text"}
    assert {f.name: f.kind for f in form_fields(schema("reply_draft.json"))}["drafted_by"] == "system"
    assert {f.name: f.kind for f in form_fields(schema("acceptance.json"))}["forward_to"] == "line"


def test_fields_required_for_one_answer_are_shown_only_for_it():
    when = {f.name: f.show_when for f in form_fields(schema("acceptance.json"))}
    assert when == {"acceptance_decision": None, "content_category": None, "track": None,
                    "first_petition": "track=simple", "facts_clear": "track=simple", "refusal_reason": "acceptance_decision=refuse", "forward_to": "acceptance_decision=forward",
                    "forward_reason": "acceptance_decision=forward", "acceptance_opinion": None}
    assert {f.name: f.show_when for f in form_fields(schema("investigation.json"))}["extension_days"] == \
        "next_step=request_extension"
    assert {f.name: f.show_when for f in form_fields(schema("investigation.json"))}["normal_track_reason"] == \
        "next_step=normal_track"


def test_a_submitted_form_is_read_back_in_the_schemas_types():
    form = schema("investigation.json")
    data, errors = read_form(form, MultiDict([
        ("next_step", "request_extension"), ("site_inspected", "on"), ("inspection_date", "2026-03-03"),
        ("findings", "  现场检查属实。 "), ("enforcement_actions", "order_correction"),
        ("enforcement_actions", "penalty_case"), ("evidence", "7"), ("joint_departments", "EEB-330100\r\n\r\nMEE"),
        ("extension_days", "20"), ("extension_reason", "需要补充监测")]))
    assert errors == {}
    assert data == {"next_step": "request_extension", "site_inspected": True, "inspection_date": "2026-03-03",
                    "findings": "现场检查属实。", "violation_found": False,
                    "enforcement_actions": ["order_correction", "penalty_case"], "evidence": ["7"],
                    "joint_departments": ["EEB-330100", "MEE"], "extension_days": 20, "extension_reason": "需要补充监测"}
    assert form_errors(form, data) == {}


def test_values_of_the_wrong_type_are_reported_and_empty_ones_left_to_required():
    data, errors = read_form(schema("extension_approval.json"), MultiDict({"extension_decision": "approve",
                                                                           "approved_days": "thirty"}))
    assert errors == {"approved_days": FieldError("form.type", {"expected": "integer"})}
    assert data == {"extension_decision": "approve"}
    data, errors = read_form(schema("reply_delivery.json"), MultiDict({"delivered_at": "2026-03-06T10:00"}))
    assert data == {"delivered_at": "2026-03-06T10:00:00+08:00"} and errors == {}
    assert form_errors(schema("reply_delivery.json"), data) == {"delivery_method": FieldError("form.required")}


def test_a_form_starts_with_the_free_text_already_in_the_case_but_no_decision():
    values = prefill(schema("reply_draft.json"), {"reply_opinion": "support", "reply_text": "已责令整改。",
                                                  "approval_comment": "请补充", "drafted_by": "han-xh"})
    assert values == {"reply_text": "已责令整改。"}
