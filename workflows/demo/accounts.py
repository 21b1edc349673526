"""The demo's accounts: one per role at every bureau, all with the same password."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from workflows.accounts import Actor, hash_password
from workflows.bootstrap import Services
from workflows.demo import texts
from workflows.models import User, UserRole

PASSWORD = "ecodemo2026"


BUREAU_SLUGS = {"MEE": "mee", "EEB-330000": "province", "EEB-330100": "hangzhou", "EEB-330106": "xihu",
                "EEB-330110": "yuhang", "EEB-330200": "ningbo", "EEB-330203": "haishu", "EEB-330212": "yinzhou"}


BUREAU_ROLES = ("registrar", "handler", "leader", "supervisor", "auditor")


# The ministry only answers what comes up from the province: reviews, supervision.
MINISTRY_ROLES = ("handler", "leader", "supervisor")


# -- accounts ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    organisation: str
    roles: tuple[str, ...]


def demo_accounts() -> list[DemoAccount]:
    """Every role at every bureau where it has work, one designer and one admin at the province."""
    names = iter(texts.STAFF_NAMES)
    accounts = []
    for code, slug in BUREAU_SLUGS.items():
        for role in MINISTRY_ROLES if code == "MEE" else BUREAU_ROLES:
            accounts.append(DemoAccount(f"{slug}-{role}", next(names), code, (role,)))
    accounts.append(DemoAccount("designer", next(names), "EEB-330000", ("designer",)))
    accounts.append(DemoAccount("admin", next(names), "EEB-330000", ("admin",)))
    return accounts


def create_accounts(services: Services) -> dict[tuple[str, str], Actor]:
    """The demo users (those not there yet), and the Actor for each (organisation, role)."""
    # One shared password: hashing it once instead of per user saves ten seconds of argon2.
    password_hash = hash_password(PASSWORD)
    actors = {}
    with services.db.unit_of_work() as tx:
        for account in demo_accounts():
            user = tx.scalar(sa.select(User).where(User.username == account.username))
            if user is None:
                user = User(username=account.username, display_name=account.display_name, password_hash=password_hash,
                            organisation_code=account.organisation, locale="zh_CN", active=True,
                            created_at=services.clock.now(), roles=[UserRole(role=r) for r in account.roles])
                tx.add(user)
                tx.flush()
            for role in user.role_names:
                actors[(user.organisation_code, role)] = Actor.of(user)
    return actors
