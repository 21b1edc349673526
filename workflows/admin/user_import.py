"""Importing accounts from a CSV file: every row is checked first and every problem reported by line and
column; only a file without problems is imported, all of it in one transaction (all or nothing).

Columns (a header row, English or Chinese names): username, display_name, organisation, roles (several
separated by ";" or "|"), locale (optional), password (optional: empty means a password is generated and
shown once). Every imported user must change the password at first sign-in."""
from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

import sqlalchemy.orm as so

from engine.errors import FieldError, InvalidData
from workflows.accounts import Actor
from workflows.admin.log import record, require_admin
from workflows.admin.users import (
    AccountForm,
    FirstPassword,
    IssuedPassword,
    account_errors,
    add_account,
    policy_of,
)

if TYPE_CHECKING:
    from workflows.bootstrap import Services
    from workflows.signin import SignInPolicy

COLUMNS = ("username", "display_name", "organisation", "roles", "locale", "password")
REQUIRED = ("username", "organisation", "roles")
ALIASES = {"用户名": "username", "姓名": "display_name", "机构": "organisation", "单位": "organisation",
           "角色": "roles", "语言": "locale", "密码": "password"}
# Each account's password is hashed with argon2 (about 0.1 to 0.4 s here): a bigger file is split.
MAX_ROWS = 500
ROLE_SEPARATORS = re.compile(r"[;|、，,\s]+")
# What the page offers to download: the header and two rows that import as they are.
TEMPLATE = ("username,display_name,organisation,roles,locale,password\r\n"
            "xihu-registrar2,王登记,EEB-330106,registrar,zh_CN,\r\n"
            "xihu-handler2,Li Handler,EEB-330106,handler;leader,en,\r\n")


def decode(content: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else GB18030 as Chinese Excel saves it."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")
        except UnicodeDecodeError:
            raise InvalidData("user_import.invalid",
                              errors={"file": FieldError("user_import.not_text")}) from None


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) per data row; the header is line 1. Refuses a file without the
    required columns or with too many rows, naming them."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise InvalidData("user_import.invalid", errors={"file": FieldError("user_import.file_empty")})
    names = [ALIASES.get(cell.strip(), cell.strip().lower()) for cell in header]
    unknown = [cell for cell, name in zip(header, names, strict=True) if name and name not in COLUMNS]
    missing = [c for c in REQUIRED if c not in names]
    errors = {}
    if missing:
        errors["1.header"] = FieldError("user_import.missing_columns", {"columns": missing})
    if unknown:
        errors["1.columns"] = FieldError("user_import.unknown_columns", {"columns": unknown, "known": list(COLUMNS)})
    if errors:
        raise InvalidData("user_import.invalid", errors=errors)
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        rows.append((number, {name: (cells[i].strip() if i < len(cells) else "")
                              for i, name in enumerate(names) if name}))
    if not rows:
        raise InvalidData("user_import.invalid", errors={"file": FieldError("user_import.file_empty")})
    if len(rows) > MAX_ROWS:
        raise InvalidData("user_import.invalid", errors={"file": FieldError("user_import.too_many_rows",
                                                                            {"max": MAX_ROWS})})
    return rows


def _form(row: dict[str, str]) -> AccountForm:
    roles = tuple(r for r in ROLE_SEPARATORS.split(row.get("roles", "")) if r)
    return AccountForm(row.get("username", ""), row.get("display_name", ""), row.get("organisation", ""), roles,
                       row.get("locale") or None, row.get("password", ""))


def _checked(session: so.Session, rows: list[tuple[int, dict[str, str]]], policy: SignInPolicy) -> list[AccountForm]:
    """The rows as account forms; InvalidData('user_import.invalid') naming every problem by line and column."""
    errors: dict[str, FieldError] = {}
    first_line: dict[str, int] = {}
    forms = []
    for line, row in rows:
        form = _form(row)
        name = form.username.strip()
        for column, problem in account_errors(session, form, policy).items():
            errors[f"{line}.{column}"] = problem
        if name in first_line and f"{line}.username" not in errors:
            errors[f"{line}.username"] = FieldError("user_import.duplicate_username",
                                                    {"username": name, "line": first_line[name]})
        first_line.setdefault(name, line)
        forms.append(form)
    if errors:
        raise InvalidData("user_import.invalid", errors=errors)
    return forms


def import_users(services: Services, admin: Actor, filename: str, content: bytes) -> list[IssuedPassword]:
    """Create every account of the file, or none: InvalidData('user_import.invalid') maps 'LINE.column' to
    what is wrong there ('file' for the file as a whole)."""
    require_admin(admin)
    rows = read_rows(decode(content))
    policy = policy_of(services)
    with services.db.reader() as session:
        forms = _checked(session, rows, policy)
    # Hashing takes a good fraction of a second per account: done before the write transaction, which then
    # checks the names again (someone may have taken one meanwhile) and only inserts.
    firsts = [FirstPassword.of(form) for form in forms]
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        _checked(tx, rows, policy)
        issued = []
        for form, first in zip(forms, firsts, strict=True):
            user, generated = add_account(tx, now, form, first)
            record(tx, now, admin, "user.create", user.username, organisation=user.organisation_code,
                   roles=sorted(user.role_names), display_name=user.display_name, via="import")
            issued.append(IssuedPassword(user.id, user.username, generated))
        record(tx, now, admin, "user.import", filename or "-", users=len(issued))
        return issued
