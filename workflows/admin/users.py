"""Administering accounts: create (with a first password the user must change), edit name, organisation,
roles and language, disable and enable, reset the password. Every change is one transaction with its
`admin_event`; bad input is refused by field and nothing is written."""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import FieldError, InvalidData, NotAllowed, NotFound
from workflows.accounts import Actor, hash_password
from workflows.admin.log import record, require_admin
from workflows.models import ROLES, Organisation, User, UserRole
from workflows.rules.language import LOCALES
from workflows.signin import SignInPolicy, password_errors, set_password

if TYPE_CHECKING:
    from workflows.bootstrap import Services

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,79}$")
MAX_DISPLAY_NAME = 120


@dataclass(frozen=True)
class AccountForm:
    """What an administrator (or a CSV row) gives for an account. An empty password means: generate one."""

    username: str
    display_name: str
    organisation: str
    roles: tuple[str, ...]
    locale: str | None = None
    password: str = ""


@dataclass(frozen=True)
class IssuedPassword:
    """An account whose password an administrator set: `generated` is the password made for it (shown once),
    None when the administrator typed it."""

    user_id: int
    username: str
    generated: str | None


@dataclass(frozen=True)
class AccountRow:
    id: int
    username: str
    display_name: str
    organisation: str
    roles: tuple[str, ...]
    locale: str | None
    active: bool
    must_change_password: bool
    locked_until: datetime | None
    created_at: datetime


def _row(user: User) -> AccountRow:
    return AccountRow(user.id, user.username, user.display_name, user.organisation_code,
                      tuple(sorted(user.role_names)), user.locale, user.active, user.must_change_password,
                      user.locked_until, user.created_at)


def new_password() -> str:
    """A random first password (12 URL-safe characters); the user replaces it at first sign-in."""
    return secrets.token_urlsafe(9)


def policy_of(services: Services) -> SignInPolicy:
    return SignInPolicy.of(services.settings.security)


def organisation_errors(session: so.Session, code: str) -> FieldError | None:
    """Why users cannot be put in organisation `code`: it does not exist or is deactivated."""
    org = session.get(Organisation, code) if code else None
    if not code:
        return FieldError("field.required")
    if org is None:
        return FieldError("user.unknown_organisation", {"organisation": code})
    if not org.active:
        return FieldError("user.organisation_inactive", {"organisation": code})
    return None


def role_errors(roles: Iterable[str]) -> FieldError | None:
    roles = list(roles)
    unknown = sorted({r for r in roles if r not in ROLES})
    if unknown:
        return FieldError("user.unknown_roles", {"roles": unknown, "known": list(ROLES)})
    if not roles:
        return FieldError("user.role_required")
    return None


def account_errors(session: so.Session, form: AccountForm, policy: SignInPolicy,
                   taken: Iterable[str] = ()) -> dict[str, FieldError]:
    """Every problem with a new account, by field; `taken` are names claimed earlier in the same import."""
    errors: dict[str, FieldError] = {}
    username = form.username.strip()
    if not username:
        errors["username"] = FieldError("field.required")
    elif not USERNAME.match(username):
        errors["username"] = FieldError("user.username_format")
    elif username in set(taken) or session.scalar(sa.select(User.id).where(User.username == username)):
        errors["username"] = FieldError("user.username_taken", {"username": username})
    if len(form.display_name.strip()) > MAX_DISPLAY_NAME:
        errors["display_name"] = FieldError("field.too_long", {"max": MAX_DISPLAY_NAME})
    problem = organisation_errors(session, form.organisation.strip())
    if problem is not None:
        errors["organisation"] = problem
    problem = role_errors(form.roles)
    if problem is not None:
        errors["roles"] = problem
    if form.locale and form.locale not in LOCALES:
        errors["locale"] = FieldError("field.one_of", {"options": list(LOCALES)})
    if form.password:
        problem = password_errors(form.password, username, policy)
        if problem is not None:
            errors["password"] = problem
    return errors


@dataclass(frozen=True)
class FirstPassword:
    """A first password hashed ahead of the transaction that stores it (argon2 takes a good fraction of a
    second; an import of many accounts must not hold the database's write lock that long)."""

    password_hash: str
    generated: str | None

    @classmethod
    def of(cls, form: AccountForm) -> FirstPassword:
        generated = None if form.password else new_password()
        return cls(hash_password(form.password or generated), generated)


def add_account(session: so.Session, now: datetime, form: AccountForm,
                first: FirstPassword | None = None) -> tuple[User, str | None]:
    """Insert a checked account with its first password (generated when none was given), which the user must
    change at first sign-in; returns the user and the generated password."""
    first = first or FirstPassword.of(form)
    generated = first.generated
    user = User(username=form.username.strip(), display_name=form.display_name.strip() or form.username.strip(),
                password_hash="", organisation_code=form.organisation.strip(), locale=form.locale or None,
                active=True, created_at=now, roles=[UserRole(role=r) for r in sorted(set(form.roles))],
                session_epoch=0, failed_logins=0)
    set_password(user, form.password or generated or "", now, must_change=True, password_hash=first.password_hash)
    session.add(user)
    session.flush()
    return user, generated


def create_account(services: Services, admin: Actor, form: AccountForm) -> IssuedPassword:
    """A new account; InvalidData('user.not_created') names each bad field and nothing is stored."""
    require_admin(admin)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        errors = account_errors(tx, form, policy_of(services))
        if errors:
            raise InvalidData("user.not_created", errors=errors)
        user, generated = add_account(tx, now, form)
        record(tx, now, admin, "user.create", user.username, organisation=user.organisation_code,
               roles=sorted(user.role_names), display_name=user.display_name)
        return IssuedPassword(user.id, user.username, generated)


