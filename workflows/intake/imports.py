"""Importing cases from another platform's export (the 12369 platform, a city hotline): a CSV or XLSX file, read
through the column mapping saved for its source; a dry run judges every row (errors by line and field, nothing
written); the import registers the good rows. Each row's id in the source is kept with its case, so importing
the same file again registers nothing twice."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from engine.errors import FieldError, InvalidData, NotAllowed, NotFound
from workflows.accounts import Actor
from workflows.intake.registration import register_case, validate_registration
from workflows.models import (
    CHANNELS,
    ImportedRow,
    ImportSource,
)
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services

# Our fields a source's columns may fill; `source_id` (the row's id over there) is required.
FIELDS = ("source_id", "received_at", "petitioner.name", "petitioner.phone", "petitioner.id_number",
          "petitioner.address", "petitioner.anonymous", "reported_party", "reported_address", "division_code",
          "location", "pollution_types", "petition_class", "facts", "demands")
REQUIRED = ("source_id", "received_at", "reported_party", "division_code", "pollution_types", "petition_class",
            "facts")
# The words other platforms use for our codes.
POLLUTION_WORDS = {"大气": "air", "废气": "air", "水": "water", "废水": "water", "噪声": "noise", "固废": "solid_waste",
                   "固体废物": "solid_waste", "土壤": "soil", "生态": "ecology", "辐射": "radiation", "其他": "other"}
CLASS_WORDS = {"建议意见": "suggestion", "检举控告": "report", "申诉求决": "grievance"}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "匿名"}
MAX_ROWS = 5000


@dataclass
class RowResult:
    """One row of the file: its line (the header is line 1), id in the source, and what became of it."""

    line: int
    source_id: str
    status: str  # ready, imported, duplicate, invalid
    errors: dict[str, FieldError] = field(default_factory=dict)
    case_no: str | None = None


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    rows: list[RowResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def invalid(self) -> list[RowResult]:
        return [r for r in self.rows if r.status == "invalid"]


# -- sources and their mappings ----------------------------------------------------------------------------
def save_source(services: Services, actor: Actor, name: str, channel: str, mapping: dict[str, str]) -> ImportSource:
    """Create or update a source's column mapping ({our field: their column}) for the actor's organisation."""
    if not actor.has("registrar"):
        raise NotAllowed("registration.registrar_only")
    errors: dict[str, FieldError] = {}
    name = (name or "").strip()
    if not name or len(name) > 80:
        errors["name"] = FieldError("field.required")
    if channel not in CHANNELS:
        errors["channel"] = FieldError("field.one_of", {"options": list(CHANNELS)})
    for key in mapping:
        if key not in FIELDS:
            errors[f"mapping.{key}"] = FieldError("import.unknown_field", {"field": key, "known": list(FIELDS)})
    for key in REQUIRED:
        if not (mapping.get(key) or "").strip():
            errors[f"mapping.{key}"] = FieldError("import.column_required", {"field": key})
    if errors:
        raise InvalidData("import.source_not_saved", errors=errors)
    with services.db.unit_of_work() as tx:
        source = tx.scalar(sa.select(ImportSource).where(ImportSource.name == name))
        if source is None:
            source = ImportSource(name=name, organisation=actor.organisation)
            tx.add(source)
        elif source.organisation != actor.organisation:
            raise NotAllowed("import.other_bureau", source=name)
        source.channel, source.mapping = channel, json.dumps(mapping, ensure_ascii=False, sort_keys=True)
        source.updated_by, source.updated_at = actor.username, services.clock.now()
        tx.flush()
        return source


def source_named(services: Services, actor: Actor, name: str) -> ImportSource:
    with services.db.reader() as session:
        source = session.scalar(sa.select(ImportSource).where(ImportSource.name == name))
    if source is None:
        raise NotFound("import.source_not_found", source=name)
    if source.organisation != actor.organisation:
        raise NotAllowed("import.other_bureau", source=name)
    return source


def list_sources(services: Services, actor: Actor) -> list[ImportSource]:
    with services.db.reader() as session:
        return list(session.scalars(sa.select(ImportSource).where(ImportSource.organisation == actor.organisation)
                                    .order_by(ImportSource.name)))


# -- reading a file ----------------------------------------------------------------------------------------
def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, or GB18030 as Chinese Excel saves it) or XLSX file as {column: text}."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(data)
    elif suffix == ".csv":
        rows = _csv_rows(data)
    else:
        raise InvalidData("import.file_refused", errors={"file": FieldError("import.file_type", {"file": filename})})
    if not rows:
        raise InvalidData("import.file_refused", errors={"file": FieldError("import.file_empty", {"file": filename})})
    header = [str(h or "").strip() for h in rows[0]]
    body = rows[1:MAX_ROWS + 1]
    return [{column: _text(row[i]) if i < len(row) else "" for i, column in enumerate(header) if column}
            for row in body]


def _csv_rows(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError) as exc:
        raise InvalidData("import.file_refused", errors={"file": FieldError("import.file_unreadable")}) from exc
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True) if any(v not in (None, "") for v in row)]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=SHANGHAI)).isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- judging and importing rows ----------------------------------------------------------------------------
def registration_of(row: dict[str, str], mapping: dict[str, str], channel: str) -> tuple[str, dict]:
    """The row's source id and the registration it stands for, our codes in place of the platform's words."""
    def cell(key: str) -> str:
        column = mapping.get(key)
        return row.get(column, "").strip() if column else ""

    petitioner: dict[str, Any] = {key: cell(f"petitioner.{key}") for key in ("name", "phone", "id_number", "address")}
    petitioner["anonymous"] = cell("petitioner.anonymous").lower() in TRUE_WORDS
    types = [POLLUTION_WORDS.get(t.strip(), t.strip()) for t in
             cell("pollution_types").replace("，", ",").replace("、", ",").replace("/", ",").split(",") if t.strip()]
    received = cell("received_at")
    form = {"channel": channel, "petitioner": petitioner, "reported_party": cell("reported_party"),
            "reported_address": cell("reported_address"), "division_code": cell("division_code"),
            "location": cell("location"), "pollution_types": types,
            "petition_class": CLASS_WORDS.get(cell("petition_class"), cell("petition_class")),
            "facts": cell("facts"), "demands": cell("demands"), "received_at": _local_time(received)}
    return cell("source_id"), {k: v for k, v in form.items() if v != ""}


def _local_time(text: str) -> str:
    """A time as the platform wrote it ('2026-03-02 08:30'), read as Beijing time when it gives no zone."""
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return text
    return (moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)).isoformat()


def run_import(services: Services, actor: Actor, source_name: str, filename: str, data: bytes,
               dry_run: bool = True) -> ImportReport:
    """Judge every row (dry run), or also register the good ones; a row already imported is a duplicate."""
    source = source_named(services, actor, source_name)
    if not actor.has("registrar"):
        raise NotAllowed("registration.registrar_only")
    mapping = json.loads(source.mapping)
    rows = read_table(filename, data)
    with services.db.reader() as session:
        known = set(session.scalars(sa.select(ImportedRow.source_row_id).where(ImportedRow.source_id == source.id)))
    now = services.clock.now()
    report = ImportReport(source.name, dry_run, [])
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        source_id, form = registration_of(row, mapping, source.channel)
        result = RowResult(line, source_id, "ready")
        report.rows.append(result)
        if not source_id:
            result.status, result.errors = "invalid", {"source_id": FieldError("field.required")}
            continue
        if source_id in known or source_id in seen:
            result.status = "duplicate"
            continue
        seen.add(source_id)
        try:
            validate_registration(form, now)
        except InvalidData as exc:
            result.status, result.errors = "invalid", dict(exc.errors)
            continue
        if not dry_run:
            try:
                case = register_case(services, actor, form, also=_keep_row(source.id, source_id, now))
            except InvalidData as exc:
                result.status, result.errors = "invalid", dict(exc.errors) or {"_row": FieldError(exc.code)}
                continue
            result.status, result.case_no = "imported", case.case_no
    return report


def _keep_row(source_id: int, source_row_id: str, at: datetime):
    def keep(tx, case) -> None:
        tx.add(ImportedRow(source_id=source_id, source_row_id=source_row_id[:100], case_id=case.id, imported_at=at))
    return keep


# -- keeping the file between the dry run and the import -----------------------------------------------------
def stash_upload(settings, data: bytes) -> str:
    """Keep an uploaded export under its SHA-256 (uploads.dir/imports/), so the import reads what the dry run read."""
    digest = hashlib.sha256(data).hexdigest()
    path = settings.path(settings.uploads.dir) / "imports" / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return digest


def stashed_upload(settings, digest: str) -> bytes:
    if not digest or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise NotFound("import.upload_expired")
    path = settings.path(settings.uploads.dir) / "imports" / digest
    if not path.exists():
        raise NotFound("import.upload_expired")
    return path.read_bytes()
