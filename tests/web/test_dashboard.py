"""The KPI dashboard on the demo data: who may open it and for which bureaus, the cards and the cases behind
each number, the trend's JSON, every table as CSV and XLSX (formulas neutralised), the monthly bulletin as PDF
(Chinese text, nil report) and XLSX, from the page and the command line, and the public disclosure page."""
from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.domain.conftest import services_on
from tests.domain.test_demo import DEMO, NOW
from tests.web.conftest import ARTIFACTS, WEB_SETTINGS, SignedIn
from webui import create_app
from workflows.accounts import Actor
from workflows.demo.accounts import PASSWORD
from workflows.intake.registration import register_case
from workflows.models import Case, CaseOrganisation, Organisation, User
from workflows.reporting.kpis import KPI_KEYS, KpiFilters, kpi_report
from workflows.reporting.periods import parse_period


@pytest.fixture
def overrides() -> dict:
    """Settings of a test beyond the web tests' own; a test parametrizes this to change them."""
    return {}


@pytest.fixture
def services(database_copy, clock, tmp_path, overrides):
    """The demo's forty cases on SQLite, at the demo's end (2026-11-20)."""
    made = database_copy(DEMO, "sqlite")
    clock.set(NOW)
    with services_on(made.url, clock, tmp_path, {**WEB_SETTINGS, **overrides}) as built:
        yield built


@pytest.fixture
def app(services):
    app = create_app(services=services)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def signed_in(app):
    def sign_in(username: str) -> SignedIn:
        web = SignedIn(app.test_client())
        response = web.login(username, PASSWORD)
        assert response.status_code == 302, response.get_data(as_text=True)
        return web
    return sign_in


def report_for(services, code: str, period: str, filters: KpiFilters | None = None):
    with services.db.reader() as session:
        return kpi_report(session, session.get(Organisation, code), parse_period(period), filters or KpiFilters(), NOW,
                          services.settings.kpi.targets)


def case_numbers(services, ids) -> set[str]:
    with services.db.reader() as session:
        return set(session.scalars(sa.select(Case.case_no).where(Case.id.in_(list(ids)))))


# -- who sees what ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("username", ["province-leader", "hangzhou-supervisor", "xihu-auditor", "admin"])
def test_leaders_supervisors_auditors_and_admins_open_the_dashboard_from_the_navigation(signed_in, username):
    web = signed_in(username)
    queue = web.get("/queue").get_data(as_text=True)
    assert queue.count('href="/dashboard/"') == 1, "the navigation links the dashboard once"
    page = web.get("/dashboard/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("及时受理率", "按期办结率", "群众参评率", "群众满意率（满意+基本满意）", "群众满意率（仅满意）",
                 "重复信访率", "积案化解率"):
        assert name in text, name
    assert 'id="kpi-trend"' in text and "vendor/echarts/echarts.min.js" in text
    assert "<script>" not in text, "no inline script: the page passes its data through data- attributes"


@pytest.mark.parametrize("username", ["xihu-handler", "xihu-registrar"])
def test_handlers_and_registrars_have_no_dashboard(signed_in, username):
    web = signed_in(username)
    assert web.get("/dashboard/").status_code == 403
    assert 'href="/dashboard/"' not in web.get("/queue").get_data(as_text=True)


def test_the_bureau_picker_offers_the_readers_subtree_and_refuses_a_bureau_outside_it(signed_in):
    web = signed_in("hangzhou-supervisor")
    text = web.get("/dashboard/").get_data(as_text=True)
    offered = set(re.findall(r'<option value="(EEB-\d+)"', text))
    assert offered == {"EEB-330100", "EEB-330106", "EEB-330110"}
    assert web.get("/dashboard/?org=EEB-330106").status_code == 200
    refused = web.get("/dashboard/?org=EEB-330200")
    assert refused.status_code == 403 and "EEB-330200" in refused.get_data(as_text=True)
    assert web.get("/dashboard/cases?org=EEB-330000&kpi=repeat_rate&part=denominator").status_code == 403


def test_unreadable_filters_are_named_on_the_page(signed_in):
    web = signed_in("province-leader")
    page = web.get("/dashboard/?period=2026-13&channel=fax&org=EEB-999999")
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="period-error"' in text and 'id="channel-error"' in text and 'id="org-error"' in text
    assert "2026-Q1" in text, "the period's message says what is accepted"
    assert web.get("/dashboard/?from=2026-10-05&to=2026-10-01").status_code == 422
    assert 'id="to-error"' in web.get("/dashboard/?from=2026-10-05").get_data(as_text=True)