def list_accounts(services: Services, admin: Actor, organisation: str = "", search: str = "",
                  status: str = "") -> list[AccountRow]:
    """Accounts by organisation and name; `status` is '', 'active', 'disabled', 'locked' or 'must_change'."""
    require_admin(admin)
    stmt = sa.select(User).order_by(User.organisation_code, User.username)
    if organisation:
        stmt = stmt.where(User.organisation_code == organisation)
    if search.strip():
        term = search.strip()
        stmt = stmt.where(sa.or_(User.username.contains(term, autoescape=True),
                                 User.display_name.contains(term, autoescape=True)))
    if status == "active":
        stmt = stmt.where(User.active.is_(True))
    elif status == "disabled":
        stmt = stmt.where(User.active.is_(False))
    elif status == "locked":
        stmt = stmt.where(User.locked_until > services.clock.now())
    elif status == "must_change":
        stmt = stmt.where(User.must_change_password.is_(True))
    with services.db.reader() as session:
        return [_row(u) for u in session.scalars(stmt)]


def get_account(services: Services, admin: Actor, user_id: int) -> AccountRow:
    require_admin(admin)
    with services.db.reader() as session:
        return _row(_user(session, user_id))


def find_account(services: Services, admin: Actor, username: str) -> AccountRow:
    """The account with this user name; NotFound('user.not_found') otherwise."""
    require_admin(admin)
    with services.db.reader() as session:
        user = session.scalar(sa.select(User).where(User.username == username.strip()))
        if user is None:
            raise NotFound("user.not_found", user=username)
        return _row(user)


def _user(session: so.Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user.not_found", user=user_id)
    return user


def update_account(services: Services, admin: Actor, user_id: int, display_name: str, organisation: str,
                   roles: Iterable[str], locale: str | None) -> None:
    """Change an account's name, organisation, roles and language; the change takes effect at the user's next
    request. An administrator cannot take the admin role from themselves."""
    require_admin(admin)
    roles = sorted(set(roles))
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        user = _user(tx, user_id)
        errors: dict[str, FieldError] = {}
        if len(display_name.strip()) > MAX_DISPLAY_NAME:
            errors["display_name"] = FieldError("field.too_long", {"max": MAX_DISPLAY_NAME})
        organisation = organisation.strip()
        if organisation != user.organisation_code:
            problem = organisation_errors(tx, organisation)
            if problem is not None:
                errors["organisation"] = problem
        problem = role_errors(roles)
        if problem is not None:
            errors["roles"] = problem
        elif user.username == admin.username and "admin" not in roles:
            errors["roles"] = FieldError("admin.keep_own_admin")
        if locale and locale not in LOCALES:
            errors["locale"] = FieldError("field.one_of", {"options": list(LOCALES)})
        if errors:
            raise InvalidData("user.not_updated", errors=errors)
        before = {"display_name": user.display_name, "organisation": user.organisation_code,
                  "roles": sorted(user.role_names), "locale": user.locale}
        user.display_name = display_name.strip() or user.username
        user.organisation_code = organisation
        user.locale = locale or None
        kept = [r for r in user.roles if r.role in roles]
        user.roles = kept + [UserRole(role=r) for r in roles if r not in {k.role for k in kept}]
        after = {"display_name": user.display_name, "organisation": organisation, "roles": roles,
                 "locale": user.locale}
        changed = {key: {"from": before[key], "to": after[key]} for key in before if before[key] != after[key]}
        if changed:
            record(tx, now, admin, "user.update", user.username, **changed)


def set_account_active(services: Services, admin: Actor, user_id: int, active: bool) -> None:
    """Disable an account (its sessions end at once, sign-in is refused) or enable it again (which also lifts
    a lock). An administrator cannot disable themselves."""
    require_admin(admin)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        user = _user(tx, user_id)
        if not active and user.username == admin.username:
            raise NotAllowed("admin.not_on_self")
        if user.active == active:
            return
        user.active = active
        if active:
            user.failed_logins, user.locked_until = 0, None
        else:
            user.session_epoch += 1
        record(tx, now, admin, "user.enable" if active else "user.disable", user.username)


def unlock_account(services: Services, admin: Actor, user_id: int) -> None:
    """Lift the lock that failed sign-ins put on an account, and start its count again."""
    require_admin(admin)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        user = _user(tx, user_id)
        if user.locked_until is None and not user.failed_logins:
            return
        record(tx, now, admin, "user.unlock", user.username, failed_logins=user.failed_logins,
               locked_until=user.locked_until.isoformat() if user.locked_until else None)
        user.failed_logins, user.locked_until = 0, None


def reset_password(services: Services, admin: Actor, user_id: int, password: str = "") -> IssuedPassword:
    """Give the account a new password (generated when none is typed) that the user must replace at the next
    sign-in; the user's sessions end and a lock is lifted."""
    require_admin(admin)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        user = _user(tx, user_id)
        if password:
            problem = password_errors(password, user.username, policy_of(services))
            if problem is not None:
                raise InvalidData("user.password_not_reset", errors={"password": problem})
        generated = None if password else new_password()
        set_password(user, password or generated, now, must_change=True)
        record(tx, now, admin, "user.reset_password", user.username, generated=generated is not None)
        return IssuedPassword(user.id, user.username, generated)
