"""Cases through the API: register, read one, list with filters; deliver a message; documents; history."""
from __future__ import annotations

from flask import request
from flask.views import MethodView

from engine.errors import FieldError, InvalidData
from webui import current_services
from webui.api.auth import SECURITY, api_blueprint, current_system
from webui.api.schemas import (
    AttachmentSchema,
    CaseListSchema,
    CaseQuerySchema,
    CaseSchema,
    HistoryEntrySchema,
    MessageSchema,
    ProblemSchema,
    RegisteredSchema,
    RegistrationSchema,
    StepSchema,
)
from workflows.audit.case_list import CaseFilters
from workflows.channels.messages import deliver_message
from workflows.channels.queries import (
    case_by_number,
    case_documents,
    case_events,
    case_open_tasks,
    find_cases,
)
from workflows.intake.attachments import Upload, store_attachments
from workflows.intake.registration import register_case

blp = api_blueprint("api_cases", __name__, description="Cases: register, read, list, messages, documents, history")
ERRORS = {"401": ProblemSchema, "403": ProblemSchema, "404": ProblemSchema, "409": ProblemSchema, "422": ProblemSchema}


def json_body() -> dict:
    """The request's JSON object; a body that is not one is refused like a bad field."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidData("api.body_not_object", errors={"_body": FieldError("field.not_object")})
    return data


def _document(*codes: str):
    return {"security": SECURITY, "responses": {code: {"description": "error", "content": {
        "application/json": {"schema": ProblemSchema}}} for code in codes}}


@blp.route("/cases")
class Cases(MethodView):
    @blp.arguments(CaseQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, CaseListSchema)
    @blp.doc(**_document("401", "422"))
    def get(self, page: int = 1, per_page: int = 50, **filters):
        """Cases the token's organisation took part in (supervisors: and below), newest first."""
        return find_cases(current_services(), current_system(), CaseFilters(**filters), page, per_page)

    @blp.response(201, RegisteredSchema)
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": RegistrationSchema}}},
             **_document("401", "403", "409", "422"))
    def post(self):
        """Register a case for the token's organisation (needs the registrar role); returns its number and query
        code. Errors name each field as the registration form does."""
        return register_case(current_services(), current_system(), json_body())


@blp.route("/cases/<case_no>")
class CaseItem(MethodView):
    @blp.response(200, CaseSchema)
    @blp.doc(**_document("401", "403", "404"))
    def get(self, case_no: str):
        """One case by its number."""
        return case_by_number(current_services(), current_system(), case_no)


@blp.route("/cases/<case_no>/messages")
class CaseMessages(MethodView):
    @blp.response(202, StepSchema)
    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": MessageSchema}}},
             **_document("401", "403", "404", "409", "422"))
    def post(self, case_no: str):
        """Deliver a message the case's process takes: review_requested {reason}, satisfaction_rated {rating,
        comment}, forward_objected {by, reason}. 409 when the case is not waiting for it."""
        services, system = current_services(), current_system()
        deliver_message(services, system, case_no, json_body())
        case, tasks = case_open_tasks(services, system, case_no)
        return {"case_no": case.case_no, "status": case.status, "open_tasks": tasks}


@blp.route("/cases/<case_no>/attachments")
class CaseAttachments(MethodView):
    @blp.response(200, AttachmentSchema(many=True))
    @blp.doc(**_document("401", "403", "404"))
    def get(self, case_no: str):
        """The case's documents."""
        return case_documents(current_services(), current_system(), case_no)

    @blp.response(201, AttachmentSchema(many=True))
    @blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}},
        **_document("401", "403", "404", "422"))
    def post(self, case_no: str):
        """Add documents (multipart field `files`), under the same type and size limits as the pages."""
        services, system = current_services(), current_system()
        case = case_by_number(services, system, case_no)
        uploads = [Upload(f.filename or "", f.read()) for f in request.files.getlist("files")]
        if not uploads:
            raise InvalidData("attachment.not_stored", errors={"files": FieldError("field.required")})
        return store_attachments(services, system, case.id, uploads)


@blp.route("/cases/<case_no>/history")
class CaseHistory(MethodView):
    @blp.response(200, HistoryEntrySchema(many=True))
    @blp.doc(**_document("401", "403", "404"))
    def get(self, case_no: str):
        """The case's audit events, oldest first."""
        return case_events(current_services(), current_system(), case_no)
