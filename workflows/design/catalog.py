"""The closed sets a designer picks from while editing a draft: its form files, the decision ids of its DMN
tables, the ids of its processes, its messages, the roles a task may have and the functions scripts may call."""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from workflows.design.drafts import Draft
from workflows.models import ROLES

# Roles whose queues show tasks; designers, auditors and admins work no case.
TASK_ROLES = tuple(role for role in ROLES if role not in ("designer", "auditor", "admin"))
_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


@dataclass(frozen=True)
class Catalog:
    forms: tuple[str, ...]
    decisions: tuple[str, ...]
    processes: tuple[str, ...]
    messages: tuple[str, ...]
    roles: tuple[str, ...]
    functions: tuple[str, ...]


def draft_catalog(draft: Draft, functions: frozenset[str] | None) -> Catalog:
    files = draft.contents()
    decisions: set[str] = set()
    processes: set[str] = set()
    messages: set[str] = set()
    for path, text in files.items():
        tree = _tree(text) if path.endswith((".bpmn", ".dmn")) else None
        if tree is None:
            continue
        if path.endswith(".dmn"):
            decisions.update(n.get("id") for n in tree.xpath("//*[local-name()='decision'][@id]"))
        else:
            processes.update(n.get("id") for n in tree.xpath("//bpmn:process[@id]", namespaces=_NS))
            messages.update(n.get("name") or n.get("id") for n in tree.xpath("//bpmn:message", namespaces=_NS))
    forms = sorted(path.removeprefix("forms/") for path in files if path.startswith("forms/"))
    return Catalog(tuple(forms), tuple(sorted(decisions)), tuple(sorted(processes)), tuple(sorted(messages)),
                   TASK_ROLES, tuple(sorted(functions or ())))


def _tree(text: str):
    try:
        return etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None  # validation reports it; the pickers just lack this file's names
