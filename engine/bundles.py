"""Process bundles (the BPMN, DMN and JSON Schema form files of one process version): reading them,
hashing their content, and compiling them into runnable specs, refusing a bundle with every problem located
by file, element and line. At deploy, scripts and expressions are also read for what scripts may not use
(ScriptCheck); loading a version deployed earlier does not repeat that reading."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from lxml import etree

from engine.errors import ERROR, BundleProblem, InvalidBundle, NotFound
from engine.spiff.limits import ScriptLimits
from engine.spiff.parser import EngineParser, SpecProblem
from engine.spiff.policy import Finding
from engine.spiff.scripting import (
    ScriptCompileError,
    compile_expression,
    compile_script,
    read_expression_policy,
    read_script_policy,
)
from engine.spiff.tasks import (
    FlowNode,
    flow_conditions,
    flow_node_specs,
    flow_nodes,
    form_name,
    is_user_task,
    pre_post_scripts,
    properties,
    script_of,
    timer_expression,
)

BUNDLE_SUFFIXES = (".bpmn", ".dmn", ".json")
EXPRESSION_PROPERTIES = ("organisation", "deadline", "assignee")


def read_bundle(root: str | Path) -> dict[str, str]:
    """Read every BPMN, DMN and form file below `root` into {relative path: text}."""
    root = Path(root)
    if not root.is_dir():
        raise NotFound("bundle.folder_missing", path=str(root))
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


@dataclass(frozen=True)
class ScriptCheck:
    """The deploy-time reading of scripts and expressions: names scripts may not use and imports refuse the
    bundle, loops that cannot end are warnings. With the registered `functions` known, a call of a name that
    is neither registered nor defined in the script is refused too; with the run-time `limits`, so is a
    range of constant bounds beyond them."""

    functions: frozenset[str] | None = None
    limits: ScriptLimits | None = None


@dataclass
class CompiledVersion:
    """A process version ready to run: parsed specs and forms, looked up by process id or form name; the
    warnings the deploy-time check found (they did not refuse it)."""

    version_id: int | None
    files: dict[str, str]
    specs: dict[str, tuple[Any, dict]] = field(default_factory=dict)
    forms: dict[str, dict] = field(default_factory=dict)
    warnings: list[BundleProblem] = field(default_factory=list)

    def spec(self, process_id: str):
        if process_id not in self.specs:
            raise NotFound("process.not_in_version", process=process_id, version=self.version_id,
                           known=sorted(self.specs))
        return self.specs[process_id]

    def form(self, name: str | None) -> dict | None:
        if not name:
            return None
        return self.forms.get(form_path(name))

    def called_processes(self, process_id: str) -> list[str]:
        """The ids of the processes `process_id` calls, directly or further down, sorted."""
        return sorted(self.spec(process_id)[1])

    def flow_nodes(self, user_tasks_only: bool = False) -> list[FlowNode]:
        """Every flow node of every process of the version (each called process once), as plain data."""
        seen: set[str] = set()
        nodes = []
        for spec, subprocess_specs in self.specs.values():
            for each in [spec, *subprocess_specs.values()]:
                if each.name in seen:
                    continue
                seen.add(each.name)
                nodes.extend(n for n in flow_nodes(each) if n.user_task or not user_tasks_only)
        return nodes


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

    def code_line(self, element_id: str, part: str, name: str | None, script_line: int | None) -> int | None:
        """The file line of line `script_line` of an element's script, condition, property or timer."""
        _, element_line = self.find(element_id)
        for tree in self.trees.values():
            hits = tree.xpath("//*[@id=$id]", id=element_id)
            if not hits:
                continue
            if part == "condition":
                holder = tree.xpath("//*[local-name()='sequenceFlow'][@sourceRef=$s][@targetRef=$t]"
                                    "/*[local-name()='conditionExpression']", s=element_id, t=name)
            elif part == "property":
                holder = hits[0].xpath(".//*[local-name()='property'][@name=$n]", n=name)
            elif part == "timer":
                holder = hits[0].xpath(".//*[local-name()='timeDate' or local-name()='timeDuration']")
            else:
                holder = hits[0].xpath(f"./*[local-name()='{name or 'script'}']")
            if holder and holder[0].sourceline:
                return holder[0].sourceline + max((script_line or 1) - 1, 0)
        return element_line

    def problem(self, found: SpecProblem, fallback_file: str) -> BundleProblem:
        file, line = self.find(found.element)
        return BundleProblem(found.file or file or fallback_file, found.code, found.params, element=found.element,
                             line=line or found.line)


