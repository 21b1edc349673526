"""The API's payloads as marshmallow schemas: what goes out (cases, tasks, history, documents) and the shape of
what comes in, for the OpenAPI document. Incoming data is judged by the domain's own coded schemas
(RegistrationSchema, task forms, MessageSchema), so an error reads the same as on the pages."""
from __future__ import annotations

from marshmallow import Schema, fields

from workflows.channels.messages import MessageSchema  # noqa: F401  (documented request body)
from workflows.intake.registration import RegistrationSchema  # noqa: F401  (documented request body)
from workflows.models import CHANNELS, POLLUTION_TYPES
from workflows.validation import CodedSchema, OneOf, Range


class ProblemSchema(Schema):
    code = fields.String(required=True, metadata={"description": "stable error code (engine/ERROR_CODES.md)"})
    message = fields.String(required=True, metadata={"description": "the sentence, in the Accept-Language"})
    errors = fields.Dict(keys=fields.String(), values=fields.Dict(),
                         metadata={"description": "field path -> {code, message, params}"})


class CaseSchema(Schema):
    """A case as a channel system sees it: no personal data of the petitioner."""

    id = fields.Integer()
    case_no = fields.String()
    status = fields.String()
    channel = fields.String()
    received_at = fields.DateTime()
    reported_party = fields.String()
    reported_address = fields.String(allow_none=True)
    division_code = fields.String()
    location = fields.String(allow_none=True)
    pollution_types = fields.Method("_pollution_types")
    petition_class = fields.String()
    registration_org = fields.String()
    handling_org = fields.String(allow_none=True)
    track = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)

    def _pollution_types(self, case) -> list[str]:
        return [t for t in case.pollution_types.split(",") if t]


class RegisteredSchema(CaseSchema):
    query_code = fields.String(metadata={"description": "give it to the petitioner: with the case number it "
                                                        "opens the case on the portal"})


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class CaseQuerySchema(CodedSchema):
    status = fields.String()
    channel = fields.String(validate=OneOf(CHANNELS))
    pollution_type = fields.String(validate=OneOf(POLLUTION_TYPES))
    division = fields.String(metadata={"description": "division code prefix"})
    organisation = fields.String()
    received_from = fields.Date()
    received_to = fields.Date()
    search = fields.String()
    page = fields.Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=Range(min=1, max=200))


class TaskSchema(Schema):
    task_id = fields.String()
    case_no = fields.String()
    title = fields.String()
    spec_name = fields.String()
    role = fields.String(allow_none=True)
    organisation = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    form = fields.String(allow_none=True)


class TaskListSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class QueueQuerySchema(CodedSchema):
    queue = fields.String(load_default="unclaimed", validate=OneOf(("mine", "unclaimed", "overdue")))
    page = fields.Integer(load_default=1, validate=Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=Range(min=1, max=200))


class CompleteSchema(CodedSchema):
    data = fields.Dict(keys=fields.String(), required=True,
                       metadata={"description": "the task's form data, checked against its JSON Schema"})


class StepSchema(Schema):
    case_no = fields.String()
    status = fields.String()
    open_tasks = fields.List(fields.Nested(TaskSchema))


class HistoryEntrySchema(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    organisation = fields.String(allow_none=True)
    command = fields.String()
    subject = fields.String()
    hash = fields.String()


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()


class TokenCreateSchema(CodedSchema):
    name = fields.String(required=True)
    organisation = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
