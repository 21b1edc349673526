"""The petitioner's way in: a case number and its query code, checked in constant time, with one answer for
a wrong number and a wrong code, so that nobody learns which case numbers exist."""
from __future__ import annotations

import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import NotFound
from workflows.models import Case

# Compared against when the number is unknown, so that a wrong number costs what a wrong code costs.
_NO_CODE = "Z" * 10
PORTAL_ACTOR = "portal"


def normalise_query_code(query_code: str) -> str:
    """The code as it is stored: upper case, without the spaces and dashes people type."""
    return "".join(ch for ch in (query_code or "").upper() if ch.isalnum())


def open_case(session: so.Session, case_no: str, query_code: str) -> Case:
    """The case that the number and code both name; NotFound('portal.not_found') for any mismatch."""
    given = normalise_query_code(query_code)
    case = session.scalar(sa.select(Case).where(Case.case_no == (case_no or "").strip()))
    stored = case.query_code if case is not None and case.query_code else _NO_CODE
    matches = secrets.compare_digest(stored.encode(), given.encode())
    if case is None or not case.query_code or not matches:
        raise NotFound("portal.not_found")
    return case
