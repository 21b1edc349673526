"""Administration pages, on both databases: accounts (create, edit, disable, reset), importing accounts from
CSV, the organisation tree and the admin log; everyone but an administrator is refused."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from tests.domain.conftest import services_on
from tests.web.conftest import WEB_SETTINGS, WEB_USERS, SignedIn
from workflows.accounts import create_user
from workflows.admin.models import AdminEvent
from workflows.models import Organisation, User

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/users/import", "/admin/users/import/template.csv",
               "/admin/organisations", "/admin/organisations/EEB-330106", "/admin/log"]


@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    """The web tests' users plus an administrator, on SQLite and on PostgreSQL."""
    with services_on(database_copy(WEB_USERS, backend).url, clock, tmp_path, WEB_SETTINGS) as built:
        with built.db.unit_of_work() as tx:
            create_user(tx, built.clock, "admin", "管理员", "password123", "EEB-330000", ["admin"])
        yield built


@pytest.fixture
def admin(as_user) -> SignedIn:
    return as_user("admin")


def user_id(services, username: str) -> int:
    with services.db.reader() as session:
        return session.scalar(sa.select(User.id).where(User.username == username))


def actions(services) -> list[tuple[str, str]]:
    with services.db.reader() as session:
        return [(e.action, e.target) for e in session.scalars(sa.select(AdminEvent).order_by(AdminEvent.id))]


def test_everyone_but_an_administrator_is_refused(app, services, as_user):
    registrar, auditor = as_user("reg-xh"), as_user("aud-zj")
    target = user_id(services, "han-xh")
    for path in ADMIN_PAGES + [f"/admin/users/{target}"]:
        assert registrar.get(path).status_code == 403, path
        assert auditor.get(path).status_code == 403, path
        assert app.test_client().get(path).status_code == 302, path
    for path in ("/admin/users/new", f"/admin/users/{target}", f"/admin/users/{target}/active",
                 f"/admin/users/{target}/password", "/admin/organisations", "/admin/organisations/EEB-330106/move"):
        assert registrar.post(path, {"active": "0", "parent": "EEB-330200"}).status_code == 403, path
    assert actions(services) == []


