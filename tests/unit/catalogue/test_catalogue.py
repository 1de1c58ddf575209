"""归档文件目录: the rows (filed, not deleted, one unit's subtree, year, retention, in 档号 order),
the XLSX, the PDF (cover, repeated header, landscape, embedded Noto CJK SC), the CLI and the API."""
import io
import re
import shutil
import subprocess
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from archive.values import InvalidValue
from archive import catalogue
from archive.auth.actor import CLI
from archive.catalogue.service import HEADERS, Catalogue, Row
from archive.documents import service as documents
from archive.ingest.pipeline import Incoming
from archive.models import Document
from tests.support.api import bearer
from tests.support.documents import NOTICE

WATER = """关于做好{year}年农村饮水安全工程建设的通知
安水〔{year}〕{n}号
各村：
为保障贫困户饮水安全，实施饮水工程，做好水质检测和供水管护，现将有关事项通知如下。
安阳县水利局
{year}年4月{day}日
"""

# (unit, text, year, n, day): ingested in this order. Expected: the water notice (0306) after the
# three housing notices (0305) although it came in between them; 2021 and 东关村 not in 黎元村's 2020.
INPUT = [
    ("黎元村", NOTICE, 2020, 11, 9),
    ("黎元村", WATER, 2020, 12, 3),
    ("东关村", NOTICE, 2020, 13, 4),
    ("黎元村", NOTICE, 2020, 14, 2),
    ("黎元村", NOTICE, 2021, 15, 5),
    ("黎元村", NOTICE, 2020, 16, 7),
    ("黎元村", NOTICE, 2020, 17, 8),  # moved to the trash below
]


