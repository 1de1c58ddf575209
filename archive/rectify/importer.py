"""Read a 问题清单 (list of problems from an inspection's feedback) from an XLSX sheet or a DOCX table.

Pure functions, no database: `parse(data, name)` returns a ParseResult that says how each column was
understood, the items found and every problem, each with its row (as Excel/Word shows it) and a code.
The caller shows it as a preview and saves nothing while `problems` is not empty.

How a sheet is read:
- the header is the best-scoring row among the first 15 rows with content (column names matched by
  synonyms, FIELDS); rows joined to it by merged cells (a two-row header such as 责任主体 over
  牵头单位/责任单位) are flattened as "责任主体/牵头单位"; title rows above are skipped (their text is
  kept as `title`, and a year in it, "XX县2024年巡视反馈…", completes dates written without one);
- a value merged down several rows (a 问题类别 over a group, a 牵头单位 shared by items) applies to
  every row it covers; a row whose 问题描述 is merged from the row above and that has no 编号 of its
  own continues that item (one problem, several measures on several rows);
- blank rows, 小计/合计 rows, notes under the table (注：…, 填表人：…) are skipped; a section row
  ("一、政治建设方面", one cell, usually merged across) is skipped and gives the 问题类别 of the items
  under it that have none;
- formulas are read through their cached values (a formula never calculated is a problem).
"""
from __future__ import annotations

import bisect
import calendar
import dataclasses
import datetime as dt
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

from archive.ingest.guards import check_zip
from archive.ingest.types import IngestError
from archive.config import Limits
from archive.errors import TOO_LARGE, UNPROCESSABLE, UNSUPPORTED, DomainError
from archive.rectify.states import STATES

log = logging.getLogger(__name__)

# field -> (Chinese label, synonyms). The label is the first synonym. Synonyms are matched against
# the normalised header text: exactly first, then as a part of it (a synonym the name ends with wins,
# as the head noun comes last in Chinese: "责任单位负责人" is a person, "问题整改情况" a progress).
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "number": ("编号", ("编号", "问题编号", "问题序号", "序号", "序", "NO", "NO.")),
    "description": ("问题描述", ("问题描述", "反馈问题", "存在问题", "问题", "问题表现", "具体问题",
                                 "问题内容", "主要问题", "存在的问题", "存在的主要问题", "问题清单",
                                 "反馈意见", "问题及表现")),
    "category": ("问题类别", ("问题类别", "问题类型", "类别", "类型", "问题分类", "分类", "问题性质",
                              "所属类别")),
    "goal": ("整改目标", ("整改目标", "目标", "整改目标任务")),
    "measures": ("整改措施", ("整改措施", "措施", "整改举措", "具体措施", "整改任务")),
    "lead_unit": ("牵头单位", ("牵头单位", "牵头部门", "牵头责任单位", "主责单位")),
    # 配合单位 are responsible too: they go into `units` with the 责任单位 (several columns merge).
    "units": ("责任单位", ("责任单位", "责任部门", "配合单位", "配合部门", "协同单位", "整改责任单位",
                           "责任主体", "责任单位(部门)")),
    "leader": ("责任领导", ("责任领导", "分管领导", "牵头领导", "包联领导", "县级责任领导", "分管责任领导")),
    "person": ("责任人", ("责任人", "具体责任人", "联系人", "负责人", "经办人", "整改责任人")),
    "deadline": ("整改时限", ("整改时限", "完成时限", "时限", "整改期限", "完成期限", "期限",
                              "计划完成时间", "计划完成时限", "要求完成时间", "整改时间")),
    "progress": ("进展", ("进展", "整改进展", "进展情况", "完成情况", "整改情况", "整改完成情况",
                          "推进情况", "整改进度", "进度", "整改落实情况")),
    "state": ("状态", ("状态", "整改状态", "是否完成", "完成状态", "是否整改到位", "是否销号", "销号情况")),
    "source": ("问题来源", ("问题来源", "来源", "反馈来源")),
}
REQUIRED = ("description",)

STATE_LABELS = STATES   # code -> label: 未整改, 整改中, 已整改待验收, 已销号
# What clerks write in a 状态/是否完成 column. An item marked done is awaiting acceptance: closing
# (销号) needs evidence and an acceptance opinion in the system; only an explicit 销号 means closed.
STATE_WORDS: dict[str, str] = {}
for _code, _words in {
    "not_started": ("未整改", "未完成", "未开始", "未启动", "尚未整改", "尚未完成", "尚未启动", "未整改到位",
                    "否", "待整改", "未销号"),
    "in_progress": ("整改中", "正在整改", "正在推进", "推进中", "进行中", "持续整改", "持续推进",
                    "长期坚持", "部分完成", "基本完成", "阶段性完成", "已启动", "整改推进中"),
    "awaiting_acceptance": ("已整改待验收", "待验收", "已完成", "已整改", "已整改到位", "整改完成",
                            "已完成整改", "完成", "是", "待销号", "申请销号", "已完成待验收", "已整改完成"),
    "closed": ("已销号", "销号", "已验收销号", "已验收", "验收销号", "已办结", "办结"),
}.items():
    for _w in _words:
        STATE_WORDS[_w] = _code

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5000           # rows with content; a 问题清单 has tens or hundreds
MAX_COLUMNS = 60
HEADER_SEARCH_ROWS = 15
_LIMITS = Limits(max_bytes=MAX_BYTES, max_unzipped_bytes=100 * 1024 * 1024, max_zip_members=2000)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


