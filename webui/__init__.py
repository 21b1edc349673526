"""The web layer: a Flask application factory that loads settings, builds services and registers blueprints."""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask

from workflows.bootstrap import Services, bootstrap
from workflows.settings import load_settings


def create_app(overrides: Mapping[str, Any] | None = None, services: Services | None = None) -> Flask:
    """Build the app; `overrides` maps dotted setting keys to values (tests), `services` injects a clock."""
    app = Flask(__name__, instance_relative_config=False)
    if services is None:
        services = bootstrap(load_settings(overrides=overrides))
    app.extensions["ecopetition"] = services
    app.config["SECRET_KEY"] = _secret_key(services)

    from webui import health
    app.register_blueprint(health.bp)

    from webui.commands import register_commands
    register_commands(app)
    return app


def services_of(app: Flask) -> Services:
    return app.extensions["ecopetition"]


def _secret_key(services: Services) -> str:
    import secrets

    security = services.settings["security"]
    if security["secret_key"]:
        return security["secret_key"]
    path = services.settings.path(security["secret_key_file"])
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