@pytest.fixture
def filed(services, org_tree, tmp_path):
    """Documents filed by the rules; returns {(n): Document} (detached, loaded)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    docs = {}
    for unit, text, year, n, day in INPUT:
        path = folder / f"{n}.txt"
        path.write_text(text.format(year=year, n=n, day=day), encoding="utf-8")
        result = services.pipeline.ingest(Incoming(source=path, name=path.name, org=org_tree[unit]))
        assert result.status == "stored", result.error
        docs[n] = result.document.id
    with services.db.session() as session:
        documents.delete(session, CLI, docs[17])
    with services.db.session() as session:
        rows = {n: session.get(Document, doc_id) for n, doc_id in docs.items()}
        for doc in rows.values():
            assert doc.archive_code, (doc.title, doc.category_code, doc.needs_review)
            doc.org  # loaded
        session.expunge_all()
    assert rows[12].category_code == "0306" and rows[11].category_code == "0305"
    assert {d.retention for d in rows.values()} == {"D30"}
    return rows


def _expected_codes(filed, ns=(11, 14, 16, 12)):
    return [filed[n].archive_code for n in ns]


def _build(services, org_tree, **kw):
    with services.db.session() as session:
        return catalogue.build(session, services.standards, **{"org": org_tree["黎元村"], "year": 2020,
                                                               "retention": "D30"} | kw)


# ---------------------------------------------------------------- rows

def test_rows_are_filed_documents_in_archive_code_order(services, org_tree, filed):
    cat = _build(services, org_tree)
    assert [r.archive_code for r in cat.rows] == _expected_codes(filed)
    assert [r.seq for r in cat.rows] == [1, 2, 3, 4]
    first = cat.rows[0]
    assert first.date == "20200309" and first.doc_number == "安政办〔2020〕11号"
    assert "危房改造" in first.title and first.shown_title == first.title  # never bracketed automatically
    assert first.secrecy == "" and first.remarks == ""
    assert cat.fonds == "Z109" and cat.fonds_name == "黎元村" and cat.retention_name == "定期30年"
    assert cat.title == "黎元村 2020年 定期30年 归档文件目录"
    assert cat.file_name("xlsx") == "归档文件目录-黎元村-2020-D30.xlsx"


def test_subtree_class_filter_and_parameters(services, org_tree, filed):
    town = _build(services, org_tree, org=org_tree["莲蓬寺镇"])
    # Both villages, one fonds (Z109): 件号 run across them, so the order interleaves the villages.
    assert [r.archive_code for r in town.rows] == _expected_codes(filed, (11, 13, 14, 16, 12))
    one = _build(services, org_tree, class_code="0306")
    assert [r.archive_code for r in one.rows] == [filed[12].archive_code]
    assert one.class_label == "0306 饮水安全" and one.file_name("pdf").endswith("-D30-0306.pdf")
    parent = _build(services, org_tree, class_code="03", retention="定期30年")  # a parent class and a name
    assert len(parent.rows) == 4
    with pytest.raises(catalogue.CatalogueError) as e:
        _build(services, org_tree, class_code="9999")
    assert e.value.code == "invalid_class"
    for bad in ("20x0", "", "99999"):
        with pytest.raises(InvalidValue) as e:
            _build(services, org_tree, year=bad)
        assert e.value.code in ("invalid_year", "missing_year")
    with pytest.raises(catalogue.CatalogueError) as e:
        _build(services, org_tree, retention="D20")
    assert e.value.code == "invalid_retention"
    with pytest.raises(catalogue.NothingFiled) as e:
        _build(services, org_tree, year=2019)
    assert "没有" in e.value.message
    with pytest.raises(catalogue.NothingFiled):
        _build(services, org_tree, retention="Y")


def test_scope_for_a_user(services, org_tree, filed, make_user):
    from archive.auth.scope import OutOfScope

    other, _ = make_user("dong", "东关村")
    with services.db.session() as session:
        with pytest.raises(OutOfScope):
            catalogue.build(session, services.standards, org=org_tree["黎元村"], year=2020, retention="D30",
                            user=other)


def test_bracketed_title_rule():
    assert catalogue.display_title("会议记录", True) == "[会议记录]"
    assert catalogue.display_title("[会议记录]", True) == "[会议记录]"
    assert catalogue.display_title("会议记录", False) == "会议记录"


# ---------------------------------------------------------------- XLSX

def _xlsx(cat: Catalogue):
    buf = io.BytesIO()
    catalogue.write(cat, "xlsx", buf)
    buf.seek(0)
    return load_workbook(buf)


def test_xlsx_title_header_rows_and_print_setup(services, org_tree, filed):
    wb = _xlsx(_build(services, org_tree))
    ws = wb["归档文件目录"]
    assert ws["A1"].value == "黎元村 2020年 定期30年 归档文件目录"
    assert [c.value for c in ws[2]] == list(HEADERS)
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [r[1] for r in rows] == _expected_codes(filed)
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    assert [r[5] for r in rows] == ["20200309", "20200302", "20200307", "20200403"]
    for row in ws.iter_rows(min_row=3):
        assert row[5].data_type == "s" and row[5].number_format == "@"  # dates are text
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"  # A4
    assert ws.print_title_rows in ("2:2", "$2:$2")
    assert ws.column_dimensions["E"].width > ws.column_dimensions["A"].width
    assert wb.properties.title == "黎元村 2020年 定期30年 归档文件目录"


def test_xlsx_text_is_never_a_formula():
    cat = Catalogue(fonds="Z109", fonds_name="黎元村", org_name="黎元村", org_path="x", year=2020, retention="Y",
                    retention_name="永久",
                    rows=[Row(1, "Z109-JF·2020-Y-0101-0001", "", "=cmd|' /C calc'!A0", "=HYPERLINK(\"x\")",
                              "", "", None, "", 1)])
    ws = _xlsx(cat)["归档文件目录"]
    assert ws["E3"].value == "=HYPERLINK(\"x\")" and ws["E3"].data_type == "s"
    assert ws["D3"].data_type == "s"


# ---------------------------------------------------------------- PDF

def _pdf(cat: Catalogue) -> bytes:
    buf = io.BytesIO()
    catalogue.write(cat, "pdf", buf)
    return buf.getvalue()


def _fonts(page) -> list:
    fonts = page["/Resources"].get_object().get("/Font")
    return [f.get_object() for f in fonts.get_object().values()] if fonts else []


def _embedded(font) -> bool:
    descriptors = []
    if "/FontDescriptor" in font:
        descriptors.append(font["/FontDescriptor"].get_object())
    for child in font.get("/DescendantFonts") or []:
        child = child.get_object()
        if "/FontDescriptor" in child:
            descriptors.append(child["/FontDescriptor"].get_object())
    return bool(descriptors) and all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                                     for d in descriptors)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdf_cover_table_landscape_embedded_chinese(services, org_tree, filed):
    cat = _build(services, org_tree)
    data = _pdf(cat)
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "黎元村 2020年 定期30年 归档文件目录"
    assert len(reader.pages) >= 2
    cover = _flat(reader.pages[0].extract_text())
    for field in ("归档文件目录", "全宗号", "Z109", "全宗名称", "黎元村", "年度", "2020", "保管期限", "定期30年",
                  "机构(问题)"):
        assert field in cover, field
    assert "第1页" not in cover  # no page number on the cover
    table = _flat(" ".join(p.extract_text() for p in reader.pages[1:]))
    assert "".join(HEADERS) in table
    for code in _expected_codes(filed):
        assert code in table
    assert table.index(filed[14].archive_code) < table.index(filed[12].archive_code)
    assert "20200309" in table and "安政办〔2020〕11号" in table
    assert "危房改造工作的通知" in table and "\ufffd" not in table  # real Chinese text, not tofu
    assert re.search(r"第1页共\d+页", table)
    for page in reader.pages:
        assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
        assert (page.get("/Rotate") or 0) == 0
        fonts = _fonts(page)
        assert fonts and all(_embedded(f) for f in fonts)
        # The Simplified Chinese face: Pango picks the JP one without lang and an explicit family.
        assert all(re.search(r"CJK[-\s]*SC\b", str(f["/BaseFont"])) for f in fonts), [f["/BaseFont"] for f in fonts]


def test_pdf_header_row_on_every_page_and_page_numbers():
    rows = [Row(n, f"Z109-JF·2020-Y-0101-{n:04d}", f"安政办〔2020〕{n}号", "安阳县人民政府办公室",
                f"关于做好第{n}批扶贫项目资金使用管理工作的通知（含附件：项目清单、资金分配表）", "20200301", "", 3, "", n)
            for n in range(1, 81)]
    cat = Catalogue(fonds="Z109", fonds_name="文峰区", org_name="文峰区", org_path="河南省/安阳市/文峰区", year=2020,
                    retention="Y", retention_name="永久", class_code="0101", class_name="决策部署", rows=rows)
    reader = PdfReader(io.BytesIO(_pdf(cat)))
    assert "机构(问题)0101决策部署" in _flat(reader.pages[0].extract_text())
    table_pages = reader.pages[1:]
    assert len(table_pages) >= 3
    seen = ""
    for n, page in enumerate(table_pages, start=1):
        text = _flat(page.extract_text())
        assert "".join(HEADERS) in text, n
        assert f"第{n}页共{len(table_pages)}页" in text
        seen += text
    assert all(r.archive_code in seen for r in rows)


def test_pdf_pages_look_right_as_images(services, org_tree, filed, tmp_path):
    """Rasterise page 1 and 2 when poppler's pdftoppm is installed (to look at them; checks ink)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed")
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(_pdf(_build(services, org_tree)))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2
    from PIL import Image

    for png in pages:
        with Image.open(png) as image:
            assert image.width > image.height
            assert image.convert("L").getextrema()[0] < 100  # something dark was drawn


