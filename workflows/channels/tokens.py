"""API tokens of channel systems: an administrator creates one for an organisation and roles (the secret is
shown once, only its SHA-256 is kept) and revokes it; every call is logged with the token that made it."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.errors import FieldError, InvalidData, NotAllowed, NotFound
from workflows.accounts import Actor
from workflows.admin.log import record
from workflows.models import ApiCall, ApiToken, Organisation

if TYPE_CHECKING:
    from workflows.bootstrap import Services

TOKEN_PREFIX = "eco_"
# A system acts as a registrar, handler or leader of its organisation; the admin and auditor roles stay with
# people.
API_ROLES = ("registrar", "handler", "leader", "supervisor")


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the secret (shown once) and its row's id, name and prefix."""

    id: int
    name: str
    prefix: str
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(services: Services, admin: Actor, name: str, organisation: str,
                 roles: Iterable[str]) -> IssuedToken:
    """A new token for a channel system; refuses, by field, a taken name, an unknown organisation or role."""
    if not admin.has("admin"):
        raise NotAllowed("api_token.admin_only")
    roles = sorted(set(roles))
    name = (name or "").strip()
    errors: dict[str, FieldError] = {}
    if not name or len(name) > 80:
        errors["name"] = FieldError("field.required")
    if not roles or any(r not in API_ROLES for r in roles):
        errors["roles"] = FieldError("api_token.roles", {"known": list(API_ROLES)})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with services.db.unit_of_work() as tx:
        if tx.get(Organisation, organisation) is None:
            errors["organisation"] = FieldError("user.unknown_organisation", {"organisation": organisation})
        if name and tx.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
            errors["name"] = FieldError("api_token.name_taken", {"name": name})
        if errors:
            raise InvalidData("api_token.not_created", errors=errors)
        row = ApiToken(name=name, prefix=secret[:12], token_hash=_digest(secret), organisation=organisation,
                       roles=",".join(roles), created_by=admin.username, created_at=services.clock.now())
        tx.add(row)
        tx.flush()
        record(tx, row.created_at, admin, "api_token.create", name, organisation=organisation, roles=roles,
               prefix=row.prefix)
        return IssuedToken(row.id, row.name, row.prefix, secret)


def revoke_token(services: Services, admin: Actor, token_id: int) -> None:
    if not admin.has("admin"):
        raise NotAllowed("api_token.admin_only")
    with services.db.unit_of_work() as tx:
        row = tx.get(ApiToken, token_id)
        if row is None:
            raise NotFound("api_token.not_found", token=token_id)
        if row.revoked_at is None:
            row.revoked_at, row.revoked_by = services.clock.now(), admin.username
            record(tx, row.revoked_at, admin, "api_token.revoke", row.name, prefix=row.prefix)


def list_tokens(services: Services) -> list[ApiToken]:
    with services.db.reader() as session:
        return list(session.scalars(sa.select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


@dataclass(frozen=True)
class TokenActor:
    token_id: int
    actor: Actor


def authenticate(services: Services, secret: str | None) -> TokenActor:
    """The actor a live token stands for ('api:<name>'); NotAllowed('api_token.invalid') for anything else."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        raise NotAllowed("api_token.invalid")
    with services.db.unit_of_work() as tx:
        row = tx.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
        if row is None or row.revoked_at is not None:
            raise NotAllowed("api_token.invalid")
        row.last_used_at = services.clock.now()
        return TokenActor(row.id, Actor(f"api:{row.name}", row.organisation, frozenset(row.roles.split(",")),
                                        row.name))


def record_call(services: Services, token_id: int | None, method: str, path: str, status: int,
                remote_addr: str | None) -> None:
    """Log one call (in its own transaction, after the answer is known)."""
    with services.db.unit_of_work() as tx:
        tx.add(ApiCall(token_id=token_id, at=services.clock.now(), method=method[:10], path=path[:400],
                       status=status, remote_addr=(remote_addr or "")[:64] or None))