class ImportFileError(DomainError):
    """The file cannot be read as a 问题清单 at all. `code` for machines, `message` (Chinese) for people."""

    kind = UNPROCESSABLE
    KINDS = {"unsupported_type": UNSUPPORTED, "too_large": TOO_LARGE}


@dataclass
class ColumnMapping:
    index: int            # 1-based column number
    letter: str           # "C" (for a DOCX table: its column counted the same way)
    header: str           # the header text as written; two header rows flattened as "整改措施/具体措施"
    field: str | None     # a key of FIELDS, or None when the column is ignored
    how: str              # e.g. "同义词“反馈问题”", "未识别，忽略"


@dataclass
class ParsedItem:
    row: int
    number: str
    description: str
    category: str
    goal: str
    measures: str
    lead_unit: str
    units: list[str]
    leader: str
    person: str
    deadline: dt.date | None
    deadline_text: str
    progress: str
    state: str | None     # a key of STATE_LABELS, None when the sheet says nothing
    source: str


@dataclass
class RowProblem:
    row: int
    column: str           # column letter ("" for the row as a whole)
    code: str             # missing_description, bad_date, bad_state, duplicate_number, formula_no_value
    message: str


@dataclass
class ParseResult:
    source_name: str
    sheet: str                    # the sheet's name, or "表格2" for the second table of a DOCX
    header_rows: list[int]
    columns: list[ColumnMapping]
    items: list[ParsedItem]
    problems: list[RowProblem]
    title: str = ""               # title rows above the header (or paragraphs above a DOCX table)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        for item in data["items"]:
            item["deadline"] = item["deadline"].isoformat() if item["deadline"] else None
        data["ok"] = self.ok
        data["field_labels"] = {name: label for name, (label, _) in FIELDS.items()}
        return data


# ---------------------------------------------------------------------------------------------
# Entry points

def parse(data: bytes, name: str, *, year: int | None = None) -> ParseResult:
    """Read an XLSX or a DOCX, told apart by content, never by `name`.

    `year`: completes dates written without a year ("3月底"); when None, a year in the title is used.
    """
    kind = _sniff(data)
    return (parse_xlsx if kind == "xlsx" else parse_docx)(data, name, year=year)


def parse_xlsx(data: bytes, name: str = "", *, year: int | None = None) -> ParseResult:
    if _sniff(data) != "xlsx":
        raise ImportFileError("unsupported_type", "不是 XLSX 电子表格")
    grids = _guarded(_xlsx_grids, data)
    return _parse_grids(grids, name, year)


def parse_docx(data: bytes, name: str = "", *, year: int | None = None) -> ParseResult:
    if _sniff(data) != "docx":
        raise ImportFileError("unsupported_type", "不是 DOCX 文档")
    grids = _guarded(_docx_grids, data)
    if not grids:
        raise ImportFileError("no_table", "文档中没有表格，问题清单须以表格形式列出")
    return _parse_grids(grids, name, year)


# ---------------------------------------------------------------------------------------------
# What the bytes are

