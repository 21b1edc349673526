"""Deployed process versions: storing a bundle as a new version when its content changed, and the
per-version cache of compiled specs that every step and replay reads."""
from __future__ import annotations

import json
import threading
from collections.abc import Collection

import sqlalchemy as sa

from engine.bundles import CompiledVersion, ScriptCheck, compile_bundle, content_hash
from engine.clock import Clock
from engine.errors import NotFound
from engine.models import ProcessVersion
from engine.spiff.limits import ScriptLimits
from engine.store import Database


class Definitions:
    """Deployed process versions and a cache of their compiled specs (specs never change once deployed).

    `script_functions` are the names of the functions the domain registers for scripts; deploy refuses a
    script that calls a function by any other name (unless the script defines it). `script_limits` are those
    the runtime enforces; deploy refuses a constant range beyond them. Without either, that check is left
    out; the others (names scripts may not use, imports, endless loops) always run."""

    def __init__(self, db: Database, clock: Clock, script_functions: Collection[str] | None = None,
                 script_limits: ScriptLimits | None = None) -> None:
        self.db = db
        self.clock = clock
        self.script_check = ScriptCheck(frozenset(script_functions) if script_functions is not None else None,
                                        script_limits)
        self._cache: dict[int, CompiledVersion] = {}
        self._lock = threading.Lock()

    def deploy(self, files: dict[str, str], actor: str, comment: str = "") -> tuple[ProcessVersion, bool]:
        """Store a new version if the content changed; return (version, created). Invalid bundles store nothing;
        the warnings of a valid one are `compiled(version.id).warnings` (empty for a version loaded later)."""
        digest = content_hash(files)
        with self.db.reader() as session:
            existing = session.scalar(sa.select(ProcessVersion).where(ProcessVersion.content_hash == digest))
        if existing is not None:
            return existing, False
        compiled = compile_bundle(files, script_check=self.script_check)
        with self.db.unit_of_work() as session:
            existing = session.scalar(sa.select(ProcessVersion).where(ProcessVersion.content_hash == digest))
            if existing is not None:
                return existing, False
            version = ProcessVersion(
                content_hash=digest, files=json.dumps(files, ensure_ascii=False, sort_keys=True),
                process_ids=json.dumps(sorted(compiled.specs)), deployed_at=self.clock.now(),
                deployed_by=actor, comment=comment)
            session.add(version)
            session.flush()
        compiled.version_id = version.id
        with self._lock:
            self._cache[version.id] = compiled
        return version, True

    def compiled(self, version_id: int) -> CompiledVersion:
        with self._lock:
            hit = self._cache.get(version_id)
        if hit is not None:
            return hit
        with self.db.reader() as session:
            row = session.get(ProcessVersion, version_id)
            if row is None:
                raise NotFound("version.not_found", version=version_id)
            files = json.loads(row.files)
        compiled = compile_bundle(files, version_id)
        with self._lock:
            self._cache.setdefault(version_id, compiled)
            return self._cache[version_id]

    def latest_for(self, process_id: str) -> int:
        """The newest version that contains `process_id`."""
        with self.db.reader() as session:
            rows = session.execute(
                sa.select(ProcessVersion.id, ProcessVersion.process_ids).order_by(ProcessVersion.id.desc())).all()
        for version_id, process_ids in rows:
            if process_id in json.loads(process_ids):
                return version_id
        raise NotFound("process.not_deployed", process=process_id)

    def versions(self) -> list[ProcessVersion]:
        with self.db.reader() as session:
            return list(session.scalars(sa.select(ProcessVersion).order_by(ProcessVersion.id)))
