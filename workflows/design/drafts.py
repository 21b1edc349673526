"""Drafts of the process bundle: opened from the newest deployed version, edited file by file with optimistic
concurrency (each save names the revision it started from; a save over a newer one is refused with both
versions at hand), and discarded or deployed."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import Conflict, InvalidData, NotAllowed, NotFound
from engine.models import ProcessVersion
from workflows.accounts import Actor
from workflows.models import DesignDraft, DesignDraftFile, DesignEvent

if TYPE_CHECKING:
    from workflows.bootstrap import Services

OPEN, DEPLOYED, DISCARDED = "open", "deployed", "discarded"
DEADLINES_FILE = "deadlines.yaml"
# A bundle file: a BPMN or DMN file at the top, a form under forms/, or the deadlines table.
FILE_PATH = re.compile(r"^(?:[a-z][a-z0-9_\-]*\.(?:bpmn|dmn)|forms/[a-z][a-z0-9_\-]*\.json|deadlines\.yaml)$")


@dataclass(frozen=True)
class DraftFile:
    """One file of a draft as the studio shows it."""

    path: str
    content: str
    revision: int
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class Draft:
    """A draft with its files, sorted by path."""

    id: int
    status: str
    base_version_id: int | None
    created_by: str
    created_at: datetime
    deployed_version_id: int | None
    files: tuple[DraftFile, ...]

    def file(self, path: str) -> DraftFile:
        for each in self.files:
            if each.path == path:
                return each
        raise NotFound("design.file_not_found", path=path, draft=self.id)

    def contents(self) -> dict[str, str]:
        return {each.path: each.content for each in self.files}


class StaleDraftFile(Conflict):
    """A save based on an older revision than the stored one; `current` is the stored file, so the designer
    can compare it with their own."""

    def __init__(self, current: DraftFile, based_on: int) -> None:
        super().__init__("design.stale_file", path=current.path, revision=based_on, current_revision=current.revision,
                         updated_by=current.updated_by)
        self.current = current


def require_designer(actor: Actor) -> None:
    if not actor.has("designer"):
        raise NotAllowed("design.designer_only")


def open_draft(services: Services, actor: Actor) -> Draft:
    """A new draft holding the newest deployed version's files and the deadlines table in use."""
    require_designer(actor)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        version = tx.scalar(sa.select(ProcessVersion).order_by(ProcessVersion.id.desc()).limit(1))
        files = json.loads(version.files) if version is not None else {}
        if DEADLINES_FILE not in files:
            files[DEADLINES_FILE] = _deadlines_text(services)
        draft = DesignDraft(base_version_id=version.id if version else None, status=OPEN, created_by=actor.username,
                            created_at=now)
        tx.add(draft)
        tx.flush()
        for path, content in sorted(files.items()):
            tx.add(DesignDraftFile(draft_id=draft.id, path=path, content=content, revision=1,
                                   updated_by=actor.username, updated_at=now))
        tx.add(DesignEvent(at=now, actor=actor.username, kind="draft_opened", draft_id=draft.id,
                           version_id=draft.base_version_id, note=""))
        tx.flush()
        return _draft_of(tx, draft)


def _deadlines_text(services: Services) -> str:
    path = services.settings.path(services.settings.deadlines.rules_file)
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def get_draft(services: Services, actor: Actor, draft_id: int) -> Draft:
    require_designer(actor)
    with services.db.reader() as tx:
        return _draft_of(tx, _draft_row(tx, draft_id))


def open_drafts(services: Services, actor: Actor) -> list[Draft]:
    """The drafts not yet deployed or discarded, newest first (files included)."""
    require_designer(actor)
    with services.db.reader() as tx:
        rows = tx.scalars(sa.select(DesignDraft).where(DesignDraft.status == OPEN).order_by(DesignDraft.id.desc()))
        return [_draft_of(tx, row) for row in rows]


def save_file(services: Services, actor: Actor, draft_id: int, path: str, content: str,
              revision: int | None) -> DraftFile:
    """Store `content` as the draft's file `path`, if `revision` is still the stored one (None: a new file).

    A save over a newer revision raises StaleDraftFile carrying the stored file."""
    require_designer(actor)
    if not FILE_PATH.match(path or ""):
        raise InvalidData("design.bad_path", path=path)
    with services.db.unit_of_work() as tx:
        draft = _open_draft_row(tx, draft_id, lock=True)
        row = tx.scalar(sa.select(DesignDraftFile).where(DesignDraftFile.draft_id == draft.id,
                                                         DesignDraftFile.path == path).with_for_update())
        now = services.clock.now()
        if row is None:
            if revision not in (None, 0):
                raise NotFound("design.file_not_found", path=path, draft=draft_id)
            row = DesignDraftFile(draft_id=draft.id, path=path, content=content, revision=1,
                                  updated_by=actor.username, updated_at=now)
            tx.add(row)
        else:
            if revision != row.revision:
                raise StaleDraftFile(_file_of(row), revision or 0)
            row.content = content
            row.revision += 1
            row.updated_by = actor.username
            row.updated_at = now
        tx.flush()
        return _file_of(row)


def discard_draft(services: Services, actor: Actor, draft_id: int) -> None:
    require_designer(actor)
    with services.db.unit_of_work() as tx:
        draft = _open_draft_row(tx, draft_id, lock=True)
        draft.status = DISCARDED
        tx.add(DesignEvent(at=services.clock.now(), actor=actor.username, kind="draft_discarded", draft_id=draft.id,
                           version_id=None, note=""))


def _draft_row(tx: so.Session, draft_id: int, lock: bool = False) -> DesignDraft:
    query = sa.select(DesignDraft).where(DesignDraft.id == draft_id)
    draft = tx.scalar(query.with_for_update() if lock else query)
    if draft is None:
        raise NotFound("design.draft_not_found", draft=draft_id)
    return draft


def _open_draft_row(tx: so.Session, draft_id: int, lock: bool = False) -> DesignDraft:
    draft = _draft_row(tx, draft_id, lock)
    if draft.status != OPEN:
        raise Conflict("design.draft_closed", draft=draft_id, status=draft.status)
    return draft


def _file_of(row: DesignDraftFile) -> DraftFile:
    return DraftFile(row.path, row.content, row.revision, row.updated_by, row.updated_at)


def _draft_of(tx: so.Session, draft: DesignDraft) -> Draft:
    rows = tx.scalars(sa.select(DesignDraftFile).where(DesignDraftFile.draft_id == draft.id)
                      .order_by(DesignDraftFile.path))
    return Draft(draft.id, draft.status, draft.base_version_id, draft.created_by, draft.created_at,
                 draft.deployed_version_id, tuple(_file_of(row) for row in rows))
