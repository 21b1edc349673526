"""Fixtures for the web layer: the real services on a SQLite file with a manual clock, the Flask app, a test
client that signs in through the login form (CSRF on), and a live server plus Chromium for browser tests.

Users, all with password `password123`:
  reg-hz  registrar  杭州市局 EEB-330100      sup-hz  supervisor  杭州市局 EEB-330100
  reg-xh  registrar  西湖分局 EEB-330106      han-xh  handler     西湖分局 EEB-330106
  lead-xh leader     西湖分局 EEB-330106      aud-zj  auditor     浙江省厅 EEB-330000
  han-nb  handler    海曙分局 EEB-330203 (another bureau)
"""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engine.clock import ManualClock
from tests.conftest import START
from tests.domain.conftest import ORGANISATIONS, services_on
from tests.templates import Template
from webui import create_app
from workflows.accounts import create_user
from workflows.settings import PROJECT_ROOT

PASSWORD = "password123"
USERS = {
    "reg-hz": ("王登记", "EEB-330100", ["registrar"]),
    "sup-hz": ("陈督办", "EEB-330100", ["supervisor"]),
    "reg-xh": ("李登记", "EEB-330106", ["registrar"]),
    "han-xh": ("刘承办", "EEB-330106", ["handler"]),
    "lead-xh": ("赵领导", "EEB-330106", ["leader"]),
    "aud-zj": ("孙审计", "EEB-330000", ["auditor"]),
    "han-nb": ("周承办", "EEB-330203", ["handler", "registrar"]),
}
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """The .mo catalogs from the .po files, as `make install` builds them, so a bare pytest run works too."""
    from webui.i18n import compile_catalogs
    compile_catalogs()


@pytest.fixture
def clock() -> ManualClock:
    # Monday 2026-03-02 09:00 Asia/Shanghai.
    return ManualClock(START)


# Overrides of the web tests' settings: small uploads, a fixed secret key.
WEB_SETTINGS = {"uploads.max_megabytes": 1, "security.secret_key": "test-secret"}


def add_users(url: str, folder: Path) -> None:
    """The users above: hashing seven passwords with argon2 takes longer than the test that needs them."""
    with services_on(url, ManualClock(START), folder, WEB_SETTINGS) as built, built.db.unit_of_work() as tx:
        for username, (name, organisation, roles) in USERS.items():
            create_user(tx, built.clock, username, name, PASSWORD, organisation, roles)


# The bundle deployed, the organisations and the users: where every web test starts.
WEB_USERS = Template("web_users", add_users, base=ORGANISATIONS)


@pytest.fixture
def services(database_copy, clock, tmp_path):
    """The services on the test's own copy of the database with the users, on SQLite."""
    with services_on(database_copy(WEB_USERS, "sqlite").url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built


@pytest.fixture
def app(services):
    app = create_app(services=services)
    app.config.update(TESTING=True)
    return app


class SignedIn:
    """A test client that signs in through the login form and posts forms with their CSRF token."""

    def __init__(self, client) -> None:
        self.client = client

    def token(self, path: str = "/login") -> str:
        """The session's CSRF token, read from a page with a form (the login page when signed out)."""
        for where in (path, "/login"):
            found = re.search(r'name="csrf_token" value="([^"]+)"', self.client.get(where).get_data(as_text=True))
            if found:
                return found.group(1)
        raise AssertionError(f"no CSRF token on {path} or /login")

    def login(self, username: str, password: str = PASSWORD):
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.token()})

    def post(self, path: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token("/queue"))
        return self.client.post(path, data=data, **kwargs)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)


@pytest.fixture
def web(app):
    return SignedIn(app.test_client())


@pytest.fixture
def as_user(app):
    """A signed-in client for a user name: `as_user('reg-hz').get('/queue')`."""
    def sign_in(username: str) -> SignedIn:
        web = SignedIn(app.test_client())
        response = web.login(username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return web
    return sign_in


# -- the browser -------------------------------------------------------------------------------------
@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs chromium with apt-get)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies) at 1366x768, or phone width with `phone=True`."""
    contexts = []

    def open_page(phone: bool = False):
        size = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 768}
        context = browser.new_context(viewport=size, base_url=live_server, locale="zh-CN")
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()
    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def shoot(page, artifacts: Path, name: str) -> Path:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form button[type=submit].primary")
    page.wait_for_url(lambda url: "/login" not in url)

