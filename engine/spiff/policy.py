"""What designer code may do, in two parts: the RestrictedPython policy every script and expression is
compiled with (RestrictedPython's own restrictions, plus the calls that enforce the time and memory
limits), and the deploy-time reading of a script that finds names it may not use and loops that cannot end.
"""
from __future__ import annotations

import ast
import builtins
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, copy_locations

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
# Attributes RestrictedPython refuses only when the code runs; at deploy they are refused by name.
_REFUSED_ATTRIBUTES = frozenset(INSPECT_ATTRIBUTES) | {"format", "format_map"}


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _tick(node: ast.AST) -> ast.Expr:
    statement = ast.Expr(_call("_tick_"))
    copy_locations(statement, node)
    ast.fix_missing_locations(statement)
    return statement


class LimitingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus: a `_tick_()` at every while-loop iteration and function call (for
    loops and comprehensions tick through `_getiter_`), every binary operator through `_binop_`, and every
    f-string field with a format spec through `_format_`, so that the limits hold inside them."""

    def visit_While(self, node: ast.While) -> Any:
        node = super().visit_While(node)
        node.body.insert(0, _tick(node))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _tick(node))
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = super().visit_Lambda(node)
        ticking = ast.BoolOp(ast.Or(), [_call("_tick_"), node.body])
        copy_locations(ticking, node.body)
        node.body = ast.fix_missing_locations(ticking)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = super().visit_BinOp(node)
        symbol = _BINOPS.get(type(node.op))
        if symbol is None:
            return node
        call = _call("_binop_", ast.Constant(symbol), node.left, node.right)
        copy_locations(call, node)
        return ast.fix_missing_locations(call)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        node = super().visit_FormattedValue(node)
        if node.format_spec is None:
            return node
        formatted = _call("_format_", node.value, node.format_spec, ast.Constant(node.conversion))
        copy_locations(formatted, node.value)
        node.value = ast.fix_missing_locations(formatted)
        node.format_spec, node.conversion = None, -1
        return node


@dataclass(frozen=True)
class Finding:
    """One thing the deploy-time reading found in a script: its code and parameters, the line within the
    script, and whether it refuses the bundle (`error`) or is only reported (`warning`)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    line: int | None = None
    severity: str = "error"


def read_script(source: str, mode: str, allowed: Collection[str], functions_known: bool,
                range_items: int | None = None) -> list[Finding]:
    """What a script (`mode` "exec") or expression ("eval") uses that scripts may not, and its endless loops.

    `allowed` holds the built-ins scripts get and the registered functions. A name of Python's built-ins
    outside `allowed` (open, exec, getattr, type, ...) is refused; with `functions_known`, so is a call of
    a name that is neither allowed nor defined in the script (a misspelt or unregistered function); with
    `range_items`, so is a range of constant bounds holding more numbers than the run-time limit allows.
    """
    try:
        tree = ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except SyntaxError:
        return []  # the compile check reports it
    bound = _bound_names(tree)
    forbidden = set(dir(builtins)) - set(allowed) - bound
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()

    def add(code: str, key: str, params: dict[str, Any], node: ast.AST, severity: str = "error") -> None:
        if (code, key) not in seen:
            seen.add((code, key))
            findings.append(Finding(code, params, getattr(node, "lineno", None), severity))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            add("bundle.script_import", module or "", {"module": module}, node)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in forbidden:
            add("bundle.script_name_not_allowed", node.id, {"identifier": node.id}, node)
        elif isinstance(node, ast.Attribute) and node.attr in _REFUSED_ATTRIBUTES:
            add("bundle.script_name_not_allowed", node.attr, {"identifier": node.attr}, node)
        elif (functions_known and isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id not in allowed and node.func.id not in bound and node.func.id not in forbidden):
            add("bundle.script_unknown_function", node.func.id, {"function": node.func.id}, node)
        elif range_items is not None and _range_size(node, bound) > range_items:
            add("bundle.script_range_too_large", str(node.lineno),
                {"count": _range_size(node, bound), "allowed": range_items}, node)
        elif isinstance(node, ast.While) and _always_true(node.test) and not _leaves(node):
            add("bundle.endless_loop", str(node.lineno), {}, node, severity="warning")
    return sorted(findings, key=lambda f: (f.line or 0, f.code))


def _bound_names(tree: ast.AST) -> set[str]:
    """Every name the code assigns or defines anywhere (scopes are not told apart: this errs on allowing)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _range_size(node: ast.AST, bound: set[str]) -> int:
    """How many numbers `range(<constants>)` holds; 0 for any other node."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"
            and "range" not in bound and node.args and not node.keywords):
        return 0
    try:
        bounds = [ast.literal_eval(arg) for arg in node.args]
        return len(range(*bounds)) if all(isinstance(b, int) for b in bounds) else 0
    except (ValueError, TypeError, OverflowError, SyntaxError):
        return 0


def _always_true(test: ast.expr) -> bool:
    try:
        return bool(ast.literal_eval(test))
    except ValueError:
        return False


def _leaves(loop: ast.While) -> bool:
    """Whether the loop's body can leave it: a break of its own, or a return or raise anywhere in it."""
    pending: list[ast.AST] = list(loop.body)
    own_level = {id(node) for node in pending}
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Return, ast.Raise)):
            return True
        if isinstance(node, ast.Break) and id(node) in own_level:
            return True
        if isinstance(node, (ast.FunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        nested_loop = isinstance(node, (ast.For, ast.While))
        for child in ast.iter_child_nodes(node):
            pending.append(child)
            if not nested_loop and id(node) in own_level:
                own_level.add(id(child))
    return False
