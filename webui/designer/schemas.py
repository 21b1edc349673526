"""What the studio sends and receives as JSON: request bodies validated by marshmallow, and the drafts,
problems, previews and diffs serialized for the browser."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from webui.i18n.errors import error_message
from workflows.rules.deadlines_preview import TRACKS


class SaveFileIn(Schema):
    content = fields.String(required=True)
    revision = fields.Integer(required=True, allow_none=True)


class DeployIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PreviewIn(Schema):
    received = fields.AwareDateTime(required=True)
    track = fields.String(load_default="normal", validate=validate.OneOf(TRACKS))


class FormPreviewIn(Schema):
    content = fields.String(required=True)


class DraftFileOut(Schema):
    path = fields.String()
    content = fields.String()
    revision = fields.Integer()
    updated_by = fields.String()
    updated_at = fields.AwareDateTime()


class DraftOut(Schema):
    id = fields.Integer()
    status = fields.String()
    base_version_id = fields.Integer(allow_none=True)
    created_by = fields.String()
    files = fields.List(fields.Nested(DraftFileOut))


class CatalogOut(Schema):
    forms = fields.List(fields.String())
    decisions = fields.List(fields.String())
    processes = fields.List(fields.String())
    messages = fields.List(fields.String())
    roles = fields.List(fields.String())
    functions = fields.List(fields.String())


class ProblemOut(Schema):
    file = fields.String()
    element = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    code = fields.String()
    severity = fields.String()
    message = fields.Function(error_message)


class ClockOut(Schema):
    key = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    starts_at = fields.String()
    start = fields.AwareDateTime()
    due = fields.AwareDateTime()
    reminder = fields.AwareDateTime()
    unit = fields.String()
    length = fields.Integer()
    assumed = fields.Boolean()


class FileDiffOut(Schema):
    path = fields.String()
    added = fields.List(fields.String())
    removed = fields.List(fields.String())
    changed = fields.List(fields.String())


class DiffOut(Schema):
    diagrams = fields.List(fields.Nested(FileDiffOut))
    files_added = fields.List(fields.String())
    files_removed = fields.List(fields.String())
    files_changed = fields.List(fields.String())
