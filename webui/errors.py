"""The one place where domain errors become HTTP: NotFound 404, NotAllowed 403, Conflict 409, InvalidData 422.

Views that show a form catch InvalidData themselves and re-render the form with the field messages; the
handler here is the fallback for everything else. A view may set `g.reload_url` to where a Conflict page
should send the user to see the current state.
"""
from __future__ import annotations

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine.errors import Conflict, InvalidData, NotAllowed, NotFound
from webui.i18n.errors import error_message, field_messages

PAGES = {
    400: "errors/400.html",
    401: "errors/403.html",
    403: "errors/403.html",
    404: "errors/404.html",
    405: "errors/400.html",
    409: "errors/409.html",
    413: "errors/400.html",
    422: "errors/422.html",
}


def register(app: Flask) -> None:
    app.jinja_env.globals["error_message"] = error_message
    app.register_error_handler(NotFound, lambda exc: _page(404, error_message(exc)))
    app.register_error_handler(NotAllowed, lambda exc: _page(403, error_message(exc)))
    app.register_error_handler(Conflict, _conflict)
    app.register_error_handler(InvalidData, _invalid)
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _http)


def _page(status: int, message: str | None = None, **context):
    return render_template(PAGES.get(status, "errors/400.html"), status=status, message=message, **context), status


def _conflict(exc: Conflict):
    reload_url = getattr(g, "reload_url", None) or request.referrer or request.path
    return _page(409, error_message(exc), reload_url=reload_url)


def _invalid(exc: InvalidData):
    return _page(422, error_message(exc), errors=field_messages(exc.errors))


def _csrf(exc: CSRFError):
    return _page(400, _("The form expired or did not come from this site. Reload the page and try again."))


def _http(exc: HTTPException):
    if exc.code == 413:
        return _page(413, _("The upload is too large."))
    if exc.code in (401, 403):
        return _page(403)
    if exc.code == 404:
        return _page(404)
    if exc.code is not None and exc.code < 500:
        return _page(exc.code if exc.code in PAGES else 400, exc.description)
    return exc
