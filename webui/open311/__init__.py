"""Open311 GeoReport v2 (/open311/v2/): services.json, requests.json (POST a request, GET its status), so that
civic apps submit petitions; errors in GeoReport's form, [{code, description}], worded by webui/i18n/errors.py."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError, InvalidData, NotAllowed
from webui import current_services
from webui.i18n import label
from webui.i18n.errors import error_message
from webui.ratelimit import api_key_key, limiter, setting
from workflows.channels.open311 import RequestStatus, request_statuses, submit_request
from workflows.models import POLLUTION_TYPES

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")


@bp.get("/services.json")
def services():
    return jsonify([{"service_code": code, "service_name": label("pollution", code),
                     "description": _("Pollution or damage to the environment: %(kind)s", kind=label("pollution", code)),
                     "metadata": False, "type": "realtime", "keywords": code, "group": "environment"}
                    for code in POLLUTION_TYPES])


@bp.post("/requests.json")
@limiter.limit(setting("open311_limit"), key_func=api_key_key)
def create_request():
    receipt = submit_request(current_services(), request.form.to_dict())
    notice = _("Case %(case_no)s registered. Query code for the petition portal: %(code)s",
               case_no=receipt.case_no, code=receipt.query_code)
    return jsonify([{"service_request_id": receipt.case_no, "service_notice": notice, "account_id": None}]), 201


@bp.get("/requests.json")
@limiter.limit(setting("open311_limit"), key_func=api_key_key)
def list_requests():
    ids = [i.strip() for i in (request.args.get("service_request_id") or "").split(",") if i.strip()]
    return jsonify([_status(r) for r in request_statuses(current_services(), request.args.get("api_key"), ids)])


@bp.get("/requests/<case_no>.json")
@limiter.limit(setting("open311_limit"), key_func=api_key_key)
def one_request(case_no: str):
    return jsonify([_status(r) for r in request_statuses(current_services(), request.args.get("api_key"), [case_no])])


def _status(r: RequestStatus) -> dict:
    return {"service_request_id": r.service_request_id, "status": r.status, "service_code": r.service_code,
            "agency_responsible": r.agency_responsible, "requested_datetime": r.requested_datetime.isoformat(),
            "updated_datetime": r.updated_datetime.isoformat() if r.updated_datetime else None}


@bp.errorhandler(EngineError)
def _engine_error(exc: EngineError):
    status = 403 if isinstance(exc, NotAllowed) else 400
    if isinstance(exc, InvalidData) and exc.errors:
        return jsonify([{"code": status, "description": f"{field}: {error_message(error)}"}
                        for field, error in exc.errors.items()]), status
    return jsonify([{"code": status, "description": error_message(exc)}]), status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return jsonify([{"code": exc.code, "description": exc.description}]), exc.code
