"""A case's history as people read it: every audit event with what it did and what data it changed, and
the state after each event, both computed by replaying the events against the case's process version.
`describe_event` is the one reading of an event, shared by the auditor's history and the case page.

Labels come from the process bundle (task titles from the BPMN, field titles and option names from the
forms), so they stay bilingual ("受理决定 Decision") and the page chooses the language."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.bundles import CompiledVersion
from engine.models import AuditEvent, Instance, ProcessVersion
from engine.replay import StepState, replay_states
from engine.verify import Verdict, verify_instance
from workflows.accounts import Actor
from workflows.cases import get_case
from workflows.models import Case
from workflows.personal import open_petitioner
from workflows.rules.masking import mask_personal

if TYPE_CHECKING:
    from workflows.bootstrap import Services


@dataclass
class Change:
    """One field the event changed: its dotted path, label (bilingual when the form gives one) and values."""

    path: str
    label: str
    kind: str  # added, changed, removed, appended (items added to the end of a list)
    before: str | None
    after: str | None


@dataclass
class HistoryEntry:
    """One event: who did what when, on which process version, and the data it changed.

    `subject` names what the command acted on (a task title, a message, the timers that fired); `detail`
    holds the rest of what a sentence needs (assignee, reason, old and new due time)."""

    seq: int
    at: datetime
    actor: str
    organisation: str | None
    command: str
    subject: str
    detail: dict[str, Any]
    changes: list[Change]
    version_id: int
    hash: str
    prev_hash: str


@dataclass
class CaseHistory:
    case: Case
    instance: Instance
    version: ProcessVersion
    entries: list[HistoryEntry]
    states: list[StepState]
    processes: list[str] = field(default_factory=list)
    labels: Labels | None = None
    # Every process version the case ran on, in order: more than one once it was migrated.
    versions: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Option:
    """An option's name (bilingual, from the form's enumNames) standing for the code the data holds."""

    name: str


@dataclass(frozen=True)
class Fact:
    """One field of case data as people read it: its label (bilingual when the form gives one) and value.

    Option codes in the value are `Option`s (lists item by item); booleans, ISO times and free text are as
    stored, so the page formats them in the reader's language."""

    path: str
    label: str
    value: Any


@dataclass(frozen=True)
class EventDescription:
    """What an event did: `subject` names what the command acted on (a task title, a message, the timers
    that fired), `names` the same one by one; `detail` holds the rest a sentence needs (assignee, reason,
    old and new due time); `facts` are the answers it carried (a completed task's form, a message payload)."""

    subject: str
    names: tuple[str, ...]
    detail: dict[str, Any]
    facts: list[Fact]


class Labels:
    """Titles of tasks, fields and options of one process version, read from its BPMN and forms."""

    def __init__(self, compiled: CompiledVersion) -> None:
        self.tasks: dict[str, str] = {}
        for node in compiled.flow_nodes():
            self.tasks.setdefault(node.name, node.title)
        self.fields: dict[str, str] = {}
        self.options: dict[tuple[str, str], str] = {}
        for schema in compiled.forms.values():
            self._read(schema.get("properties", {}), "")

    def _read(self, properties: dict, prefix: str) -> None:
        for key, prop in properties.items():
            path = prefix + key
            if prop.get("title"):
                self.fields.setdefault(path, prop["title"])
            for value, name in zip(prop.get("enum", []), prop.get("enumNames", [])):
                self.options.setdefault((path, str(value)), name)
            items = prop.get("items") or {}
            for value, name in zip(items.get("enum", []), items.get("enumNames", [])):
                self.options.setdefault((path, str(value)), name)
            if isinstance(prop.get("properties"), dict):
                self._read(prop["properties"], path + ".")

    def task(self, spec_name: str | None) -> str:
        return self.tasks.get(spec_name or "", spec_name or "")

    def field(self, path: str) -> str:
        return self.fields.get(path) or self.fields.get(path.rsplit(".", 1)[-1]) or path

    def value(self, path: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            return "、".join(self.options.get((path, str(v)), str(v)) for v in value) or "—"
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        if isinstance(value, bool):
            return "✓" if value else "✗"
        return self.options.get((path, str(value)), str(value))


def facts(data: dict, labels: Labels) -> list[Fact]:
    """The fields of `data` some form of the version names, with a value, labelled; option codes named."""
    return [Fact(key, labels.field(key), _named(key, value, labels)) for key, value in data.items()
            if key in labels.fields and value not in (None, "", [])]


def _named(path: str, value: Any, labels: Labels) -> Any:
    if isinstance(value, bool | dict):
        return value
    if isinstance(value, list):
        return [_named(path, each, labels) for each in value]
    option = labels.options.get((path, str(value)))
    return Option(option) if option is not None else value


def case_history(services: Services, actor: Actor, case_id: int, masked: bool = True) -> CaseHistory:
    """The history of a case the actor may see, replayed from its events; personal data masked by default."""
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
        instance, version, events = _instance_events(session, case.instance_id)
    compiled = services.definitions.compiled(instance.version_id)
    states = list(replay_states(services.runtime, instance.process_id, instance.version_id, events))
    # The replayed data holds the petitioner sealed with the case's key (workflows/personal.py): opened here,
    # then masked unless the reader may see it in full.
    keys: dict[str, bytes | None] = {}
    with services.db.reader() as session:
        for state in states:
            if isinstance(state.data.get("petitioner"), dict):
                state.data = dict(state.data, petitioner=open_petitioner(session, state.data["petitioner"], keys))
            if masked:
                state.data = mask_personal(state.data)
    labels = Labels(compiled)
    # Each event is read in the words of the version it ran on (a migrated case's earlier tasks may have
    # other names in the version it runs on now).
    by_version = {instance.version_id: labels}
    entries = []
    before: dict = {}
    for event, state in zip(events, states):
        if event.version_id not in by_version:
            by_version[event.version_id] = Labels(services.definitions.compiled(event.version_id))
        described = describe_event(event, by_version[event.version_id])
        entries.append(HistoryEntry(
            seq=event.seq, at=event.at, actor=event.actor, organisation=event.organisation,
            command=event.command, subject=described.subject, detail=described.detail,
            changes=diff(before, state.data, labels),
            version_id=event.version_id, hash=event.hash, prev_hash=event.prev_hash))
        before = state.data
    return CaseHistory(case, instance, version, entries, states,
                       [instance.process_id, *compiled.called_processes(instance.process_id)], labels,
                       list(dict.fromkeys(event.version_id for event in events)))


def _instance_events(session: so.Session, instance_id: int) -> tuple[Instance, ProcessVersion, list[AuditEvent]]:
    instance = session.get(Instance, instance_id)
    version = session.get(ProcessVersion, instance.version_id)
    events = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                  .order_by(AuditEvent.seq)))
    return instance, version, events


