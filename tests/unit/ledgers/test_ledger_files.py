"""Ledgers (台账) as files: reading XLSX/XLS/CSV, the validation report, the highlighted copy, ID numbers
(GB 11643) and masking. Pure functions, no database."""
from __future__ import annotations

import base64
import datetime as dt
import io
import random
import re
import shutil
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from archive.ledgers import idnumber
from archive.ledgers.highlight import AUTHOR, ERROR_FILL, SUMMARY_SHEET, WARNING_FILL, highlight
from archive.text.masking import mask_id, mask_phone, mask_text
from archive.ledgers.reader import LedgerFileError, read_table
from archive.ledgers.validate import validate
from archive.standards import STANDARDS_DIR, StandardsError, load
from tests.support.ledgers import XLS_FIXTURE

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PREFIXES = ("410502", "410522", "360721", "522601", "110105", "440305", "530102", "654001")


def with_check(first17: str) -> str:
    """An 18-character ID: the 17 digits and their check character (STANDARDS.md §6)."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isascii() and ch.isalnum() else ch for ch in text)


class Ids:
    """Unique valid ID numbers, some ending in X."""

    def __init__(self, seed: int = 1):
        self.rng, self.used = random.Random(seed), set()

    def __call__(self, *, x: bool | None = None) -> str:
        while True:
            born = dt.date(1935, 1, 1) + dt.timedelta(days=self.rng.randrange(80 * 365))
            value = with_check(self.rng.choice(PREFIXES) + born.strftime("%Y%m%d") + f"{self.rng.randrange(1000):03d}")
            if value not in self.used and (x is None or value.endswith("X") == x):
                self.used.add(value)
                return value


@pytest.fixture(scope="module")
def standards():
    return load(STANDARDS_DIR)


@pytest.fixture(scope="module")
def types(standards):
    return standards.ledger_types


def to_bytes(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def shared_strings(data: bytes) -> bytes:
    """The XLSX with its inline strings moved into xl/sharedStrings.xml, as Excel and WPS write them
    (openpyxl writes inline strings)."""
    cell = re.compile(rb'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr">'
                      rb'<is><t(?: xml:space="preserve")?>(.*?)</t></is></c>', re.S)
    strings: dict[bytes, int] = {}
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = cell.sub(lambda m: b'<c r="%s"%s t="s"><v>%d</v></c>' % (
                    m.group(1), m.group(2), strings.setdefault(m.group(3), len(strings))), body)
            elif info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rIdSS" Target="sharedStrings.xml" Type="http://'
                                    b'schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
            dst.writestr(info.filename, body)
        items = b"".join(b"<si><t>%s</t></si>" % s for s in strings)
        dst.writestr("xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                     b'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
                     % (len(strings), len(strings), items))
    return out.getvalue()


def patch_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old in body, old
                body = body.replace(old, new)
            dst.writestr(info.filename, body)
    return out.getvalue()


# ------------------------------------------------------------------------------ the messy ledger
# A village's 2024 household ledger as offices keep them: a title and a subtitle, a two-row header
# (户主基本情况 over 姓名 | 证件号码, the other names merged down two rows), a row of column numbers,
# every defect of the issue planted at a known row, a blank row, a household whose 户主 name is merged
# over its members' rows, 300 clean rows written in the many ways clean values are written, a 合计 row
# with a formula and notes under the table.

HEADER_TOP = ["序号", "户主基本情况", None, "与户主关系", "家庭人口", "户类型", "所在村", "联系电话",
              "年人均纯收入（元）", "识别时间", "年度", "备注"]
HEADER_SUB = [None, "姓名", "证件号码", None, None, None, None, None, None, None, None, None]
CATEGORIES = ("脱贫户", "监测户", "边缘户", "突发严重困难户", "脱贫不稳定户")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英玉兰志强海燕春梅德华桂芳明亮丽娟文杰红霞"


class MessyLedger:
    def __init__(self, clean_rows: int = 300, seed: int = 7):
        self.ids, self.rng = Ids(seed), random.Random(seed)
        self.wb = Workbook()
        self.ws = self.wb.active
        self.ws.title = "脱贫户台账"
        self.expected: set[tuple[int, str, str]] = set()   # (row, column, code)
        self.clean: list[int] = []
        ws = self.ws
        ws["A1"] = "XX县XX镇东风村2024年脱贫户和监测对象信息台账"
        ws["A2"] = "填报单位：东风村村民委员会　　填报日期：2024年5月10日"
        ws.merge_cells("A1:L1")
        ws.merge_cells("A2:L2")
        for c, (top, sub) in enumerate(zip(HEADER_TOP, HEADER_SUB), start=1):
            if top:
                ws.cell(row=3, column=c, value=top)
            if sub:
                ws.cell(row=4, column=c, value=sub)
        ws.merge_cells("B3:C3")
        for c in [1] + list(range(4, 13)):
            ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
        for c in range(1, 13):
            ws.cell(row=5, column=c, value=c)   # 栏次
        self.row = 5
        self.seq = 0

    def values(self, **changes) -> list:
        self.seq += 1
        rng = self.rng
        row = {"A": self.seq, "B": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
               "C": self.ids(), "D": "户主", "E": rng.randint(1, 8), "F": rng.choice(CATEGORIES),
               "G": "东风村", "H": f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}",
               "I": round(rng.uniform(6000, 30000), 2),
               "J": dt.datetime(2014, 1, 1) + dt.timedelta(days=rng.randrange(3000)), "K": 2024, "L": None}
        row.update(changes)
        return [row[k] for k in "ABCDEFGHIJKL"]

    def add(self, *problems: tuple[str, str], **changes) -> int:
        self.row += 1
        for c, value in enumerate(self.values(**changes), start=1):
            if value is not None:
                self.ws.cell(row=self.row, column=c, value=value)
        for column, code in problems:
            self.expected.add((self.row, column, code))
        if not problems:
            self.clean.append(self.row)
        return self.row

    def add_clean(self, n: int) -> None:
        rng = self.rng
        for i in range(n):
            variant = i % 10
            changes = {}
            if variant == 1:
                changes = {"C": self.ids(x=True), "I": f"{rng.randrange(5000, 30000):,}.{rng.randrange(100):02d}"}
            elif variant == 2:
                changes = {"H": "0372-2345678", "J": "2019年3月5日", "E": "4", "K": "2024"}
            elif variant == 3:
                changes = {"H": None, "L": "无", "I": rng.randrange(5000, 30000), "J": "2020-06-30"}
            elif variant == 4:
                changes = {"H": f"138 {rng.randrange(10000):04d} {rng.randrange(10000):04d}", "J": "2021/7/1",
                           "I": f"￥{rng.randrange(5000, 30000)}元"}
            elif variant == 5:
                changes = {"D": "之子", "J": 20180901, "E": "3人"}
            self.add(**changes)


@pytest.fixture(scope="module")
def messy():
    m = MessyLedger()
    first = m.add()                                                   # row 6: clean
    assert first == 6
    dup = m.ids()
    m.add(("C", "id_as_number"), C=float(m.ids()))                    # typed as a number: digits lost
    m.add(("C", "id_fullwidth"), C=fullwidth(m.ids()))
    spaced = m.ids()
    m.add(("C", "id_spaces"), C=f"{spaced[:6]} {spaced[6:14]} {spaced[14:]}")
    m.add(("C", "id_lowercase_x"), C=m.ids(x=True).lower())
    good = m.ids(x=False)
    m.add(("C", "id_checksum"), C=good[:17] + str((int(good[17]) + 1) % 10))
    m.add(("C", "id_birthdate"), C=with_check("410502" + "19900230" + "123"))
    m.add(("C", "id_duplicate"), C=dup)
    m.add(("C", "id_duplicate"), C=dup, D="之子")
    m.add(("I", "not_a_number"), I="约3000")
    m.formula_row = m.add(("E", "formula"), E="=2+2")                  # its cached value is patched in below
    m.add(("I", "formula"), I="=E17*1000")                            # a formula never calculated
    m.add(("B", "missing_required"), B=None)
    m.add(("J", "date_out_of_range"), J=dt.datetime(1900, 1, 1))
    m.add(("H", "phone_invalid"), H="1381234567")
    m.add(("I", "not_a_number"), I="3千")
    m.add(("C", "id_as_number"), C="4.10502E+17")
    m.row += 1                                                        # a blank row
    m.merged_first = m.add(B="王五", D="户主")                         # 户主 name merged over the members
    m.add(B=None, D="配偶")
    m.add(B=None, D="之女")
    m.ws.merge_cells(f"B{m.merged_first}:B{m.merged_first + 2}")
    m.add_clean(300)
    m.row += 1
    m.ws.cell(row=m.row, column=1, value="合计")
    m.ws.cell(row=m.row, column=5, value=f"=SUM(E6:E{m.row - 1})")
    m.row += 2
    m.ws.cell(row=m.row, column=1, value="填表人：李四")
    m.ws.cell(row=m.row, column=6, value="审核人：王五")
    data = to_bytes(m.wb)
    m.data = patch_sheet(data, b'<c r="E%d"><f>2+2</f><v></v></c>' % m.formula_row,
                         b'<c r="E%d"><f>2+2</f><v>4</v></c>' % m.formula_row)
    return m


def found(report) -> set[tuple[int, str, str]]:
    return {(p.row, p.column, p.code) for p in report.problems}


def test_messy_ledger_every_defect_at_its_row_and_column(messy, types):
    table = read_table(messy.data, "东风村台账.xlsx", None, types)
    assert table.type_key == "household" and table.format == "xlsx" and table.sheet == "脱贫户台账"
    assert table.header_rows == [3, 4]
    assert table.title.startswith("XX县XX镇东风村2024年")
    by_letter = {c.letter: c for c in table.columns}
    assert by_letter["B"].header == "户主基本情况/姓名" and by_letter["B"].field == "head_name"
    assert by_letter["C"].header == "户主基本情况/证件号码" and by_letter["C"].field == "id_number"
    assert by_letter["I"].field == "income" and by_letter["J"].field == "identified_on"
    assert by_letter["A"].field is None
    numbers = [r.number for r in table.rows]
    assert numbers[0] == 6 and 5 not in numbers                       # the 栏次 row is not data
    assert len(table.rows) == len(messy.clean) + len({row for row, _, _ in messy.expected})
    report = validate(table, types["household"])
    assert found(report) == messy.expected
    assert not {p.row for p in report.problems} & set(messy.clean)
    severities = {(p.row, p.code): p.severity for p in report.problems}
    assert severities[(messy.formula_row, "formula")] == "warning"
    assert severities[(messy.formula_row + 1, "formula")] == "error"
    for code in ("id_fullwidth", "id_spaces", "id_lowercase_x"):
        assert {p.severity for p in report.problems if p.code == code} == {"warning"}
    for code in ("id_as_number", "id_checksum", "id_birthdate", "id_duplicate", "not_a_number",
                 "missing_required", "date_out_of_range", "phone_invalid"):
        assert {p.severity for p in report.problems if p.code == code} == {"error"}
    as_number = [p for p in report.problems if p.code == "id_as_number"]
    assert all("无法恢复" in p.message for p in as_number)


def test_messy_ledger_values_are_normalised(messy, types):
    table = read_table(messy.data, "x.xlsx", None, types)
    report = validate(table, types["household"])
    rows = {r.number: r.values for r in report.rows}
    fixed = [p.row for p in report.problems if p.code in ("id_fullwidth", "id_spaces", "id_lowercase_x")]
    for n in fixed:
        assert idnumber.is_valid(rows[n]["id_number"]), rows[n]
    assert rows[messy.formula_row]["household_size"] == 4              # the formula's cached value
    assert rows[messy.formula_row + 2]["head_name"] is None
    merged = messy.merged_first
    assert [rows[n]["head_name"] for n in (merged, merged + 1, merged + 2)] == ["王五"] * 3
    assert {r.number: r.merged for r in table.rows}[merged + 1] == frozenset({"head_name"})
    clean = [rows[n] for n in messy.clean]
    assert all(isinstance(v["income"], (int, float)) for v in clean)
    assert all(isinstance(v["identified_on"], dt.date) for v in clean)
    assert all(isinstance(v["household_size"], int) and isinstance(v["year"], int) for v in clean)
    assert {v["phone"] for v in clean if v["phone"] and not v["phone"].startswith("1")} == {"0372-2345678"}
    assert all(re.fullmatch(r"1\d{10}", v["phone"]) for v in clean if v["phone"] and v["phone"].startswith("1"))


def test_messages_never_show_a_full_id(messy, types):
    report = validate(read_table(messy.data, "x.xlsx", None, types), types["household"])
    for p in report.problems:
        assert not re.search(r"\d{15,}|\d{17}[Xx]", p.message), p.message
        assert not re.search(r"1[3-9]\d{9}", p.message), p.message
    duplicate = next(p for p in report.problems if p.code == "id_duplicate")
    assert re.search(r"\d{6}\*{8}[\dX]{4}", duplicate.message)
    data = report.as_dict(ledger_id=12)
    assert data["ledger_id"] == 12 and data["rows"] == len(report.rows)
    assert set(data["problems"][0]) >= {"row", "column", "code", "severity", "message"}


def test_shared_strings_and_openpyxl_agree(messy, types):
    """Excel and WPS keep text in xl/sharedStrings.xml; the streaming reader gives what openpyxl gives."""
    excel_like = shared_strings(messy.data)
    assert b'<v>0</v>' in zipfile.ZipFile(io.BytesIO(excel_like)).read("xl/worksheets/sheet1.xml")
    table = read_table(excel_like, "x.xlsx", None, types)
    inline = read_table(messy.data, "x.xlsx", None, types)
    assert [(r.number, r.cells) for r in table.rows] == [(r.number, r.cells) for r in inline.rows]
    ws = load_workbook(io.BytesIO(messy.data), data_only=True).active
    for row in table.rows:
        for fld, value in row.cells.items():
            if fld in row.merged:
                continue
            letter = table.letter(fld)
            expected = ws[f"{letter}{row.number}"].value
            assert value == expected, (row.number, letter, value, expected)


def test_unusual_xml_is_read_row_by_row(messy, types):
    """Attributes in another order (the fast path does not apply) read the same."""
    src, out = zipfile.ZipFile(io.BytesIO(messy.data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<c r="([A-Z]+\d+)" t="(\w+)">', rb'<c t="\2" r="\1">', body)
            dst.writestr(info.filename, body)
    odd = read_table(out.getvalue(), "x.xlsx", None, types)
    plain = read_table(messy.data, "x.xlsx", None, types)
    assert [(r.number, r.cells, r.formulas) for r in odd.rows] == [(r.number, r.cells, r.formulas) for r in plain.rows]


def test_clean_generated_rows_give_no_problem(types):
    m = MessyLedger(seed=11)
    m.add_clean(300)
    table = read_table(to_bytes(m.wb), "clean.xlsx", None, types)
    assert len(table.rows) == 300
    report = validate(table, types["household"])
    assert report.problems == []
    assert all(idnumber.is_valid(r.values["id_number"]) for r in report.rows)


# -------------------------------------------------------------------------------- highlighted copy

def test_highlighted_xlsx_marks_exactly_the_problem_cells(messy, types):
    table = read_table(messy.data, "x.xlsx", None, types)
    report = validate(table, types["household"])
    out = highlight(messy.data, table, report)
    wb = load_workbook(io.BytesIO(out))
    ws = wb["脱贫户台账"]
    filled, commented = {}, {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.fill is not None and cell.fill.fill_type == "solid":
                filled[(cell.row, cell.column_letter)] = cell.fill.fgColor.rgb
            if cell.comment is not None:
                commented[(cell.row, cell.column_letter)] = cell.comment
    expected_cells = {(row, column) for row, column, _ in messy.expected}
    assert set(filled) == expected_cells == set(commented)
    for p in report.problems:
        colour = filled[(p.row, p.column)]
        if p.severity == "error":
            assert colour == ERROR_FILL
        assert p.message in commented[(p.row, p.column)].text
        assert commented[(p.row, p.column)].author == AUTHOR
    assert filled[(messy.formula_row, "E")] == WARNING_FILL
    assert filled[(8, "C")] == WARNING_FILL                             # full-width digits: a warning
    # the original is kept: values, the formula, the merged header
    assert ws["A1"].value.startswith("XX县") and ws["B4"].value == "姓名"
    assert ws[f"E{messy.formula_row}"].value == "=2+2"
    assert "B3:C3" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["C6"].value == table.rows[0].cells["id_number"]
    summary = wb[SUMMARY_SHEET]
    assert summary.max_row == len(report.problems) + 1


def test_highlighted_copy_of_a_csv_keeps_row_numbers(types):
    ids = Ids(3)
    lines = ["东风村帮扶措施台账", "户主姓名,身份证号码,帮扶措施,帮扶时间,帮扶资金",
             f"张三,{ids()},产业帮扶,2023-04-01,1500",
             f"李四,{ids()},=HYPERLINK(\"x\"),2023-04-01,约3000"]
    data = "\n".join(lines).encode("gb18030")
    table = read_table(data, "a.csv", None, types)
    report = validate(table, types[table.type_key])
    assert found(report) == {(4, "C", "formula"), (4, "E", "not_a_number")}
    out = load_workbook(io.BytesIO(highlight(data, table, report))).active
    assert out["A1"].value == "东风村帮扶措施台账" and out["A3"].value == "张三"
    assert out["C4"].value == '=HYPERLINK("x")' and out["C4"].data_type == "s"   # text, not a formula
    assert out["E4"].fill.fgColor.rgb == ERROR_FILL and out["E4"].comment is not None
    assert out["A3"].comment is None and out["E3"].fill.fill_type is None


# ------------------------------------------------------------------------------ CSV, XLS, types

def csv_ledger(ids: Ids) -> tuple[str, set[tuple[int, str, str]]]:
    dup = ids()
    lines = [
        "2024年东风村监测对象台账,,,,,,",                                    # 1 title
        "户主姓名,证件号码,与户主关系,家庭人口,监测类型,联系电话,年人均纯收入",  # 2 header
        f"王五,{ids()},户主,4,监测户,13812345678,12000",                      # 3
        f"赵六,{fullwidth(ids())},户主,3,边缘户,,9000.5",                     # 4 full-width
        "孙七,4.10502E+17,户主,2,监测户,,8000",                               # 5 lost digits
        f"周八,{dup},户主,5,脱贫户,,\"15,000\"",                               # 6 duplicate
        f"吴九,{dup},户主,1,脱贫户,,约3000",                                   # 7 duplicate, not a number
        "",                                                                  # 8 blank
        "合计,,,15,,,",                                                      # 9
    ]
    expected = {(4, "B", "id_fullwidth"), (5, "B", "id_as_number"), (6, "B", "id_duplicate"),
                (7, "B", "id_duplicate"), (7, "G", "not_a_number")}
    return "\n".join(lines) + "\n", expected


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gb18030_and_utf8(types, encoding):
    text, expected = csv_ledger(Ids(5))
    data = text.encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    table = read_table(data, "台账.csv", None, types)
    assert table.format == "csv" and table.type_key == "household" and table.header_rows == [2]
    assert [r.number for r in table.rows] == [3, 4, 5, 6, 7]
    assert table.rows[0].cells["head_name"] == "王五"
    report = validate(table, types["household"])
    assert found(report) == expected
    assert report.rows[3].values["income"] == 15000


def test_tab_separated_text(types):
    text, expected = csv_ledger(Ids(5))
    data = text.replace(",", "\t").replace('"15\t000"', "15000").encode("utf-8")
    report = validate(read_table(data, "x.txt", None, types), types["household"])
    assert found(report) == expected


def test_xls(types):
    data = zlib.decompress(base64.b64decode(XLS_FIXTURE))
    table = read_table(data, "帮扶.xls", None, types)
    assert table.format == "xls" and table.sheet == "帮扶措施" and table.type_key == "assistance"
    assert table.header_rows == [2, 3]
    assert {c.letter: c.header for c in table.columns if c.field in ("head_name", "id_number")} == {
        "B": "帮扶对象/户主姓名", "C": "帮扶对象/身份证号码"}
    report = validate(table, types["assistance"])
    assert found(report) == {(6, "C", "id_as_number"), (7, "C", "id_fullwidth"), (7, "G", "not_a_number")}
    assert report.rows[0].values["date"] == dt.date(2023, 4, 1) and report.rows[0].values["amount"] == 1500


def write_sheet(rows: list[list], title: str = "Sheet") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    return to_bytes(wb)


def test_type_is_guessed_from_the_header(types):
    ids = Ids(9)
    project = write_sheet([["2024年度衔接资金项目库"], ["项目名称", "建设内容及规模", "资金规模（万元）", "资金来源",
                                                  "实施单位", "开工时间", "竣工时间", "受益户数", "受益人数"],
                           ["东风村道路硬化", "3公里", 120.5, "衔接资金", "县交通局", dt.datetime(2024, 3, 1),
                            dt.datetime(2024, 10, 30), 120, 460]])
    table = read_table(project, "p.xlsx", None, types)
    assert table.type_key == "project_funds" and table.header_rows == [2]
    assert "按表头猜测：项目资金台账" in table.type_how
    assert validate(table, types["project_funds"]).problems == []
    assistance = write_sheet([["户主姓名", "身份证号", "帮扶类型", "帮扶措施", "帮扶责任人", "帮扶日期", "帮扶金额"],
                              ["张三", ids(), "产业帮扶", "发放鸡苗", "李干部", "2024-04-01", 1500]])
    assert read_table(assistance, "a.xlsx", None, types).type_key == "assistance"
    household = write_sheet([["户主姓名", "身份证号码", "家庭人口", "户类型", "人均纯收入"], ["张三", ids(), 3, "脱贫户", 9000]])
    assert read_table(household, "h.xlsx", None, types).type_key == "household"
    # told the type, the reader takes it even when another would match better
    table = read_table(household, "h.xlsx", types["assistance"], types)
    assert table.type_key == "assistance" and table.type_how.startswith("指定类型")
    report = validate(table, types["assistance"])
    assert found(report) == {(1, "", "missing_column")}


def test_title_over_part_of_the_table_is_not_a_header_row(types):
    ids = Ids(6)
    for title, header_rows, head in (("东风村2024年脱贫户台账", [2], "name"), ("户主基本情况", [1, 2], "head_name")):
        wb = Workbook()
        ws = wb.active
        ws["A1"] = title
        ws.merge_cells("A1:C1")
        ws.append(["姓名", "证件号码", "与户主关系", "家庭人口", "年度"])
        ws.append(["张三", ids(), "户主", 3, 2024])
        table = read_table(to_bytes(wb), "x.xlsx", None, types)
        assert table.header_rows == header_rows and table.columns[0].field == head, title


def test_best_sheet_is_read(types):
    ids = Ids(2)
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "填表说明：身份证号码请设为文本格式"
    data = wb.create_sheet("台账")
    data.append(["户主姓名", "证件号码", "与户主关系"])
    data.append(["张三", ids(), "户主"])
    hidden = wb.create_sheet("旧表")
    hidden.sheet_state = "hidden"
    hidden.append(["户主姓名", "证件号码", "与户主关系", "家庭人口", "联系电话"])
    table = read_table(to_bytes(wb), "x.xlsx", None, types)
    assert table.sheet == "台账" and [r.number for r in table.rows] == [2]


def test_other_units_and_gender(types):
    ids = Ids(4)
    woman = next(v for v in iter(ids, None) if int(v[16]) % 2 == 0)
    known = next(v for v in iter(ids, None) if int(v[16]) % 2 == 1)
    data = write_sheet([["户主姓名", "证件号码", "性别", "年度"], ["张三", woman, "男", 2024], ["李四", known, "男", 2024]])
    table = read_table(data, "x.xlsx", None, types)
    report = validate(table, types["household"], other_ids={known: "西山村"})
    assert found(report) == {(2, "C", "id_gender"), (3, "B", "id_duplicate_other_unit")}
    other = next(p for p in report.problems if p.code == "id_duplicate_other_unit")
    assert "西山村" in other.message and known not in other.message and other.severity == "warning"


def test_same_id_in_two_years_is_not_a_duplicate(types):
    ids = Ids(8)
    person = ids()
    data = write_sheet([["户主姓名", "证件号码", "年度"], ["张三", person, 2023], ["张三", person, 2024],
                        ["张三", person, 2024]])
    report = validate(read_table(data, "x.xlsx", None, types), types["household"])
    assert found(report) == {(3, "B", "id_duplicate"), (4, "B", "id_duplicate")}


@pytest.mark.parametrize("value, code", [
    ("约3000", "not_a_number"), ("3千", "not_a_number"), ("1.5万", "not_a_number"), ("三千", "not_a_number"),
    ("12,000", None), ("¥1200.50", None), ("1200元", None), (" 800 ", None), ("-", None), (True, "not_a_number"),
])
def test_numbers(types, value, code):
    data = write_sheet([["户主姓名", "证件号码", "年人均纯收入"], ["张三", Ids(1)(), value]])
    report = validate(read_table(data, "x.xlsx", None, types), types["household"])
    assert [p.code for p in report.problems] == ([code] if code else [])


@pytest.mark.parametrize("value, expected", [
    ("2024-03-05", dt.date(2024, 3, 5)), ("2024/3/5", dt.date(2024, 3, 5)), ("2024.3.5", dt.date(2024, 3, 5)),
    ("2024年3月5日", dt.date(2024, 3, 5)), (20240305, dt.date(2024, 3, 5)), ("２０２４年３月５日", dt.date(2024, 3, 5)),
    ("2024年3月", dt.date(2024, 3, 1)), ("2024年", dt.date(2024, 1, 1)),
    (dt.datetime(2024, 3, 5, 10), dt.date(2024, 3, 5)), ("2024-03-05 08:30", dt.date(2024, 3, 5)),
    ("2024-02-30", "bad_date"), ("去年三月", "bad_date"), (45352, "bad_date"), ("1948-12-31", "date_out_of_range"),
    ("2099-01-01", "date_out_of_range"),
])
def test_dates(types, value, expected):
    data = write_sheet([["户主姓名", "证件号码", "识别时间"], ["张三", Ids(1)(), value]])
    report = validate(read_table(data, "x.xlsx", None, types), types["household"])
    if isinstance(expected, str):
        assert [p.code for p in report.problems] == [expected]
    else:
        assert report.problems == [] and report.rows[0].values["identified_on"] == expected


@pytest.mark.parametrize("value, code", [
    ("13812345678", None), ("+86 138 1234 5678", None), ("0371-65123456", None), ("13812345678/13987654321", None),
    (13812345678, None), ("1381234567", "phone_invalid"), ("12345678901", "phone_invalid"), ("电话", "phone_invalid"),
])
def test_phones(types, value, code):
    data = write_sheet([["户主姓名", "证件号码", "联系电话"], ["张三", Ids(1)(), value]])
    report = validate(read_table(data, "x.xlsx", None, types), types["household"])
    assert [p.code for p in report.problems] == ([code] if code else [])
    for p in report.problems:
        assert "1381234567" not in p.message


# ------------------------------------------------------------------------------ refused files

def test_files_that_are_not_ledgers(types):
    cases = {
        b"": "empty_file",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600 + "EncryptedPackage".encode("utf-16-le"): "encrypted",
        b"PK\x03\x04 not really a zip": "malformed",
        "随便写的一段话，没有表格。\n第二行".encode("utf-8"): "no_header",
        b"\x00\x01\x02\x03binary": "unsupported_type",
    }
    for data, code in cases.items():
        with pytest.raises(LedgerFileError) as raised:
            read_table(data, "x", None, types)
        assert raised.value.code == code, (data[:20], raised.value)


def test_zip_bomb_is_refused(types):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (8 * 1024 * 1024) + b"/>")
    with pytest.raises(LedgerFileError) as raised:
        read_table(out.getvalue(), "bomb.xlsx", None, types)
    assert raised.value.code == "zip_bomb"


def test_docx_is_not_a_ledger(types):
    import docx

    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("户主姓名 证件号码")
    document.save(out)
    with pytest.raises(LedgerFileError) as raised:
        read_table(out.getvalue(), "x.docx", None, types)
    assert raised.value.code == "unsupported_type"


# ------------------------------------------------------------------------------ ID numbers

def test_id_number_rules():
    assert idnumber.check("11010519491231002X") == []                  # GB 11643's own example
    assert idnumber.check_character("11010519491231002") == "X"
    assert idnumber.check("11010519491231002") == ["id_length"]
    assert idnumber.check("1101051949123100AX") == ["id_characters"]
    assert idnumber.check(with_check("990105" + "19491231" + "002")) == ["id_address"]
    assert idnumber.check(with_check("000000" + "19491231" + "002")) == ["id_address"]
    assert idnumber.check(with_check("110105" + "18991231" + "002")) == ["id_birthdate"]
    assert idnumber.check(with_check("110105" + "20990101" + "002")) == ["id_birthdate"]
    assert idnumber.check("110105194912310021") == ["id_checksum"]
    assert idnumber.check(with_check("911840" + "19800101" + "001")) == []   # 外国人永久居留身份证 (2023)
    assert idnumber.normalise(" ４１０５０２ 1990 0101 123x ") == ("4105021990010112 3X".replace(" ", ""),
                                                                  ["id_fullwidth", "id_spaces", "id_lowercase_x"])
    assert idnumber.normalise("'11010519491231002X") == ("11010519491231002X", [])
    assert idnumber.from_cell(None) == (None, [])
    assert idnumber.from_cell(4.10502199001011e17) == (None, ["id_as_number"])
    assert idnumber.from_cell("4.10502E+17") == (None, ["id_as_number"])
    assert idnumber.from_cell(110105194912310021) == (None, ["id_as_number"])   # checksum wrong: digits lost
    full = with_check("11010519800101001")
    assert full.isdigit() or full.endswith("X")
    if full.isdigit():
        assert idnumber.from_cell(int(full)) == (full, ["id_as_number"])   # all digits still there
    # 15-digit first-generation numbers are upgraded (warning); a bad one is an error
    assert idnumber.from_cell("110105491231002") == ("11010519491231002X", ["id_old_15"])
    assert idnumber.from_cell("110105491331002") == (with_check("11010519491331002"), ["id_birthdate"])
    assert idnumber.from_cell("12345") == (None, ["id_length"])
    assert idnumber.gender("11010519491231002X") == "女"


# ------------------------------------------------------------------------------ masking

def test_masking():
    assert mask_id("410502199001011234") == "410502********1234"
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id(None) == "" and mask_phone("") == ""
    text = ("户主张三，身份证410502199001011234，电话13812345678；配偶身份证 11010519491231002x，"
            "手机 +86 139-1234-5678，银行卡6222021234567890123，全角４１０５０２１９９００１０１１２３４，"
            "分组写法 410502 19900101 1234，2024年收入12000元，项目编号20240305001")
    masked = mask_text(text)
    assert "410502********1234" in masked and "138****5678" in masked and "110105********002x" in masked
    assert "+86 139-****-5678" in masked and "622202*********0123" in masked
    assert "４１０５０２********１２３４" in masked and "410502 ******** 1234" in masked
    assert "12000元" in masked and "20240305001" in masked              # amounts and short codes stay
    assert not re.search(r"\d{7}", re.sub(r"20240305001", "", masked))
    assert mask_text(None) == "" and mask_text("") == ""


# ------------------------------------------------------------------------------ standards files

def test_shipped_ledger_types_and_household_items(standards):
    household = standards.ledger_types["household"]
    kinds = {f.key: (f.kind, f.required) for f in household.fields}
    assert kinds["id_number"] == ("id_number", True) and kinds["head_name"] == ("text", True)
    assert kinds["phone"][0] == "phone" and kinds["income"][0] == "number" and kinds["year"][0] == "integer"
    assert "监测户" in household.field("category").choices and household.unique == ("id_number", "year")
    assistance = standards.ledger_types["assistance"]
    assert {f.key: f.kind for f in assistance.fields}["date"] == "date"
    assert {f.key: f.kind for f in assistance.fields}["amount"] == "number"
    funds = {f.key: f.kind for f in standards.ledger_types["project_funds"].fields}
    assert funds["amount"] == "number" and funds["start_date"] == funds["end_date"] == "date"
    assert funds["beneficiary_households"] == "integer"
    keys = [i.key for i in standards.household_items]
    assert standards.household_date_order == ("application", "review", "publicity", "confirmation")
    assert set(standards.household_date_order + standards.household_exit_date_order) <= set(keys)
    assert {i.stage for i in standards.household_items} == {"identification", "assistance", "exit"}
    item = standards.household_item_for
    assert item("张三贫困户申请书").key == "application"
    assert item("东风村民主评议记录").key == "review"
    assert item("东风村2019年拟退出贫困户公示").key == "exit_publicity"
    assert item("脱贫户退出民主评议记录").key == "exit_review"
    assert item("贫困户识别结果公告").key == "publicity"
    assert item("退出确认书（张三）").key == "exit_confirmation"
    assert item("会议通知") is None
    scheme = standards.schemes[standards.default_scheme]
    assert all(code in scheme.classes for i in standards.household_items for code in i.classes)


def copy_standards(tmp_path: Path) -> Path:
    directory = tmp_path / "standards"
    shutil.copytree(STANDARDS_DIR, directory)
    return directory


@pytest.mark.parametrize("file, old, new, at, fragment", [
    # `at`: the text (after the change) on whose line the error must be reported
    ("ledgers.yaml", "kind: id_number", "kind: idnumber", "kind: idnumber", "invalid kind"),
    ("ledgers.yaml", "unique: [id_number, year]", "unique: [id_number, years]", "years]", "unknown field"),
    ("ledgers.yaml", "      - key: name\n        name: 姓名", "      - key: head_name\n        name: 姓名",
     "key: head_name\n        name: 姓名", "duplicate field"),
    ("ledgers.yaml", "synonyms: [户编码, 户码", "synonyms: [户主姓名, 户码", "name: 户主姓名", "already names field household_no"),
    ("ledgers.yaml", "        minimum: 1\n        maximum: 30", "        minimum: 31\n        maximum: 30", "maximum: 30",
     "maximum is below"),
    ("ledgers.yaml", "choices: [男, 女]", "choices: [男, 女]\n        minimum: 1", "minimum: 1", "minimum is for"),
    ("ledgers.yaml", "required: true", "required: maybe", "required: maybe", "true or false"),
    ("household_files.yaml", "stage: identification", "stage: identify", "stage: identify", "invalid stage"),
    ("household_files.yaml", 'classes: ["1001"]', 'classes: ["1009"]', '"1009"', "unknown class code"),
    ("household_files.yaml", "order: [application, review", "order: [applications, review", "order: [applications",
     "unknown item"),
    ("household_files.yaml", "[拟退出, 退出+两公示一公告", "[拟退出, 退出+", "[拟退出, 退出+", "empty part"),
])
def test_standards_errors_name_file_and_line(tmp_path, file, old, new, at, fragment):
    directory = copy_standards(tmp_path)
    text = (directory / file).read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    (directory / file).write_text(changed, encoding="utf-8")
    line = changed.count("\n", 0, changed.index(at)) + 1
    with pytest.raises(StandardsError) as raised:
        load(directory, fresh=True)
    error = raised.value
    assert error.file == f"standards/{file}" and fragment in error.message, str(error)
    assert error.line == line, (str(error), line)
    assert str(error).startswith(f"standards/{file}:{line}: ")


def test_standards_folder_without_the_new_files_still_loads(tmp_path):
    directory = copy_standards(tmp_path)
    (directory / "ledgers.yaml").unlink()
    (directory / "household_files.yaml").unlink()
    found = load(directory, fresh=True)
    assert found.ledger_types == {} and found.household_items == () and found.household_date_order == ()
