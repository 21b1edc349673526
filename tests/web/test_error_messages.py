"""Errors are translated by code: every code the engine and the domain raise has a sentence in the table and
both catalogs, and an unknown code still gets a sentence that names it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from engine.errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from webui.i18n import TRANSLATIONS
from webui.i18n.errors import MESSAGES, error_message, field_messages, msgids

ROOT = Path(__file__).resolve().parents[2]
# Calls whose first argument is a code.
CODE_FIRST = {"EngineError", "NotFound", "Conflict", "NotAllowed", "ScriptError", "InvalidData", "FieldError",
              "CodedValidationException", "SpecProblem", "coded", "fail"}
# Validators whose `error=` is a code (workflows/validation.py).
CODED_VALIDATORS = {"Length", "Range", "OneOf", "Regexp"}
# Modules that build codes from tables rather than at a call; every code-shaped literal in them counts.
TABLE_MODULES = {"engine/forms.py", "engine/spiff/parser.py", "workflows/validation.py", "engine/errors.py"}
CODE_SHAPE = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z_]*)+")


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def raised_codes() -> dict[str, str]:
    """{code: where} for every code written in engine/, workflows/ and webui/."""
    found: dict[str, str] = {}
    for folder in ("engine", "workflows", "webui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                codes: list[str | None] = []
                if isinstance(node, ast.Call):
                    name = _name(node.func)
                    if name in CODE_FIRST and node.args:
                        codes.append(_text(node.args[0]))
                    if name == "BundleProblem" and len(node.args) > 1:
                        codes.append(_text(node.args[1]))
                    if name in CODE_FIRST | {"BundleProblem"}:
                        codes += [_text(k.value) for k in node.keywords if k.arg == "code"]
                    if name in CODED_VALIDATORS:
                        codes += [_text(k.value) for k in node.keywords if k.arg == "error"]
                elif relative in TABLE_MODULES and isinstance(node, ast.Constant):
                    text = _text(node)
                    codes.append(text if text and CODE_SHAPE.fullmatch(text) else None)
                for code in filter(None, codes):
                    found.setdefault(code, f"{relative}:{getattr(node, 'lineno', '?')}")
    return found


def documented_codes() -> set[str]:
    """The codes engine/ERROR_CODES.md lists (in backticks at the start of a table row or list item)."""
    listing = ROOT / "engine" / "ERROR_CODES.md"
    if not listing.exists():
        return set()
    text = listing.read_text(encoding="utf-8")
    return {code for code in re.findall(r"^\s*(?:\||[-*])\s*`([a-z_.]+)`", text, re.MULTILINE)
            if CODE_SHAPE.fullmatch(code)}


def test_the_collector_finds_engine_and_domain_codes():
    codes = raised_codes()
    assert {"instance.changed", "form.required", "form.min_length", "bundle.timer_empty",
            "registration.invalid", "petitioner.phone_format", "field.too_short", "attachment.type_refused",
            "task.wrong_role", "verify.chain_broken"} <= set(codes)


def test_every_code_raised_or_documented_has_a_sentence():
    missing = {code: where for code, where in raised_codes().items() if code not in MESSAGES}
    missing.update({code: "engine/ERROR_CODES.md" for code in documented_codes() if code not in MESSAGES})
    assert missing == {}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_sentence_is_in_the_catalogs(language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    assert sorted(m for m in set(msgids()) if m not in catalog) == []
    if language == "zh":
        assert sorted(m for m in set(msgids()) if not catalog[m].string) == []


def test_engine_and_domain_errors_become_sentences_in_the_readers_language(app):
    with app.test_request_context():
        with force_locale("en"):
            assert error_message(Conflict("instance.changed", expected=3, current=4)).startswith(
                "The case changed since you opened it")
            assert error_message(NotAllowed("task.wrong_role", task="受理决定 Decision", role="leader")) == \
                "This task is for another role (Leader)."
            assert error_message(FieldError("field.length_between", {"min": 5, "max": 20000})) == \
                "Give between 5 and 20000 characters."
            assert error_message(FieldError("form.type", {"expected": "integer"})) == "Give a whole number."
            assert error_message(FieldError("form.format", {"format": "date-time"})) == "Give a date and time."
        with force_locale("zh_CN"):
            assert error_message(NotFound("case.not_found", case="330106-2026-00001")) == "案件不存在。"
            assert error_message(FieldError("field.length_between", {"min": 5, "max": 20000})) == \
                "请填写 5 至 20000 个字。"


def test_an_unknown_code_gets_a_sentence_naming_it(app):
    with app.test_request_context(), force_locale("en"):
        assert error_message(NotFound("nobody.knows_this", thing=1)) == "The action failed (nobody.knows_this)."


def test_errors_of_list_items_are_also_shown_at_the_list(app):
    errors = {"attachments.0": FieldError("attachment.empty", {"file": "a.pdf"}),
              "attachments.2": FieldError("attachment.too_large", {"file": "b.pdf", "megabytes": 20})}
    with app.test_request_context(), force_locale("en"):
        messages = field_messages(InvalidData("attachment.not_stored", errors=errors).errors)
    assert messages["attachments"] == "a.pdf: the file is empty. b.pdf: larger than 20 MB."
    assert messages["attachments.0"] == "a.pdf: the file is empty."
