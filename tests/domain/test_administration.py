"""Administration as use cases, on both databases: accounts (create, edit, disable, reset), the organisation
tree (add, rename, move with its paths and cases, deactivate), importing accounts from CSV (all or nothing),
and the log of every administrator's action."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from engine.errors import InvalidData, NotAllowed
from tests.domain.test_cases import FORM
from workflows.accounts import Actor
from workflows.admin.log import LogFilters, admin_log
from workflows.admin.models import AdminEvent
from workflows.admin.organisations import (
    add_organisation,
    move_organisation,
    organisation_tree,
    rename_organisation,
    set_organisation_active,
)
from workflows.admin.user_import import import_users
from workflows.admin.users import (
    AccountForm,
    create_account,
    reset_password,
    set_account_active,
    unlock_account,
    update_account,
)
from workflows.cases import get_case
from workflows.handling.queues import queue_page
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case
from workflows.models import CaseOrganisation, Organisation, User
from workflows.signin import SignInPolicy, attempt_sign_in

XIHU, HANGZHOU, NINGBO = "EEB-330106", "EEB-330100", "EEB-330200"


@pytest.fixture
def admin(make_actor) -> Actor:
    return make_actor("root", "admin", "EEB-330000")


def user_row(services, username: str) -> User | None:
    with services.db.reader() as session:
        return session.scalar(sa.select(User).where(User.username == username))


def events(services, action: str | None = None) -> list[AdminEvent]:
    with services.db.reader() as session:
        stmt = sa.select(AdminEvent).order_by(AdminEvent.id)
        return list(session.scalars(stmt.where(AdminEvent.action == action) if action else stmt))


def count_users(services) -> int:
    with services.db.reader() as session:
        return session.scalar(sa.select(sa.func.count(User.id)))


# -- accounts ---------------------------------------------------------------------------------------------
def test_an_admin_creates_an_account_whose_first_password_must_be_changed(services, admin):
    issued = create_account(services, admin, AccountForm("xh-reg2", "新登记员", XIHU, ("registrar", "handler")))
    assert issued.generated and len(issued.generated) >= 10, "a password is generated when none is typed"
    user = user_row(services, "xh-reg2")
    assert (user.organisation_code, user.role_names, user.must_change_password, user.active) == (
        XIHU, {"registrar", "handler"}, True, True)
    [event] = events(services, "user.create")
    assert (event.actor, event.target) == ("root", "xh-reg2") and '"registrar"' in event.details
    with services.db.unit_of_work() as tx:
        assert attempt_sign_in(tx, services.clock.now(), SignInPolicy(), "xh-reg2", issued.generated).user


def test_a_bad_account_is_refused_by_field_and_nothing_is_written(services, admin):
    before = count_users(services)
    with pytest.raises(InvalidData) as refused:
        create_account(services, admin, AccountForm("bad name!", "x", "EEB-999999", ("registrar", "chief"),
                                                     "fr", "short"))
    assert {k: e.code for k, e in refused.value.errors.items()} == {
        "username": "user.username_format", "organisation": "user.unknown_organisation",
        "roles": "user.unknown_roles", "locale": "field.one_of", "password": "password.too_short"}
    with pytest.raises(InvalidData) as refused:
        create_account(services, admin, AccountForm("root", "", XIHU, (), None, "root"))
    assert {k: e.code for k, e in refused.value.errors.items()} == {
        "username": "user.username_taken", "roles": "user.role_required", "password": "password.too_short"}
    with pytest.raises(InvalidData) as refused:
        create_account(services, admin, AccountForm("xh-reg3", "", XIHU, ("registrar",), None, "password123"))
    assert refused.value.errors["password"].code == "password.too_common"
    assert count_users(services) == before and events(services) == []


def test_only_admins_administer(services, make_actor):
    registrar = make_actor("xh-reg", "registrar")
    with pytest.raises(NotAllowed):
        create_account(services, registrar, AccountForm("someone", "", XIHU, ("registrar",)))
    with pytest.raises(NotAllowed):
        add_organisation(services, registrar, "EEB-330108", "滨江分局", "Binjiang", "county", HANGZHOU)
    with pytest.raises(NotAllowed):
        admin_log(services, registrar, LogFilters())


def test_editing_an_account_records_what_changed(services, admin):
    issued = create_account(services, admin, AccountForm("xh-staff", "员工", XIHU, ("registrar",)))
    update_account(services, admin, issued.user_id, "员工甲", HANGZHOU, ["handler", "leader"], "en")
    user = user_row(services, "xh-staff")
    assert (user.display_name, user.organisation_code, user.role_names, user.locale) == (
        "员工甲", HANGZHOU, {"handler", "leader"}, "en")
    [event] = events(services, "user.update")
    assert json.loads(event.details)["organisation"] == {"from": "EEB-330106", "to": "EEB-330100"}

    with pytest.raises(InvalidData) as refused:
        update_account(services, admin, issued.user_id, "x", "EEB-000000", [], None)
    assert set(refused.value.errors) == {"organisation", "roles"}
    assert user_row(services, "xh-staff").organisation_code == HANGZHOU, "nothing half-written"


def test_an_admin_keeps_their_own_account_and_admin_role(services, admin):
    with pytest.raises(NotAllowed):
        set_account_active(services, admin, user_row(services, "root").id, False)
    with pytest.raises(InvalidData) as refused:
        update_account(services, admin, user_row(services, "root").id, "root", "EEB-330000", ["auditor"], None)
    assert refused.value.errors["roles"].code == "admin.keep_own_admin"


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(services, admin, make_actor):
    make_actor("xh-han", "handler")
    user = user_row(services, "xh-han")
    set_account_active(services, admin, user.id, False)
    disabled = user_row(services, "xh-han")
    assert not disabled.active and disabled.session_epoch == user.session_epoch + 1
    with services.db.unit_of_work() as tx:
        assert attempt_sign_in(tx, services.clock.now(), SignInPolicy(), "xh-han", "password123").user is None
    set_account_active(services, admin, user.id, True)
    with services.db.unit_of_work() as tx:
        assert attempt_sign_in(tx, services.clock.now(), SignInPolicy(), "xh-han", "password123").user is not None
    assert [e.action for e in events(services)] == ["user.disable", "user.enable"]


def test_a_reset_password_lifts_a_lock_and_must_be_changed(services, admin, make_actor):
    make_actor("xh-lead", "leader")
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        for _ in range(5):
            attempt_sign_in(tx, now, SignInPolicy(), "xh-lead", "wrong password")
    assert user_row(services, "xh-lead").locked_until is not None
    with pytest.raises(InvalidData) as refused:
        reset_password(services, admin, user_row(services, "xh-lead").id, "xh-lead")
    assert refused.value.errors["password"].code == "password.too_short"
    issued = reset_password(services, admin, user_row(services, "xh-lead").id, "Temporary-2026")
    assert issued.generated is None
    user = user_row(services, "xh-lead")
    assert (user.locked_until, user.failed_logins, user.must_change_password) == (None, 0, True)
    with services.db.unit_of_work() as tx:
        assert attempt_sign_in(tx, now, SignInPolicy(), "xh-lead", "Temporary-2026").user is not None
    [event] = events(services, "user.reset_password")
    assert "Temporary-2026" not in event.details, "the log never holds a password"


def test_an_admin_unlocks_a_locked_account(services, admin, make_actor):
    make_actor("xh-sup", "supervisor")
    with services.db.unit_of_work() as tx:
        for _ in range(5):
            attempt_sign_in(tx, services.clock.now(), SignInPolicy(), "xh-sup", "wrong password")
    unlock_account(services, admin, user_row(services, "xh-sup").id)
    assert (user_row(services, "xh-sup").locked_until, user_row(services, "xh-sup").failed_logins) == (None, 0)
    with services.db.unit_of_work() as tx:
        assert attempt_sign_in(tx, services.clock.now(), SignInPolicy(), "xh-sup", "password123").user
    [event] = events(services, "user.unlock")
    assert json.loads(event.details)["failed_logins"] == 5
    unlock_account(services, admin, user_row(services, "xh-sup").id)
    assert len(events(services, "user.unlock")) == 1, "nothing to unlock, nothing logged"


# -- the organisation tree ----------------------------------------------------------------------------------
def test_a_new_county_bureau_sits_under_its_city(services, admin):
    add_organisation(services, admin, "EEB-330108", "杭州市生态环境局滨江分局", "Binjiang Branch", "county", HANGZHOU)
    with services.db.reader() as session:
        org = session.get(Organisation, "EEB-330108")
    assert (org.parent_code, org.path, org.active) == (HANGZHOU, "MEE/EEB-330000/EEB-330100/EEB-330108/", True)
    tree = [row.code for row in organisation_tree(services)]
    assert tree.index(HANGZHOU) < tree.index("EEB-330108") < tree.index(NINGBO)


def test_a_bad_organisation_is_refused_by_field(services, admin):
    with pytest.raises(InvalidData) as refused:
        add_organisation(services, admin, "eeb 1", "", "x" * 201, "galaxy", "EEB-000000")
    assert {k: e.code for k, e in refused.value.errors.items()} == {
        "code": "organisation.code_format", "name_zh": "field.required", "name_en": "field.too_long",
        "level": "field.one_of", "parent": "organisation.unknown_parent"}
    with pytest.raises(InvalidData) as refused:
        add_organisation(services, admin, XIHU, "西湖", "Xihu", "county", HANGZHOU)
    assert refused.value.errors["code"].code == "organisation.code_taken"
    assert events(services) == []


def test_renaming_records_both_names(services, admin):
    rename_organisation(services, admin, XIHU, "西湖分局（新）", "Xihu Branch (new)")
    with services.db.reader() as session:
        assert session.get(Organisation, XIHU).name_zh == "西湖分局（新）"
    [event] = events(services, "organisation.rename")
    assert "Xihu Branch (new)" in event.details
    with pytest.raises(InvalidData):
        rename_organisation(services, admin, XIHU, " ", "x")


def test_a_moved_bureau_and_everything_below_it_get_new_paths_and_its_cases_follow(services, admin, make_actor):
    add_organisation(services, admin, "EEB-330106-LAW", "西湖分局执法大队", "Xihu enforcement", "department", XIHU)
    registrar = make_actor("xh-reg", "registrar")
    case = register_case(services, registrar, FORM)
    hangzhou_supervisor = make_actor("hz-sup", "supervisor", HANGZHOU)
    ningbo_supervisor = make_actor("nb-sup", "supervisor", NINGBO)
    with services.db.reader() as session:
        assert get_case(session, hangzhou_supervisor, case.id)
        with pytest.raises(NotAllowed):
            get_case(session, ningbo_supervisor, case.id)

    assert move_organisation(services, admin, XIHU, NINGBO) == 2
    with services.db.reader() as session:
        paths = dict(session.execute(sa.select(Organisation.code, Organisation.path)).all())
        case_paths = set(session.scalars(sa.select(CaseOrganisation.org_path)
                                         .where(CaseOrganisation.case_id == case.id)))
        assert paths[XIHU] == "MEE/EEB-330000/EEB-330200/EEB-330106/"
        assert paths["EEB-330106-LAW"] == "MEE/EEB-330000/EEB-330200/EEB-330106/EEB-330106-LAW/"
        assert paths["EEB-330110"] == "MEE/EEB-330000/EEB-330100/EEB-330110/", "siblings stay"
        assert "MEE/EEB-330000/EEB-330200/EEB-330106/" in case_paths
        assert get_case(session, ningbo_supervisor, case.id), "the new parent's supervisor sees the case"
        assert get_case(session, registrar, case.id), "the bureau's own people still see it"
        with pytest.raises(NotAllowed):
            get_case(session, hangzhou_supervisor, case.id)
    [event] = events(services, "organisation.move")
    assert json.loads(event.details)["parent"] == {"from": "EEB-330100", "to": "EEB-330200"}


def test_moving_under_itself_below_itself_or_a_deactivated_parent_is_refused(services, admin):
    add_organisation(services, admin, "EEB-330106-LAW", "执法大队", "Enforcement", "department", XIHU)
    for parent in (XIHU, "EEB-330106-LAW"):
        with pytest.raises(InvalidData) as refused:
            move_organisation(services, admin, XIHU, parent)
        assert refused.value.errors["parent"].code == "organisation.move_cycle"
    set_organisation_active(services, admin, NINGBO, False)
    with pytest.raises(InvalidData) as refused:
        move_organisation(services, admin, XIHU, NINGBO)
    assert refused.value.errors["parent"].code == "organisation.parent_inactive"
    with pytest.raises(InvalidData) as refused:
        add_organisation(services, admin, "EEB-330299", "新区", "New", "county", NINGBO)
    assert refused.value.errors["parent"].code == "organisation.parent_inactive"
    with services.db.reader() as session:
        assert session.get(Organisation, XIHU).path == "MEE/EEB-330000/EEB-330100/EEB-330106/"


def test_a_deactivated_bureau_takes_no_new_users_but_its_cases_and_queues_keep_working(services, admin,
                                                                                        make_actor):
    registrar = make_actor("xh-reg", "registrar")
    case = register_case(services, registrar, FORM)
    set_organisation_active(services, admin, XIHU, False)
    with pytest.raises(InvalidData) as refused:
        create_account(services, admin, AccountForm("xh-new", "", XIHU, ("handler",)))
    assert refused.value.errors["organisation"].code == "user.organisation_inactive"

    with services.db.reader() as session:
        [row] = queue_page(session, registrar, "unclaimed", services.clock.now()).rows
    assert row.case.id == case.id
    complete_task(services, registrar, row.task.task_id, {"acceptance_decision": "accept",
                                                          "content_category": "pollution_complaint",
                                                          "track": "normal"})
    handler = make_actor("xh-han", "handler")
    with services.db.reader() as session:
        assert [r.case.id for r in queue_page(session, handler, "unclaimed", services.clock.now()).rows] == [case.id]
    with pytest.raises(InvalidData) as refused:
        add_organisation(services, admin, "EEB-330106-LAW", "执法大队", "Enforcement", "department", XIHU)
    assert refused.value.errors["parent"].code == "organisation.parent_inactive"


# -- importing accounts ---------------------------------------------------------------------------------
GOOD_CSV = ("username,display_name,organisation,roles,locale,password\n"
            "imp-reg,导入登记员,EEB-330106,registrar,zh_CN,\n"
            "imp-han,Imported Handler,EEB-330106,handler;leader,en,Handler-Pass-1\n")


def test_a_good_file_imports_every_account_with_passwords_to_change(services, admin):
    issued = import_users(services, admin, "users.csv", GOOD_CSV.encode())
    assert [(i.username, bool(i.generated)) for i in issued] == [("imp-reg", True), ("imp-han", False)]
    handler = user_row(services, "imp-han")
    assert (handler.role_names, handler.locale, handler.must_change_password) == ({"handler", "leader"}, "en", True)
    assert [e.action for e in events(services)] == ["user.create", "user.create", "user.import"]


def test_a_bad_file_names_each_problem_by_line_and_column_and_imports_nothing(services, admin):
    text = ("username,display_name,organisation,roles\n"
            "imp-ok,好的,EEB-330106,registrar\n"
            "imp-bad,坏的,EEB-999999,registrar\n"
            "imp-ok,重复,EEB-330106,handler\n"
            "imp-roles,无角色,EEB-330106,chief\n")
    before = count_users(services)
    with pytest.raises(InvalidData) as refused:
        import_users(services, admin, "users.csv", text.encode())
    assert {k: e.code for k, e in refused.value.errors.items()} == {
        "3.organisation": "user.unknown_organisation", "4.username": "user_import.duplicate_username",
        "5.roles": "user.unknown_roles"}
    assert refused.value.errors["4.username"].params == {"username": "imp-ok", "line": 2}
    assert count_users(services) == before and events(services) == [], "all or nothing"


def test_a_file_without_the_required_columns_or_rows_is_refused(services, admin):
    with pytest.raises(InvalidData) as refused:
        import_users(services, admin, "users.csv", b"username,name,roles\nx,y,registrar\n")
    assert {k: e.code for k, e in refused.value.errors.items()} == {
        "1.header": "user_import.missing_columns", "1.columns": "user_import.unknown_columns"}
    with pytest.raises(InvalidData) as refused:
        import_users(services, admin, "users.csv", b"username,organisation,roles\n")
    assert refused.value.errors["file"].code == "user_import.file_empty"


def test_a_chinese_excel_file_in_gb18030_with_chinese_headers_imports(services, admin):
    text = "用户名,姓名,机构,角色\r\nimp-gb,国标用户,EEB-330106,registrar|handler\r\n"
    [issued] = import_users(services, admin, "用户.csv", text.encode("gb18030"))
    assert user_row(services, issued.username).display_name == "国标用户"
    assert user_row(services, "imp-gb").role_names == {"registrar", "handler"}


def test_api_tokens_issued_and_revoked_are_in_the_log(services, admin):
    from workflows.channels.tokens import create_token, revoke_token

    issued = create_token(services, admin, "hotline-12345", XIHU, ["registrar"])
    revoke_token(services, admin, issued.id)
    assert [(e.action, e.target) for e in events(services)] == [("api_token.create", "hotline-12345"),
                                                              ("api_token.revoke", "hotline-12345")]
    assert issued.secret not in events(services)[0].details, "never the secret"


# -- the log ------------------------------------------------------------------------------------------------
def test_the_log_filters_by_administrator_action_target_and_day(services, admin, make_actor):
    other = make_actor("root2", "admin", "EEB-330000")
    create_account(services, admin, AccountForm("log-a", "", XIHU, ("registrar",)))
    services.clock.advance(timedelta(days=2))
    create_account(services, other, AccountForm("log-b", "", XIHU, ("handler",)))
    set_organisation_active(services, other, "EEB-330110", False)

    def targets(**filters) -> list[str]:
        return [e.target for e in admin_log(services, admin, LogFilters(**filters)).rows]

    assert targets() == ["EEB-330110", "log-b", "log-a"], "newest first"
    assert targets(actor="root2") == ["EEB-330110", "log-b"]
    assert targets(action="user.create") == ["log-b", "log-a"]
    assert targets(target="log-") == ["log-b", "log-a"]
    today = (services.clock.now() + timedelta(hours=8)).date()
    assert targets(day_from=today) == ["EEB-330110", "log-b"]
    assert targets(day_to=today - timedelta(days=1)) == ["log-a"]
    assert targets(day_from=date(2030, 1, 1)) == []
