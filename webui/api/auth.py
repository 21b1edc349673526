"""Token authentication and the call log of the API's blueprints: a call without a live token is refused
(401) before any view runs; every call, refused or not, is logged with the token that made it."""
from __future__ import annotations

from flask import abort, g, request
from flask_smorest import Blueprint as ApiBlueprint

from engine.errors import NotAllowed
from webui import current_services
from webui.api import errors
from workflows.accounts import Actor
from workflows.channels.tokens import authenticate, record_call

SECURITY = [{"token": []}]


def api_blueprint(name: str, import_name: str, **kwargs) -> ApiBlueprint:
    """A blueprint of the API: JSON errors, token authentication, every call logged."""
    blueprint = ApiBlueprint(name, import_name, url_prefix="/api/v1", **kwargs)
    errors.register(blueprint)
    blueprint.before_request(_authenticate)
    blueprint.after_request(_log)
    return blueprint


def current_system() -> Actor:
    """The actor of the token that made the current call."""
    return g.api_token.actor


def _authenticate() -> None:
    g.api_token = None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        secret = ""
    try:
        g.api_token = authenticate(current_services(), secret.strip())
    except NotAllowed:
        abort(401)


def _log(response):
    token = getattr(g, "api_token", None)
    record_call(current_services(), token.token_id if token else None, request.method, request.full_path.rstrip("?"),
                response.status_code, request.remote_addr)
    return response


