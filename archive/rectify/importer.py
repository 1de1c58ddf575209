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

The file itself is read by archive.tables (the streaming XLSX reader, DOCX tables, zip guards, the
header finder with the synonyms of columns.py); the dates are dates.py. Public here: parse,
parse_xlsx, parse_docx, ParseResult, ImportFileError, FIELDS, MAX_BYTES, and (re-exported)
parse_deadline, parse_state.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from archive.config import Limits
from archive.errors import TOO_LARGE, UNSUPPORTED
from archive.rectify.columns import FIELDS, STATE_LABELS, SUBTOTALS, SYNONYMS, parse_state, units
from archive.rectify.dates import parse_deadline
from archive.tables.docxtable import docx_tables
from archive.tables.errors import TableFileError, refused_as
from archive.tables.grid import Grid, cell_text
from archive.tables.header import Column, find_header
from archive.tables.read import TableLimits, column_letter, guarded, sniff, visible_first
from archive.tables.rows import is_footnote, is_subtotal
from archive.tables.xlsx import xlsx_sheets

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5000           # rows with content; a 问题清单 has tens or hundreds
MAX_COLUMNS = 60
HEADER_SEARCH_ROWS = 15
MAX_MERGED_CELLS = 2_000_000
LIMITS = TableLimits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS,
                     max_merged_cells=MAX_MERGED_CELLS,
                     zip=Limits(max_bytes=MAX_BYTES, max_unzipped_bytes=100 * 1024 * 1024, max_zip_members=2000))


class ImportFileError(TableFileError):
    """The file cannot be read as a 问题清单 at all. `code` for machines, `message` (Chinese) for people."""

    KINDS = {"unsupported_type": UNSUPPORTED, "too_large": TOO_LARGE}


ColumnMapping = Column   # index, letter, header ("整改措施/具体措施"), field (a key of FIELDS or None), how


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
    with refused_as(ImportFileError):
        sheets = visible_first(guarded(xlsx_sheets, data, LIMITS, what="问题清单"))
        grids = guarded(lambda: [Grid(s, max_rows=MAX_ROWS) for s in sheets], what="问题清单")
    return _parse_grids(grids, name, year)


def parse_docx(data: bytes, name: str = "", *, year: int | None = None) -> ParseResult:
    if _sniff(data) != "docx":
        raise ImportFileError("unsupported_type", "不是 DOCX 文档")
    with refused_as(ImportFileError):
        grids = guarded(lambda: [Grid(t) for t in docx_tables(data, LIMITS)], what="问题清单")
    if not grids:
        raise ImportFileError("no_table", "文档中没有表格，问题清单须以表格形式列出")
    return _parse_grids(grids, name, year)


def _sniff(data: bytes) -> str:
    with refused_as(ImportFileError):
        kind = sniff(data, LIMITS)
    if kind == "ole":
        raise ImportFileError("unsupported_type",
                              "旧版 Office/WPS 文件（XLS/DOC/ET/WPS）暂不支持，请另存为 XLSX 或 DOCX 后再导入")
    if kind not in ("xlsx", "docx"):
        raise ImportFileError("unsupported_type", "不是 XLSX 电子表格或 DOCX 文档")
    return kind


# ---------------------------------------------------------------------------------------------
# Rows

_SECTION = re.compile(r"^(第?[一二三四五六七八九十百]+[、.．）)]|[(（][一二三四五六七八九十]+[)）]|"
                      r"[一二三四五六七八九十]+是)")
_SECTION_COUNT = re.compile(r"\s*[(（][^()（）]*\d+[^()（）]*[)）]\s*$")
_TITLE_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_grids(grids: list[Grid], name: str, year: int | None) -> ParseResult:
    if not any(g.rows for g in grids):
        raise ImportFileError("empty", "文件中没有内容")
    best = None
    for grid in grids:
        found = find_header(grid, SYNONYMS, search_rows=HEADER_SEARCH_ROWS, min_score=3,  # description
                            key_field="description")                                 # and one more
        if found and (best is None or found.score > best[1].score):
            best = (grid, found)
    if best is None:
        labels = "、".join(FIELDS["description"][1][:4])
        raise ImportFileError("no_header", f"未找到表头：前 {HEADER_SEARCH_ROWS} 行中没有识别出问题清单的列名"
                                           f"（须有“问题描述”列，也可写作{labels}等）")
    grid, header = best
    block, columns = header.rows, header.columns
    by_field: dict[str, list[int]] = {}
    for col in columns:
        if col.field:
            by_field.setdefault(col.field, []).append(col.index)
    if "description" not in by_field:
        raise ImportFileError("no_header", "表头中没有“问题描述”列（也可写作反馈问题、存在问题等）")

    title = grid.title(block[0])
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
            result.problems.append(RowProblem(item.row, column_letter(col), "duplicate_number",
                                              f"第{item.row}行 编号“{item.number}”与第{numbers[item.number]}行重复"
                                              f"（各类别分别编号时，请改为“1-1”“2-1”这样的编号）"))
        else:
            numbers[item.number] = item.row
    result.problems.sort(key=lambda p: (p.row, p.column))
    return result


