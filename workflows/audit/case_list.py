"""The case list with the auditor's filters, and its rows as CSV and XLSX (never personal data)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from workflows.accounts import Actor
from workflows.cases import visible_clause
from workflows.models import Case
from workflows.rules.spreadsheet import looks_like_formula, neutralise_cell
from workflows.rules.timezone import SHANGHAI


# -- the case list ---------------------------------------------------------------------------------------
@dataclass
class CaseFilters:
    """The auditor's case list filters; every one optional."""

    status: str | None = None
    channel: str | None = None
    pollution_type: str | None = None
    division: str | None = None          # division code prefix
    organisation: str | None = None      # registering or handling organisation
    received_from: date | None = None
    received_to: date | None = None      # inclusive
    search: str | None = None            # case number, reported party or location, contains

    @classmethod
    def from_args(cls, args) -> CaseFilters:
        """Filters from a query string; an unreadable date is ignored rather than refused."""
        def text(name: str) -> str | None:
            return (args.get(name) or "").strip() or None

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(args.get(name) or "")
            except ValueError:
                return None
        return cls(text("status"), text("channel"), text("pollution_type"), text("division"),
                   text("organisation"), day("received_from"), day("received_to"), text("search"))

    def as_args(self) -> dict[str, str]:
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in vars(self).items() if v}


# The columns of the list, in order; the web layer words their headers. Petitioners' personal data never
# goes into the list.
CASE_COLUMNS = ("case_no", "received_at", "channel", "petition_class", "pollution_types", "reported_party",
                "division_code", "registration_org", "handling_org", "status", "track", "closed_at")


@dataclass
class CaseList:
    cases: list[Case]
    total: int
    filters: CaseFilters = field(default_factory=CaseFilters)


def list_cases(session: so.Session, actor: Actor, filters: CaseFilters, limit: int | None = None,
               offset: int = 0) -> CaseList:
    """The cases the actor may see that match the filters, newest first."""
    stmt = sa.select(Case).where(visible_clause(actor))
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    if filters.channel:
        stmt = stmt.where(Case.channel == filters.channel)
    if filters.pollution_type:
        stmt = stmt.where(Case.pollution_types.like(f"%,{filters.pollution_type},%"))
    if filters.division:
        stmt = stmt.where(Case.division_code.like(filters.division.rstrip("0") + "%"))
    if filters.organisation:
        stmt = stmt.where(sa.or_(Case.registration_org == filters.organisation,
                                 Case.handling_org == filters.organisation))
    if filters.received_from:
        stmt = stmt.where(Case.received_at >= _start_of(filters.received_from))
    if filters.received_to:
        stmt = stmt.where(Case.received_at < _start_of(filters.received_to + timedelta(days=1)))
    if filters.search:
        term = f"%{filters.search}%"
        stmt = stmt.where(sa.or_(Case.case_no.like(term), Case.reported_party.like(term), Case.location.like(term)))
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    stmt = stmt.order_by(Case.received_at.desc(), Case.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return CaseList(list(session.scalars(stmt)), total, filters)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


def case_rows(cases: list[Case]) -> list[list]:
    """One row per case in CASE_COLUMNS order; times in Asia/Shanghai without offset, as spreadsheets want."""
    rows = []
    for case in cases:
        row = []
        for attribute in CASE_COLUMNS:
            value = case.pollution_type_list if attribute == "pollution_types" else getattr(case, attribute)
            if isinstance(value, datetime):
                value = value.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)
            elif isinstance(value, list):
                value = ",".join(value)
            row.append(value)
        rows.append(row)
    return rows


def cases_csv(headers: list[str], rows: list[list]) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly; text that would
    read as a formula is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise_cell(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else v.isoformat(sep=" ") if isinstance(v, datetime) else neutralise_cell(v)
                         for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def cases_xlsx(headers: list[str], rows: list[list], title: str = "cases") -> bytes:
    """The rows as a workbook; every text cell is stored as text, never as a formula (openpyxl would store
    text starting with = as one), and formula-like text is marked quoted as Excel does for typed text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif looks_like_formula(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in rows[:200]])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
