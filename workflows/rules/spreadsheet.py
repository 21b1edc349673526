"""Spreadsheet cells that cannot run: text that a spreadsheet program would read as a formula (it starts with
= + - @, or a tab or carriage return before one) is neutralised before it goes into a CSV or XLSX export."""
from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise_cell(value: Any) -> Any:
    """A CSV cell: formula-like text gets a leading apostrophe, so spreadsheets show it as text."""
    return "'" + value if looks_like_formula(value) else value
