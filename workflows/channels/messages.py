"""Messages a channel system passes on for the petitioner or a receiving body: the ones the petition BPMN takes
(review_requested, satisfaction_rated, forward_objected), delivered to a case the system may see."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError, fields

from engine.errors import InvalidData
from engine.runtime import StepResult
from workflows.accounts import Actor
from workflows.cases import get_case
from workflows.validation import CodedSchema, OneOf, field_errors

if TYPE_CHECKING:
    from workflows.bootstrap import Services

# The messages of bpmn/petition.bpmn that come from outside the bureau.
CASE_MESSAGES = ("review_requested", "satisfaction_rated", "forward_objected")


class MessageSchema(CodedSchema):
    message = fields.String(required=True, validate=OneOf(CASE_MESSAGES))
    payload = fields.Dict(keys=fields.String(), load_default=dict)


def deliver_message(services: Services, actor: Actor, case_no: str, body: Any) -> StepResult:
    """Deliver `body` ({message, payload}) to the case; the engine refuses a message the case is not waiting for."""
    try:
        request = MessageSchema().load(body if isinstance(body, dict) else {"_": body})
    except ValidationError as exc:
        raise InvalidData("message.invalid", errors=field_errors(exc.messages)) from exc
    with services.db.reader() as session:
        case = get_case(session, actor, case_no=case_no)
    payload = dict(request["payload"])
    if request["message"] == "satisfaction_rated":
        payload.setdefault("source", "api")
    return services.runtime.correlate(case.instance_id, request["message"], payload, actor.username,
                                      organisation=actor.organisation)
