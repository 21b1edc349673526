"""Tables of figures as CSV and XLSX downloads. A text cell that a spreadsheet would read as a formula (one
starting with = + - @, a tab or a carriage return) is written with a leading apostrophe, so it stays text."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from workflows.rules.spreadsheet import neutralise_cell
from workflows.rules.timezone import SHANGHAI

# Characters Excel refuses in a sheet's name; a name has at most 31 characters.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Table:
    """A titled table: header texts and rows of plain values (text, numbers, times, None)."""

    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def neutralised(value):
    """The value as a cell: text that would start a formula gets a leading apostrophe; times become local."""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)
    return neutralise_cell(value)


def table_csv(table: Table) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralised(h) for h in table.headers])
    for row in table.rows:
        cells = (neutralised(v) for v in row)
        writer.writerow(["" if v is None else v.isoformat(sep=" ") if isinstance(v, datetime | date) else v
                         for v in cells])
    return buffer.getvalue().encode("utf-8-sig")


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table, its header row bold and frozen, columns sized to their text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.title, used))
        sheet.append([neutralised(h) for h in table.headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([neutralised(v) for v in row])
        sheet.freeze_panes = "A2"
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        for index, header in enumerate(table.headers, start=1):
            longest = max([len(str(header))] + [len(str(r[index - 1])) for r in table.rows if index <= len(r)])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, longest * 1.6 + 2))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip("' ")[:28] or "sheet"
    name, number = base, 2
    while name.lower() in used:
        name, number = f"{base} {number}", number + 1
    used.add(name.lower())
    return name
