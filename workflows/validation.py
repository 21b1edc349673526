"""Marshmallow schemas whose every error is a code with parameters, and the one conversion of a
ValidationError's messages into {field path: FieldError}.

Marshmallow carries messages as strings; ours are written by `coded(code, **params)` as the code, then
(when there are parameters) one space and the parameters as JSON. Nothing here reads English text.
"""
from __future__ import annotations

import json
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from marshmallow.fields import Field

from engine.errors import FieldError

# What a field's own error keys mean, whatever the field's type ("invalid" depends on the type, below).
_KEY_CODES = {
    "required": "field.required",
    "null": "field.required",
    "validator_failed": "field.invalid",
    "invalid_awareness": "field.no_timezone",
    "type": "field.not_object",
    "too_large": "field.too_large",
    "special": "field.not_number",
    "invalid_utf8": "field.not_text",
}
# The "invalid" key by field type, most specific first.
_INVALID_CODES: tuple[tuple[type[Field], str], ...] = (
    (fields.Integer, "field.not_integer"),
    (fields.Number, "field.not_number"),
    (fields.Boolean, "field.not_boolean"),
    (fields.DateTime, "field.not_datetime"),
    (fields.Date, "field.not_date"),
    (fields.String, "field.not_text"),
    (fields.List, "field.not_list"),
    (fields.Mapping, "field.not_object"),
)


def coded(code: str, **params: Any) -> str:
    """A marshmallow message that carries a code and its parameters."""
    return f"{code} {json.dumps(params, ensure_ascii=False, sort_keys=True)}" if params else code


def decode(message: Any) -> FieldError:
    """The FieldError a `coded` message stands for; anything else is a generic one carrying its text."""
    code, _, params = str(message).partition(" ")
    if code and code == code.lower() and "." in code and (not params or params.startswith("{")):
        try:
            return FieldError(code, json.loads(params) if params else {})
        except ValueError:
            pass
    return FieldError("field.invalid", {"detail": str(message)})


def field_errors(messages: Any, prefix: str = "") -> dict[str, FieldError]:
    """{field path: FieldError} of a ValidationError's messages: nested fields as 'petitioner.name', an error of
    a list's item at the list, schema-level errors at the enclosing path (or '_form'); the first error per path."""
    found: dict[str, FieldError] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema" or isinstance(key, int):
                path = prefix.rstrip(".") or "_form"
            else:
                path = f"{prefix}{key}"
            for name, error in field_errors(value, f"{path}.").items():
                found.setdefault(name, error)
    elif isinstance(messages, list):
        for item in messages:
            for name, error in field_errors(item, prefix).items():
                found.setdefault(name, error)
    elif messages is not None:
        found.setdefault(prefix.rstrip(".") or "_form", decode(messages))
    return found


def _code_messages(field: Field) -> None:
    invalid = next((code for kind, code in _INVALID_CODES if isinstance(field, kind)), "field.invalid")
    field.error_messages = {key: invalid if key == "invalid" else _KEY_CODES.get(key, "field.invalid")
                            for key in field.error_messages}
    inner = getattr(field, "inner", None)
    if isinstance(inner, Field):
        _code_messages(inner)


class CodedSchema(Schema):
    """A strict schema (unknown fields are errors) whose fields report codes, not marshmallow's English."""

    error_messages: ClassVar[dict[str, str]] = {"unknown": "field.unexpected", "type": "field.not_object"}

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: Field) -> None:
        _code_messages(field_obj)


class Length(validate.Length):
    """Length with coded errors: field.too_short {min}, field.too_long {max}, field.length_between {min, max},
    field.length {equal}; or the code given as `error`."""

    def _format_error(self, value: Any, message: str) -> str:
        if self.error:
            return self.error
        if self.equal is not None:
            return coded("field.length", equal=self.equal)
        if self.min is not None and self.max is not None:
            return coded("field.length_between", min=self.min, max=self.max)
        if self.min is not None:
            return coded("field.too_short", min=self.min)
        return coded("field.too_long", max=self.max)


class Range(validate.Range):
    """Range with coded errors: field.between {min, max}, field.at_least {min}, field.at_most {max}."""

    def _format_error(self, value: Any, message: str) -> str:
        if self.error:
            return self.error
        if self.min is not None and self.max is not None:
            return coded("field.between", min=self.min, max=self.max)
        if self.min is not None:
            return coded("field.at_least", min=self.min)
        return coded("field.at_most", max=self.max)


class OneOf(validate.OneOf):
    """OneOf with a coded error: field.one_of {options}, or the code given as `error`."""

    default_message = ""

    def _format_error(self, value: Any) -> str:
        return self.error or coded("field.one_of", options=[str(c) for c in self.choices])


class Regexp(validate.Regexp):
    """Regexp whose error is the code given as `error` (field.pattern when none is)."""

    default_message = "field.pattern"

    def _format_error(self, value: Any) -> str:
        return self.error


__all__ = ["CodedSchema", "Length", "OneOf", "Range", "Regexp", "ValidationError", "coded", "decode",
           "field_errors"]