# ---------------------------------------------------------------- CLI

def test_cli_writes_both_formats(cli, services, org_tree, filed, tmp_path):
    for ext in ("xlsx", "pdf"):
        out = tmp_path / f"目录.{ext}"
        result = cli("catalogue", "--org", "410502100201", "--year", "2020", "--retention", "D30", "-o", str(out))
        assert result.exit_code == 0, result.output
        assert out.exists() and "4" in result.output
    assert (tmp_path / "目录.pdf").read_bytes().startswith(b"%PDF")
    wb = load_workbook(tmp_path / "目录.xlsx")
    assert wb["归档文件目录"]["B3"].value == filed[11].archive_code
    assert not list(tmp_path.glob(".*.part"))


def test_cli_errors(cli, services, org_tree, filed, tmp_path):
    out = tmp_path / "x.xlsx"
    result = cli("catalogue", "--org", "河南省/安阳市/文峰区/莲蓬寺镇/黎元村", "--year", "2019",
                 "--retention", "D30", "-o", str(out))
    assert result.exit_code == 1 and "没有" in result.output and not out.exists()
    result = cli("catalogue", "--org", "410502100201", "--year", "2020", "--retention", "D30", "-o",
                 str(tmp_path / "x.docx"))
    assert result.exit_code == 2 and "xlsx" in result.output
    result = cli("catalogue", "--org", "410502100201", "--year", "2020", "--retention", "D20", "-o", str(out))
    assert result.exit_code == 2 and "保管期限" in result.output