# -- the figures and the cases behind them ---------------------------------------------------------------------------
def test_the_cards_show_each_figure_with_its_target_and_link_to_the_cases_behind_it(signed_in, services):
    web = signed_in("province-leader")
    text = web.get("/dashboard/?org=EEB-330000&period=2026").get_data(as_text=True)
    report = report_for(services, "EEB-330000", "2026")
    for key in KPI_KEYS:
        figure = report.figures[key]
        card = re.search(rf'<article class="kpi-card ([a-z-]+)" data-kpi="{key}">(.*?)</article>', text, re.DOTALL)
        assert card, key
        shown = "—" if figure.percent is None else f"{figure.percent:.1f}%"
        assert f'<p class="kpi-value">{shown}</p>' in card.group(2), key
        assert card.group(1) == {True: "kpi-met", False: "kpi-missed", None: "kpi-plain"}[figure.met], key
        if figure.met is not None:
            assert ("达标" if figure.met else "未达标") in card.group(2)
    for key, part in (("timely_acceptance", "numerator"), ("timely_acceptance", "denominator"),
                      ("satisfaction", "numerator"), ("repeat_rate", "denominator"), ("days_to_reply", "cases"),
                      ("channel", "12369")):
        page = web.get(f"/dashboard/cases?org=EEB-330000&period=2026&kpi={key}&part={part}")
        assert page.status_code == 200, (key, part)
        listed = set(re.findall(r'class="case-no"[^>]*>([^<]+)<', page.get_data(as_text=True)))
        assert listed == case_numbers(services, report.case_ids(key, part)) and listed, (key, part)
    assert web.get("/dashboard/cases?period=2026&kpi=nonsense&part=numerator").status_code == 422


def test_a_leader_sees_links_only_to_the_cases_their_bureau_may_open(signed_in, services):
    web = signed_in("hangzhou-leader")
    text = web.get("/dashboard/cases?period=2026&kpi=received&part=cases").get_data(as_text=True)
    linked = set(re.findall(r'<a class="case-no" href="/cases/\d+">([^<]+)</a>', text))
    plain = set(re.findall(r'<span class="case-no"[^>]*>([^<]+)</span>', text))
    with services.db.reader() as session:
        own = set(session.scalars(sa.select(Case.case_no).join(CaseOrganisation, CaseOrganisation.case_id == Case.id)
                                  .where(CaseOrganisation.organisation == "EEB-330100")))
    assert linked and plain, "cases of Hangzhou itself and of its counties"
    assert linked == own and not plain & own
    for number in sorted(linked)[:2]:
        case_id = re.search(rf'href="/cases/(\d+)">{number}<', text).group(1)
        assert web.get(f"/cases/{case_id}").status_code == 200


def test_the_trend_json_gives_each_kpi_month_by_month(signed_in, services):
    web = signed_in("province-leader")
    data = web.get("/dashboard/trend.json?period=2026-11&channel=12369").get_json()
    assert data["months"][0] == "2025-12" and data["months"][-1] == "2026-11" and len(data["months"]) == 12
    assert [s["key"] for s in data["series"]] == list(KPI_KEYS)
    october = report_for(services, "EEB-330000", "2026-10", KpiFilters(channel="12369"))
    index = data["months"].index("2026-10")
    for series in data["series"]:
        assert series["data"][index] == october.figures[series["key"]].percent
    assert data["received"]["data"][index] == len(october.received)


def test_a_month_still_to_come_has_no_figures_in_the_trend(signed_in):
    data = signed_in("province-leader").get("/dashboard/trend.json?period=2026-Q4").get_json()
    assert data["months"] == ["2026-10", "2026-11", "2026-12"]
    assert all(series["data"][2] is None for series in data["series"]) and data["received"]["data"][2] is None
    assert data["series"][0]["data"][1] is not None, "November has begun"


