"""Exporting a case for replay elsewhere (its events with their hashes, its process version and stored
state), and verifying such an export in memory, without the database it came from."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from engine.bundles import CompiledVersion, compile_bundle, content_hash
from engine.clock import ManualClock
from engine.models import AuditEvent, Instance, ProcessVersion
from engine.replay import load_events
from engine.runtime import Runtime
from engine.verify import Verdict, check_chain, check_replay

EXPORT_FORMAT = "ecopetition-instance/1"


def export_instance(runtime, instance_id: int, include_files: bool = True) -> dict:
    """Everything needed to replay an instance elsewhere: its events with their hashes, the process version
    (content hash and, by default, its files) and the stored state to compare the replay with."""
    instance, events = load_events(runtime, instance_id)
    compiled = runtime.definitions.compiled(instance.version_id)
    with runtime.db.reader() as session:
        version = session.get(ProcessVersion, instance.version_id)
    exported = {
        "format": EXPORT_FORMAT,
        "instance": {"id": instance.id, "process_id": instance.process_id, "business_key": instance.business_key,
                     "status": instance.status, "event_count": instance.event_count,
                     "last_hash": instance.last_hash, "serializer_version": instance.serializer_version,
                     "state_sha256": hashlib.sha256(instance.state.encode("utf-8")).hexdigest()},
        "version": {"id": version.id, "content_hash": version.content_hash,
                    "process_ids": json.loads(version.process_ids), "deployed_at": version.deployed_at.isoformat(),
                    "deployed_by": version.deployed_by},
        "events": [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "organisation": e.organisation,
                    "command": e.command, "data": e.data, "version_id": e.version_id, "prev_hash": e.prev_hash,
                    "hash": e.hash} for e in events],
        "state": instance.state,
    }
    if include_files:
        exported["version"]["files"] = compiled.files
    # A migrated case started on an earlier version; its replay needs that version's files too.
    earlier = [v for v in dict.fromkeys(e.version_id for e in events) if v != instance.version_id]
    if earlier:
        exported["earlier_versions"] = []
        for version_id in earlier:
            with runtime.db.reader() as session:
                row = session.get(ProcessVersion, version_id)
            entry = {"id": row.id, "content_hash": row.content_hash}
            if include_files:
                entry["files"] = runtime.definitions.compiled(version_id).files
            exported["earlier_versions"].append(entry)
    return exported


class _Versions:
    """Definitions holding the compiled versions of an export, for replaying it without a database; an export
    of an unmigrated case holds one, which answers for any id."""

    def __init__(self, compiled: dict[int, CompiledVersion], current: int) -> None:
        self._compiled = compiled
        self._current = current

    def compiled(self, version_id: int) -> CompiledVersion:
        return self._compiled.get(version_id, self._compiled[self._current])


def verify_export(exported: dict, functions=None, files: dict[str, str] | None = None) -> Verdict:
    """Replay an exported instance in memory and compare it with the exported state and hash chain.

    `functions` are the script functions the process calls (the deployment's, e.g. its deadline rules);
    `files` replaces the version's files when the export left them out."""
    head = exported["instance"]
    verdict = Verdict(head["id"], head.get("business_key"), len(exported["events"]))
    version = exported["version"]
    files = files if files is not None else version.get("files")
    if files is None or content_hash(files) != version["content_hash"]:
        return verdict.fail("verify.files_mismatch", version=version["id"], content_hash=version["content_hash"][:12])
    instance = Instance(id=head["id"], process_id=head["process_id"], version_id=version["id"],
                        business_key=head.get("business_key"), status=head["status"], state=exported["state"],
                        event_count=head["event_count"], last_hash=head["last_hash"])
    events = [AuditEvent(instance_id=head["id"], seq=e["seq"], at=datetime.fromisoformat(e["at"]), actor=e["actor"],
                         organisation=e["organisation"], command=e["command"], data=e["data"],
                         version_id=e["version_id"], prev_hash=e["prev_hash"], hash=e["hash"])
              for e in exported["events"]]
    if not check_chain(instance, events, verdict):
        return verdict
    compiled = {version["id"]: compile_bundle(files, version["id"])}
    for earlier in exported.get("earlier_versions", []):
        if "files" not in earlier or content_hash(earlier["files"]) != earlier["content_hash"]:
            return verdict.fail("verify.files_mismatch", version=earlier["id"],
                                content_hash=earlier["content_hash"][:12])
        compiled[earlier["id"]] = compile_bundle(earlier["files"], earlier["id"])
    runtime = Runtime(None, _Versions(compiled, version["id"]), ManualClock(), functions)
    return check_replay(runtime, instance, events, verdict)
