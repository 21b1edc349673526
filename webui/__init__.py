"""The web layer: a Flask application factory that loads settings, builds services and registers blueprints."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from workflows.bootstrap import Services, bootstrap, prepare_instance
from workflows.settings import load_settings

csrf = CSRFProtect()


def create_app(overrides: Mapping[str, Any] | None = None, services: Services | None = None) -> Flask:
    """Build the app; `overrides` maps dotted setting keys to values (tests), `services` injects a clock."""
    app = Flask(__name__, instance_relative_config=False)
    settings = services.settings if services is not None else load_settings(overrides=overrides)
    prepare_instance(settings)
    services = services or bootstrap(settings)
    app.extensions["ecopetition"] = services
    app.config.update(_web_config(services))

    from webui import (
        admin,
        api,
        audit,
        auth,
        cases,
        dashboard,
        designer,
        errors,
        health,
        i18n,
        imports,
        open311,
        oversight,
        portal,
        queue,
        ratelimit,
        registration,
        security,
        tasks,
    )
    i18n.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    errors.register(app)
    ratelimit.init_app(app)
    # Every area of the site, one blueprint each; a new area is added here, never discovered.
    for blueprint in (health.bp, auth.bp, i18n.bp, queue.bp, registration.bp, cases.bp, tasks.bp, audit.bp, admin.bp,
                      portal.bp, designer.bp, open311.bp, imports.bp, dashboard.bp, oversight.bp):
        app.register_blueprint(blueprint)

    security.init_app(app)

    api.init_app(app, csrf)
    # Machines post here with an API token, not from a page of ours with a session.
    csrf.exempt(open311.bp)

    hops = services.settings.server.proxy_hops
    if hops:
        # Behind a load balancer: the client's address and scheme from the headers the proxies set, so that
        # rate limits and logs see clients, not the proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from webui.commands import register_commands
    register_commands(app)
    return app


def services_of(app: Flask) -> Services:
    return app.extensions["ecopetition"]


def current_services() -> Services:
    """The services of the app handling the current request."""
    return services_of(current_app)


def _web_config(services: Services) -> dict[str, Any]:
    security = services.settings.security
    max_bytes = int(services.settings.uploads.max_megabytes * 1024 * 1024)
    return {
        "SECRET_KEY": _secret_key(services),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": security.session_cookie_secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": security.session_cookie_secure,
        # A request may carry a few files of the largest allowed size plus the form itself.
        "MAX_CONTENT_LENGTH": 5 * max_bytes + 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _secret_key(services: Services) -> str:
    """The configured key, else the key file's (which `prepare_instance` created on first start)."""
    security = services.settings.security
    if security.secret_key:
        return security.secret_key
    return services.settings.path(security.secret_key_file).read_text().strip()