def test_an_admin_creates_edits_disables_and_enables_an_account(services, admin):
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "han-xh" in page and "刘承办" in page

    refused = admin.post("/admin/users/new", {"username": "bad name", "organisation": "EEB-330106",
                                              "password": "han-xh"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="username-error"' in text and 'id="roles-error"' in text and 'id="password-error"' in text

    created = admin.post("/admin/users/new", {"username": "xh-new", "display_name": "新人", "organisation": "EEB-330106",
                                              "roles": ["registrar", "handler"], "locale": "zh_CN"})
    assert created.status_code == 200
    generated = re.search(r'<code id="issued-password">([^<]+)</code>', created.get_data(as_text=True)).group(1)
    new_id = user_id(services, "xh-new")

    edited = admin.post(f"/admin/users/{new_id}", {"display_name": "新人甲", "organisation": "EEB-330100",
                                                   "roles": ["leader"], "locale": "en"})
    assert edited.status_code == 302
    assert admin.post(f"/admin/users/{new_id}/active", {"active": "0"}).status_code == 302
    with services.db.reader() as session:
        user = session.get(User, new_id)
        assert (user.display_name, user.organisation_code, user.role_names, user.active) == (
            "新人甲", "EEB-330100", {"leader"}, False)
    assert SignedIn(admin.client.application.test_client()).login("xh-new", generated).status_code == 401
    assert admin.post(f"/admin/users/{new_id}/active", {"active": "1"}).status_code == 302
    assert SignedIn(admin.client.application.test_client()).login("xh-new", generated).status_code == 302
    assert [a for a, _ in actions(services)] == ["user.create", "user.update", "user.disable", "user.enable"]


def test_an_admin_resets_a_password_and_cannot_disable_themselves(services, admin):
    target = user_id(services, "han-xh")
    reset = admin.post(f"/admin/users/{target}/password", {"password": ""})
    assert reset.status_code == 200 and 'id="issued-password"' in reset.get_data(as_text=True)
    weak = admin.post(f"/admin/users/{target}/password", {"password": "han-xh"})
    assert weak.status_code == 422 and 'id="password-error"' in weak.get_data(as_text=True)
    admin.post(f"/admin/users/{user_id(services, 'admin')}/active", {"active": "0"})
    with services.db.reader() as session:
        assert session.get(User, user_id(services, "admin")).active
    assert "不能停用自己的账户" in admin.get(f"/admin/users/{user_id(services, 'admin')}").get_data(as_text=True)


def test_an_admin_sees_a_locked_account_and_unlocks_it(app, services, admin):
    locked = SignedIn(app.test_client())
    for _ in range(5):
        locked.login("lead-xh", "not-the-password")
    target = user_id(services, "lead-xh")
    assert "锁定至" in admin.get("/admin/users?status=locked").get_data(as_text=True)
    assert 'id="unlock"' in admin.get(f"/admin/users/{target}").get_data(as_text=True)
    assert admin.post(f"/admin/users/{target}/unlock").status_code == 302
    assert SignedIn(app.test_client()).login("lead-xh").status_code == 302
    assert actions(services)[-1] == ("user.unlock", "lead-xh")


def test_the_import_page_offers_a_template_and_reports_problems_by_line_and_column(services, admin):
    template = admin.get("/admin/users/import/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.get_data().decode("utf-8-sig").startswith("username,display_name,organisation,roles")

    bad = "username,organisation,roles\nimp-1,EEB-330106,registrar\nimp-2,EEB-404404,registrar\n"
    refused = admin.post("/admin/users/import", {"file": (io.BytesIO(bad.encode()), "users.csv")},
                         content_type="multipart/form-data")
    assert refused.status_code == 422
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td>", refused.get_data(as_text=True))
    assert rows == [("3", "organisation")]
    assert user_id(services, "imp-1") is None, "nothing imported"

    imported = admin.post("/admin/users/import", {"file": (io.BytesIO(template.get_data()), "users.csv")},
                          content_type="multipart/form-data")
    assert imported.status_code == 200 and 'id="imported"' in imported.get_data(as_text=True)
    assert user_id(services, "xihu-registrar2") and user_id(services, "xihu-handler2")


def test_an_admin_adds_moves_and_deactivates_an_organisation(services, admin):
    added = admin.post("/admin/organisations", {"parent": "EEB-330100", "code": "EEB-330108", "name_zh": "滨江分局",
                                                "name_en": "Binjiang Branch", "level": "county"})
    assert added.status_code == 302 and added.headers["Location"].endswith("/admin/organisations/EEB-330108")
    assert "滨江分局" in admin.get("/admin/organisations").get_data(as_text=True)
    bad = admin.post("/admin/organisations", {"parent": "", "code": "x", "name_zh": "", "name_en": "", "level": "county"})
    assert bad.status_code == 422

    cycle = admin.post("/admin/organisations/EEB-330100/move", {"parent": "EEB-330108"})
    assert cycle.status_code == 422 and "不能移到自身" in cycle.get_data(as_text=True)
    assert admin.post("/admin/organisations/EEB-330108/move", {"parent": "EEB-330200"}).status_code == 302
    assert admin.post("/admin/organisations/EEB-330108/rename", {"name_zh": "新区分局", "name_en": "New"}).status_code == 302
    assert admin.post("/admin/organisations/EEB-330108/active", {"active": "0"}).status_code == 302
    with services.db.reader() as session:
        org = session.get(Organisation, "EEB-330108")
        assert (org.path, org.name_zh, org.active) == ("MEE/EEB-330000/EEB-330200/EEB-330108/", "新区分局", False)
    assert [a for a, _ in actions(services)] == ["organisation.create", "organisation.move", "organisation.rename",
                                                "organisation.deactivate"]


def test_the_admin_log_shows_who_did_what_with_filters(services, admin):
    admin.post("/admin/organisations/EEB-330110/active", {"active": "0"})
    admin.post(f"/admin/users/{user_id(services, 'han-nb')}/active", {"active": "0"})
    page = admin.get("/admin/log").get_data(as_text=True)
    assert "EEB-330110" in page and "han-nb" in page and "停用" in page
    filtered = admin.get("/admin/log?action=user.disable").get_data(as_text=True)
    assert "han-nb" in filtered and "EEB-330110" not in filtered
    assert "han-nb" not in admin.get("/admin/log?target=EEB").get_data(as_text=True)
