"""The administrators' log: every administrative action is recorded in the transaction that makes it, and
admins read it back with filters (who, what, on whom, when)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import NotAllowed
from workflows.accounts import Actor
from workflows.admin.models import AdminEvent
from workflows.listing import Listing, page_of
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services

ACTIONS = ("user.create", "user.update", "user.disable", "user.enable", "user.unlock", "user.reset_password",
           "user.import",
           "organisation.create", "organisation.rename", "organisation.move", "organisation.deactivate",
           "organisation.activate", "api_token.create", "api_token.revoke")


def require_admin(actor: Actor) -> None:
    if not actor.has("admin"):
        raise NotAllowed("admin.admin_only")


def record(session: so.Session, at: datetime, actor: Actor, action: str, target: str, **details: Any) -> None:
    """Add one event to the log, in the caller's transaction (so it is stored exactly when the change is)."""
    session.add(AdminEvent(at=at, actor=actor.username, action=action, target=target[:120],
                           details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)))


@dataclass(frozen=True)
class LogFilters:
    """What the admin log page filters by; empty means any. Days are Asia/Shanghai calendar days."""

    actor: str = ""
    action: str = ""
    target: str = ""
    day_from: date | None = None
    day_to: date | None = None


@dataclass(frozen=True)
class LogEntry:
    at: datetime
    actor: str
    action: str
    target: str
    details: dict


def admin_log(services: Services, admin: Actor, filters: LogFilters, page: int = 1,
              per_page: int = 50) -> Listing[LogEntry]:
    """The log, newest first, filtered; for administrators only."""
    require_admin(admin)
    conditions = []
    if filters.actor:
        conditions.append(AdminEvent.actor == filters.actor.strip())
    if filters.action:
        conditions.append(AdminEvent.action == filters.action)
    if filters.target:
        conditions.append(AdminEvent.target.contains(filters.target.strip(), autoescape=True))
    if filters.day_from:
        conditions.append(AdminEvent.at >= datetime.combine(filters.day_from, time(), SHANGHAI))
    if filters.day_to:
        conditions.append(AdminEvent.at < datetime.combine(filters.day_to + timedelta(days=1), time(), SHANGHAI))
    with services.db.reader() as session:
        rows, total, page = page_of(session, sa.select(AdminEvent).where(*conditions)
                                    .order_by(AdminEvent.at.desc(), AdminEvent.id.desc()), page, per_page)
        entries = [LogEntry(r.at, r.actor, r.action, r.target, json.loads(r.details or "{}")) for (r,) in rows]
    return Listing(entries, total, page, per_page)
