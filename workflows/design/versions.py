"""Versions as designers see them: deploying a draft as a new version (the same checks as the command line;
an invalid draft is never deployed) with its note recorded as a design event, the list of versions with who
deployed them, when and why, and what changed between two versions, element by element."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.errors import BundleProblem, Conflict, InvalidBundle
from engine.models import Instance, ProcessVersion
from workflows.accounts import Actor
from workflows.design.drafts import (
    DEADLINES_FILE,
    DEPLOYED,
    OPEN,
    get_draft,
    require_designer,
)
from workflows.design.validation import bundle_files, check_draft
from workflows.models import DesignDraft, DesignEvent

if TYPE_CHECKING:
    from workflows.bootstrap import Services


@dataclass(frozen=True)
class Deployed:
    """A draft deployed: the new version, the checks' warnings, and whether the draft's deadlines table differs
    from the one in use (it is configuration: it takes effect when the file in config.yaml changes)."""

    version_id: int
    warnings: tuple[BundleProblem, ...]
    deadlines_changed: bool


@dataclass(frozen=True)
class VersionEntry:
    id: int
    deployed_at: datetime
    deployed_by: str
    note: str
    process_ids: tuple[str, ...]
    cases: int


def deploy_draft(services: Services, actor: Actor, draft_id: int, note: str) -> Deployed:
    """Check the draft and store it as a new version; refuse it whole (InvalidBundle) if any check fails."""
    draft = get_draft(services, actor, draft_id)
    if draft.status != OPEN:
        raise Conflict("design.draft_closed", draft=draft_id, status=draft.status)
    report = check_draft(services, draft)
    if not report.valid:
        raise InvalidBundle(list(report.problems))
    version, created = services.definitions.deploy(bundle_files(draft), actor.username, note.strip())
    if not created:
        raise Conflict("design.unchanged", version=version.id)
    with services.db.unit_of_work() as tx:
        row = tx.get(DesignDraft, draft_id)
        row.status = DEPLOYED
        row.deployed_version_id = version.id
        tx.add(DesignEvent(at=services.clock.now(), actor=actor.username, kind="deployed", draft_id=draft_id,
                           version_id=version.id, note=note.strip()))
    in_use = services.settings.path(services.settings.deadlines.rules_file)
    current = in_use.read_text(encoding="utf-8") if in_use.is_file() else ""
    return Deployed(version.id, report.warnings, draft.contents().get(DEADLINES_FILE, current) != current)


def list_versions(services: Services, actor: Actor) -> list[VersionEntry]:
    """Every deployed version, newest first, with its note and how many cases run on it."""
    require_designer(actor)
    with services.db.reader() as tx:
        counts = dict(tx.execute(sa.select(Instance.version_id, sa.func.count(Instance.id))
                                 .group_by(Instance.version_id)).all())
        rows = tx.execute(sa.select(ProcessVersion.id, ProcessVersion.deployed_at, ProcessVersion.deployed_by,
                                    ProcessVersion.comment, ProcessVersion.process_ids)
                          .order_by(ProcessVersion.id.desc())).all()
    return [VersionEntry(id_, at, by, note or "", tuple(json.loads(ids)), counts.get(id_, 0))
            for id_, at, by, note, ids in rows]


def version_files(services: Services, actor: Actor, version_id: int) -> dict[str, str]:
    require_designer(actor)
    return dict(services.definitions.compiled(version_id).files)
