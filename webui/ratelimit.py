"""Rate limits of the public entrances (portal, Open311) with Flask-Limiter: per client address, and per
query code so that one case cannot be probed from many addresses. The limits and the storage come from the
`portal` settings; memory:// counts per process, a shared store (redis://) counts across nodes."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from workflows.portal.access import normalise_query_code

limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    portal = app.extensions["ecopetition"].settings.portal
    app.config.setdefault("RATELIMIT_STORAGE_URI", portal.rate_limit_storage)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)


def setting(name: str) -> Callable[[], str]:
    """The limit named `name` in the portal settings of the app serving the request."""
    return lambda: getattr(current_app.extensions["ecopetition"].settings.portal, name)


def api_key_key() -> str:
    """The Open311 client's API key (hashed: keys do not go into the limiter's storage as they are)."""
    import hashlib
    key = request.form.get("api_key") or request.args.get("api_key") or ""
    return "api-key:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def query_code_key() -> str:
    """The query code a request carries (form or query string), so its limit holds whatever the address."""
    opened = session.get("portal_case") or {}
    code = request.form.get("query_code") or request.args.get("query_code") or opened.get("query_code") or ""
    return "query-code:" + (normalise_query_code(code) or "-")