# ---------------------------------------------------------------- API

def _get(client, token, **params):
    return client.get("/api/v1/catalogue", query_string=params, headers=bearer(token))


def test_api_xlsx_and_pdf(client, services, org_tree, filed, make_user):
    _, token = make_user("li", "黎元村")
    response = _get(client, token, year="2020", retention="D30")
    assert response.status_code == 200
    assert response.mimetype == catalogue.FORMATS["xlsx"]
    disposition = response.headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "归档文件目录-黎元村-2020-D30.xlsx"
    ws = load_workbook(io.BytesIO(response.data))["归档文件目录"]
    assert [ws.cell(row=r, column=2).value for r in range(3, 7)] == _expected_codes(filed)
    response = _get(client, token, org="410502100201", year="2020", retention="D30", format="pdf", **{"class": "0305"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert unquote(response.headers["Content-Disposition"].split("''")[1]) == "归档文件目录-黎元村-2020-D30-0305.pdf"
    table = _flat(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages[1:]))
    assert filed[11].archive_code in table and filed[12].archive_code not in table
    from sqlalchemy import select

    from archive.models import AuditEvent
    with services.db.session() as session:  # each export is in the audit log
        exports = session.scalars(select(AuditEvent).where(AuditEvent.action == "catalogue_export")).all()
        assert [e.summary for e in exports] == ["归档文件目录-黎元村-2020-D30.xlsx", "归档文件目录-黎元村-2020-D30-0305.pdf"]


def test_api_scope_and_errors(client, services, org_tree, filed, make_user):
    _, dong = make_user("dong", "东关村")
    response = _get(client, dong, org="河南省/安阳市/文峰区/莲蓬寺镇/黎元村", year="2020", retention="D30")
    assert response.status_code == 404
    _, li = make_user("li", "黎元村")
    for params in ({"retention": "D30"}, {"year": "2020"}, {"year": "abc", "retention": "D30"},
                   {"year": "2020", "retention": "D20"}, {"year": "2020", "retention": "D30", "format": "docx"},
                   {"year": "2020", "retention": "D30", "class": "9999"}):
        response = _get(client, li, **params)
        assert response.status_code == 400, params
        assert re.search(r"[\u4e00-\u9fff]", response.get_json()["error"]["message"])
    response = _get(client, li, year="2019", retention="D30")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "nothing_filed" and "没有" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/catalogue?year=2020&retention=D30").status_code == 401


def test_api_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/catalogue"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"org", "year", "retention", "class", "format"}
