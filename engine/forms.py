"""Checking submitted task data against the task's JSON Schema form, with one FieldError per field."""
from __future__ import annotations

import re

import jsonschema

from engine.errors import FieldError, InvalidData

WHOLE_FORM = "(form)"

# JSON Schema keywords whose value is the limit a message names.
_LIMITS = {"minLength": "form.min_length", "maxLength": "form.max_length", "minItems": "form.min_items",
           "maxItems": "form.max_items", "minimum": "form.minimum", "maximum": "form.maximum",
           "exclusiveMinimum": "form.exclusive_minimum", "exclusiveMaximum": "form.exclusive_maximum",
           "minProperties": "form.min_properties", "maxProperties": "form.max_properties",
           "multipleOf": "form.multiple_of"}


def form_errors(schema: dict | None, data: dict) -> dict[str, FieldError]:
    """Return {field path: FieldError} for every problem; empty when the data is acceptable."""
    if not isinstance(data, dict):
        return {WHOLE_FORM: FieldError("form.not_object")}
    if not schema:
        return {}
    validator = _validator(schema)
    errors: dict[str, FieldError] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            for missing in _missing(error):
                errors.setdefault("/".join(filter(None, [path, missing])), FieldError("form.required"))
        else:
            errors.setdefault(path or WHOLE_FORM, field_error(error))
    return errors


# Validators of the forms checked lately, by the schema object's id (a compiled version keeps its forms, so
# the same form is the same object every step); the schema is kept beside its validator, so an id is never
# reused while its entry lives.
_VALIDATORS: dict[int, tuple[dict, jsonschema.protocols.Validator]] = {}
_VALIDATORS_KEPT = 256


def _validator(schema: dict):
    entry = _VALIDATORS.get(id(schema))
    if entry is not None and entry[0] is schema:
        return entry[1]
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    if len(_VALIDATORS) >= _VALIDATORS_KEPT:
        _VALIDATORS.clear()
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def _missing(error: jsonschema.ValidationError) -> list[str]:
    present = error.instance if isinstance(error.instance, dict) else {}
    return [name for name in error.validator_value if name not in present]


def field_error(error: jsonschema.ValidationError) -> FieldError:
    """The code and parameters of one jsonschema error, from its keyword and the keyword's value."""
    keyword, value = error.validator, error.validator_value
    if keyword in _LIMITS:
        return FieldError(_LIMITS[keyword], {"limit": value})
    if keyword == "type":
        return FieldError("form.type", {"expected": value})
    if keyword == "enum":
        return FieldError("form.enum", {"options": list(value)})
    if keyword == "const":
        return FieldError("form.const", {"expected": value})
    if keyword == "format":
        return FieldError("form.format", {"format": value})
    if keyword == "pattern":
        return FieldError("form.pattern", {"pattern": value})
    if keyword == "uniqueItems":
        return FieldError("form.unique_items")
    if keyword == "additionalProperties":
        return FieldError("form.unexpected_field")
    # Keywords our forms do not use (oneOf, not, contains ...): named, with jsonschema's own text.
    return FieldError("form.invalid", {"keyword": _snake(str(keyword)), "detail": error.message})


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def check_form(schema: dict | None, data: dict, task_name: str) -> None:
    """Raise InvalidData (code form.rejected) with each field's problem; nothing when the data is acceptable."""
    errors = form_errors(schema, data)
    if errors:
        raise InvalidData("form.rejected", errors=errors, task=task_name)
