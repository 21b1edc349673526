"""What the studio sends and receives as JSON: request bodies validated by marshmallow, and the drafts,
problems, previews and diffs serialized for the browser."""
from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate

from webui.i18n.errors import error_message, field_messages
from workflows.design.dry_run import STEP_KINDS, DryStep
from workflows.rules.deadlines_preview import TRACKS


def plain_params(params: dict) -> dict:
    """An error's parameters that JSON carries as they are (texts, numbers, flags); the sentence has them all."""
    return {key: value for key, value in params.items() if isinstance(value, (str, int, float, bool, type(None)))}


class SaveFileIn(Schema):
    content = fields.String(required=True)
    revision = fields.Integer(required=True, allow_none=True)


class DeployIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PreviewIn(Schema):
    received = fields.AwareDateTime(required=True)
    track = fields.String(load_default="normal", validate=validate.OneOf(TRACKS))


class DryStepIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(STEP_KINDS))
    task = fields.String(load_default="")
    organisation = fields.String(load_default="")
    message = fields.String(load_default="")
    data = fields.Dict(load_default=dict)

    @post_load
    def make(self, data, **kwargs):
        return DryStep(**data)


class DryRunIn(Schema):
    received = fields.AwareDateTime(required=True)
    sample = fields.Dict(load_default=None, allow_none=True)
    steps = fields.List(fields.Nested(DryStepIn), load_default=list)


class CheckIn(Schema):
    files = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


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


class TrailEntryOut(Schema):
    at = fields.AwareDateTime()
    command = fields.String()
    actor = fields.String()
    organisation = fields.String(allow_none=True)
    names = fields.List(fields.String())
    data = fields.Dict()


class WaitingTaskOut(Schema):
    task = fields.String()
    element = fields.String()
    title = fields.String()
    organisation = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    form = fields.String(allow_none=True)
    sample = fields.Dict()


class WaitingTimerOut(Schema):
    name = fields.String()
    element = fields.String()
    due_at = fields.AwareDateTime()


class DryRunOut(Schema):
    case_no = fields.String()
    status = fields.String()
    ended = fields.Boolean()
    now = fields.AwareDateTime()
    trail = fields.List(fields.Nested(TrailEntryOut))
    waiting = fields.List(fields.Nested(WaitingTaskOut))
    timers = fields.List(fields.Nested(WaitingTimerOut))
    messages = fields.List(fields.String())
    failure = fields.Method("_failure", allow_none=True)

    def _failure(self, run):
        failure = run.failure
        if failure is None:
            return None
        from engine.errors import EngineError

        return {"index": failure.index, "code": failure.code, "params": plain_params(failure.params),
                "message": error_message(EngineError(failure.code, **failure.params)),
                "fields": field_messages(failure.errors)}
