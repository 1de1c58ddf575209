"""archive.tables, the one reader of messy spreadsheets: files written with openpyxl and python-docx,
read back as sheets, grids and headers; no domain, no database."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from archive.config import Limits
from archive.tables.csvfile import csv_sheet, decode_text
from archive.tables.docxtable import docx_tables
from archive.tables.errors import TableFileError, refused_as
from archive.tables.grid import Grid
from archive.tables.header import Synonyms, find_header
from archive.tables.read import TableLimits, sniff, visible_first
from archive.tables.rows import FilledRows, column_numbers, is_footnote, is_subtotal
from archive.tables.xlsx import xlsx_sheets

LIMITS = TableLimits(max_bytes=5 * 1024 * 1024, max_rows=1000, max_columns=50, max_merged_cells=10_000,
                     zip=Limits(max_unzipped_bytes=50 * 1024 * 1024, max_zip_members=100))
WORDS = Synonyms([("name", "姓名", ("户主姓名", "名字")), ("id", "证件号码", ("身份证号", "身份证号码")),
                  ("phone", "联系电话", ("电话", "手机")), ("village", "所在村", ("村", "行政村")),
                  ("unit", "责任单位", ("配合单位",))], several=("unit",))


def xlsx(rows: dict[int, list], merges: list[str] = (), title: str = "Sheet1") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r, values in rows.items():
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    for ref in merges:
        ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def first_sheet(data: bytes):
    assert sniff(data, LIMITS) == "xlsx"
    return visible_first(xlsx_sheets(data, LIMITS))[0]


def test_header_after_title_rows_two_row_header_flattened():
    data = xlsx({1: ["XX县2024年脱贫户信息台账"], 2: ["填报单位：东村"],
                 3: ["序号", "户主基本情况", None, "所在村", "联系方式"],
                 4: [None, "姓名", "证件号码", None, "手机"],
                 5: [1, "王建国", "410502199001011234", "东村", "13800000000"]},
                merges=["A1:E1", "A3:A4", "B3:C3", "D3:D4"])
    grid = Grid(first_sheet(data), limit=28)
    header = find_header(grid, WORDS, search_rows=20, min_score=2)
    assert header.rows == [3, 4]
    by_letter = {c.letter: (c.header, c.field) for c in header.columns}
    assert by_letter["B"] == ("户主基本情况/姓名", "name")          # "上/下", and the group's words count
    assert by_letter["C"] == ("户主基本情况/证件号码", "id")
    assert by_letter["D"] == ("所在村", "village")                  # merged down over both rows
    assert by_letter["E"] == ("联系方式/手机", "phone")
    assert by_letter["A"][1] is None
    assert grid.title(3) == "XX县2024年脱贫户信息台账\n填报单位：东村"


def test_header_finder_parameters():
    data = xlsx({1: ["标题"], 2: ["说明"], 3: ["备注"], 4: ["姓名", "证件号码", "电话"], 5: ["王", "1", "2"]})
    grid = Grid(first_sheet(data))
    assert find_header(grid, WORDS, search_rows=3) is None            # the header is the 4th row with content
    assert find_header(grid, WORDS, search_rows=4).rows == [4]
    assert find_header(grid, WORDS, search_rows=4, min_score=4) is None   # three fields named
    assert find_header(grid, WORDS, search_rows=4, min_score=4, key_field="id").score == 4


def test_one_column_per_field_unless_several():
    data = xlsx({1: ["姓名", "户主姓名", "责任单位", "配合单位"], 2: ["王", "李", "县局", "乡政府"]})
    header = find_header(Grid(first_sheet(data)), WORDS, min_score=2)
    fields = [c.field for c in header.columns]
    assert fields == ["name", None, "unit", "unit"]
    assert "已取A列“姓名”作为姓名" in header.columns[1].how
    assert "多列责任单位合并" in header.columns[3].how


def test_fill_down_in_the_grid_and_streamed():
    data = xlsx({1: ["户主姓名", "姓名", "证件号码"], 2: ["王建国", "王建国", "1"], 3: [None, "王秀英", "2"],
                 4: [None, "王小军", "3"], 5: ["一、西村"], 6: ["李四", "李四", "4"]},
                merges=["A2:A4", "A5:C5"])
    sheet = first_sheet(data)
    grid = Grid(sheet)
    assert grid.data_value(3, 1, first=2) == ("王建国", (2, 1))
    assert grid.data_value(3, 1, first=3) == (None, None)              # merged from above the data
    assert grid.value(5, 3) == "一、西村" and grid.span[(5, 1)] == 3
    stream = FilledRows(sheet, after=1, fill=[1])
    rows = {number: (cells, filled) for number, cells, filled in stream}
    assert rows[4] == ([(1, "王建国", False), (2, "王小军", False), (3, "3", False)], {1})
    assert rows[5] == ([(1, "一、西村", False)], set()) and stream.spans[(5, 1)] == 3
    assert rows[2][1] == set()


def test_formulas_without_values_and_hidden_sheets():
    wb = Workbook()
    ws = wb.active
    ws.title = "隐藏"
    ws.sheet_state = "hidden"
    shown = wb.create_sheet("台账")
    shown["A1"], shown["B1"] = "姓名", "=1+1"
    wb.active = 1
    out = io.BytesIO()
    wb.save(out)
    sheets = visible_first(xlsx_sheets(out.getvalue(), LIMITS))
    assert [s.name for s in sheets] == ["台账"]
    grid = Grid(sheets[0])
    assert grid.own == {(1, 1): "姓名"} and grid.formulas == {(1, 2)}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030", "gbk"])
def test_csv_encodings(encoding):
    text = "姓名,证件号码,电话\n王建国,410502199001011234,13800000000\n"
    data = text.encode(encoding)
    assert decode_text(data) == text
    sheet = csv_sheet(data, LIMITS)
    assert list(sheet.iter_rows())[1] == (2, [(1, "王建国", False), (2, "410502199001011234", False),
                                             (3, "13800000000", False)])


def test_csv_delimiter_formula_and_bad_encoding():
    sheet = csv_sheet("姓名\t金额\n王\t=SUM(A1)\n".encode(), LIMITS)
    assert list(sheet.iter_rows())[1] == (2, [(1, "王", False), (2, None, True)])
    assert sheet.formula_texts == {(2, 2): "=SUM(A1)"}
    with pytest.raises(TableFileError) as raised:
        decode_text(b"abc\x80\xff\x80def")
    assert raised.value.code == "bad_encoding"


def test_docx_table_merges_and_title():
    import docx

    document = docx.Document()
    document.add_paragraph("XX县巡视反馈问题整改清单")
    table = document.add_table(rows=4, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text = "序号", "责任主体"
    table.cell(0, 1).merge(table.cell(0, 2))
    table.cell(1, 1).text, table.cell(1, 2).text = "牵头单位", "责任单位"
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(2, 0).text, table.cell(2, 1).text, table.cell(2, 2).text = "1", "县委办", "县局"
    table.cell(2, 1).merge(table.cell(3, 1))
    table.cell(3, 0).text, table.cell(3, 2).text = "2", "乡政府"
    out = io.BytesIO()
    document.save(out)
    data = out.getvalue()
    assert sniff(data, LIMITS) == "docx"
    [sheet] = docx_tables(data, LIMITS)
    assert sheet.name == "表格1" and sheet.before == ["XX县巡视反馈问题整改清单"]
    assert sorted(sheet.merges) == [(1, 1, 2, 1), (1, 2, 1, 3), (3, 2, 4, 2)]
    grid = Grid(sheet)
    assert grid.where(2) == "第2列"
    assert grid.data_value(4, 2, first=3) == ("县委办", (3, 2))
    words = Synonyms([("number", "序号", ()), ("lead", "牵头单位", ()), ("unit", "责任单位", ())])
    header = find_header(grid, words, min_score=2)
    assert header.rows == [1, 2]
    assert [c.header for c in header.columns] == ["序号", "责任主体/牵头单位", "责任主体/责任单位"]
    assert grid.title(header.rows[0]) == "XX县巡视反馈问题整改清单"


def test_rows_that_are_not_data():
    assert is_subtotal(["小 计", 3]) and is_subtotal([None, "合计"]) and is_subtotal(["累计"])
    assert not is_subtotal(["合计完成了全部的整改任务并且通过了县级验收"]) and not is_subtotal([1, 2, 3, 4, "合计"])
    assert is_footnote("注：以上数据截至年底") and is_footnote("填表人 ：王五") and not is_footnote("注意事项")
    assert column_numbers([1, 2.0, "3"]) and not column_numbers([1, 3, 4]) and not column_numbers([1, 2])


def test_hostile_zip_and_refusals():
    crowded = io.BytesIO()   # more members than LIMITS.zip allows (100)
    with zipfile.ZipFile(crowded, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(LIMITS.zip.max_zip_members):
            zf.writestr(f"xl/media/{i}.bin", b"")
    with pytest.raises(TableFileError) as raised:
        xlsx_sheets(crowded.getvalue(), LIMITS)
    assert raised.value.code == "zip_bomb" and "文件过多" in raised.value.message

    inflating = io.BytesIO()   # one member inflating 8 MB from a few KB
    with zipfile.ZipFile(inflating, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (8 * 1024 * 1024) + b"/>")
    with pytest.raises(TableFileError) as raised:
        xlsx_sheets(inflating.getvalue(), LIMITS)
    assert raised.value.code == "zip_bomb"

    entity = io.BytesIO()
    with zipfile.ZipFile(entity, "w") as zf:
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workbook/>')
    with pytest.raises(TableFileError) as raised:
        xlsx_sheets(entity.getvalue(), LIMITS)
    assert raised.value.code == "xml_entity"

    merged = xlsx({1: ["姓名"]}, merges=["A2:Z1000"])
    with pytest.raises(TableFileError) as raised:
        xlsx_sheets(merged, LIMITS)
    assert raised.value.code == "too_complex"

    for data, code in [(b"", "empty_file"), (b"x" * (LIMITS.max_bytes + 1), "too_large"),
                       (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"), "encrypted"),
                       (b"PK\x03\x04 not a zip", "malformed")]:
        with pytest.raises(TableFileError) as raised:
            sniff(data, LIMITS)
        assert raised.value.code == code


def test_refused_as_keeps_code_and_message():
    class Mine(TableFileError):
        pass

    with pytest.raises(Mine) as raised, refused_as(Mine):
        raise TableFileError("no_header", "没有表头")
    assert (raised.value.code, raised.value.message, raised.value.kind) == ("no_header", "没有表头", "unprocessable")


def test_too_many_rows():
    data = xlsx({r: [f"值{r}"] for r in range(1, 12)})
    with pytest.raises(TableFileError) as raised:
        Grid(first_sheet(data), max_rows=10)
    assert raised.value.code == "too_many_rows" and "11 行" in raised.value.message
