"""Security headers on every response: a Content-Security-Policy that allows scripts only from our own static
files (no inline script, no inline event handler, no eval), no framing by any site, no type sniffing, and
no case URLs leaked in the Referer header to other sites; behind HTTPS, HTTP Strict Transport Security."""
from __future__ import annotations

from flask import Flask, Response

# Inline style attributes stay allowed: a few templates and the bpmn-js and Swagger UI bundles set them, and
# a style cannot run code. Images and fonts may be data: URIs (bpmn-js' icon font, Swagger UI's icons);
# blob: images are the diagram's SVG export.
DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
CONTENT_SECURITY_POLICY = "; ".join(DIRECTIVES)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # For browsers that do not know frame-ancestors.
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# Sent only when the deployment says it is behind HTTPS (security.session_cookie_secure): browsers then refuse
# plain HTTP to the site for a year.
STRICT_TRANSPORT = "max-age=31536000"


def init_app(app: Flask) -> None:
    headers = dict(HEADERS)
    if app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT

    def security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
    app.after_request(security_headers)
