"""Checking a draft as deploy would: the engine compiles its BPMN, DMN and forms (every problem by file, element
and line), and the deadlines table is read as start-up reads it."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.bundles import compile_bundle
from engine.errors import WARNING, BundleProblem, InvalidBundle, InvalidData
from workflows.accounts import Actor
from workflows.design.drafts import (
    DEADLINES_FILE,
    FILE_PATH,
    Draft,
    DraftFile,
    get_draft,
)
from workflows.rules.deadlines import DeadlineConfigError, DeadlineRules

if TYPE_CHECKING:
    from workflows.bootstrap import Services


@dataclass(frozen=True)
class Report:
    """What validating a draft found: `problems` refuse a deploy, `warnings` do not."""

    problems: tuple[BundleProblem, ...]
    warnings: tuple[BundleProblem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def bundle_files(draft: Draft) -> dict[str, str]:
    """The files a version is made of: everything but the deadlines table (configuration, read at start-up)."""
    return {path: text for path, text in draft.contents().items() if path != DEADLINES_FILE}


def check_draft(services: Services, draft: Draft) -> Report:
    """Every problem of `draft`, as the CLI deploy would find them, and the deadlines table's."""
    problems: list[BundleProblem] = []
    warnings: list[BundleProblem] = []
    try:
        compiled = compile_bundle(bundle_files(draft), script_check=services.definitions.script_check)
        warnings.extend(compiled.warnings)
    except InvalidBundle as exc:
        problems.extend(p for p in exc.problems if p.severity != WARNING)
        warnings.extend(p for p in exc.problems if p.severity == WARNING)
    text = draft.contents().get(DEADLINES_FILE)
    if text is not None:
        try:
            DeadlineRules.from_text(text, DEADLINES_FILE)
        except DeadlineConfigError as exc:
            problems.append(BundleProblem(DEADLINES_FILE, "design.deadlines_invalid", {"detail": str(exc)}))
    return Report(tuple(problems), tuple(warnings))


def validate_draft(services: Services, actor: Actor, draft_id: int) -> Report:
    return check_draft(services, get_draft(services, actor, draft_id))


def with_edits(draft: Draft, edits: dict[str, str]) -> Draft:
    """The draft as the studio holds it: its stored files with `edits` (path -> unsaved text) laid over them.
    Nothing is stored; a path that cannot be a bundle file is refused by name."""
    for path in edits:
        if not FILE_PATH.match(path):
            raise InvalidData("design.bad_path", path=path)
    stored = {each.path: each for each in draft.files}
    files = [dataclasses.replace(each, content=edits[path]) if path in edits else each
             for path, each in stored.items()]
    files += [DraftFile(path, text, 0, "", draft.created_at) for path, text in edits.items() if path not in stored]
    return dataclasses.replace(draft, files=tuple(sorted(files, key=lambda each: each.path)))


def check_edits(services: Services, actor: Actor, draft_id: int, edits: dict[str, str]) -> tuple[Draft, Report]:
    """Validate the draft with the studio's unsaved edits, as they are typed (a script's syntax, a form that is
    missing, a call to a decision that is not there), without saving anything."""
    draft = with_edits(get_draft(services, actor, draft_id), edits)
    return draft, check_draft(services, draft)
