"""Documents of a case: checked for size and type, stored outside the database under their SHA-256
(uploads.dir/ab/cd/abcd...), described by an Attachment row. Who may add or read them follows the case."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import FieldError, InvalidData, NotFound
from workflows.accounts import Actor
from workflows.cases import get_case
from workflows.handling.tasks import check_may_act, open_task
from workflows.models import Attachment, Case
from workflows.settings import Settings

if TYPE_CHECKING:
    from workflows.bootstrap import Services

# What a petition's documents are: letters and scans, photos, office files, recordings of visits and calls.
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".mp4": "video/mp4",
}


# Files whose first bytes say what they are; a photo renamed from an executable is refused.
_MAGIC = {".pdf": (b"%PDF",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",),
          ".jpeg": (b"\xff\xd8\xff",), ".docx": (b"PK\x03\x04",), ".xlsx": (b"PK\x03\x04",)}


FIELD = "attachments"


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the user gave it and its bytes."""

    filename: str
    data: bytes


def clean_name(filename: str) -> str:
    """The file's own name without any folder part, at most 200 characters."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip().replace("\x00", "")
    return name[-200:] or "file"


def check_uploads(settings: Settings, uploads: list[Upload]) -> None:
    """Refuse, naming the file, any upload that is empty, too large or not an accepted type; each bad file is
    an error at 'attachments.<position>'."""
    megabytes = settings.uploads.max_megabytes
    problems: dict[str, FieldError] = {}
    for position, upload in enumerate(uploads):
        name = clean_name(upload.filename)
        suffix = Path(name).suffix.lower()
        if suffix not in ALLOWED_TYPES:
            problem = FieldError("attachment.type_refused", {"file": name, "accepted": sorted(ALLOWED_TYPES)})
        elif not upload.data:
            problem = FieldError("attachment.empty", {"file": name})
        elif len(upload.data) > megabytes * 1024 * 1024:
            problem = FieldError("attachment.too_large", {"file": name, "megabytes": megabytes})
        elif suffix in _MAGIC and not upload.data.startswith(_MAGIC[suffix]):
            problem = FieldError("attachment.content_mismatch", {"file": name, "type": suffix[1:].upper()})
        else:
            continue
        problems[f"{FIELD}.{position}"] = problem
    if problems:
        raise InvalidData("attachment.not_stored", errors=problems)


def blob_path(settings: Settings, sha256: str) -> Path:
    return settings.path(settings.uploads.dir) / sha256[:2] / sha256[2:4] / sha256


def _write_blob(settings: Settings, data: bytes) -> str:
    """Store the bytes under their SHA-256 (once; the same file uploaded twice is kept once)."""
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(settings, digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside and rename, so a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    return digest


def store_attachments(services: Services, actor: Actor, case_id: int, uploads: list[Upload],
                      task_id: str | None = None) -> list[Attachment]:
    """Add documents to a case the actor may see (and, for a task, may act on); refuses bad files first."""
    uploads = [u for u in uploads if u.filename or u.data]
    if not uploads:
        return []
    check_uploads(services.settings, uploads)
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
        if task_id is not None:
            task = open_task(session, task_id)
            if task.instance_id != case.instance_id:
                raise NotFound("attachment.task_not_of_case", task=task_id, case=case.case_no)
            check_may_act(actor, task)
    stored = [(u, _write_blob(services.settings, u.data)) for u in uploads]
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        rows = []
        for upload, digest in stored:
            name = clean_name(upload.filename)
            row = Attachment(case_id=case_id, task_id=task_id, filename=name,
                             content_type=ALLOWED_TYPES[Path(name).suffix.lower()], size=len(upload.data),
                             sha256=digest, uploaded_by=actor.username, uploaded_at=now)
            tx.add(row)
            rows.append(row)
        tx.flush()
        return rows


def case_attachments(session: so.Session, case: Case) -> list[Attachment]:
    return list(session.scalars(sa.select(Attachment).where(Attachment.case_id == case.id)
                                .order_by(Attachment.uploaded_at, Attachment.id)))


def open_attachment(services: Services, actor: Actor, case_id: int, attachment_id: int) -> tuple[Attachment, Path]:
    """A document of a case the actor may see, and where its bytes are."""
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
        row = session.get(Attachment, attachment_id)
        if row is None or row.case_id != case.id:
            raise NotFound("attachment.not_found", case=case.case_no, attachment=attachment_id)
    path = blob_path(services.settings, row.sha256)
    if not path.exists():
        raise NotFound("attachment.file_missing", attachment=attachment_id)
    if hashlib.sha256(path.read_bytes()).hexdigest() != row.sha256:
        raise NotFound("attachment.checksum_mismatch", attachment=attachment_id)
    return row, path