def _read_rows(grid: Grid, first: int, by_field: dict[str, list[int]], year: int | None,
               result: ParseResult) -> None:
    mapped = sorted(c for cols in by_field.values() for c in cols)
    desc_col = by_field["description"][0]
    num_col = by_field.get("number", [None])[0]
    section = ""
    last_anchor = None   # the merged 问题描述 cell the previous item came from
    for r in grid.rows:
        if r < first:
            continue
        own_cells = grid.cells(r)
        own_mapped = [c for c in mapped if (r, c) in grid.own or (r, c) in grid.formulas]
        if not own_mapped:
            continue   # blank, or only values merged down from above, or only unnamed columns
        if is_subtotal((v for _, v in own_cells), SUBTOTALS, max_length=10):
            continue   # 小计/合计 rows
        if own_cells and is_footnote(own_cells[0][1]) and ((r, desc_col) not in grid.own or len(own_cells) == 1):
            continue   # notes under the table: 注：…, 填表人：…
        if _is_section(grid, r, own_cells, desc_col, by_field):
            section = _section_name(cell_text(own_cells[0][1]))
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
                result.problems.append(RowProblem(r, column_letter(c), "formula_no_value",
                                                  f"第{r}行 {grid.where(c)}是公式但没有计算结果，"
                                                  f"请用 Excel/WPS 打开并保存后再导入"))

        desc_value, desc_anchor = grid.data_value(r, desc_col, first)
        number = cell_text(values.get("number"))
        own_number = num_col is not None and (r, num_col) in grid.own
        if desc_anchor is not None and desc_anchor == last_anchor and result.items and (
                not own_number or number == result.items[-1].number):
            # One problem over several rows (its 问题描述 merged down): each row adds a measure, a unit...
            _continue_item(result.items[-1], values, r, grid, by_field, year, result)
            continue
        last_anchor = desc_anchor or ((r, desc_col) if (r, desc_col) in grid.own else None)

        item = ParsedItem(
            row=r, number=number, description=cell_text(desc_value), category=cell_text(values.get("category")) or section,
            goal=cell_text(values.get("goal")), measures=cell_text(values.get("measures")),
            lead_unit=cell_text(values.get("lead_unit")), units=units(values.get("units")),
            leader=cell_text(values.get("leader")), person=cell_text(values.get("person")),
            deadline=None, deadline_text="", progress=cell_text(values.get("progress")), state=None,
            source=cell_text(values.get("source")),
        )
        if not item.description and (r, desc_col) not in grid.formulas:
            result.problems.append(RowProblem(r, column_letter(desc_col), "missing_description",
                                              f"第{r}行缺少问题描述"))
        _set_deadline(item, values.get("deadline"), r, grid, by_field, year, result)
        _set_state(item, values.get("state"), r, by_field, result)
        result.items.append(item)


def _is_section(grid: Grid, r: int, own_cells: list, desc_col: int, by_field: dict) -> bool:
    """A row heading a group of items: one cell, merged across, or an enumerated heading outside the
    问题描述 column, or a lone value in the 问题类别 column."""
    if len(own_cells) != 1:
        return False
    c, value = own_cells[0]
    text = cell_text(value)
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


def _continue_item(item: ParsedItem, values: dict, r: int, grid: Grid, by_field: dict, year, result) -> None:
    for fld in ("goal", "measures", "lead_unit", "leader", "person", "progress", "category", "source"):
        text = cell_text(values.get(fld))
        current = getattr(item, fld)
        if text and text != current and text not in current.split("\n"):
            setattr(item, fld, f"{current}\n{text}" if current else text)
    for unit in units(values.get("units")):
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


def _set_deadline(item: ParsedItem, value: Any, r: int, grid: Grid, by_field: dict, year, result) -> None:
    if _empty(value):
        return
    try:
        item.deadline, item.deadline_text = parse_deadline(value, year=year, epoch=grid.epoch)
    except ValueError as error:
        item.deadline_text = cell_text(value)
        c = by_field["deadline"][0]
        result.problems.append(RowProblem(r, column_letter(c), "bad_date", f"第{r}行 {grid.where(c)}：{error}"))


def _set_state(item: ParsedItem, value: Any, r: int, by_field: dict, result) -> None:
    if _empty(value):
        return
    text = cell_text(value)
    code = parse_state(text)
    if code is None:
        c = by_field["state"][0]
        known = "、".join(STATE_LABELS.values())
        result.problems.append(RowProblem(r, column_letter(c), "bad_state",
                                          f"第{r}行 无法识别状态“{text}”（可用：{known}）"))
    item.state = code
