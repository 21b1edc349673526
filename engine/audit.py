"""The append-only, hash-chained audit log: one event per command, chained per instance."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from engine.errors import InvalidData
from engine.models import AuditEvent, Instance

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """The one JSON text of a value that hashing and storage use; refuses values JSON cannot carry."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        # Event data must be strings, numbers, booleans, lists and objects.
        raise InvalidData("data.not_json", detail=str(exc)) from exc


def event_hash(instance_id: int, seq: int, at: datetime, actor: str, organisation: str | None, command: str,
               data: str, version_id: int, prev_hash: str) -> str:
    body = canonical_json({
        "instance": instance_id, "seq": seq, "at": at.isoformat(), "actor": actor,
        "organisation": organisation, "command": command, "data": data, "version": version_id,
        "prev": prev_hash,
    })
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append_event(session, instance: Instance, at: datetime, actor: str, organisation: str | None, command: str,
                 data: dict) -> str:
    """Insert the next event of `instance` in the session's transaction and advance the instance's chain
    head; returns the event's hash. The row is written at once by one INSERT, not through the session's unit
    of work (nothing reads it back in the step)."""
    seq = instance.event_count + 1
    prev = instance.last_hash or GENESIS
    text = canonical_json(data)
    digest = event_hash(instance.id, seq, at, actor, organisation, command, text, instance.version_id, prev)
    session.execute(_INSERT, {"instance_id": instance.id, "seq": seq, "at": at, "actor": actor,
                              "organisation": organisation, "command": command, "data": text,
                              "version_id": instance.version_id, "prev_hash": prev, "hash": digest})
    instance.event_count = seq
    instance.last_hash = digest
    return digest


_INSERT = AuditEvent.__table__.insert()


def recompute(event: AuditEvent) -> str:
    return event_hash(event.instance_id, event.seq, event.at, event.actor, event.organisation, event.command,
                      event.data, event.version_id, event.prev_hash)