def _sniff(data: bytes) -> str:
    if not data:
        raise ImportFileError("empty_file", "文件为空")
    if len(data) > MAX_BYTES:
        raise ImportFileError("too_large", f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）")
    if data.startswith(_OLE):
        # A password-protected XLSX/DOCX is an OLE container holding an "EncryptedPackage" stream.
        if _ENCRYPTED_STREAM in data:
            raise ImportFileError("encrypted", "文件已加密，请去除密码后再导入")
        raise ImportFileError("unsupported_type",
                              "旧版 Office/WPS 文件（XLS/DOC/ET/WPS）暂不支持，请另存为 XLSX 或 DOCX 后再导入")
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise ImportFileError("unsupported_type", "不是 XLSX 电子表格或 DOCX 文档")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ImportFileError("malformed", "文件已损坏，无法打开") from None
    if "xl/workbook.xml" in names:
        kind = "xlsx"
    elif "word/document.xml" in names:
        kind = "docx"
    else:
        raise ImportFileError("unsupported_type", "不是 XLSX 电子表格或 DOCX 文档")
    try:
        check_zip(io.BytesIO(data), _LIMITS)   # zipfile takes a file object as well as a path
    except IngestError as error:
        raise ImportFileError(error.code, error.message) from None
    return kind


def _guarded(reader, data: bytes):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # openpyxl: "Data Validation extension is not supported"...
            return reader(data)
    except ImportFileError:
        raise
    except MemoryError:
        raise ImportFileError("too_complex", "文件过于复杂，读取时资源不足") from None
    except Exception as error:   # hostile or broken files fail in endless ways
        log.warning("问题清单 refused: %r", error)
        raise ImportFileError("malformed", "文件已损坏或格式不受支持，无法读取") from None


# ---------------------------------------------------------------------------------------------
# A sheet or a table as a grid of cells, merged cells resolved

@dataclass
class _Grid:
    name: str
    docx: bool
    rows: list[int]                                   # rows with content, ascending
    own: dict[tuple[int, int], Any]                   # values written in the cell itself
    anchor: dict[tuple[int, int], tuple[int, int]]    # cell covered by a merge -> its top-left cell
    span: dict[tuple[int, int], int]                  # top-left cell of a merge -> columns it spans
    ncols: int
    formulas: set[tuple[int, int]] = field(default_factory=set)   # formula without a cached value
    before: list[str] = field(default_factory=list)   # DOCX: paragraphs above the table
    epoch: dt.datetime | None = None

    def header_value(self, r: int, c: int) -> Any:
        """Merged header cells count in every row and column they cover."""
        if (r, c) in self.own:
            return self.own[(r, c)]
        a = self.anchor.get((r, c))
        return self.own.get(a) if a else None

    def data_value(self, r: int, c: int, first_data_row: int) -> tuple[Any, tuple[int, int] | None]:
        """(value, anchor): a data cell merged down from a row above it takes that row's value."""
        if (r, c) in self.own:
            return self.own[(r, c)], None
        a = self.anchor.get((r, c))
        if a and a[1] == c and a[0] >= first_data_row:
            return self.own.get(a), a
        return None, None

    def where(self, c: int) -> str:
        return f"第{c}列" if self.docx else f"{_letter(c)}列"


def _letter(c: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(c)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _xlsx_grids(data: bytes) -> list[_Grid]:
    from openpyxl import load_workbook

    has_formulas = _scan_sheets(data)
    wb = load_workbook(io.BytesIO(data), data_only=True)   # formulas: their cached values
    formula_wb = None
    if has_formulas:
        formula_wb = load_workbook(io.BytesIO(data), data_only=False)
    grids = []
    sheets = list(wb.worksheets)
    # The active sheet first: on equal scores it is the one meant.
    active = wb.active
    if active in sheets:
        sheets.remove(active)
        sheets.insert(0, active)
    for ws in sheets:
        if ws.sheet_state != "visible" and len(sheets) > 1:
            continue
        own: dict[tuple[int, int], Any] = {}
        # ws._cells holds only the cells stored in the file; iterating rows/columns would create
        # every cell of the used rectangle (a stray value in XFD1048576 means billions).
        for (r, c), cell in ws._cells.items():
            if c > MAX_COLUMNS:
                continue
            value = cell.value
            if isinstance(value, str):
                value = _clean(value)
            if not _empty(value):
                own[(r, c)] = value
        formulas: set[tuple[int, int]] = set()
        if formula_wb is not None:
            fws = formula_wb[ws.title]
            for (r, c), cell in fws._cells.items():
                if c <= MAX_COLUMNS and cell.data_type == "f" and (r, c) not in own:
                    formulas.add((r, c))
        rows = sorted({r for r, _ in own} | {r for r, _ in formulas})
        if len(rows) > MAX_ROWS:
            raise ImportFileError("too_many_rows", f"工作表“{ws.title}”有 {len(rows)} 行数据，超过上限 {MAX_ROWS} 行")
        ncols = max((c for _, c in own), default=0)
        anchor: dict[tuple[int, int], tuple[int, int]] = {}
        span: dict[tuple[int, int], int] = {}
        for rng in ws.merged_cells.ranges:
            top, left = rng.min_row, rng.min_col
            if left > ncols:
                continue
            span[(top, left)] = min(rng.max_col, ncols) - left + 1
            lo = bisect.bisect_left(rows, top)
            hi = bisect.bisect_right(rows, rng.max_row)
            for r in rows[lo:hi]:
                for c in range(left, min(rng.max_col, ncols) + 1):
                    if (r, c) != (top, left):
                        anchor[(r, c)] = (top, left)
                        own.pop((r, c), None)   # Excel shows only the top-left value
        rows = sorted({r for r, _ in own} | {r for r, _ in formulas})
        grids.append(_Grid(name=ws.title, docx=False, rows=rows, own=own, anchor=anchor, span=span,
                           ncols=ncols, formulas=formulas, epoch=wb.epoch))
    return grids


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*ref=\"([A-Z]+\d+):([A-Z]+\d+)\"")
MAX_MERGED_CELLS = 2_000_000


def _scan_sheets(data: bytes) -> bool:
    """True when a sheet holds formulas. Refuses merged ranges that openpyxl would expand into
    millions of cells (it creates one object per merged cell: "A1:XFD1048576" never ends)."""
    from openpyxl.utils.cell import range_boundaries

    formulas, merged = False, 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                xml = zf.read(info)
                formulas = formulas or bool(_FORMULA_TAG.search(xml))
                for m in _MERGE_REF.finditer(xml):
                    left, top, right, bottom = range_boundaries(f"{m.group(1).decode()}:{m.group(2).decode()}")
                    merged += (right - left + 1) * (bottom - top + 1)
                if merged > MAX_MERGED_CELLS:
                    raise ImportFileError("too_complex", "表格中的合并单元格范围过大，请取消整行整列的合并后再导入")
    return formulas


def _docx_grids(data: bytes) -> list[_Grid]:
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    grids: list[_Grid] = []
    paragraphs: list[str] = []

    def para_text(p) -> str:
        return _clean(Paragraph(p, None).text)

    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            text = para_text(child)
            if text:
                paragraphs.append(text)
        elif child.tag == qn("w:tbl"):
            own: dict[tuple[int, int], Any] = {}
            anchor: dict[tuple[int, int], tuple[int, int]] = {}
            span: dict[tuple[int, int], int] = {}
            for r, tr in enumerate(child.findall(qn("w:tr")), start=1):
                if r > MAX_ROWS:
                    raise ImportFileError("too_many_rows", f"表格超过 {MAX_ROWS} 行")
                c = 1
                before = tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}")
                if before is not None:
                    c += min(MAX_COLUMNS, int(before.get(qn("w:val"), "0") or 0))
                for tc in tr.findall(qn("w:tc")):
                    props = tc.find(qn("w:tcPr"))
                    width, vmerge = 1, None
                    if props is not None:
                        gs = props.find(qn("w:gridSpan"))
                        if gs is not None:
                            width = min(MAX_COLUMNS, max(1, int(gs.get(qn("w:val"), "1") or 1)))
                        vm = props.find(qn("w:vMerge"))
                        if vm is not None:
                            vmerge = vm.get(qn("w:val")) or "continue"
                    if c > MAX_COLUMNS:
                        break
                    if vmerge == "continue" and ((r - 1, c) in own or (r - 1, c) in anchor):
                        for k in range(width):
                            above = (r - 1, c + k)
                            target = anchor.get(above, above)
                            anchor[(r, c + k)] = target
                    else:
                        text = "\n".join(t for t in (para_text(p) for p in tc.findall(qn("w:p"))) if t)
                        if text:
                            own[(r, c)] = text
                        if width > 1:
                            span[(r, c)] = width
                            for k in range(1, width):
                                anchor[(r, c + k)] = (r, c)
                    c += width
            rows = sorted({r for r, _ in own})
            ncols = max((c for _, c in own), default=0)
            grids.append(_Grid(name=f"表格{len(grids) + 1}", docx=True, rows=rows, own=own, anchor=anchor,
                               span=span, ncols=ncols, before=paragraphs[-3:]))
            paragraphs = []
    return grids


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return "\n".join(line.strip(" \t\u3000") for line in text.split("\n")).strip()


