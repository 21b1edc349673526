"""Moving running cases to a new version, as designers do it in the studio (designers only): the plan from
the form's words (versions, `old=new` lines, keep due times), its dry run per case, and the run itself, each
case in its own engine step. The command line (`ecopetition cases migrate`) is the operators' way to the
same engine functions."""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import FieldError, InvalidData
from engine.migration import (
    MigrationPlan,
    MigrationReport,
    candidates,
    make_plan,
    parse_where,
    run_migration,
)
from workflows.accounts import Actor
from workflows.cases import PROCESS_ID
from workflows.design.drafts import require_designer

if TYPE_CHECKING:
    from workflows.bootstrap import Services


def plan_migration(services: Services, actor: Actor, from_version: int, to_version: int, mappings: str = "",
                   keep_due: bool = False) -> MigrationPlan:
    """The checked plan; `mappings` holds one `old=new` per line. InvalidData names each bad line."""
    require_designer(actor)
    pairs, errors = {}, {}
    for number, line in enumerate(mappings.splitlines(), start=1):
        if not line.strip():
            continue
        old, sep, new = line.partition("=")
        if not sep or not old.strip() or not new.strip():
            errors[f"mappings.{number}"] = FieldError("migration.mapping_format", {"line": line.strip()})
            continue
        pairs[old.strip()] = new.strip()
    if errors:
        raise InvalidData("migration.invalid_plan", errors=errors)
    return make_plan(services.definitions, from_version, to_version, PROCESS_ID, pairs, keep_due)


def migrate_cases(services: Services, actor: Actor, plan: MigrationPlan, where: str = "",
                  dry_run: bool = True) -> MigrationReport:
    """Check (dry run) or move every running case of the plan's old version that `where` takes
    (`business_key=...`, `instance=...`, `waiting=...`, one per line); each move is recorded for `actor`."""
    require_designer(actor)
    ids = candidates(services.db, plan, parse_where(line for line in where.splitlines() if line.strip()))
    return run_migration(services.runtime, plan, ids, actor.username, dry_run=dry_run,
                         organisation=actor.organisation)
