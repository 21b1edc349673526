"""The REST API (/api/v1) for channel systems, with flask-smorest: cases, tasks, messages, documents and
history, authenticated by per-system tokens (Authorization: Bearer eco_...), every call logged. The OpenAPI
document is at /api/openapi.json, interactive docs at /api/docs (served locally); the same errors and sentences as the pages, as JSON."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

# Where `make assets` copies swagger-ui-dist (relative to the project root).
SWAGGER_UI_STATIC = "webui/static/vendor/swagger-ui"


class _Api(Api):
    """flask-smorest's Api without its app-wide HTTPException handler: the pages keep their HTML errors, the
    API's blueprints answer JSON themselves (webui/api/errors.py)."""

    def _register_error_handlers(self) -> None:
        pass


def init_app(app: Flask, csrf) -> Api:
    from webui.api import cases, tasks

    app.config.update(API_TITLE="ecopetition", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
                      OPENAPI_URL_PREFIX="/api", OPENAPI_JSON_PATH="openapi.json",
                      # Interactive docs at /api/docs from swagger-ui-dist, vendored from npm by `make assets`.
                      OPENAPI_SWAGGER_UI_PATH="docs", OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/")
    api = _Api(app, spec_kwargs={"info": {"description": "Environmental petitions: the channel systems' API. "
                                                         "Authenticate with `Authorization: Bearer <token>`."}})
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    for blueprint in (cases.blp, tasks.blp):
        api.register_blueprint(blueprint)
        # Tokens, not cookies, authenticate these calls: there is no session to forge a request for.
        csrf.exempt(blueprint)
    from webui.api.tokens_page import bp as tokens_page
    app.register_blueprint(tokens_page)
    return api
