"""`ecopetition users`: what a deployer does from the command line before (or without) an administrator in
the browser: create the first administrator (and the top organisation), reset a password, lift a lock.
Each is an admin_event with `cli` as the actor; generated passwords are printed once."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.errors import EngineError, InvalidData
from workflows.accounts import Actor
from workflows.admin.organisations import add_root_organisation
from workflows.admin.users import (
    AccountForm,
    create_account,
    find_account,
    reset_password,
    unlock_account,
)

# The command line acts with the administrator's rights; the log names it as `cli`.
CLI_ADMIN = Actor("cli", "", frozenset({"admin"}), "command line")


def _fail(exc: EngineError) -> None:
    details = "; ".join(f"{field}: {error}" for field, error in getattr(exc, "errors", {}).items())
    raise click.ClickException(f"{exc}" + (f" ({details})" if details else ""))


@click.group("users", help="Accounts from the command line: the first administrator, password resets, locks.")
def users_group() -> None:
    pass


@users_group.command("create-admin", help="Create an administrator of ORGANISATION (made at the top of the tree "
                                          "when it does not exist yet); prints the first password once.")
@click.argument("username")
@click.option("--organisation", required=True, help="Organisation code, e.g. EEB-330000.")
@click.option("--name-zh", default="", help="Chinese name of a new organisation.")
@click.option("--name-en", default="", help="English name of a new organisation.")
@click.option("--level", default="province", show_default=True, help="Level of a new organisation.")
@with_appcontext
def create_admin(username: str, organisation: str, name_zh: str, name_en: str, level: str) -> None:
    services = current_app.extensions["ecopetition"]
    try:
        if add_root_organisation(services, CLI_ADMIN, organisation, name_zh, name_en, level):
            click.echo(f"organisation {organisation} created at the top of the tree")
        issued = create_account(services, CLI_ADMIN, AccountForm(username, username, organisation, ("admin",)))
    except InvalidData as exc:
        _fail(exc)
    click.echo(f"administrator {issued.username} created; first password (shown once, to be changed at sign-in): "
               f"{issued.generated}")


@users_group.command("reset-password", help="Give USERNAME a new generated password to change at sign-in.")
@click.argument("username")
@with_appcontext
def reset_password_command(username: str) -> None:
    services = current_app.extensions["ecopetition"]
    try:
        issued = reset_password(services, CLI_ADMIN, find_account(services, CLI_ADMIN, username).id)
    except EngineError as exc:
        _fail(exc)
    click.echo(f"password of {username} reset; new password (shown once, to be changed at sign-in): "
               f"{issued.generated}")


@users_group.command("unlock", help="Lift the lock that failed sign-ins put on USERNAME.")
@click.argument("username")
@with_appcontext
def unlock_command(username: str) -> None:
    services = current_app.extensions["ecopetition"]
    try:
        unlock_account(services, CLI_ADMIN, find_account(services, CLI_ADMIN, username).id)
    except EngineError as exc:
        _fail(exc)
    click.echo(f"{username} unlocked")
