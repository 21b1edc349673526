"""Organisations, users and roles: seeding the tree, creating users, checking passwords (argon2)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.clock import Clock
from engine.errors import FieldError, InvalidData
from workflows.models import ROLES, Organisation, User, UserRole
from workflows.rules import organisations as orgs
from workflows.rules.language import LOCALES

MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()
# Checked against when the user does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user's name, organisation and roles (or the portal, or the system)."""

    username: str
    organisation: str
    roles: frozenset[str] = field(default_factory=frozenset)
    display_name: str = ""

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def sees_below(self) -> bool:
        """Supervisors and auditors see the cases of their organisation and of every one below it."""
        return self.has("supervisor", "auditor")

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.username, user.organisation_code, frozenset(user.role_names), user.display_name)


def org_path(code: str) -> str:
    """The organisation's path from the root, e.g. 'MEE/EEB-330000/EEB-330100/EEB-330106/'.

    Bureau codes carry their place in the tree; any other code (a department, say) sits at the root.
    """
    try:
        chain = list(reversed(orgs.ancestors(code))) + [code]
    except ValueError:
        chain = [code]
    return "/".join(chain) + "/"


def organisation_paths(session: so.Session, codes: Iterable[str]) -> dict[str, str]:
    """Each organisation's path as the tree stores it (an administrator may have moved it), in one query; for a
    code that is not in the table, the path its code implies."""
    codes = set(codes)
    stored = dict(session.execute(sa.select(Organisation.code, Organisation.path)
                                  .where(Organisation.code.in_(sorted(codes)))).all()) if codes else {}
    return {code: stored.get(code) or org_path(code) for code in codes}


def path_expression(code: str) -> sa.ColumnElement[str]:
    """SQL for the organisation's stored path (else the path its code implies), for queries that match the
    organisations below it by prefix without a round trip."""
    stored = sa.select(Organisation.path).where(Organisation.code == code).scalar_subquery()
    return sa.func.coalesce(stored, sa.literal(org_path(code)))


def seed_organisations(session: so.Session, rows: Iterable[orgs.Organisation] = orgs.DEMO_ORGANISATIONS) -> int:
    """Insert the organisations that are not there yet (parents first); returns how many were added."""
    added = 0
    for org in rows:
        if session.get(Organisation, org.code) is None:
            session.add(Organisation(code=org.code, name_zh=org.name_zh, name_en=org.name_en, level=org.level,
                                     parent_code=org.parent, path=org_path(org.code), active=True))
            session.flush()
            added += 1
    return added


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: so.Session, clock: Clock, username: str, display_name: str, password: str,
                organisation: str, roles: Iterable[str], locale: str | None = None) -> User:
    """Add a user; refuses an unknown organisation or role, a taken name or a short password, by field."""
    roles = sorted(set(roles))
    errors = {}
    if not username or not username.strip():
        errors["username"] = FieldError("field.required")
    elif session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        errors["username"] = FieldError("user.username_taken", {"username": username})
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = FieldError("field.too_short", {"min": MIN_PASSWORD_LENGTH})
    if session.get(Organisation, organisation) is None:
        errors["organisation"] = FieldError("user.unknown_organisation", {"organisation": organisation})
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        errors["roles"] = FieldError("user.unknown_roles", {"roles": unknown, "known": list(ROLES)})
    elif not roles:
        errors["roles"] = FieldError("user.role_required")
    if locale is not None and locale not in LOCALES:
        errors["locale"] = FieldError("field.one_of", {"options": list(LOCALES)})
    if errors:
        raise InvalidData("user.not_created", errors=errors)
    user = User(username=username.strip(), display_name=display_name or username, password_hash=hash_password(password),
                organisation_code=organisation, locale=locale, active=True, created_at=clock.now(),
                roles=[UserRole(role=r) for r in roles])
    session.add(user)
    session.flush()
    return user


def set_locale(session: so.Session, user_id: int, locale: str) -> None:
    """Remember the user's language for their next sessions."""
    if locale not in LOCALES:
        raise InvalidData("user.locale_not_changed", errors={"locale": FieldError("field.one_of",
                                                                                  {"options": list(LOCALES)})})
    user = session.get(User, user_id)
    if user is not None:
        user.locale = locale


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the hash; with no hash (no such user), checks against a dummy hash so that
    an unknown name takes as long as a wrong password. Touches no database."""
    try:
        _hasher.verify(password_hash if password_hash is not None else _DUMMY_HASH, password or "")
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker settings than argon2's current defaults."""
    return _hasher.check_needs_rehash(password_hash)


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is the user's (see `verify_password`); upgrades the stored hash when argon2's
    defaults moved."""
    if not verify_password(user.password_hash if user is not None else None, password) or user is None:
        return False
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True
