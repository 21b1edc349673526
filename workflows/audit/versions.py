"""The process versions as auditors see them: the exact diagrams a case ran on, how many cases each
version carries, and per element how cases went through it (the heatmap)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.heatmap import ElementStats, heatmap
from engine.models import Instance, ProcessVersion
from workflows.accounts import Actor
from workflows.cases import visible_clause
from workflows.models import Case

if TYPE_CHECKING:
    from workflows.bootstrap import Services


def version_diagrams(services: Services, version_id: int, process_ids: list[str]) -> dict[str, dict[str, str]]:
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


def diagram_xml(services: Services, version_id: int, process_id: str) -> str:
    """The exact BPMN text of the file that holds `process_id` in the version (what the case ran on)."""
    from engine.errors import NotFound

    where = version_diagrams(services, version_id, [process_id])
    if process_id not in where:
        raise NotFound("process.not_in_version", process=process_id, version=version_id)
    return services.definitions.compiled(version_id).files[where[process_id]["file"]]


def version_heatmap(services: Services, actor: Actor, version_id: int) -> list[ElementStats]:
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
