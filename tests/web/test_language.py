"""Chinese by default, English on request; the choice is kept in the session and on the user."""
from __future__ import annotations

import sqlalchemy as sa

from tests.web.helpers import register
from workflows.accounts import set_locale
from workflows.models import User


def test_pages_are_in_chinese_by_default(web):
    page = web.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "登录" in page


def test_a_browser_set_to_english_gets_the_sign_in_page_in_english(web):
    page = web.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page


def test_a_browser_set_to_chinese_or_to_a_language_we_lack_gets_chinese(web):
    for header in ("zh-CN,zh;q=0.9,en;q=0.5", "fr-FR,fr;q=0.9", "zh-TW"):
        page = web.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
        assert 'lang="zh-CN"' in page and "登录" in page, header


def test_a_choice_made_beats_the_browsers_language(as_user, web, services):
    english = {"Accept-Language": "en-US"}
    assert "Task queues" in as_user("han-xh").get("/queue", headers=english).get_data(as_text=True), \
        "no choice stored: the browser's language"
    with services.db.unit_of_work() as tx:
        set_locale(tx, tx.scalar(sa.select(User.id).where(User.username == "han-xh")), "zh_CN")
    assert "任务队列" in as_user("han-xh").get("/queue", headers=english).get_data(as_text=True), \
        "the user's stored choice wins"
    web.post("/language", {"locale": "zh_CN", "next": "/login"})
    page = web.get("/login", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in page, "the choice made in this session wins"


def test_the_language_switch_works_before_signing_in(web):
    web.post("/language", {"locale": "en", "next": "/login"})
    page = web.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page


def test_a_users_choice_is_stored_and_follows_them_to_the_next_session(app, as_user, services):
    web = as_user("han-xh")
    response = web.post("/language", {"locale": "en", "next": "/queue"})
    assert response.status_code == 302 and response.headers["Location"] == "/queue"
    assert "Task queues" in web.get("/queue").get_data(as_text=True)
    with services.db.reader() as session:
        assert session.scalar(sa.select(User.locale).where(User.username == "han-xh")) == "en"
    fresh = as_user("han-xh")
    assert "Task queues" in fresh.get("/queue").get_data(as_text=True)
    assert "任务队列" in as_user("lead-xh").get("/queue").get_data(as_text=True), "others keep Chinese"


def test_an_unknown_language_is_ignored(as_user):
    web = as_user("han-xh")
    web.post("/language", {"locale": "fr"})
    assert "任务队列" in web.get("/queue").get_data(as_text=True)


def test_labels_from_the_process_files_follow_the_language(as_user, services):
    case = register(services)
    web = as_user("reg-hz")
    task = f"/tasks/{case.task_id('分办交办')}"
    chinese = web.get(task).get_data(as_text=True)
    assert "<h1>分办交办</h1>" in chinese and "交办属地机关" in chinese
    web.post("/language", {"locale": "en"})
    english = web.get(task).get_data(as_text=True)
    assert "<h1>Dispatch case</h1>" in english and "Assign to the routed bureau" in english
    assert "交办属地机关" not in english


def test_field_errors_are_translated(as_user, services):
    case = register(services)
    web = as_user("reg-hz")
    web.post("/language", {"locale": "en"})
    response = web.post(f"/tasks/{case.task_id('分办交办')}", {})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)


def test_every_message_has_a_chinese_translation():
    from babel.messages.pofile import read_po

    from webui.i18n import TRANSLATIONS
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert missing == []