# ---------------------------------------------------------------------------------------------
# Header

_PAREN = re.compile(r"[(（][^()（）]*[)）]")


def _key(text: str) -> str:
    """Header text reduced for matching: full-width folded, no spaces, no (notes), no required *."""
    text = unicodedata.normalize("NFKC", str(text))
    text = _PAREN.sub("", text)
    text = re.sub(r"[\s*＊:：]", "", text)
    return text.upper()


_EXACT: dict[str, tuple[str, str]] = {}
_SYNONYMS: list[tuple[str, str, str]] = []   # (key, field, synonym as written)
for _field, (_label, _syns) in FIELDS.items():
    for _s in _syns:
        _EXACT.setdefault(_key(_s), (_field, _s))
        if len(_key(_s)) >= 2:
            _SYNONYMS.append((_key(_s), _field, _s))


def _match(parts: list[str]) -> tuple[str | None, str, int]:
    """(field, how, strength) for a header given as its rows' texts, top to bottom. Strength: 3 the
    canonical name, 2 a synonym, 1 a synonym inside a longer name, 0 not understood."""
    keys = [_key(p) for p in parts if _key(p)]
    candidates = []
    for k in reversed(keys):   # the lowest header row is the most specific
        candidates.append(k)
        if "/" in k or "、" in k:   # one cell naming two things: "责任单位/责任人"
            candidates.extend(reversed([s for s in re.split(r"[/、]", k) if s]))
    joined = "".join(keys)
    if joined and joined not in keys:   # a name broken over two rows: "整改" over "时限"
        candidates.append(joined)
    for k in candidates:
        if k in _EXACT:
            fld, syn = _EXACT[k]
            if syn == FIELDS[fld][0]:
                return fld, f"标准列名“{syn}”", 3
            return fld, f"同义词“{syn}”", 2
    for k in candidates:
        found = [(k.endswith(key), len(key), fld, syn) for key, fld, syn in _SYNONYMS if key in k]
        if found:
            _, _, fld, syn = max(found, key=lambda f: (f[0], f[1]))
            return fld, f"列名含“{syn}”", 1
    return None, "未识别，忽略", 0


def _row_fields(grid: _Grid, r: int) -> set[str]:
    fields = set()
    for c in range(1, grid.ncols + 1):
        value = grid.header_value(r, c)
        if isinstance(value, str):
            fld, _, strength = _match([value])
            # A title such as "XX县2024年巡视反馈问题整改清单" merely contains "问题".
            if fld and (strength >= 2 or len(_key(value)) <= 12):
                fields.add(fld)
    return fields


def _find_header(grid: _Grid) -> tuple[list[int], int] | None:
    """(header rows, score), or None when no row looks like a header."""
    best, best_score = None, 0
    for r in grid.rows[:HEADER_SEARCH_ROWS]:
        fields = _row_fields(grid, r)
        score = len(fields) + (1 if "description" in fields else 0)
        if score > best_score:
            best, best_score = r, score
    if best is None or best_score < 3:   # description and one more, or three others
        return None
    block = [best]
    # Rows tied to the header by merged cells belong to it (a header two or three rows high).
    while len(block) < 4:
        top, bottom = block[0], block[-1]
        if top - 1 >= 1 and _joined(grid, top - 1, top):
            block.insert(0, top - 1)
        elif _joined(grid, bottom, bottom + 1) or _subheader(grid, bottom + 1):
            block.append(bottom + 1)
        else:
            break
    return block, best_score