# -- downloads ---------------------------------------------------------------------------------------------------
def test_every_table_downloads_as_csv_and_xlsx(signed_in, services):
    web = signed_in("province-leader")
    report = report_for(services, "EEB-330000", "2026")
    for name in ("figures", "trend", "channel", "pollution_type", "petition_class", "region", "reported_party"):
        response = web.get(f"/dashboard/export/{name}.csv?org=EEB-330000&period=2026")
        assert response.status_code == 200 and response.mimetype == "text/csv", name
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        assert len(rows) > 1, name
        book = load_workbook(io.BytesIO(web.get(f"/dashboard/export/{name}.xlsx?org=EEB-330000&period=2026").data))
        sheet = book.worksheets[0]
        assert [c.value for c in sheet[1]] == rows[0]
        assert sheet.max_row == len(rows), name
    figures = list(csv.reader(io.StringIO(web.get("/dashboard/export/figures.csv?period=2026").data
                                          .decode("utf-8-sig"))))
    assert figures[0][:4] == ["指标", "分子", "分母", "比率（%）"]
    timely = report.figures["timely_acceptance"]
    assert figures[1][0] == "及时受理率" and figures[1][1].endswith(f": {len(timely.numerator)}")
    channels = list(csv.reader(io.StringIO(web.get("/dashboard/export/channel.csv?period=2026").data
                                           .decode("utf-8-sig"))))
    assert sum(int(r[1]) for r in channels[1:]) == len(report.received)
    everything = load_workbook(io.BytesIO(web.get("/dashboard/export/all.xlsx?period=2026").data))
    assert len(everything.sheetnames) == 7
    cases = web.get("/dashboard/export/cases.xlsx?period=2026&kpi=timely_acceptance&part=denominator")
    listed = {row[0].value for row in load_workbook(io.BytesIO(cases.data)).worksheets[0].iter_rows(min_row=2)}
    assert listed == case_numbers(services, timely.denominator)
    assert web.get("/dashboard/export/secrets.csv").status_code == 404
    assert web.get("/dashboard/export/all.csv").status_code == 404


def test_a_reported_party_written_as_a_formula_stays_text_in_the_downloads(signed_in, services):
    with services.db.reader() as session:
        registrar = Actor.of(session.scalar(sa.select(User).where(User.username == "xihu-registrar")))
    register_case(services, registrar, {
        "channel": "web", "received_at": "2026-11-19T10:00:00+08:00",
        "petitioner": {"name": "", "phone": "", "id_number": "", "address": "", "anonymous": True, "group_size": 1},
        "reported_party": '=HYPERLINK("http://evil.example","点我")', "division_code": "330106",
        "pollution_types": ["noise"], "petition_class": "report", "facts": "夜间施工噪声扰民，持续一周。"})
    web = signed_in("province-leader")
    rows = list(csv.reader(io.StringIO(web.get("/dashboard/export/reported_party.csv?period=2026-11").data
                                       .decode("utf-8-sig"))))
    assert ["'=HYPERLINK(\"http://evil.example\",\"点我\")", "1"] in rows
    sheet = load_workbook(io.BytesIO(web.get("/dashboard/export/reported_party.xlsx?period=2026-11").data)).active
    cells = [c for c in sheet["A"] if "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" and str(c.value).startswith("'=") for c in cells)


# -- the monthly bulletin -------------------------------------------------------------------------------------------
def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_the_bulletin_pdf_shows_the_months_figures_in_chinese(signed_in, services):
    web = signed_in("hangzhou-leader")
    response = web.get("/dashboard/bulletin.pdf?org=EEB-330100&month=2026-10")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "bulletin-hangzhou-2026-10.pdf").write_bytes(response.data)
    text = pdf_text(response.data)
    report = report_for(services, "EEB-330100", "2026-10")
    assert "信访工作月度简报" in text and "杭州市生态环境局" in text and "西湖分局" in text
    assert "及时受理率" in text and "被举报对象" in text
    assert f"本月共收到信访件 {len(report.received)} 件" in text.replace("\n", "")
    assert "零报告" not in text


def test_a_month_without_cases_gives_a_nil_report(signed_in):
    web = signed_in("xihu-leader")
    body = web.get("/dashboard/bulletin.pdf?org=EEB-330106&month=2026-02").data
    (ARTIFACTS / "bulletin-xihu-2026-02-nil.pdf").write_bytes(body)
    text = pdf_text(body)
    assert "零报告" in text and "西湖分局" in text
    book = load_workbook(io.BytesIO(web.get("/dashboard/bulletin.xlsx?org=EEB-330106&month=2026-02").data))
    summary = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows(min_row=2)}
    assert summary["收到信访件"] == 0 and summary["零报告"].startswith("是")


