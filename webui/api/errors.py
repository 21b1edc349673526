"""The API's one way to answer an error: JSON with the error's code, its sentence from webui/i18n/errors.py in
the caller's language (Accept-Language), and for invalid data each field at fault with its own code and
sentence."""
from __future__ import annotations

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from engine.errors import (
    Conflict,
    EngineError,
    FieldError,
    InvalidData,
    NotAllowed,
    NotFound,
)
from webui.i18n.errors import error_message
from workflows.validation import field_errors

STATUS = {NotFound: 404, NotAllowed: 403, Conflict: 409, InvalidData: 422}
# HTTP errors raised by Flask or webargs, as our codes.
HTTP_CODES = {400: "api.bad_request", 401: "api_token.invalid", 403: "engine.not_allowed", 404: "engine.not_found",
              405: "api.method_not_allowed", 413: "api.too_large", 415: "api.not_json", 422: "data.invalid",
              429: "api.too_many_requests"}


def body(error, fields: dict[str, FieldError] | None = None) -> dict:
    answer = {"code": error.code, "message": error_message(error)}
    if fields:
        answer["errors"] = {path: {"code": e.code, "message": error_message(e), "params": e.params}
                            for path, e in fields.items()}
    return answer


def engine_error(exc: EngineError):
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 422)
    return jsonify(body(exc, getattr(exc, "errors", None))), status


def http_error(exc: HTTPException):
    code = exc.code or 500
    fields = None
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if messages:
        # webargs: {"query": {...}} or {"json": {...}}; the location is not part of the field's name.
        fields = {path: error for where in messages.values() for path, error in field_errors(where).items()}
    error = FieldError(HTTP_CODES.get(code, "api.bad_request"))
    return jsonify(body(error, fields)), code


def register(blueprint: Blueprint) -> None:
    blueprint.register_error_handler(EngineError, engine_error)
    blueprint.register_error_handler(HTTPException, http_error)
