"""Signing in and out, the session cookie, CSRF, and the auditor's read-only guard."""
from __future__ import annotations

from tests.web.conftest import PASSWORD


def test_a_user_signs_in_with_name_and_password_and_lands_on_the_queue(web):
    response = web.login("reg-hz")
    assert response.status_code == 302 and response.headers["Location"].endswith("/queue")
    page = web.get("/queue").get_data(as_text=True)
    assert "王登记" in page


def test_a_wrong_password_is_refused_with_a_message(web):
    response = web.login("reg-hz", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert web.get("/queue").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site_lax(web):
    response = web.login("reg-hz")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_follow_the_setting(services):
    from dataclasses import replace

    from webui import create_app

    services.settings = replace(services.settings,
                                security=replace(services.settings.security, session_cookie_secure=True))
    assert create_app(services=services).config["SESSION_COOKIE_SECURE"] is True


def test_a_form_without_its_csrf_token_is_refused(app):
    client = app.test_client()
    response = client.post("/login", data={"username": "reg-hz", "password": PASSWORD})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_signing_out_ends_the_session(as_user):
    web = as_user("han-xh")
    assert web.post("/logout").status_code == 302
    assert web.get("/queue").status_code == 302


def test_a_pages_needs_sign_in_and_returns_there_after(web):
    response = web.get("/queue?tab=unclaimed")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_an_auditor_may_not_post_anything_but_sign_out_and_language(as_user):
    web = as_user("aud-zj")
    assert web.post("/queue/claim", {"task_id": "x"}).status_code == 403
    assert web.post("/language", {"locale": "en"}).status_code == 302
    assert web.post("/logout").status_code == 302


def test_the_next_address_after_sign_in_stays_on_this_site(web):
    response = web.client.post("/login", data={"username": "reg-hz", "password": PASSWORD, "next": "https://evil.example/",
                                               "csrf_token": web.token()})
    assert response.headers["Location"].endswith("/queue")


def test_an_auditor_starts_on_the_audit_pages_and_others_on_their_queue(app, web):
    response = web.login("aud-zj")
    expected = "/audit/" if "audit.index" in app.view_functions else "/queue"
    assert response.headers["Location"] == expected
    assert web.get("/").headers["Location"] == expected


def test_pages_are_sent_with_protective_headers(web):
    headers = web.get("/login").headers
    assert (headers["X-Content-Type-Options"], headers["X-Frame-Options"], headers["Referrer-Policy"]) == (
        "nosniff", "DENY", "same-origin")
