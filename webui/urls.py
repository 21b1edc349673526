"""Reading the request's URL: where a redirect may send the user (paths on this site only, never a URL that
another site supplied), and the page of a list it asks for."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def same_site_path(target: str | None) -> str | None:
    """`target` if it is a path on this site; None for an absolute URL or a scheme-relative one (//host)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return None


def local_path(url: str) -> str:
    """The path and query of a URL on this site (the Referer header carries scheme and host)."""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_number() -> int:
    """The list page the request asks for (`?page=`, from 1); anything unreadable is the first page."""
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1
