"""A case's history as people read it: every audit event with what it did and what data it changed, and
the state after each event, both computed by replaying the events against the case's process version.

Labels come from the process bundle (task titles from the BPMN, field titles and option names from the
forms), so they stay bilingual ("受理决定 Decision") and the page chooses the language.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.definitions import CompiledVersion
from engine.heatmap import ElementStats, heatmap
from engine.models import AuditEvent, Instance, ProcessVersion
from engine.projection import task_title
from engine.replay import StepState, Verdict, replay_states, verify_instance
from workflows.accounts import Actor
from workflows.cases import current_data, get_case, visible_clause
from workflows.models import Case, RevealLog

# Personal data of the petitioner, masked wherever the history is shown (exports carry it and are logged).
PERSONAL_FIELDS = ("name", "phone", "id_number", "address")


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


class Labels:
    """Titles of tasks, fields and options of one process version, read from its BPMN and forms."""

    def __init__(self, compiled: CompiledVersion) -> None:
        self.tasks: dict[str, str] = {}
        for spec, subprocess_specs in compiled.specs.values():
            for each in [spec, *subprocess_specs.values()]:
                for name, task_spec in each.task_specs.items():
                    if getattr(task_spec, "bpmn_id", None):
                        self.tasks.setdefault(name, task_title(task_spec))
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


def case_history(services, actor: Actor, case_id: int, masked: bool = True) -> CaseHistory:
    """The history of a case the actor may see, replayed from its events; personal data masked by default."""
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
        instance, version, events = _instance_events(session, case.instance_id)
    compiled = services.definitions.compiled(instance.version_id)
    states = list(replay_states(services.runtime, instance.process_id, instance.version_id, events,
                                data_of=current_data))
    if masked:
        for state in states:
            state.data = mask_personal(state.data)
    labels = Labels(compiled)
    entries = []
    before: dict = {}
    for event, state in zip(events, states):
        subject, detail = _describe(event, labels)
        entries.append(HistoryEntry(
            seq=event.seq, at=event.at, actor=event.actor, organisation=event.organisation,
            command=event.command, subject=subject, detail=detail, changes=diff(before, state.data, labels),
            version_id=event.version_id, hash=event.hash, prev_hash=event.prev_hash))
        before = state.data
    _, subprocess_specs = compiled.spec(instance.process_id)
    return CaseHistory(case, instance, version, entries, states, [instance.process_id, *sorted(subprocess_specs)],
                       labels)


def _instance_events(session: so.Session, instance_id: int) -> tuple[Instance, ProcessVersion, list[AuditEvent]]:
    instance = session.get(Instance, instance_id)
    version = session.get(ProcessVersion, instance.version_id)
    events = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                  .order_by(AuditEvent.seq)))
    return instance, version, events


def _describe(event: AuditEvent, labels: Labels) -> tuple[str, dict[str, Any]]:
    data = json.loads(event.data)
    command = event.command
    if command == "start":
        return data.get("business_key") or "", {"process_id": data.get("process_id")}
    if command == "complete":
        return labels.task(data.get("task")), {}
    if command in ("claim", "release", "reassign"):
        return labels.task(data.get("task")), {"assignee": data.get("assignee")}
    if command == "message":
        return data.get("message", ""), {"payload": data.get("payload")}
    if command == "timer":
        return "、".join(t["name"] for t in data.get("timers", [])), {
            "due_at": [t["due_at"] for t in data.get("timers", [])]}
    if command == "correct_deadline":
        return data.get("name", ""), {"old_due": data.get("old_due"), "new_due": data.get("new_due"),
                                      "reason": data.get("reason")}
    if command == "cancel":
        return "", {"reason": data.get("reason")}
    return "", data


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


def mask_personal(data: dict) -> dict:
    """The data with the petitioner's name, phone, ID number and address masked (张**, 138****0000)."""
    petitioner = data.get("petitioner")
    if not isinstance(petitioner, dict):
        return data
    masked = dict(petitioner)
    for key in PERSONAL_FIELDS:
        if isinstance(masked.get(key), str) and masked[key]:
            masked[key] = mask(masked[key])
    return dict(data, petitioner=masked)


