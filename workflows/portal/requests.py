"""The petitioner's two actions on a replied case, each entering the engine as the message the BPMN takes:
`satisfaction_rated {rating, comment, source}` and `review_requested {reason}`. A review request after the
statutory window is refused with the date the window closed."""
from __future__ import annotations

from typing import TYPE_CHECKING

from marshmallow import ValidationError, fields

from engine.errors import Conflict, InvalidData
from workflows.portal.access import PORTAL_ACTOR
from workflows.portal.tracking import case_state, may_rate, review_window
from workflows.validation import CodedSchema, Length, OneOf, field_errors

if TYPE_CHECKING:
    from workflows.bootstrap import Services

RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")


class RatingSchema(CodedSchema):
    rating = fields.String(required=True, validate=OneOf(RATINGS))
    comment = fields.String(load_default="", validate=Length(max=2000))


class ReviewRequestSchema(CodedSchema):
    reason = fields.String(required=True, validate=Length(min=5, max=5000))


def rate_case(services: Services, case_no: str, query_code: str, form: dict) -> str:
    """Record the petitioner's rating of the reply; returns the rating stored."""
    rating = _load(RatingSchema(), form, "portal.rating_invalid")
    case, _, running = case_state(services, case_no, query_code)
    if not may_rate(case, running):
        raise Conflict("portal.rating_not_open", case=case.case_no)
    services.runtime.correlate(case.instance_id, "satisfaction_rated",
                               dict(rating, comment=rating["comment"].strip(), source="portal"), PORTAL_ACTOR)
    return rating["rating"]


def request_review(services: Services, case_no: str, query_code: str, form: dict) -> str:
    """Ask for review (复查) or re-review (复核) while its window is open; returns which one was asked."""
    request = _load(ReviewRequestSchema(), form, "portal.review_invalid")
    case, data, running = case_state(services, case_no, query_code)
    window = review_window(data, case, running, services.clock.now())
    if window is None:
        raise Conflict("portal.review_not_open", case=case.case_no)
    if not window.is_open:
        raise Conflict("portal.review_window_closed", case=case.case_no, kind=window.kind,
                       closed_on=window.closed_on.isoformat())
    services.runtime.correlate(case.instance_id, "review_requested", {"reason": request["reason"].strip()},
                               PORTAL_ACTOR)
    return window.kind


def _load(schema: CodedSchema, form: dict, code: str) -> dict:
    try:
        return schema.load(form)
    except ValidationError as exc:
        raise InvalidData(code, errors=field_errors(exc.messages)) from exc
