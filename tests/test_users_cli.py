"""`ecopetition users` against a real database (both backends): the first administrator and the top
organisation of a fresh deployment, a password reset printed once, a lock lifted; refusals name the field."""
from __future__ import annotations

import re

import sqlalchemy as sa

from workflows.admin.models import AdminEvent
from workflows.models import Organisation, User
from workflows.signin import SignInPolicy, attempt_sign_in


def printed_password(output: str) -> str:
    return re.search(r"\(shown once, to be changed at sign-in\): (\S+)", output).group(1)


def sign_in(cli_app, username: str, password: str):
    services = cli_app.extensions["ecopetition"]
    with services.db.unit_of_work() as tx:
        outcome = attempt_sign_in(tx, services.clock.now(), SignInPolicy(), username, password)
        return outcome.user.username if outcome.user else None


def test_a_fresh_deployment_gets_its_first_administrator_and_top_organisation(cli_app, cli):
    created = cli.invoke(args=["users", "create-admin", "root", "--organisation", "EEB-330000",
                               "--name-zh", "浙江省生态环境厅", "--name-en", "Zhejiang Department"])
    assert created.exit_code == 0, created.output
    assert "organisation EEB-330000 created" in created.output
    password = printed_password(created.output)
    services = cli_app.extensions["ecopetition"]
    with services.db.reader() as session:
        org = session.get(Organisation, "EEB-330000")
        user = session.scalar(sa.select(User).where(User.username == "root"))
        log = [(e.actor, e.action) for e in session.scalars(sa.select(AdminEvent).order_by(AdminEvent.id))]
    assert (org.path, org.parent_code) == ("EEB-330000/", None)
    assert (user.role_names, user.must_change_password) == ({"admin"}, True)
    assert log == [("cli", "organisation.create"), ("cli", "user.create")]
    assert sign_in(cli_app, "root", password) == "root"

    again = cli.invoke(args=["users", "create-admin", "root2", "--organisation", "EEB-330000"])
    assert again.exit_code == 0 and "created at the top" not in again.output, "an existing organisation is used"


def test_refusals_name_what_is_wrong(cli):
    nameless = cli.invoke(args=["users", "create-admin", "root", "--organisation", "EEB-330000"])
    assert nameless.exit_code == 1 and "name_zh" in nameless.output
    unknown = cli.invoke(args=["users", "reset-password", "nobody"])
    assert unknown.exit_code == 1 and "user.not_found" in unknown.output


def test_a_password_is_reset_and_a_lock_lifted_from_the_command_line(cli_app, cli):
    cli.invoke(args=["users", "create-admin", "root", "--organisation", "MEE", "--name-zh", "生态环境部",
                     "--name-en", "Ministry", "--level", "ministry"])
    reset = cli.invoke(args=["users", "reset-password", "root"])
    assert reset.exit_code == 0, reset.output
    password = printed_password(reset.output)
    for _ in range(5):
        sign_in(cli_app, "root", "wrong password")
    assert sign_in(cli_app, "root", password) is None, "locked"
    assert cli.invoke(args=["users", "unlock", "root"]).exit_code == 0
    assert sign_in(cli_app, "root", password) == "root"
