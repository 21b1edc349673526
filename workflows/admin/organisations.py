"""Administering the organisation tree: add a bureau or department under a parent, rename it (Chinese and
English), move it under another parent, deactivate and reactivate it.

A move rewrites the stored `path` of the organisation and of everything below it, and the `org_path` of the
case rows that name them, so that "everything at or below X" (supervisors, auditors) follows the new tree
in the same transaction. A deactivated organisation takes no new users and no new organisations below it,
but its users, open cases and queues keep working."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import FieldError, InvalidData, NotFound
from workflows.accounts import Actor
from workflows.admin.log import record, require_admin
from workflows.models import CaseOrganisation, Organisation, User
from workflows.rules.organisations import LEVELS

if TYPE_CHECKING:
    from workflows.bootstrap import Services

# Codes go into paths matched with LIKE: capitals, digits and "-" only, so they hold no wildcard.
CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,59}$")
ORG_LEVELS = (*LEVELS, "department")
MAX_NAME = 200


@dataclass(frozen=True)
class OrganisationRow:
    """One node of the tree as the administrator sees it, with its depth and how many active users it has."""

    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None
    path: str
    active: bool
    depth: int
    users: int


def organisation_tree(services: Services) -> list[OrganisationRow]:
    """Every organisation in tree order (each under its parent)."""
    with services.db.reader() as session:
        counts = dict(session.execute(sa.select(User.organisation_code, sa.func.count())
                                      .where(User.active.is_(True)).group_by(User.organisation_code)).all())
        return [OrganisationRow(o.code, o.name_zh, o.name_en, o.level, o.parent_code, o.path, o.active,
                                o.path.count("/") - 1, counts.get(o.code, 0))
                for o in session.scalars(sa.select(Organisation).order_by(Organisation.path))]


def _organisation(session: so.Session, code: str) -> Organisation:
    org = session.get(Organisation, code)
    if org is None:
        raise NotFound("organisation.not_found", organisation=code)
    return org


def _names(name_zh: str, name_en: str) -> dict[str, FieldError]:
    errors = {}
    for field, value in (("name_zh", name_zh), ("name_en", name_en)):
        if not value.strip():
            errors[field] = FieldError("field.required")
        elif len(value.strip()) > MAX_NAME:
            errors[field] = FieldError("field.too_long", {"max": MAX_NAME})
    return errors


def _parent_errors(session: so.Session, parent_code: str) -> FieldError | None:
    if not parent_code:
        return FieldError("field.required")
    parent = session.get(Organisation, parent_code)
    if parent is None:
        return FieldError("organisation.unknown_parent", {"parent": parent_code})
    if not parent.active:
        return FieldError("organisation.parent_inactive", {"parent": parent_code})
    return None


def add_organisation(services: Services, admin: Actor, code: str, name_zh: str, name_en: str, level: str,
                     parent_code: str) -> None:
    """A new organisation under an active parent; InvalidData('organisation.not_created') by field."""
    require_admin(admin)
    code, parent_code = code.strip(), parent_code.strip()
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        errors = _names(name_zh, name_en)
        if not CODE.match(code):
            errors["code"] = FieldError("organisation.code_format")
        elif tx.get(Organisation, code) is not None:
            errors["code"] = FieldError("organisation.code_taken", {"organisation": code})
        if level not in ORG_LEVELS:
            errors["level"] = FieldError("field.one_of", {"options": list(ORG_LEVELS)})
        problem = _parent_errors(tx, parent_code)
        if problem is not None:
            errors["parent"] = problem
        if errors:
            raise InvalidData("organisation.not_created", errors=errors)
        parent = tx.get(Organisation, parent_code)
        tx.add(Organisation(code=code, name_zh=name_zh.strip(), name_en=name_en.strip(), level=level,
                            parent_code=parent_code, path=parent.path + code + "/", active=True))
        record(tx, now, admin, "organisation.create", code, parent=parent_code, level=level,
               name_zh=name_zh.strip(), name_en=name_en.strip())


def add_root_organisation(services: Services, admin: Actor, code: str, name_zh: str, name_en: str,
                          level: str) -> bool:
    """An organisation at the top of the tree (a deployment's first, from the command line); False when it
    exists already. Refused by field like `add_organisation`."""
    require_admin(admin)
    code = code.strip()
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        if tx.get(Organisation, code) is not None:
            return False
        errors = _names(name_zh, name_en)
        if not CODE.match(code):
            errors["code"] = FieldError("organisation.code_format")
        if level not in ORG_LEVELS:
            errors["level"] = FieldError("field.one_of", {"options": list(ORG_LEVELS)})
        if errors:
            raise InvalidData("organisation.not_created", errors=errors)
        tx.add(Organisation(code=code, name_zh=name_zh.strip(), name_en=name_en.strip(), level=level,
                            parent_code=None, path=code + "/", active=True))
        record(tx, now, admin, "organisation.create", code, level=level, name_zh=name_zh.strip(),
               name_en=name_en.strip())
        return True


def rename_organisation(services: Services, admin: Actor, code: str, name_zh: str, name_en: str) -> None:
    require_admin(admin)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        org = _organisation(tx, code)
        errors = _names(name_zh, name_en)
        if errors:
            raise InvalidData("organisation.not_renamed", errors=errors)
        before = {"name_zh": org.name_zh, "name_en": org.name_en}
        org.name_zh, org.name_en = name_zh.strip(), name_en.strip()
        changed = {k: {"from": before[k], "to": getattr(org, k)} for k in before if before[k] != getattr(org, k)}
        if changed:
            record(tx, now, admin, "organisation.rename", code, **changed)


def move_organisation(services: Services, admin: Actor, code: str, parent_code: str) -> int:
    """Put `code` (and everything below it) under `parent_code`; refuses a parent that is the organisation
    itself or lies below it, and a deactivated parent. Returns how many organisations got a new path."""
    require_admin(admin)
    parent_code = parent_code.strip()
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        org = _organisation(tx, code)
        problem = _parent_errors(tx, parent_code)
        if problem is None:
            parent = tx.get(Organisation, parent_code)
            if parent.path.startswith(org.path):
                problem = FieldError("organisation.move_cycle", {"organisation": code, "parent": parent_code})
        if problem is not None:
            raise InvalidData("organisation.not_moved", errors={"parent": problem})
        if org.parent_code == parent_code:
            return 0
        old_path, new_path = org.path, parent.path + code + "/"
        before = org.parent_code
        org.parent_code = parent_code
        tx.flush()
        moved = _replace_prefix(tx, Organisation.__table__, Organisation.path, old_path, new_path)
        _replace_prefix(tx, CaseOrganisation.__table__, CaseOrganisation.org_path, old_path, new_path)
        record(tx, now, admin, "organisation.move", code, parent={"from": before, "to": parent_code},
               path={"from": old_path, "to": new_path}, organisations=moved)
        return moved


def _replace_prefix(session: so.Session, table: sa.Table, column: sa.Column, old: str, new: str) -> int:
    """Rewrite `column` from `old...` to `new...` on every row under `old` (codes hold no LIKE wildcards)."""
    tail = sa.func.substr(column, len(old) + 1, type_=sa.String)
    result = session.execute(sa.update(table).where(column.like(old + "%"))
                             .values({column.key: sa.literal(new, sa.String).concat(tail)}))
    session.expire_all()
    return result.rowcount


def set_organisation_active(services: Services, admin: Actor, code: str, active: bool) -> None:
    """Deactivate an organisation (no new users or organisations in it; what runs keeps running) or activate
    it again (refused while its parent is deactivated)."""
    require_admin(admin)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        org = _organisation(tx, code)
        if org.active == active:
            return
        if active and org.parent_code:
            parent = tx.get(Organisation, org.parent_code)
            if parent is not None and not parent.active:
                raise InvalidData("organisation.not_activated", errors={
                    "parent": FieldError("organisation.parent_inactive", {"parent": org.parent_code})})
        org.active = active
        record(tx, now, admin, "organisation.activate" if active else "organisation.deactivate", code)
