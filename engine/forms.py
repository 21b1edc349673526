"""Checking submitted task data against the task's JSON Schema form, with one message per field."""
from __future__ import annotations

import jsonschema

from engine.errors import InvalidData


def form_errors(schema: dict | None, data: dict) -> dict[str, str]:
    """Return {field path: message} for every problem; empty when the data is acceptable."""
    if not isinstance(data, dict):
        return {"(form)": "form data must be an object of field values"}
    if not schema:
        return {}
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = "/".join(filter(None, [path, missing]))
            message = "this field is required"
        else:
            message = error.message
        errors.setdefault(path or "(form)", message)
    return errors


def check_form(schema: dict | None, data: dict, task_name: str) -> None:
    errors = form_errors(schema, data)
    if errors:
        fields = ", ".join(sorted(errors))
        raise InvalidData(f"the form of task {task_name!r} has errors in: {fields}", errors)