def compile_bundle(files: dict[str, str], version_id: int | None = None,
                   script_check: ScriptCheck | None = None) -> CompiledVersion:
    """Parse and check a bundle; raise InvalidBundle listing every problem found, by file, element, line.

    With `script_check` (at deploy), scripts and expressions are also read for names they may not use and
    loops that cannot end; its warnings end up in the compiled version's `warnings`."""
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
                parser.add_file(name, tree)
            except SpecProblem as found:
                problems.append(locator.problem(found, name))
    if not any(n.endswith(".bpmn") for n in files):
        problems.append(BundleProblem("(bundle)", "bundle.no_bpmn"))
    if problems:
        raise InvalidBundle(problems)

    for process_id in _executable_process_ids(locator):
        try:
            spec, subprocess_specs = parser.build(process_id)
        except SpecProblem as found:
            problems.append(locator.problem(found, "(bundle)"))
            continue
        compiled.specs[process_id] = (spec, subprocess_specs)
        for each in [spec, *subprocess_specs.values()]:
            _check_task_specs(each, compiled, locator, problems, script_check)
    # A process called from several others is checked under each; report each of its problems once.
    problems = list({str(p): p for p in problems}.values())
    errors = [p for p in problems if p.severity == ERROR]
    if errors:
        raise InvalidBundle(errors)
    compiled.warnings = [p for p in problems if p.severity != ERROR]
    return compiled


def _parse_xml(name: str, text: str, problems: list[BundleProblem]):
    try:
        return etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        problems.append(BundleProblem(name, "bundle.xml_syntax", {"detail": exc.msg}, line=exc.lineno))
        return None


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
        problems.append(BundleProblem(name, "bundle.form_json", {"detail": exc.msg}, line=exc.lineno))
        return
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        problems.append(BundleProblem(name, "bundle.form_schema", {"path": where, "detail": exc.message}))
        return
    compiled.forms[name] = schema


def _check_task_specs(spec, compiled: CompiledVersion, locator: _Locator, problems: list[BundleProblem],
                      script_check: ScriptCheck | None) -> None:
    for task_spec in flow_node_specs(spec):
        file, line = locator.find(task_spec.bpmn_id)
        at = {"file": file or "(bundle)", "element": task_spec.bpmn_id, "line": line}
        form = form_name(task_spec)
        if is_user_task(task_spec) and form and form_path(form) not in compiled.forms:
            problems.append(BundleProblem(code="bundle.form_missing", params={"form": form, "path": form_path(form)},
                                          **at))
        checks = [(compile_expression, properties(task_spec).get(key), {"part": "property", "name": key})
                  for key in EXPRESSION_PROPERTIES]
        checks.append((compile_script, script_of(task_spec), {"part": "script"}))
        checks.extend((compile_expression, expression, {"part": "condition", "name": target})
                      for expression, target in flow_conditions(task_spec))
        if script_check is not None:
            checks.extend((compile_script, code, {"part": "script", "name": kind})
                          for kind, code in pre_post_scripts(task_spec))
            checks.append((compile_expression, timer_expression(task_spec), {"part": "timer"}))
        for compile_it, source, part in checks:
            if not source:
                continue
            try:
                compile_it(source)
            except (ScriptCompileError, SyntaxError) as exc:
                problems.append(BundleProblem(code="bundle.restricted_script", params={**part, "detail": str(exc)},
                                              **at))
                continue
            if script_check is None:
                continue
            read = read_script_policy if compile_it is compile_script else read_expression_policy
            problems.extend(_policy_problem(finding, part, task_spec.bpmn_id, at["file"], locator)
                            for finding in read(source, script_check.functions, script_check.limits))


def _policy_problem(finding: Finding, part: dict[str, str], element: str, file: str,
                    locator: _Locator) -> BundleProblem:
    line = locator.code_line(element, part["part"], part.get("name"), finding.line)
    params = {**part, **finding.params, "script_line": finding.line}
    return BundleProblem(file, finding.code, params, element=element, line=line, severity=finding.severity)
