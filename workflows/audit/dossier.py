"""A case's dossier (record, timeline, documents and the hash of every event) as the data a PDF is rendered
from and as JSON that replays elsewhere. The PDF shows the petitioner in full only to an exporter whose role
may reveal it (masked otherwise); the JSON is the complete record, since replay needs every event as stored.
Every export that carries personal data is written to the reveal log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.audit import canonical_json
from engine.export import export_instance, verify_export
from engine.verify import Verdict, verify_instance
from workflows.accounts import Actor
from workflows.audit.history import CaseHistory, case_history
from workflows.audit.reveals import Petitioner, masked_petitioner, may_reveal
from workflows.cases import get_case
from workflows.models import Attachment, Case, CaseLink, RevealLog
from workflows.rules.masking import PERSONAL_FIELDS
from workflows.scripting import script_functions

if TYPE_CHECKING:
    from workflows.bootstrap import Services

DOSSIER_FORMAT = "ecopetition-dossier/1"




@dataclass
class Dossier:
    """What the PDF shows: the case record, its history and petitioner (masked unless the exporter may see
    them), documents, links and the chain's verdict."""

    history: CaseHistory
    attachments: list[Attachment]
    links: list[tuple[CaseLink, str]]
    verdict: Verdict
    exported_at: datetime
    exported_by: Actor
    petitioner: Petitioner

    @property
    def case(self) -> Case:
        return self.history.case


def build_dossier(services: Services, actor: Actor, case_id: int) -> Dossier:
    """The dossier of a case the actor may see, checked against its chain and replay; logged when it shows the
    petitioner in full."""
    revealed = may_reveal(actor)
    history = case_history(services, actor, case_id, masked=not revealed)
    with services.db.reader() as session:
        attachments = list(session.scalars(sa.select(Attachment).where(Attachment.case_id == case_id)
                                           .order_by(Attachment.uploaded_at, Attachment.id)))
        links = [(link, number) for link, number in session.execute(
            sa.select(CaseLink, Case.case_no).join(Case, Case.id == CaseLink.linked_case_id)
            .where(CaseLink.case_id == case_id).order_by(CaseLink.id))]
    verdict = verify_instance(services.runtime, history.instance.id)
    case = history.case
    if revealed:
        _log_export(services, actor, case_id)
        petitioner = Petitioner(case.petitioner_name or "", case.petitioner_phone or "",
                                case.petitioner_id_number or "", case.petitioner_address or "", case.anonymous,
                                case.group_size, revealed=True)
    else:
        petitioner = masked_petitioner(case)
    return Dossier(history, attachments, links, verdict, services.clock.now(), actor, petitioner)


def dossier_json(services: Services, actor: Actor, case_id: int) -> dict:
    """The case record and its instance export: events with hashes, the version's files and the stored state."""
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
        attachments = list(session.scalars(sa.select(Attachment).where(Attachment.case_id == case_id)
                                           .order_by(Attachment.uploaded_at, Attachment.id)))
    exported = export_instance(services.runtime, case.instance_id)
    _log_export(services, actor, case_id)
    return {
        **exported,
        "format": DOSSIER_FORMAT,
        "instance_format": exported["format"],
        "exported_at": services.clock.now().isoformat(),
        "exported_by": {"username": actor.username, "organisation": actor.organisation},
        "case": case_record(case),
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size,
                         "sha256": a.sha256, "uploaded_by": a.uploaded_by,
                         "uploaded_at": a.uploaded_at.isoformat()} for a in attachments],
    }


def dossier_json_text(document: dict) -> str:
    return canonical_json(document)


def verify_dossier(services: Services, document: dict) -> Verdict:
    """Replay a JSON dossier in memory with this deployment's script functions; compare it with its state."""
    if document.get("format") != DOSSIER_FORMAT:
        raise ValueError(f"not a dossier export (format {document.get('format')!r}, expected {DOSSIER_FORMAT})")
    return verify_export(document, script_functions(services.deadlines))


def case_record(case: Case) -> dict:
    return {
        "case_no": case.case_no, "channel": case.channel, "received_at": case.received_at.isoformat(),
        "petitioner": {"name": case.petitioner_name, "phone": case.petitioner_phone,
                       "id_number": case.petitioner_id_number, "address": case.petitioner_address,
                       "anonymous": case.anonymous, "group_size": case.group_size},
        "reported_party": case.reported_party, "reported_address": case.reported_address,
        "division_code": case.division_code, "location": case.location,
        "pollution_types": case.pollution_type_list, "petition_class": case.petition_class,
        "facts": case.facts, "demands": case.demands, "registration_org": case.registration_org,
        "handling_org": case.handling_org, "status": case.status, "track": case.track,
        "registered_by": case.registered_by,
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
    }


def _log_export(services: Services, actor: Actor, case_id: int) -> None:
    with services.db.unit_of_work() as tx:
        tx.add(RevealLog(case_id=case_id, username=actor.username, organisation=actor.organisation,
                         fields=",".join(PERSONAL_FIELDS) + " (dossier export)", at=services.clock.now()))


def pdf_from_html(html: str, base_url: str | None = None) -> bytes:
    """Render the dossier's HTML to PDF with WeasyPrint (the page's CSS names a CJK font for the Chinese)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
