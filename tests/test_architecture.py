"""The folder tree is the architecture: imports point webui -> workflows -> engine, never back.

Every import of the project's own modules is read from the source (function-level ones included, since a
local import only hides a dependency), so a wrong-way import fails here before review.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "workflows", "webui")
# Web frameworks: the domain and the engine are used from the CLI, the scheduler and tests without them.
WEB = ("flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug", "jinja2")
# What a pure rule must not reach for: databases, files, the network, processes, configuration, the clock.
IO_MODULES = ("sqlalchemy", "os", "pathlib", "shutil", "socket", "subprocess", "urllib", "http", "requests",
              "engine.store", "engine.models", "engine.runtime", "engine.clock", "workflows.models",
              "workflows.settings", "workflows.bootstrap")
IO_CALLS = ("open", "read_text", "read_bytes", "write_text", "write_bytes", "now", "utcnow", "today")
# Reading a table that a dependency ships is not IO against the system's state: jieba's IDF weights.
IO_ALLOWED = {("workflows/rules/similarity.py", "read_text"), ("workflows/rules/similarity.py", "pathlib")}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, child.end_lineno + 1))
    return lines


def imports_of(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file outside `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    found = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            # `from workflows import accounts` imports the module workflows.accounts
            found.extend((f"{node.module}.{alias.name}", node.lineno) for alias in node.names
                         if f"{node.module}.{alias.name}" in MODULES)
    return found


def _under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _offences(rule) -> list[str]:
    offences = []
    for name, path in sorted(MODULES.items()):
        for imported, line in imports_of(path):
            reason = rule(name, imported)
            if reason:
                offences.append(f"{path.relative_to(ROOT)}:{line} imports {imported}: {reason}")
    return offences


def test_the_engine_imports_neither_the_domain_nor_the_web():
    assert _offences(lambda name, imported: _under(name, "engine") and _under(imported, "workflows", "webui", *WEB)
                     and "the engine runs any process and knows no petition or page") == []


def test_the_domain_imports_neither_the_web_layer_nor_flask():
    assert _offences(lambda name, imported: _under(name, "workflows") and _under(imported, "webui", *WEB)
                     and "the domain is used from the CLI and scheduler too") == []


def test_only_engine_spiff_imports_spiffworkflow():
    assert _offences(lambda name, imported: not _under(name, "engine.spiff") and _under(imported, "SpiffWorkflow")
                     and "SpiffWorkflow stays behind engine/spiff/") == []


def test_pure_rules_do_no_io():
    def rule(name: str, imported: str) -> str | None:
        if not _under(name, "workflows.rules"):
            return None
        if _under(imported, *IO_MODULES) and (str(MODULES[name].relative_to(ROOT)), imported) not in IO_ALLOWED:
            return "rules/ are pure: callers pass what they need"
        if _under(imported, "workflows", "engine") and not _under(imported, "workflows.rules"):
            return "rules/ build on nothing but other rules"
        return None
    offences = _offences(rule)
    for name, path in MODULES.items():
        if not _under(name, "workflows.rules"):
            continue
        relative = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if called in IO_CALLS and (relative, called) not in IO_ALLOWED:
                    offences.append(f"{relative}:{node.lineno} calls {called}(): rules/ do no IO")
    assert offences == []


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        for imported, _line in imports_of(path):
            target = imported
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            # A package's __init__ importing its own submodules (or a submodule its package) is not a cycle.
            if target and target != name and not _under(name, target) and not _under(target, name):
                graph[name].add(target)
    return graph


def test_no_import_cycles_between_modules():
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(MODULES):
        if node not in state:
            visit(node)
    assert [" -> ".join(cycle) for cycle in cycles] == []


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_says_what_it_is_for(package):
    missing = [str(path.relative_to(ROOT)) for name, path in MODULES.items()
               if _under(name, package) and not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == []
