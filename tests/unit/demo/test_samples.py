"""The sample-document generator: files open with the real libraries and say what they claim."""
from __future__ import annotations

import datetime as dt
import random
import re

import docx
import openpyxl
import pytest
from PIL import Image
from pypdf import PdfReader

from archive.demo import samples


def _squash(text: str) -> str:
    # PDF text comes back wrapped into lines; compare without whitespace.
    return re.sub(r"\s+", "", text)


def _doc(seed: int = 1, **kw) -> samples.SampleDoc:
    args = {"unit_name": "文峰区", "level": "county", "year": 2020} | kw
    return samples.random_document(random.Random(seed), **args)


def test_chinese_date():
    assert samples.chinese_date(dt.date(2020, 6, 5)) == "二〇二〇年六月五日"
    assert samples.chinese_date(dt.date(2019, 10, 31)) == "二〇一九年十月三十一日"
    assert samples.chinese_date(dt.date(2021, 12, 20)) == "二〇二一年十二月二十日"


@pytest.mark.parametrize("level,unit", [("county", "文峰区"), ("township", "莲蓬寺镇"), ("village", "黎元村")])
def test_random_document_fields(level, unit):
    rng = random.Random(7)
    for _ in range(30):
        doc = samples.random_document(rng, unit_name=unit, level=level, year=2020)
        assert doc.kind in samples.KINDS
        assert doc.date.year == 2020
        assert doc.title and doc.paragraphs
        assert unit in doc.author
        if doc.kind in ("minutes", "publicity", "ledger"):
            assert doc.doc_number is None
        if doc.doc_number:
            assert re.fullmatch(r"\w+〔2020〕\d+号", doc.doc_number)


def test_same_seed_same_document_different_seed_differs():
    a, b, c = _doc(3), _doc(3), _doc(4)
    assert (a.title, a.doc_number, a.date, a.paragraphs) == (b.title, b.doc_number, b.date, b.paragraphs)
    assert a.paragraphs != c.paragraphs


def test_pages_size_the_body():
    short = _doc(5, kind="plan", pages=1)
    long = _doc(5, kind="plan", pages=8)
    assert sum(map(len, long.paragraphs)) > 5 * sum(map(len, short.paragraphs))


def test_docx_title_header_and_signature(tmp_path):
    doc = _doc(11, kind="notice")
    path = samples.write_docx(doc, tmp_path / "a.docx")
    d = docx.Document(str(path))
    titles = [p.text for p in d.paragraphs if p.style.name == "Title"]
    assert titles[0] == doc.title
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == f"{doc.author}文件"
    assert doc.doc_number in texts
    assert samples.chinese_date(doc.date) in texts
    assert d.core_properties.title == doc.title


def test_docx_publicity_has_masked_id_table(tmp_path):
    doc = _doc(12, unit_name="黎元村", level="village", kind="publicity")
    d = docx.Document(str(samples.write_docx(doc, tmp_path / "p.docx")))
    assert [p.text for p in d.paragraphs if p.style.name == "Title"][0] == doc.title
    table = d.tables[0]
    assert table.rows[0].cells[2].text == "身份证号"
    assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", table.rows[1].cells[2].text)


@pytest.mark.parametrize("pages", [1, 2, 10])
def test_pdf_has_exact_pages_and_text(tmp_path, pages):
    doc = _doc(20 + pages, kind="notice", pages=pages)
    path = samples.write_pdf(doc, tmp_path / "a.pdf", pages)
    reader = PdfReader(str(path))
    assert len(reader.pages) == pages
    text = _squash("".join(page.extract_text() for page in reader.pages))
    assert _squash(doc.title) in text
    assert doc.doc_number in text
    assert samples.chinese_date(doc.date) in text
    assert f"—{pages}—" in text


def test_pdf_short_document_still_fills_pages(tmp_path):
    # A 公示 is a few lines; asking for 4 pages must still give 4.
    doc = _doc(30, unit_name="黎元村", level="village", kind="publicity")
    reader = PdfReader(str(samples.write_pdf(doc, tmp_path / "p.pdf", 4)))
    assert len(reader.pages) == 4


