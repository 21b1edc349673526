"""Task forms from their JSON Schema: the fields to render, and the submitted HTML form read back as data.

Every form file in bpmn/forms/ is drawn with these widgets: strings (a line, or a text area for long
text), enums as radio buttons (up to four options) or a select, with their `enumNames`; booleans as a
checkbox; integers; dates and date-times; arrays of enums as checkboxes; arrays of attachment ids as a
choice among the case's documents; other arrays one value per line. A field that a form's `allOf`
if/then rule requires only for one answer of another field is shown only for that answer.
Validation is the engine's (the schema); reading back only converts types and reports what it could not.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.errors import FieldError
from workflows.rules.timezone import SHANGHAI

# Filled in by workflows.cases.complete_task with the signed-in user; shown, never typed.
FILLED_BY_SYSTEM = ("drafted_by", "review_drafted_by")
RADIO_LIMIT = 4
# Strings that hold a name or a code rather than prose get a one-line input.
_SHORT_SUFFIXES = ("_to", "_by", "leader", "_name", "_code", "_no", "_method", "_date")
_TRUE = ("on", "true", "1", "yes")


@dataclass
class Field:
    name: str
    kind: str          # line, text, radio, select, checkbox, checkboxes, lines, integer, date, datetime, system
    title: str         # bilingual, as in the form file
    required: bool = False
    description: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    show_when: str | None = None   # "other_field=value|value2"
    value: Any = None
    minimum: int | None = None
    maximum: int | None = None

    def is_checked(self, option: str) -> bool:
        if isinstance(self.value, (list, tuple, set)):
            return option in self.value
        return self.value == option


def form_fields(schema: Mapping | None, values: Mapping[str, Any] | None = None,
                attachments: Iterable[tuple[str, str]] = ()) -> list[Field]:
    """The fields of a form in the order of its properties, with current values and conditions."""
    if not schema:
        return []
    values = values or {}
    required = set(schema.get("required", []))
    conditions = _conditions(schema)
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        kind, options = _widget(name, prop, list(attachments))
        show_when = conditions.get(name) if name not in required else None
        fields.append(Field(
            name=name, kind=kind, title=prop.get("title", name), required=name in required,
            description=prop.get("description", ""), options=options, show_when=show_when,
            value=values.get(name), minimum=prop.get("minimum"), maximum=prop.get("maximum")))
    return fields


def _widget(name: str, prop: Mapping, attachments: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    kind = prop.get("type")
    if name in FILLED_BY_SYSTEM:
        return "system", []
    if kind == "boolean":
        return "checkbox", []
    if kind == "integer" or kind == "number":
        return "integer", []
    if kind == "array":
        items = prop.get("items") or {}
        if "enum" in items:
            return "checkboxes", _options(items)
        if "附件" in items.get("title", "") or "attachment" in items.get("title", "").lower():
            return "attachments", attachments
        return "lines", []
    if "enum" in prop:
        options = _options(prop)
        return ("radio" if len(options) <= RADIO_LIMIT else "select"), options
    if prop.get("format") == "date-time":
        return "datetime", []
    if prop.get("format") == "date":
        return "date", []
    if prop.get("pattern") or name.endswith(_SHORT_SUFFIXES) or 0 < prop.get("maxLength", 1000) <= 120:
        return "line", []
    return "text", []


def _options(prop: Mapping) -> list[tuple[str, str]]:
    names = prop.get("enumNames") or []
    return [(str(v), str(names[i]) if i < len(names) else str(v)) for i, v in enumerate(prop["enum"])]


def _conditions(schema: Mapping) -> dict[str, str]:
    """{field: 'other=value|value2'} for fields an if/then rule requires only for some answers."""
    found: dict[str, tuple[str, list[str]] | None] = {}
    for rule in schema.get("allOf", []):
        when = ((rule.get("if") or {}).get("properties") or {})
        then = (rule.get("then") or {}).get("required", [])
        if len(when) != 1 or not then:
            continue
        (other, test), = when.items()
        if "const" not in test:
            continue
        for name in then:
            previous = found.get(name, (other, []))
            if previous is None or previous[0] != other:
                found[name] = None  # depends on two fields: always shown
                continue
            found[name] = (other, previous[1] + [str(test["const"])])
    return {name: f"{rule[0]}={'|'.join(rule[1])}" for name, rule in found.items() if rule}


def prefill(schema: Mapping | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """Values a task form starts with: the free text already in the case (a draft sent back, say).

    Decisions and comments start empty, so that an earlier round's answer is never sent again unseen.
    """
    values = {}
    for f in form_fields(schema):
        if f.kind in ("text", "line") and not f.name.endswith("_comment") and isinstance(data.get(f.name), str):
            values[f.name] = data[f.name]
    return values


def read_form(schema: Mapping | None, form: MultiDict) -> tuple[dict[str, Any], dict[str, FieldError]]:
    """The submitted form as data for the schema, and {field: FieldError} for values of the wrong type.

    Empty inputs are left out, so that the schema's `required` names them.
    """
    data: dict[str, Any] = {}
    errors: dict[str, FieldError] = {}
    for f in form_fields(schema):
        raw = form.get(f.name, "")
        raw = raw.strip() if isinstance(raw, str) else raw
        if f.kind == "system":
            continue
        if f.kind == "checkbox":
            if f.show_when is None or f.name in form:
                data[f.name] = raw.lower() in _TRUE
        elif f.kind in ("checkboxes", "attachments"):
            chosen = [v for v in form.getlist(f.name) if v]
            if chosen or f.show_when is None:
                data[f.name] = chosen
        elif f.kind == "lines":
            lines = [line.strip() for line in raw.splitlines() if line.strip()]
            if lines:
                data[f.name] = lines
        elif not raw:
            continue
        elif f.kind == "integer":
            try:
                data[f.name] = int(raw)
            except ValueError:
                errors[f.name] = FieldError("form.type", {"expected": "integer"})
        elif f.kind == "datetime":
            try:
                data[f.name] = local_datetime(raw).isoformat()
            except ValueError:
                errors[f.name] = FieldError("form.format", {"format": "date-time"})
        else:
            data[f.name] = raw
    return data, errors


def local_datetime(value: str) -> datetime:
    """A datetime-local input ('2026-03-05T10:30') as an aware time in Asia/Shanghai; offsets are kept."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def input_datetime(value: Any) -> str:
    """An ISO time as a datetime-local input shows it, in Asia/Shanghai."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI)
    return moment.strftime("%Y-%m-%dT%H:%M")