def mask(text: str) -> str:
    if len(text) <= 2:
        return text[0] + "*" * (len(text) - 1)
    keep = 3 if text[:3].isdigit() and len(text) >= 8 else 1
    tail = 4 if text[-4:].isdigit() and len(text) >= 8 else 0
    return text[:keep] + "*" * (len(text) - keep - tail) + (text[-tail:] if tail else "")


def verify_case(services, actor: Actor, case_id: int) -> Verdict:
    """Check a visible case's hash chain and that replaying its events rebuilds the stored state."""
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
    return verify_instance(services.runtime, case.instance_id)


def version_diagrams(services, version_id: int, process_ids: list[str]) -> dict[str, dict[str, str]]:
    """{process id: {"file": path, "name": process name}} of the BPMN files of a version holding each process."""
    from lxml import etree

    compiled = services.definitions.compiled(version_id)
    found: dict[str, dict[str, str]] = {}
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    for path, text in sorted(compiled.files.items()):
        if not path.endswith(".bpmn"):
            continue
        tree = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
        for node in tree.xpath("//bpmn:process", namespaces=ns):
            if node.get("id") in process_ids:
                found[node.get("id")] = {"file": path, "name": node.get("name") or node.get("id")}
    return {p: found[p] for p in process_ids if p in found}


def diagram_xml(services, version_id: int, process_id: str) -> str:
    """The exact BPMN text of the file that holds `process_id` in the version (what the case ran on)."""
    from engine.errors import NotFound

    where = version_diagrams(services, version_id, [process_id])
    if process_id not in where:
        raise NotFound(f"process {process_id!r} is not in version {version_id}")
    return services.definitions.compiled(version_id).files[where[process_id]["file"]]


@dataclass
class RevealPage:
    rows: list[tuple[RevealLog, str]]  # (entry, case number)
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def reveal_log_page(session: so.Session, actor: Actor, username: str | None = None, case_no: str | None = None,
                    page: int = 1, per_page: int = 50) -> RevealPage:
    """Who saw which petitioner's personal data, newest first, for the cases the actor may see."""
    stmt = sa.select(RevealLog, Case.case_no).join(Case, Case.id == RevealLog.case_id).where(visible_clause(actor))
    if username:
        stmt = stmt.where(RevealLog.username == username)
    if case_no:
        stmt = stmt.where(Case.case_no.like(f"%{case_no}%"))
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    page = max(1, page)
    rows = session.execute(stmt.order_by(RevealLog.at.desc(), RevealLog.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return RevealPage([(log, number) for log, number in rows], total, page, per_page)


def version_heatmap(services, actor: Actor, version_id: int) -> list[ElementStats]:
    """How the cases the actor may see went through the diagrams of one process version."""
    with services.db.reader() as session:
        ids = list(session.scalars(sa.select(Case.instance_id).join(Instance, Instance.id == Case.instance_id)
                                   .where(Instance.version_id == version_id, visible_clause(actor))
                                   .order_by(Case.instance_id)))
    return heatmap(services.runtime, ids)


def versions_in_use(session: so.Session, actor: Actor) -> list[tuple[ProcessVersion, int]]:
    """Every deployed version, newest first, with how many of the actor's visible cases run on it."""
    counts = dict(session.execute(
        sa.select(Instance.version_id, sa.func.count(Case.id)).join(Case, Case.instance_id == Instance.id)
        .where(visible_clause(actor)).group_by(Instance.version_id)).all())
    versions = session.scalars(sa.select(ProcessVersion).order_by(ProcessVersion.id.desc()))
    return [(version, counts.get(version.id, 0)) for version in versions]
