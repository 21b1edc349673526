"""Process definitions: validating and deploying bundles, and the per-version cache of parsed specs."""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import sqlalchemy as sa
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.clock import Clock
from engine.errors import BundleProblem, InvalidBundle, NotFound
from engine.models import ProcessVersion
from engine.spiff.parser import EngineParser
from engine.spiff.scripting import (
    ScriptCompileError,
    compile_expression,
    compile_script,
)
from engine.store import Database

BUNDLE_SUFFIXES = (".bpmn", ".dmn", ".json")
FORM_PROPERTY = "formJsonSchemaFilename"
EXPRESSION_PROPERTIES = ("organisation", "deadline", "assignee")


def read_bundle(root: str | Path) -> dict[str, str]:
    """Read every BPMN, DMN and form file below `root` into {relative path: text}."""
    root = Path(root)
    if not root.is_dir():
        raise NotFound(f"bundle folder {root} does not exist")
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in BUNDLE_SUFFIXES:
            files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    return files


def content_hash(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


@dataclass
class CompiledVersion:
    """A process version ready to run: parsed specs and forms, looked up by process id or form name."""

    version_id: int | None
    files: dict[str, str]
    specs: dict[str, tuple[Any, dict]] = field(default_factory=dict)
    forms: dict[str, dict] = field(default_factory=dict)

    def spec(self, process_id: str):
        if process_id not in self.specs:
            known = ", ".join(sorted(self.specs)) or "none"
            raise NotFound(f"process {process_id!r} is not in version {self.version_id}; known: {known}")
        return self.specs[process_id]

    def form(self, name: str | None) -> dict | None:
        if not name:
            return None
        return self.forms.get(form_path(name))


def form_path(name: str) -> str:
    return name if "/" in name else f"forms/{name}"


class _Locator:
    """Finds the file and line of a BPMN element by id, for messages that point at the place."""

    def __init__(self) -> None:
        self.trees: dict[str, Any] = {}

    def find(self, element_id: str | None) -> tuple[str | None, int | None]:
        if not element_id:
            return None, None
        for name, tree in self.trees.items():
            hits = tree.xpath("//*[@id=$id]", id=element_id)
            if hits:
                return name, hits[0].sourceline
        return None, None


def compile_bundle(files: dict[str, str], version_id: int | None = None) -> CompiledVersion:
    """Parse and check a bundle; raise InvalidBundle listing every problem found, by file, element, line."""
    problems: list[BundleProblem] = []
    parser = EngineParser()
    locator = _Locator()
    compiled = CompiledVersion(version_id, files)

    for name in sorted(files):
        if name.endswith(".json"):
            _check_form(name, files[name], compiled, problems)
    for suffix in (".dmn", ".bpmn"):
        for name in sorted(n for n in files if n.endswith(suffix)):
            tree = _parse_xml(name, files[name], problems)
            if tree is None:
                continue
            locator.trees[name] = tree
            try:
                if suffix == ".dmn":
                    parser.add_dmn_xml(tree, filename=name)
                else:
                    parser.add_bpmn_xml(tree, filename=name)
            except ValidationException as exc:
                problems.append(_problem_from_validation(exc, name, locator))
            except SpiffWorkflowException as exc:
                problems.append(BundleProblem(name, str(exc)))
    if not any(n.endswith(".bpmn") for n in files):
        problems.append(BundleProblem("(bundle)", "no .bpmn file in the bundle"))
    if problems:
        raise InvalidBundle(problems)

    for process_id in _executable_process_ids(locator):
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            problems.append(_problem_from_validation(exc, exc.file_name or "(bundle)", locator))
            continue
        except SpiffWorkflowException as exc:
            file, _ = locator.find(process_id)
            problems.append(BundleProblem(file or "(bundle)", str(exc), element=process_id))
            continue
        compiled.specs[process_id] = (spec, subprocess_specs)
        for each in [spec, *subprocess_specs.values()]:
            _check_task_specs(each, compiled, locator, problems)
    if problems:
        raise InvalidBundle(problems)
    return compiled


def _parse_xml(name: str, text: str, problems: list[BundleProblem]):
    try:
        return etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        problems.append(BundleProblem(name, f"XML is not well-formed: {exc.msg}", line=exc.lineno))
        return None


def _problem_from_validation(exc: ValidationException, name: str, locator: _Locator) -> BundleProblem:
    element = getattr(exc, "id", None) or None
    file, line = locator.find(element)
    line = line or (int(exc.line_number) if str(getattr(exc, "line_number", "")).isdigit() else None)
    message = _readable(str(exc).split("\n")[0])
    return BundleProblem(exc.file_name or file or name, message, element=element, line=line)


_NAMESPACES = {"{http://www.omg.org/spec/BPMN/20100524/MODEL}": "bpmn:",
               "{http://spiffworkflow.org/bpmn/schema/1.0/core}": "spiffworkflow:"}


def _readable(message: str) -> str:
    """XSD messages spell out namespaces and list every allowed element; keep what a designer needs."""
    for long, short in _NAMESPACES.items():
        message = message.replace(long, short)
    if "Expected is one of" in message:
        head, _, rest = message.partition("Expected is one of")
        allowed = [a.strip(" ().") for a in rest.split(",")][:6]
        message = head + "Expected one of: " + ", ".join(allowed) + ", ..."
    return message


def _executable_process_ids(locator: _Locator) -> list[str]:
    ids = []
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    for tree in locator.trees.values():
        for node in tree.xpath("//bpmn:process", namespaces=ns):
            if node.get("isExecutable", "false").lower() == "true":
                ids.append(node.get("id"))
    return ids


def _check_form(name: str, text: str, compiled: CompiledVersion, problems: list[BundleProblem]) -> None:
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(BundleProblem(name, f"form is not valid JSON: {exc.msg}", line=exc.lineno))
        return
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        problems.append(BundleProblem(name, f"form is not a valid JSON Schema at {where}: {exc.message}"))
        return
    compiled.forms[name] = schema


def _check_task_specs(spec, compiled: CompiledVersion, locator: _Locator, problems: list[BundleProblem]) -> None:
    for task_spec in spec.task_specs.values():
        bpmn_id = getattr(task_spec, "bpmn_id", None)
        if bpmn_id is None:
            continue

        def report(message: str) -> None:
            file, line = locator.find(bpmn_id)
            problems.append(BundleProblem(file or "(bundle)", message, element=bpmn_id, line=line))

        properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        if isinstance(task_spec, UserTask):
            form = properties.get(FORM_PROPERTY)
            if form and form_path(form) not in compiled.forms:
                report(f"user task refers to form {form!r}, but {form_path(form)} is not in the bundle")
        for key in EXPRESSION_PROPERTIES:
            if properties.get(key):
                _check(lambda: compile_expression(properties[key]), f"property {key!r}", report)
        if isinstance(task_spec, ScriptTask) and task_spec.script:
            _check(lambda: compile_script(task_spec.script), "script", report)
        for condition, target in getattr(task_spec, "cond_task_specs", None) or []:
            expression = condition.args[0] if condition is not None and condition.args else None
            if expression:
                _check(lambda e=expression: compile_expression(e), f"condition on the flow to {target}", report)


def _check(compile_it, what: str, report) -> None:
    try:
        compile_it()
    except (ScriptCompileError, SyntaxError) as exc:
        report(f"{what} does not compile: {exc}")


class Definitions:
    """Deployed process versions and a cache of their compiled specs (specs never change once deployed)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._cache: dict[int, CompiledVersion] = {}
        self._lock = threading.Lock()

    def deploy(self, files: dict[str, str], actor: str, comment: str = "") -> tuple[ProcessVersion, bool]:
        """Store a new version if the content changed; return (version, created). Invalid bundles store nothing."""
        digest = content_hash(files)
        with self.db.reader() as session:
            existing = session.scalar(sa.select(ProcessVersion).where(ProcessVersion.content_hash == digest))
        if existing is not None:
            return existing, False
        compiled = compile_bundle(files)
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
                raise NotFound(f"process version {version_id} does not exist")
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
        raise NotFound(f"no deployed version contains process {process_id!r}; deploy a bundle first")

    def versions(self) -> list[ProcessVersion]:
        with self.db.reader() as session:
            return list(session.scalars(sa.select(ProcessVersion).order_by(ProcessVersion.id)))