def _joined(grid: _Grid, upper: int, lower: int) -> bool:
    """True when a cell of `lower` is merged down from `upper`, or `upper` holds a group header merged
    across several (not all) columns above named sub-headers in `lower`."""
    if lower not in grid.rows and not any((lower, c) in grid.anchor for c in range(1, grid.ncols + 1)):
        return False
    for c in range(1, grid.ncols + 1):
        a = grid.anchor.get((lower, c))
        if a and a[0] <= upper:
            return True
        width = grid.span.get((upper, c), 1)
        if 1 < width < grid.ncols and (upper, c) in grid.own and all(
                (lower, k) in grid.own for k in range(c, c + width)):
            # a group header such as 责任主体 over 牵头单位 | 责任单位
            if any(_match([str(grid.own[(lower, k)])])[0] for k in range(c, c + width)):
                return True
    return False


def _subheader(grid: _Grid, r: int) -> bool:
    """A row right under the header whose cells are all column names (a header row not merged)."""
    cells = [grid.own[(r, c)] for c in range(1, grid.ncols + 1) if (r, c) in grid.own]
    return bool(cells) and all(isinstance(v, str) and _key(v) in _EXACT for v in cells)


def _flat_header(grid: _Grid, block: list[int], c: int) -> list[str]:
    parts: list[str] = []
    for r in block:
        value = grid.header_value(r, c)
        if _empty(value):
            continue
        text = _text(value)
        if not parts or parts[-1] != text:
            parts.append(text)
    return parts


def _map_columns(grid: _Grid, block: list[int]) -> list[ColumnMapping]:
    found = []
    for c in range(1, grid.ncols + 1):
        parts = _flat_header(grid, block, c)
        header = "/".join(parts)
        if not parts:
            found.append([c, header, None, "无列名，忽略", 0])
            continue
        fld, how, strength = _match(parts)
        found.append([c, header, fld, how, strength])
    # One column per field (the units may come from several: 责任单位 and 配合单位).
    chosen: dict[str, list] = {}
    for entry in found:
        c, _, fld, _, strength = entry
        if fld is None or fld == "units":
            continue
        rank = (strength, _number_preference(entry[1]) if fld == "number" else 0, -c)
        if fld not in chosen or rank > chosen[fld][0]:
            chosen[fld] = [rank, entry]
    columns = []
    for c, header, fld, how, _ in found:
        if fld and fld != "units" and chosen[fld][1][0] != c:
            other = chosen[fld][1]
            how = f"{how}，但已取{grid.where(other[0])}“{other[1]}”作为{FIELDS[fld][0]}，本列忽略"
            fld = None
        elif fld == "units" and sum(1 for e in found if e[2] == "units") > 1:
            how = f"{how}（多列责任单位合并）"
        columns.append(ColumnMapping(index=c, letter=_letter(c), header=header, field=fld, how=how))
    return columns


def _number_preference(header: str) -> int:
    return 1 if "编号" in header else 0


# ---------------------------------------------------------------------------------------------
# Rows

_SUBTOTAL = re.compile(r"^(小计|合计|总计|共计)")
_FOOTNOTE = re.compile(r"^(注|说明|备注|填表说明|填表人|制表人|审核人|填报人|填报单位|填报日期|制表日期|"
                       r"填表日期|审核|单位负责人|联系电话)[:：]")
_SECTION = re.compile(r"^(第?[一二三四五六七八九十百]+[、.．）)]|[(（][一二三四五六七八九十]+[)）]|"
                      r"[一二三四五六七八九十]+是)")
_SECTION_COUNT = re.compile(r"\s*[(（][^()（）]*\d+[^()（）]*[)）]\s*$")
_TITLE_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年")


def _parse_grids(grids: list[_Grid], name: str, year: int | None) -> ParseResult:
    if not any(g.rows for g in grids):
        raise ImportFileError("empty", "文件中没有内容")
    best = None
    for grid in grids:
        found = _find_header(grid)
        if found and (best is None or found[1] > best[2]):
            best = (grid, found[0], found[1])
    if best is None:
        labels = "、".join(FIELDS["description"][1][:4])
        raise ImportFileError("no_header", f"未找到表头：前 {HEADER_SEARCH_ROWS} 行中没有识别出问题清单的列名"
                                           f"（须有“问题描述”列，也可写作{labels}等）")
    grid, block, _ = best
    columns = _map_columns(grid, block)
    by_field: dict[str, list[int]] = {}
    for col in columns:
        if col.field:
            by_field.setdefault(col.field, []).append(col.index)
    if "description" not in by_field:
        raise ImportFileError("no_header", "表头中没有“问题描述”列（也可写作反馈问题、存在问题等）")

    title_lines = [_text(grid.own[(r, c)]) for r in grid.rows if r < block[0]
                   for c in range(1, grid.ncols + 1) if (r, c) in grid.own]
    title = "\n".join(grid.before + title_lines)
    if year is None:
        m = _TITLE_YEAR.search(unicodedata.normalize("NFKC", title))
        year = int(m.group(1)) if m else None

    result = ParseResult(source_name=name, sheet=grid.name, header_rows=block, columns=columns,
                         items=[], problems=[], title=title)
    _read_rows(grid, block[-1] + 1, by_field, year, result)
    if not result.items and not result.problems:
        raise ImportFileError("empty", f"表头（第{block[-1]}行）之下没有问题条目")
    numbers: dict[str, int] = {}
    for item in result.items:
        if not item.number:
            continue
        if item.number in numbers:
            col = by_field["number"][0]
            result.problems.append(RowProblem(item.row, _letter(col), "duplicate_number",
                                              f"第{item.row}行 编号“{item.number}”与第{numbers[item.number]}行重复"
                                              f"（各类别分别编号时，请改为“1-1”“2-1”这样的编号）"))
        else:
            numbers[item.number] = item.row
    result.problems.sort(key=lambda p: (p.row, p.column))
    return result


