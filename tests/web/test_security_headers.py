"""Security headers on every kind of response, pages without inline script or inline event handlers (the
Content-Security-Policy would block them). Secure cookies: tests/web/test_auth.py."""
from __future__ import annotations

import re

from tests.domain.conftest import create_actor
from tests.web.helpers import to_investigation
from webui.security import CONTENT_SECURITY_POLICY

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _assert_protected(response, where: str) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, where
    assert (headers["X-Content-Type-Options"], headers["X-Frame-Options"], headers["Referrer-Policy"]) == (
        "nosniff", "DENY", "same-origin"), where


def test_the_policy_allows_scripts_only_from_our_own_files():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert (directives["object-src"], directives["base-uri"], directives["frame-ancestors"],
            directives["form-action"]) == ("'none'", "'self'", "'none'", "'self'")


def test_every_kind_of_response_carries_the_headers(web, as_user, app):
    _assert_protected(web.get("/login"), "sign-in page")
    _assert_protected(web.get("/portal/"), "portal")
    _assert_protected(web.get("/api/openapi.json"), "OpenAPI document")
    _assert_protected(web.get("/api/v1/cases"), "API refusal")
    _assert_protected(web.get("/static/app.js"), "static file")
    _assert_protected(web.get("/healthz"), "health check")
    _assert_protected(as_user("reg-hz").get("/cases/999"), "not found page")


def test_pages_have_no_inline_script_and_no_inline_event_handler(as_user, web, services):
    case = to_investigation(services)
    pages = {"/login": web, "/portal/": web, "/portal/submit": web, "/api/docs": web}
    registrar, auditor = as_user("reg-hz"), as_user("aud-zj")
    pages.update({"/queue": registrar, "/cases": registrar, f"/cases/{case.case_id}": registrar,
                  f"/cases/{case.case_id}/notice": registrar, "/cases/new": registrar,
                  f"/tasks/{case.task_id('调查核实')}": as_user("han-xh"),
                  "/audit/": auditor, f"/audit/cases/{case.case_id}": auditor, "/audit/reveals": auditor,
                  "/audit/versions": auditor})
    found = []
    for path, client in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        found += [(path, m.group(0)) for m in INLINE_SCRIPT.finditer(page)]
        found += [(path, m.group(0)[:80]) for m in INLINE_HANDLER.finditer(page)]
        found += [(path, "javascript: URL") for _ in re.finditer(r"href=\"javascript:", page)]
    assert found == []


def test_no_page_of_any_route_has_inline_script_for_any_kind_of_user(app, as_user, web, services):
    """Every GET route (a new page is checked too), anonymous and for each kind of signed-in user."""
    from tests.web.test_attack_routes import _routes

    case = to_investigation(services)
    create_actor(services, "des-zj", "designer", "EEB-330000")
    create_actor(services, "adm-zj", "admin", "EEB-330000")
    values = {"case_id": case.case_id, "task_id": case.task_id("调查核实"), "case_no": case.case_no,
              "version_id": 1, "process_id": "petition"}
    pages = [url for _, method, url in _routes(app, values) if method == "GET"]
    found, checked = [], 0
    users = ("reg-hz", "sup-hz", "han-xh", "lead-xh", "aud-zj", "des-zj", "adm-zj")
    for client in [web] + [as_user(u) for u in users]:
        for url in pages:
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            checked += 1
            page = response.get_data(as_text=True)
            found += [(url, m.group(0)[:80]) for m in INLINE_SCRIPT.finditer(page)]
            found += [(url, m.group(0)[:80]) for m in INLINE_HANDLER.finditer(page)]
            found += [(url, "javascript: URL") for _ in re.finditer(r"href=\"javascript:", page)]
    assert checked >= 40
    assert found == []


def test_strict_transport_security_only_when_the_deployment_is_behind_https(services, web):
    from dataclasses import replace

    from webui import create_app

    assert "Strict-Transport-Security" not in web.get("/login").headers
    settings = replace(services.settings, security=replace(services.settings.security, session_cookie_secure=True))
    https = create_app(services=replace(services, settings=settings)).test_client()
    assert https.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"