def test_txt_is_gb18030_not_utf8(tmp_path):
    doc = _doc(40)
    raw = samples.write_txt(doc, tmp_path / "a.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert doc.title in text and doc.author in text
    assert "\r\n" in text


def test_xlsx_ledger(tmp_path):
    path = samples.write_xlsx_ledger(tmp_path / "l.xlsx", random.Random(1), "黎元村", 2020, rows=12)
    ws = openpyxl.load_workbook(str(path)).active
    assert "黎元村" in ws["A1"].value and "2020" in ws["A1"].value
    assert "A1:H1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == ["序号", "户主姓名", "身份证号", "家庭人口", "帮扶措施",
                                        "帮扶责任人", "联系电话", "备注"]
    assert ws.max_row == 2 + 12


def test_jpeg_unique_per_call(tmp_path):
    rng = random.Random(1)
    a = samples.write_jpeg(tmp_path / "a.jpg", rng)
    b = samples.write_jpeg(tmp_path / "b.jpg", rng)
    assert a.read_bytes() != b.read_bytes()
    with Image.open(a) as img:
        assert img.format == "JPEG" and img.size == (800, 600)


def test_demo_orgs_codes_are_consistent():
    codes = dict(samples.DEMO_ORGS)
    assert codes["河南省/安阳市/文峰区"] == "410502000000"
    for path, code in samples.DEMO_ORGS:
        assert re.fullmatch(r"\d{12}", code)
        parent = path.rpartition("/")[0]
        if parent:
            # A child's code starts with its parent's significant digits.
            significant = codes[parent].rstrip("0")
            assert code.startswith(significant), (path, code)
    assert len(set(codes.values())) == len(codes)


def test_build_tree_writes_what_it_reports(tmp_path):
    orgs = samples.DEMO_ORG_PATHS
    entries = samples.build_tree(tmp_path, random.Random(9), org_paths=orgs, per_unit=6)
    units = [p for p in orgs if samples.unit_level(p) in ("county", "township", "village")]
    assert len(entries) == 6 * len(units)
    unit_names = {p.rsplit("/", 1)[-1] for p in orgs}
    for rel, unit in entries:
        assert (tmp_path / rel).is_file()
        assert rel.startswith(unit + "/")
        # Anything between the unit folder and the file is a plain folder, not a unit.
        inner = rel[len(unit) + 1:].split("/")[:-1]
        assert not unit_names.intersection(inner)
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert files == {rel for rel, _ in entries}
    suffixes = {rel.rsplit(".", 1)[-1] for rel, _ in entries}
    assert {"docx", "pdf"} <= suffixes
    # No two generated files are byte-identical (they would be deduplicated on ingest).
    blobs = [(tmp_path / rel).read_bytes() for rel, _ in entries]
    assert len(set(blobs)) == len(blobs)


def test_build_tree_same_seed_same_tree(tmp_path):
    orgs = ["河南省/安阳市/文峰区/莲蓬寺镇", "河南省/安阳市/文峰区/莲蓬寺镇/黎元村"]
    a = samples.build_tree(tmp_path / "a", random.Random(2), org_paths=orgs, per_unit=5,
                           formats={"docx": 1, "pdf": 1})
    b = samples.build_tree(tmp_path / "b", random.Random(2), org_paths=orgs, per_unit=5,
                           formats={"docx": 1, "pdf": 1})
    assert a == b
    assert all(rel.endswith((".docx", ".pdf")) for rel, _ in a)


def test_write_random_file_reports_pdf_pages(tmp_path):
    written = samples.write_random_file(tmp_path, random.Random(3), unit_name="黎元村",
                                        level="village", year=2021, fmt="pdf", pages=7)
    assert written.pages == 7
    reader = PdfReader(str(written.path))
    assert len(reader.pages) == 7
    assert _squash(written.doc.title) in _squash(reader.pages[0].extract_text())


def test_unit_level():
    assert samples.unit_level("河南省") == "province"
    assert samples.unit_level("河南省/安阳市") == "city"
    assert samples.unit_level("河南省/安阳市/文峰区") == "county"
    assert samples.unit_level("河南省/安阳市/文峰区/莲蓬寺镇") == "township"
    assert samples.unit_level("河南省/安阳市/文峰区/莲蓬寺镇/黎元村") == "village"