def _read_rows(grid: _Grid, first: int, by_field: dict[str, list[int]], year: int | None,
               result: ParseResult) -> None:
    mapped = sorted(c for cols in by_field.values() for c in cols)
    desc_col = by_field["description"][0]
    num_col = by_field.get("number", [None])[0]
    section = ""
    last_anchor = None   # the merged 问题描述 cell the previous item came from
    for r in grid.rows:
        if r < first:
            continue
        own_cells = [(c, grid.own[(r, c)]) for c in range(1, grid.ncols + 1) if (r, c) in grid.own]
        own_mapped = [c for c in mapped if (r, c) in grid.own or (r, c) in grid.formulas]
        if not own_mapped:
            continue   # blank, or only values merged down from above, or only unnamed columns
        texts = [re.sub(r"\s", "", unicodedata.normalize("NFKC", _text(v))) for _, v in own_cells]
        if any(_SUBTOTAL.match(t) and len(t) <= 10 for t in texts):
            continue   # 小计/合计 rows
        if texts and _FOOTNOTE.match(texts[0]) and ((r, desc_col) not in grid.own or len(own_cells) == 1):
            continue   # notes under the table: 注：…, 填表人：…
        if _is_section(grid, r, own_cells, desc_col, by_field):
            section = _section_name(_text(own_cells[0][1]))
            last_anchor = None
            continue

        values: dict[str, Any] = {}
        for fld, cols in by_field.items():
            if fld == "units":
                values[fld] = [grid.data_value(r, c, first)[0] for c in cols]
            else:
                values[fld] = grid.data_value(r, cols[0], first)[0]
        for c in own_mapped:
            if (r, c) in grid.formulas:
                result.problems.append(RowProblem(r, _letter(c), "formula_no_value",
                                                  f"第{r}行 {grid.where(c)}是公式但没有计算结果，"
                                                  f"请用 Excel/WPS 打开并保存后再导入"))

        desc_value, desc_anchor = grid.data_value(r, desc_col, first)
        number = _text(values.get("number"))
        own_number = num_col is not None and (r, num_col) in grid.own
        if desc_anchor is not None and desc_anchor == last_anchor and result.items and (
                not own_number or number == result.items[-1].number):
            # One problem over several rows (its 问题描述 merged down): each row adds a measure, a unit...
            _continue_item(result.items[-1], values, r, grid, by_field, year, result)
            continue
        last_anchor = desc_anchor or ((r, desc_col) if (r, desc_col) in grid.own else None)

        item = ParsedItem(
            row=r, number=number, description=_text(desc_value), category=_text(values.get("category")) or section,
            goal=_text(values.get("goal")), measures=_text(values.get("measures")),
            lead_unit=_text(values.get("lead_unit")), units=_units(values.get("units")),
            leader=_text(values.get("leader")), person=_text(values.get("person")),
            deadline=None, deadline_text="", progress=_text(values.get("progress")), state=None,
            source=_text(values.get("source")),
        )
        if not item.description and (r, desc_col) not in grid.formulas:
            result.problems.append(RowProblem(r, _letter(desc_col), "missing_description",
                                              f"第{r}行缺少问题描述"))
        _set_deadline(item, values.get("deadline"), r, grid, by_field, year, result)
        _set_state(item, values.get("state"), r, by_field, result)
        result.items.append(item)


