"""A registrar imports the export of another platform: the column mapping saved once per source, a dry run that
names every bad row by line and field, the import of the good rows, and a second import of the same file that
registers nothing twice."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from engine.errors import InvalidData
from tests.web.helpers import actor
from workflows.intake.imports import run_import, save_source
from workflows.models import Case, ImportedRow

HEADER = ["工单编号", "受理时间", "姓名", "联系电话", "是否匿名", "被举报对象", "行政区划", "污染类型", "信访类别",
          "问题描述", "诉求"]
MAPPING = {"source_id": "工单编号", "received_at": "受理时间", "petitioner.name": "姓名", "petitioner.phone": "联系电话",
           "petitioner.anonymous": "是否匿名", "reported_party": "被举报对象", "division_code": "行政区划",
           "pollution_types": "污染类型", "petition_class": "信访类别", "facts": "问题描述", "demands": "诉求"}
# Line numbers (the header is line 1) of the bad rows and what is wrong with each.
BAD = {12: ("行政区划", "33A106"), 47: ("污染类型", ""), 90: ("问题描述", "短"), 133: ("受理时间", "2099-01-01 08:00"),
       201: ("信访类别", "投诉")}
BAD_FIELDS = {12: "division_code", 47: "pollution_types", 90: "facts", 133: "received_at", 201: "petition_class"}


def export(rows: int = 200) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for line in range(2, rows + 2):
        values = [f"12369-2026-{line:05d}", datetime(2026, 3, 1, 8, line % 60), f"市民{line}", f"1380000{line:04d}",
                  "否", f"杭州某某企业{line}号", "330106", "大气、噪声", "检举控告", f"第{line}号投诉：夜间废气和噪声扰民。",
                  "依法查处"]
        if line in BAD:
            column, value = BAD[line]
            values[HEADER.index(column)] = value
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_mapping_is_saved_once_per_source_and_checked(services):
    registrar = actor("reg-xh")
    with pytest.raises(InvalidData) as caught:
        save_source(services, registrar, "12369平台", "12369", {"source_id": "工单编号", "colour": "颜色"})
    assert {"mapping.colour", "mapping.facts", "mapping.division_code"} <= set(caught.value.errors)
    save_source(services, registrar, "12369平台", "12369", MAPPING)
    again = save_source(services, registrar, "12369平台", "12369", dict(MAPPING, demands="诉求"))
    assert again.name == "12369平台"


def test_200_rows_with_5_bad_import_195_name_the_5_and_import_nothing_twice(services):
    registrar = actor("reg-xh")
    save_source(services, registrar, "12369平台", "12369", MAPPING)
    data = export()
    dry = run_import(services, registrar, "12369平台", "export.xlsx", data, dry_run=True)
    assert (dry.count("ready"), dry.count("invalid")) == (195, 5)
    assert {r.line: sorted(r.errors) for r in dry.invalid} == {line: [name] for line, name in BAD_FIELDS.items()}
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count(Case.id))) == 0

    done = run_import(services, registrar, "12369平台", "export.xlsx", data, dry_run=False)
    assert (done.count("imported"), done.count("invalid")) == (195, 5)
    assert [r.source_id for r in done.invalid] == [f"12369-2026-{line:05d}" for line in sorted(BAD)]
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count(Case.id)).where(Case.channel == "12369")) == 195
        assert session.scalar(sa.select(sa.func.count(ImportedRow.id))) == 195

    again = run_import(services, registrar, "12369平台", "export.xlsx", data, dry_run=False)
    assert (again.count("imported"), again.count("duplicate"), again.count("invalid")) == (0, 195, 5)
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count(Case.id))) == 195


def test_a_csv_export_in_gb18030_reads_too(services):
    registrar = actor("reg-xh")
    save_source(services, registrar, "市12345", "12345", MAPPING)
    lines = [",".join(HEADER), "A-1,2026-03-01 09:00,李四,13900000000,否,某化工厂,330106,水,申诉求决,河道排污口夜间偷排黑水。,查处"]
    report = run_import(services, registrar, "市12345", "export.csv", "\n".join(lines).encode("gb18030"), dry_run=False)
    assert [(r.status, r.source_id) for r in report.rows] == [("imported", "A-1")]
    with pytest.raises(InvalidData) as caught:
        run_import(services, registrar, "市12345", "export.pdf", b"%PDF", dry_run=True)
    assert caught.value.errors["file"].code == "import.file_type"


def test_the_import_page_dry_runs_then_imports_the_same_file(app, services):
    from tests.web.conftest import SignedIn
    registrar = SignedIn(app.test_client())
    registrar.login("reg-xh")
    form = {"name": "12369平台", "channel": "12369", **{f"mapping.{k}": v for k, v in MAPPING.items()}}
    assert registrar.post("/imports/sources", form).status_code == 200
    dry = registrar.post("/imports/run", {"source": "12369平台", "action": "dry_run",
                                          "file": (io.BytesIO(export(20)), "export.xlsx")},
                         content_type="multipart/form-data")
    page = dry.get_data(as_text=True)
    assert "19 行可导入" in page and "1 行有错误" in page
    upload = page.split('name="upload" value="')[1].split('"')[0]
    done = registrar.post("/imports/run", {"source": "12369平台", "action": "import", "upload": upload,
                                           "filename": "export.xlsx"}).get_data(as_text=True)
    assert "已导入 19 行" in done and "12369-2026-00012" in done
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count(Case.id))) == 19
