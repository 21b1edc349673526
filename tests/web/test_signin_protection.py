"""Sign-in protection through the pages, on both databases: a locked account and its release, failed sign-ins
limited per address, sessions ending after inactivity and after a password change, and the user whose
password an administrator set, who can do nothing before choosing their own."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.domain.conftest import services_on
from tests.web.conftest import PASSWORD, WEB_SETTINGS, WEB_USERS, SignedIn
from webui import create_app
from workflows.accounts import Actor
from workflows.admin.users import reset_password
from workflows.models import User

NEW_PASSWORD = "Lake-West-2026"


@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    """The web tests' users, on SQLite and on PostgreSQL."""
    with services_on(database_copy(WEB_USERS, backend).url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built


def client(app, address: str = "127.0.0.1") -> SignedIn:
    web = SignedIn(app.test_client())
    web.client.environ_base["REMOTE_ADDR"] = address
    return web


def change_password(web: SignedIn, current: str, new: str, confirm: str | None = None):
    """Post the change-password form with the token of that page (the only page a user who must change it
    may open)."""
    return web.client.post("/password", data={"current_password": current, "new_password": new,
                                              "confirm_password": new if confirm is None else confirm,
                                              "csrf_token": web.token("/password")})


def test_an_account_is_locked_after_repeated_failures_and_released_after_the_window(app, services):
    web = client(app)
    statuses = [web.login("reg-xh", "not-my-password").status_code for _ in range(5)]
    assert statuses == [401] * 5
    refused = web.login("reg-xh")
    assert refused.status_code == 401 and "账户已被锁定" in refused.get_data(as_text=True), \
        "locked even with the right password, and the page says until when"
    services.clock.advance(timedelta(minutes=16))
    assert web.login("reg-xh").status_code == 302


def test_failed_sign_ins_are_limited_per_address_whatever_the_account(services):
    security = replace(services.settings.security, login_ip_limit="3 per minute")
    app = create_app(services=replace(services, settings=replace(services.settings, security=security)))
    app.config.update(TESTING=True)
    web = client(app, "10.0.0.7")
    assert [web.login(name, "wrong-password").status_code for name in ("reg-xh", "han-xh", "nobody")] == [401] * 3
    blocked = web.login("lead-xh")
    assert blocked.status_code == 429 and "登录失败次数过多" in blocked.get_data(as_text=True)
    assert client(app, "10.0.0.8").login("lead-xh").status_code == 302, "another address is not affected"


def test_guessing_the_current_password_is_limited_like_signing_in(services):
    security = replace(services.settings.security, login_ip_limit="3 per minute")
    app = create_app(services=replace(services, settings=replace(services.settings, security=security)))
    app.config.update(TESTING=True)
    web = client(app)
    assert web.login("han-xh").status_code == 302
    assert [change_password(web, guess, NEW_PASSWORD).status_code for guess in ("a", "b", "c")] == [422] * 3
    refused = change_password(web, PASSWORD, NEW_PASSWORD)
    assert refused.status_code == 429 and "尝试次数过多" in refused.get_data(as_text=True)


def test_successful_sign_ins_do_not_use_up_the_address_limit(services):
    security = replace(services.settings.security, login_ip_limit="2 per minute")
    app = create_app(services=replace(services, settings=replace(services.settings, security=security)))
    app.config.update(TESTING=True)
    assert [client(app).login("reg-xh").status_code for _ in range(4)] == [302] * 4


def test_a_session_ends_after_the_idle_time(app, services, as_user):
    web = as_user("han-xh")
    services.clock.advance(timedelta(minutes=29))
    assert web.get("/queue").status_code == 200, "used within 30 minutes: still signed in"
    services.clock.advance(timedelta(minutes=29))
    assert web.get("/queue").status_code == 200, "the idle time counts from the last request"
    services.clock.advance(timedelta(minutes=31))
    expired = web.get("/queue")
    assert expired.status_code == 302 and "/login" in expired.headers["Location"]
    assert "无操作" in web.get("/login").get_data(as_text=True)
    assert web.get("/queue").status_code == 302, "the session is gone, not just refused once"


def test_changing_the_password_signs_out_every_other_session(app, services, as_user):
    laptop, phone = as_user("han-xh"), as_user("han-xh")
    changed = change_password(laptop, PASSWORD, NEW_PASSWORD)
    assert changed.status_code == 302
    assert laptop.get("/queue").status_code == 200, "the session that changed it carries on"
    assert phone.get("/queue").status_code == 302, "the other session has ended"
    assert client(app).login("han-xh", PASSWORD).status_code == 401
    assert client(app).login("han-xh", NEW_PASSWORD).status_code == 302


def test_a_weak_new_password_is_refused_with_the_reason(as_user):
    web = as_user("han-xh")
    refused = change_password(web, PASSWORD, "han-xh")
    assert refused.status_code == 422
    assert "至少" in refused.get_data(as_text=True)
    refused = change_password(web, "wrong", NEW_PASSWORD)
    assert refused.status_code == 422 and "当前密码" in refused.get_data(as_text=True)


def test_a_user_whose_password_was_reset_must_choose_a_new_one_before_anything_else(app, services, as_user):
    signed_in_before = as_user("reg-xh")
    with services.db.reader() as session:
        user_id = session.scalar(sa.select(User.id).where(User.username == "reg-xh"))
    reset_password(services, Actor("root", "EEB-330000", frozenset({"admin"})), user_id, "Temporary-Pass-1")
    assert signed_in_before.get("/queue").status_code == 302, "a reset ends the user's sessions"

    web = client(app)
    signed_in = web.login("reg-xh", "Temporary-Pass-1")
    assert signed_in.headers["Location"].endswith("/password")
    for path in ("/queue", "/cases/new", "/cases"):
        response = web.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/password"), path
    page = web.get("/password").get_data(as_text=True)
    assert 'id="must-change"' in page
    assert change_password(web, "Temporary-Pass-1", NEW_PASSWORD).status_code == 302
    assert web.get("/queue").status_code == 200
    with services.db.reader() as session:
        assert session.get(User, user_id).must_change_password is False


def test_an_auditor_may_change_their_password(as_user):
    web = as_user("aud-zj")
    assert change_password(web, PASSWORD, NEW_PASSWORD).status_code == 302
