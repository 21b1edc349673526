"""The API's interactive docs in Chromium, from this server only (swagger-ui vendored from npm)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import shoot
from webui.api import SWAGGER_UI_STATIC


def test_the_api_docs_render_without_any_outside_request(new_page, live_server, artifacts):
    if not (Path(__file__).resolve().parents[2] / SWAGGER_UI_STATIC / "swagger-ui-bundle.js").exists():
        pytest.fail("swagger-ui is not vendored: run `make assets`")
    page = new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None)
    page.goto("/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    assert outside == []
    shoot(page, artifacts, "api-docs")