def describe_event(event: AuditEvent, labels: Labels) -> EventDescription:
    """What one audit event did, in the process version's own words. The registration data a case starts
    with (the petitioner's) is never among the facts: only task answers and message payloads are."""
    data = json.loads(event.data)
    command = event.command

    def described(names: list[str], detail: dict[str, Any], answers: Any = None) -> EventDescription:
        shown = facts(answers, labels) if isinstance(answers, dict) else []
        return EventDescription("、".join(names), tuple(names), detail, shown)

    if command == "start":
        return EventDescription(data.get("business_key") or "", (), {"process_id": data.get("process_id")}, [])
    if command == "complete":
        return described([labels.task(data.get("task"))], {}, data.get("data"))
    if command in ("claim", "release", "reassign"):
        return described([labels.task(data.get("task"))], {"assignee": data.get("assignee")})
    if command == "message":
        return described([str(data.get("message", ""))], {"payload": data.get("payload")}, data.get("payload"))
    if command == "timer":
        timers = data.get("timers", [])
        return described([str(t.get("name", "")) for t in timers], {"due_at": [t.get("due_at") for t in timers]})
    if command == "correct_deadline":
        return described([str(data.get("name", ""))], {"old_due": data.get("old_due"),
                                                       "new_due": data.get("new_due"), "reason": data.get("reason")})
    if command == "cancel":
        return EventDescription("", (), {"reason": data.get("reason")}, [])
    if command == "migrate":
        return EventDescription(
            f"#{data.get('from_version')} → #{data.get('to_version')}", (),
            {"from_version": data.get("from_version"), "to_version": data.get("to_version"),
             "mappings": data.get("mappings", {}), "keep_due": data.get("keep_due", False),
             "timers": [{"name": t.get("name"), "old_due": t.get("old_due"), "new_due": t.get("new_due")}
                        for t in data.get("timers", [])]}, [])
    return EventDescription("", (), data, [])


def diff(before: dict, after: dict, labels: Labels | None = None) -> list[Change]:
    """What changed from `before` to `after`, field by field; nested objects by dotted path, lists whole."""
    flat_before, flat_after = _flatten(before), _flatten(after)
    changes = []
    for path in sorted(set(flat_before) | set(flat_after)):
        old, new = flat_before.get(path, _MISSING), flat_after.get(path, _MISSING)
        if old == new:
            continue
        kind = "added" if old is _MISSING else "removed" if new is _MISSING else "changed"
        show = labels.value if labels else (lambda _p, v: None if v is None else str(v))
        if isinstance(old, list) and isinstance(new, list) and len(new) > len(old) and new[:len(old)] == old:
            # A list that grew (replies, reviews, notices): show what was appended.
            kind, old, new = "appended", _MISSING, new[len(old):]
        changes.append(Change(
            path=path, label=labels.field(path) if labels else path, kind=kind,
            before=None if old is _MISSING else show(path, old), after=None if new is _MISSING else show(path, new)))
    return changes


_MISSING = object()


def _flatten(data: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def verify_case(services: Services, actor: Actor, case_id: int) -> Verdict:
    """Check a visible case's hash chain and that replaying its events rebuilds the stored state."""
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
    return verify_instance(services.runtime, case.instance_id)
