"""What changed between two versions (or a version and a draft): per BPMN file the elements added, removed and
changed (a moved shape is not a change), and the other files that differ."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from workflows.accounts import Actor
from workflows.design.versions import version_files

if TYPE_CHECKING:
    from workflows.bootstrap import Services

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Elements compared one by one: the children of a process, a sub-process or a lane set, and the top-level ones.
_CONTAINERS = {f"{{{BPMN}}}{tag}" for tag in ("process", "subProcess", "laneSet", "definitions", "collaboration")}


@dataclass
class FileDiff:
    path: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class BundleDiff:
    """`diagrams`: the BPMN files present on both sides with their element changes; `files_added`,
    `files_removed`, `files_changed`: the other differences, by path."""

    diagrams: tuple[FileDiff, ...]
    files_added: tuple[str, ...]
    files_removed: tuple[str, ...]
    files_changed: tuple[str, ...]


def diff_bundles(old: dict[str, str], new: dict[str, str]) -> BundleDiff:
    diagrams = []
    changed = []
    for path in sorted(set(old) & set(new)):
        if old[path] == new[path]:
            continue
        if path.endswith(".bpmn"):
            diagrams.append(diff_diagram(path, old[path], new[path]))
        else:
            changed.append(path)
    return BundleDiff(tuple(diagrams), tuple(sorted(set(new) - set(old))), tuple(sorted(set(old) - set(new))),
                      tuple(changed))


def diff_versions(services: Services, actor: Actor, old_id: int, new_id: int) -> BundleDiff:
    return diff_bundles(version_files(services, actor, old_id), version_files(services, actor, new_id))


def diff_diagram(path: str, old_text: str, new_text: str) -> FileDiff:
    old, new = _signatures(old_text), _signatures(new_text)
    return FileDiff(path, added=sorted(set(new) - set(old)), removed=sorted(set(old) - set(new)),
                    changed=sorted(key for key in set(old) & set(new) if old[key] != new[key]))


def _signatures(text: str) -> dict[str, bytes]:
    """{element id: its canonical XML without the compared elements inside it} of the semantic part."""
    tree = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                 remove_blank_text=True, remove_comments=True))
    found = {}
    for element in tree.iter():
        parent = element.getparent()
        if parent is None or parent.tag not in _CONTAINERS or not element.get("id"):
            continue
        if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{BPMN}}}"):
            continue
        bare = copy.deepcopy(element)
        if bare.tag in _CONTAINERS:  # its children are compared one by one
            for child in list(bare):
                bare.remove(child)
        found[element.get("id")] = etree.tostring(bare, method="c14n")
    return found