def _is_section(grid: _Grid, r: int, own_cells: list, desc_col: int, by_field: dict) -> bool:
    """A row heading a group of items: one cell, merged across, or an enumerated heading outside the
    问题描述 column, or a lone value in the 问题类别 column."""
    if len(own_cells) != 1:
        return False
    c, value = own_cells[0]
    text = _text(value)
    if grid.span.get((r, c), 1) >= max(2, grid.ncols // 2):
        return True
    if c == desc_col:
        return False
    if c in by_field.get("category", []):
        return True
    return bool(_SECTION.match(text)) and len(text) > 2


def _section_name(text: str) -> str:
    text = text.split("\n")[0]
    text = _SECTION_COUNT.sub("", text)
    text = re.sub(r"^(第?[一二三四五六七八九十百]+[、.．）)]|[(（][一二三四五六七八九十]+[)）])\s*", "", text)
    return text.strip()


def _continue_item(item: ParsedItem, values: dict, r: int, grid: _Grid, by_field: dict, year, result) -> None:
    for fld in ("goal", "measures", "lead_unit", "leader", "person", "progress", "category", "source"):
        text = _text(values.get(fld))
        current = getattr(item, fld)
        if text and text != current and text not in current.split("\n"):
            setattr(item, fld, f"{current}\n{text}" if current else text)
    for unit in _units(values.get("units")):
        if unit not in item.units:
            item.units.append(unit)
    if not _empty(values.get("deadline")):
        extra = ParsedItem(**{**dataclasses.asdict(item), "deadline": None, "deadline_text": "", "units": []})
        _set_deadline(extra, values.get("deadline"), r, grid, by_field, year, result)
        if extra.deadline_text and extra.deadline_text != item.deadline_text:
            item.deadline_text = "；".join(t for t in (item.deadline_text, extra.deadline_text) if t)
            if extra.deadline and (item.deadline is None or extra.deadline > item.deadline):
                item.deadline = extra.deadline   # done when the last measure is
    if not _empty(values.get("state")):
        extra = ParsedItem(**{**dataclasses.asdict(item), "state": None})
        _set_state(extra, values.get("state"), r, by_field, result)
        order = list(STATE_LABELS)
        if extra.state and (item.state is None or order.index(extra.state) < order.index(item.state)):
            item.state = extra.state   # the item is as far as its least advanced part


def _set_deadline(item: ParsedItem, value: Any, r: int, grid: _Grid, by_field: dict, year, result) -> None:
    if _empty(value):
        return
    try:
        item.deadline, item.deadline_text = parse_deadline(value, year=year, epoch=grid.epoch)
    except ValueError as error:
        item.deadline_text = _text(value)
        c = by_field["deadline"][0]
        result.problems.append(RowProblem(r, _letter(c), "bad_date", f"第{r}行 {grid.where(c)}：{error}"))


def _set_state(item: ParsedItem, value: Any, r: int, by_field: dict, result) -> None:
    if _empty(value):
        return
    text = _text(value)
    code = parse_state(text)
    if code is None:
        c = by_field["state"][0]
        known = "、".join(STATE_LABELS.values())
        result.problems.append(RowProblem(r, _letter(c), "bad_state",
                                          f"第{r}行 无法识别状态“{text}”（可用：{known}）"))
    item.state = code


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return _clean(str(value))


_UNIT_SEPARATORS = set("、，,；;/\n\t \u3000")


def _units(values: Any) -> list[str]:
    """Split 责任单位 on 、，,；;/ and line breaks (not inside brackets: "县委组织部（编办、人社局）")."""
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    units: list[str] = []
    for value in values:
        text = _text(value)
        depth, current = 0, []
        for ch in text + "\n":
            if ch in "(（[【":
                depth += 1
            elif ch in ")）]】":
                depth = max(0, depth - 1)
            if ch in _UNIT_SEPARATORS and depth == 0:
                unit = "".join(current).strip()
                if unit and unit not in units:
                    units.append(unit)
                current = []
            else:
                current.append(ch)
    return units


def parse_state(text: str) -> str | None:
    """A state code for what a clerk wrote ("已整改" → awaiting_acceptance), None if not understood."""
    key = re.sub(r"[\s。.!！√✔☑]", "", unicodedata.normalize("NFKC", text))
    if key in STATE_LABELS:
        return key
    if key in STATE_WORDS:
        return STATE_WORDS[key]
    for label, code in sorted(STATE_WORDS.items(), key=lambda kv: -len(kv[0])):
        if len(label) >= 3 and key.startswith(label):   # "已完成（2024年3月）"
            return code
    return None


# ---------------------------------------------------------------------------------------------
# Dates

NO_DATE_WORDS = ("立行立改", "立即整改", "即知即改", "立查立改", "立改立行", "长期坚持", "持续推进", "持续整改",
                 "长期整改", "常态化", "长期", "持续", "动态清零", "已完成", "已整改")

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"([〇零○一二两三四五六七八九十]+)(?=[年月日号])")
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PART = r"(?P<part>底|末|初|上旬|中旬|下旬)?"
_DATE = re.compile(
    r"(?P<full>(?P<y1>\d{4}|\d{2}(?=年))\s*(?:年|[./\-])\s*(?P<m1>\d{1,2})\s*(?:月|[./\-])\s*"
    r"(?P<d1>\d{1,2})(?!\d)\s*[日号]?)"
    r"|(?P<compact>(?<!\d)(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})(?!\d))"
    r"|(?P<yhalf>(?P<y3>\d{4})\s*年\s*(?:(?P<half>上半年|下半年|年底|年末|底|末|内|年内)|第?(?P<q>[一二三四1-4])季度))"
    r"|(?P<ym>(?P<y4>\d{4}|\d{2}(?=年))\s*(?:年|[./\-])\s*(?P<m4>\d{1,2})(?!\d)\s*(?:月份|月)?"
    + _PART.replace("part", "part4") + r")"
    r"|(?P<yonly>(?P<y5>\d{4})\s*年)"
    r"|(?P<md>(?<!\d)(?P<m6>\d{1,2})\s*月\s*(?P<d6>\d{1,2})\s*[日号])"
    r"|(?P<m>(?<!\d)(?P<m7>\d{1,2})\s*月(?:份)?" + _PART.replace("part", "part7") + r")"
    r"|(?P<noyear>(?P<half8>上半年|下半年|年底|年末|年内)|第?(?P<q8>[一二三四1-4])季度)"
)