def test_the_bulletin_xlsx_has_the_figures_the_bureaus_and_the_top_reported_parties(signed_in, services):
    web = signed_in("province-leader")
    book = load_workbook(io.BytesIO(web.get("/dashboard/bulletin.xlsx?org=EEB-330000&month=2026-10").data))
    assert len(book.sheetnames) == 7
    report = report_for(services, "EEB-330000", "2026-10")
    bureaus = [[c.value for c in row] for row in book.worksheets[2].iter_rows(min_row=2)]
    assert [row[0] for row in bureaus][:2] == ["浙江省生态环境厅", "杭州市生态环境局"]
    assert bureaus[0][1] == len(report.received)
    parties = [[c.value for c in row] for row in book.worksheets[-1].iter_rows(min_row=2)]
    assert parties == [[row.value, row.count] for row in report.volumes["reported_party"][:10]]
    assert web.get("/dashboard/bulletin.pdf?org=EEB-330000&month=2026-Q4").status_code == 422
    assert signed_in("xihu-leader").get("/dashboard/bulletin.pdf?org=EEB-330000&month=2026-10").status_code == 403


def test_the_bulletin_command_writes_pdf_or_xlsx(app, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "杭州-2026-10.pdf"
    result = runner.invoke(args=["bulletin", "--org", "EEB-330100", "--month", "2026-10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "信访工作月度简报" in pdf_text(out.read_bytes())
    result = runner.invoke(args=["bulletin", "--org", "EEB-330106", "--month", "2026-01", "--out",
                                 str(tmp_path / "nil.xlsx")])
    assert result.exit_code == 0 and "零报告" in result.output
    assert load_workbook(tmp_path / "nil.xlsx").sheetnames[0] == "简报"
    refused = runner.invoke(args=["bulletin", "--org", "EEB-999999", "--month", "2026-10", "--out",
                                  str(tmp_path / "x.pdf")])
    assert refused.exit_code == 2 and "--org" in refused.output and not (tmp_path / "x.pdf").exists()
    refused = runner.invoke(args=["bulletin", "--org", "EEB-330100", "--month", "October", "--out",
                                  str(tmp_path / "x.pdf")])
    assert refused.exit_code == 2 and "--month" in refused.output


# -- the public disclosure page ---------------------------------------------------------------------------------------
def test_the_disclosure_page_is_off_by_default(app):
    assert app.test_client().get("/portal/disclosure").status_code == 404
    assert 'id="disclosure-link"' not in app.test_client().get("/portal/").get_data(as_text=True)


@pytest.mark.parametrize("overrides", [{"portal.disclosure_enabled": True}])
def test_the_disclosure_page_shows_anonymised_figures_per_bureau(app, services):
    assert 'id="disclosure-link"' in app.test_client().get("/portal/").get_data(as_text=True)
    page = app.test_client().get("/portal/disclosure?month=2026-10")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    report = report_for(services, "EEB-330000", "2026-10")
    row = re.search(r"<td>浙江省生态环境厅</td>\s*<td>(\d+)", text)
    assert row and int(row.group(1)) == len(report.received)
    with services.db.reader() as session:
        cases = list(session.scalars(sa.select(Case)))
    assert not any(c.case_no in text for c in cases), "no case number"
    assert not any(c.petitioner_name and c.petitioner_name in text for c in cases), "no petitioner"
    assert not any(c.reported_party in text for c in cases), "no reported party unless configured"
    assert app.test_client().get("/portal/disclosure?month=2026-13").status_code == 422


@pytest.mark.parametrize("overrides", [{"portal.disclosure_enabled": True,
                                        "portal.disclosure_reported_parties": True}])
def test_the_disclosure_page_names_reported_parties_when_configured(app, services):
    text = app.test_client().get("/portal/disclosure?month=2026-10").get_data(as_text=True)
    top = report_for(services, "EEB-330000", "2026-10").volumes["reported_party"][0]
    assert f"{top.value} ({top.count})" in text


def test_the_dashboard_and_the_bulletin_speak_english_when_chosen(signed_in, app, tmp_path):
    web = signed_in("province-leader")
    web.post("/language", {"locale": "en", "next": "/dashboard/"})
    text = web.get("/dashboard/?period=2026").get_data(as_text=True)
    for name in ("Timely acceptance rate", "Satisfaction rate (satisfied + basically satisfied)",
                 "Satisfaction rate (satisfied only)", "How the figures are counted"):
        assert name in text, name
    assert "及时受理率" not in text
    out = tmp_path / "bulletin-en.pdf"
    result = app.test_cli_runner().invoke(args=["bulletin", "--org", "EEB-330000", "--month", "2026-10", "--out",
                                                str(out), "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert "Monthly petition bulletin" in pdf_text(out.read_bytes())