def _cn_to_digits(text: str) -> str:
    """二〇二四年三月三十一日 → 2024年3月31日."""
    def convert(m: re.Match) -> str:
        s = m.group(1)
        if "十" not in s:
            return "".join(str(_CN_DIGITS[ch]) for ch in s)
        tens, _, ones = s.partition("十")
        value = (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
        return str(value)
    try:
        return _CN_NUMBER.sub(convert, text)
    except KeyError:
        return text


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _part_day(year: int, month: int, part: str | None) -> dt.date:
    if part in ("初", "上旬"):
        return dt.date(year, month, 10)
    if part == "中旬":
        return dt.date(year, month, 20)
    return _month_end(year, month)   # 底, 末, 下旬, or a month alone ("6月前": by the end of June)


def parse_deadline(value: Any, *, year: int | None = None, epoch: dt.datetime | None = None
                   ) -> tuple[dt.date | None, str]:
    """(deadline, text as written) for a 整改时限 cell; raises ValueError (Chinese message) when the
    value is not understood. Text with several dates gives the latest; "立行立改", "长期坚持",
    "持续推进" give no date. `year` completes dates without one ("3月底")."""
    if isinstance(value, dt.datetime):
        return value.date(), value.date().isoformat()
    if isinstance(value, dt.date):
        return value, value.isoformat()
    if isinstance(value, bool):
        raise ValueError(f"无法识别整改时限“{_text(value)}”")
    if isinstance(value, (int, float)):
        return _number_date(value, epoch), _text(value)
    text = _text(value)
    if not text:
        return None, ""
    norm = _cn_to_digits(unicodedata.normalize("NFKC", text))
    dates: list[dt.date] = []
    missing_year = []
    local_year = None   # "2024年3月底至6月底": the second date takes the first one's year
    for m in _DATE.finditer(norm):
        try:
            d = _match_date(m, local_year or year)
        except _NoYear as no:
            missing_year.append(no.args[0])
            continue
        except ValueError:
            raise ValueError(f"整改时限“{text}”不是有效日期") from None
        if _has_year(m):
            local_year = d.year
        dates.append(d)
    if dates:
        return max(dates), text
    if norm.isdigit():
        return _number_date(int(norm), epoch), text
    if any(word in norm for word in NO_DATE_WORDS):
        return None, text
    if missing_year:
        raise ValueError(f"整改时限“{text}”缺少年份，请写成如“2024年{missing_year[0]}”")
    raise ValueError(f"无法识别整改时限“{text}”，请写成具体日期（如 2024年3月31日）或“立行立改”“长期坚持”")


class _NoYear(Exception):
    pass


def _has_year(m: re.Match) -> bool:
    return not (m.group("md") or m.group("m") or m.group("noyear"))


def _full_year(y: str) -> int:
    return int(y) + 2000 if len(y) == 2 else int(y)


def _match_date(m: re.Match, year: int | None) -> dt.date:
    if m.group("full"):
        return dt.date(_full_year(m.group("y1")), int(m.group("m1")), int(m.group("d1")))
    if m.group("compact"):
        return dt.date(int(m.group("y2")), int(m.group("m2")), int(m.group("d2")))
    if m.group("yhalf"):
        return _half(int(m.group("y3")), m.group("half"), m.group("q"))
    if m.group("ym"):
        return _part_day(_full_year(m.group("y4")), int(m.group("m4")), m.group("part4"))
    if m.group("yonly"):
        return dt.date(int(m.group("y5")), 12, 31)
    if m.group("md"):
        if year is None:
            raise _NoYear(m.group("md"))
        return dt.date(year, int(m.group("m6")), int(m.group("d6")))
    if m.group("m"):
        if year is None:
            raise _NoYear(m.group("m"))
        return _part_day(year, int(m.group("m7")), m.group("part7"))
    if year is None:
        raise _NoYear(m.group("noyear"))
    return _half(year, m.group("half8"), m.group("q8"))


def _half(year: int, half: str | None, quarter: str | None) -> dt.date:
    if quarter:
        return _month_end(year, _QUARTER[quarter] * 3)
    if half == "上半年":
        return dt.date(year, 6, 30)
    return dt.date(year, 12, 31)


def _number_date(value: float, epoch: dt.datetime | None) -> dt.date:
    if isinstance(value, float) and not value.is_integer():
        if 1900 < value < 2100:
            raise ValueError(f"数字 {value:g} 不能作为日期（月份不确定），请写成“2024年10月31日”或设为日期格式")
        if 20000 < value < 80000:   # a date-time serial
            value = int(value)
        else:
            raise ValueError(f"无法识别整改时限“{value:g}”")
    n = int(value)
    if 19000101 <= n <= 21001231:
        try:
            return dt.date(n // 10000, n // 100 % 100, n % 100)
        except ValueError:
            raise ValueError(f"整改时限“{n}”不是有效日期") from None
    if 1990 <= n <= 2100:
        return dt.date(n, 12, 31)
    if 20000 <= n <= 80000:   # an Excel serial number in a cell not formatted as a date
        from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel
        return from_excel(n, epoch or CALENDAR_WINDOWS_1900).date()
    raise ValueError(f"无法识别整改时限“{n}”")
