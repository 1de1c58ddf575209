"""Read a ledger (台账) from an XLSX, XLS or CSV file into a Table: which rows are the header, which
column is which field of a ledger type, and the data rows with their spreadsheet row numbers.

Pure functions, no database: `read_table(data, name, ledger_type, types)`.

How a sheet is read:
- the format is told by content, never by `name`: XLSX (a zip with xl/workbook.xml), XLS (an OLE file;
  an OLE file holding "EncryptedPackage" is a password-protected XLSX), else CSV/TSV text in UTF-8
  (with or without BOM), UTF-16 with BOM, or GB18030 (which covers GBK and GB2312);
- the header is the best-scoring row among the first HEADER_SEARCH_ROWS rows with content (header
  cells matched against the fields' names and synonyms in standards/ledgers.yaml); rows joined to it by
  merged cells (a group header such as 户主基本情况 over 姓名 | 证件号码, or 序号 merged down two rows)
  belong to it and are flattened as "户主基本情况/证件号码"; the group's words count ("户主基本情况"
  over "姓名" is 户主姓名); title rows above are skipped and kept as `title`;
- with no ledger type given, every type of `types` is tried and the one matching the most columns is
  taken (then: more required fields found, a type keyword in the title or sheet name, file order);
  with several sheets, the best-scoring visible sheet is read (the active one on a tie);
- data rows follow the header: blank rows, 小计/合计 rows, notes under the table (注：…, 填表人：…), a
  row of column numbers (1 2 3 … under the header), a repeated header and section rows (one text
  merged across the table) are skipped; a value merged down several rows applies to every row it
  covers (Row.merged names those fields);
- formulas are read through their cached values and reported by the validation (Row.formulas); XLS
  files (xlrd) do not expose formulas; a CSV cell starting with "=" is a formula without a value.

The file itself is read by archive.tables (the streaming XLSX reader, xlrd for XLS, CSV encodings,
zip guards, the header finder); here are the ledger's parts: its types' fields as synonyms, the
choice of type and sheet, the ledger's limits and which rows are data.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from archive.config import Limits
from archive.standards import LedgerType
from archive.tables.csvfile import csv_sheet
from archive.tables.errors import TableFileError, refused_as
from archive.tables.grid import Grid
from archive.tables.header import Column, Synonyms, find_header
from archive.tables.read import Sheet, TableLimits, guarded, sniff, visible_first
from archive.tables.rows import FilledRows, column_numbers, is_footnote, is_subtotal
from archive.tables.xls import xls_sheets
from archive.tables.xlsx import xlsx_sheets

MAX_BYTES = 60 * 1024 * 1024
MAX_ROWS = 300_000            # data rows of one ledger (a county's members fit)
MAX_COLUMNS = 256
HEADER_SEARCH_ROWS = 20       # rows with content, from the top, where the header may start
MAX_MERGED_CELLS = 5_000_000  # cells covered by the merged ranges of one sheet
LIMITS = TableLimits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS,
                     max_merged_cells=MAX_MERGED_CELLS,
                     zip=Limits(max_bytes=MAX_BYTES, max_unzipped_bytes=1024 * 1024 * 1024, max_zip_members=5000))
log = logging.getLogger(__name__)

__all__ = ["Column", "LedgerFileError", "Row", "Table", "open_sheets", "read_table", "sheet_cells"]


class LedgerFileError(TableFileError):
    """The file cannot be read as a ledger at all. `code` for machines, `message` (Chinese) for people.
    Codes: empty_file, too_large, encrypted, malformed, unsupported_type, bad_encoding, zip_bomb,
    xml_entity, too_complex, too_many_rows, no_header, empty."""


@dataclass
class Row:
    number: int                     # the row number as Excel/WPS shows it (a CSV: the record number)
    cells: dict[str, Any]           # field -> value as stored (str, int, float, bool, datetime); empty cells absent
    formulas: set[str] = field(default_factory=set)        # fields whose cell holds a formula
    merged: frozenset[str] = frozenset()                    # fields whose value is merged down from a row above


@dataclass
class Table:
    sheet: str                      # the sheet's name ("" for a CSV)
    header_rows: list[int]
    type_key: str | None
    columns: list[Column]
    rows: list[Row]
    name: str = ""                  # the file name as given
    format: str = ""                # "xlsx", "xls" or "csv"
    title: str = ""                 # text of the rows above the header
    type_how: str = ""              # how the type was decided (Chinese)
    scores: dict[str, int] = field(default_factory=dict)   # type key -> columns matched

    def column(self, field_key: str) -> Column | None:
        for c in self.columns:
            if c.field == field_key:
                return c
        return None

    def letter(self, field_key: str) -> str:
        c = self.column(field_key)
        return c.letter if c else ""


# ---------------------------------------------------------------------------------------------
# Entry points

def read_table(data: bytes, name: str = "", ledger_type: LedgerType | None = None,
               types: dict[str, LedgerType] | None = None) -> Table:
    """Read `data` as a ledger of `ledger_type`, or of the best-matching type of `types` when None."""
    candidates = [ledger_type] if ledger_type is not None else list((types or {}).values())
    if not candidates:
        raise LedgerFileError("no_header", "没有可用的台账类型（standards/ledgers.yaml）")
    with refused_as(LedgerFileError):
        # sheets are read lazily: a broken member fails here, not when opened
        return guarded(_read_table, data, name, ledger_type, candidates, what=f"ledger {name!r}")


def open_sheets(data: bytes) -> tuple[str, list[Sheet]]:
    """("xlsx"|"xls"|"csv", the sheets worth reading: the visible ones, the active first)."""
    with refused_as(LedgerFileError):
        kind = sniff(data, LIMITS)
        if kind == "ole":
            return "xls", visible_first(guarded(lambda: xls_sheets(data, LIMITS, what="台账")))
        if kind == "xlsx":
            return "xlsx", visible_first(guarded(xlsx_sheets, data, LIMITS))
        if kind == "docx":
            raise LedgerFileError("unsupported_type", "这是 Word 文档，台账应为 XLSX、XLS 或 CSV 表格")
        if kind == "zip":
            raise LedgerFileError("unsupported_type", "不是 XLSX 电子表格")
        return "csv", [csv_sheet(data, LIMITS)]


def sheet_cells(data: bytes, sheet_name: str) -> tuple[dict[tuple[int, int], Any], list[tuple[int, int, int, int]]]:
    """Every cell of one sheet (as read for a Table), and its merged ranges: to rebuild an XLS or CSV
    ledger as XLSX. A CSV cell starting with "=" is given as its text."""
    _, sheets = open_sheets(data)
    sheet = next((s for s in sheets if s.name == sheet_name), sheets[0])
    with refused_as(LedgerFileError):
        cells = guarded(lambda: {(r, c): v for r, row in sheet.iter_rows() for c, v, _ in row if v is not None})
    cells.update(sheet.formula_texts)
    return cells, list(sheet.merges)


def synonyms(ledger_type: LedgerType) -> Synonyms:
    """A ledger type's fields as the header finder's synonyms (field name first)."""
    return Synonyms((f.key, f.name, f.synonyms) for f in ledger_type.fields)


def _read_table(data: bytes, name: str, ledger_type: LedgerType | None, candidates: list[LedgerType]) -> Table:
    fmt, sheets = open_sheets(data)
    matchers = [(t, synonyms(t)) for t in candidates]
    best = None
    grids = []
    for order, sheet in enumerate(sheets):
        grid = Grid(sheet, limit=HEADER_SEARCH_ROWS + 8)
        grids.append(grid)
        for position, (kind, words) in enumerate(matchers):
            header = find_header(grid, words, search_rows=HEADER_SEARCH_ROWS, min_score=2)
            if header is None:
                continue
            mapped = [c for c in header.columns if c.field]
            required = sum(1 for f in kind.fields if f.required and any(c.field == f.key for c in mapped))
            title = grid.title(header.rows[0])
            keyword = any(k in title or k in sheet.name for k in kind.keywords)
            rank = (len(mapped), required, keyword, -order, -position)
            if best is None or rank > best[0]:
                best = (rank, sheet, grid, kind, header, title)
            grid.scores[kind.key] = max(grid.scores.get(kind.key, 0), len(mapped))
    if best is None:
        if not any(g.rows for g in grids):
            raise LedgerFileError("empty", "文件中没有内容")
        names = "、".join(t.name for t in candidates)
        raise LedgerFileError("no_header", f"前 {HEADER_SEARCH_ROWS} 行中没有找到台账表头（{names}）："
                                           f"表头应有证件号码、户主姓名、项目名称等列名")
    _, sheet, grid, kind, header, title = best
    if ledger_type is not None:
        type_how = f"指定类型：{ledger_type.name}"
    else:
        scores = grid.scores
        others = "；".join(f"{t.name} {scores.get(t.key, 0)} 列" for t in candidates if t.key != kind.key)
        type_how = f"按表头猜测：{kind.name}（识别 {scores.get(kind.key, 0)} 列" + (
            f"；{others}" if others else "") + "）"
    rows = _data_rows(sheet, grid, header.rows, header.columns)
    return Table(sheet=sheet.name, header_rows=header.rows, type_key=kind.key, columns=header.columns, rows=rows,
                 name=name, format=fmt, title=title, type_how=type_how, scores=dict(grid.scores))


# ---------------------------------------------------------------------------------------------
# Rows

def _data_rows(sheet: Sheet, grid: Grid, block: list[int], columns: list[Column]) -> list[Row]:
    """The data rows under the header: blank rows, 小计/合计 rows, notes under the table, a row of
    column numbers, a repeated header and section rows are skipped; a value merged down several rows
    applies to every row it covers."""
    field_of = {c.index: c.field for c in columns if c.field}
    header_texts = {c.index: c.header.split("/")[-1] for c in columns if c.header}
    ncols = max(grid.ncols, max(field_of, default=0))
    stream = FilledRows(sheet, block[-1], field_of)
    spans = stream.spans
    rows: list[Row] = []
    seen_data = False
    for number, cells, filled in stream:
        values: dict[str, Any] = {}
        formulas: set[str] = set()
        count = repeats = 0
        for c, v, f in cells:
            fld = field_of.get(c)
            if fld is not None:
                count += 1
                if v is not None:
                    values[fld] = v
                if f:
                    formulas.add(fld)
            if v.__class__ is str and header_texts.get(c) == v:
                repeats += 1
        if count == len(filled):
            continue   # blank, or only values merged down from above, or only unnamed columns
        if is_subtotal(v for _, v, _ in cells):
            continue   # 小计/合计 rows
        first = cells[0][1]
        if len(cells) <= 2 and is_footnote(first):
            continue   # notes under the table: 注：…, 填表人：…
        if not seen_data and column_numbers([v for _, v, _ in cells]):
            continue   # 栏次: 1 2 3 … under the header
        if repeats >= 2:
            continue   # the header repeated (pasted tables, print titles)
        if len(cells) == 1 and not filled and isinstance(first, str) and \
                spans.get((number, cells[0][0]), 1) >= min(3, max(ncols, 1)):
            continue   # a section row: "一、东村" merged across the table
        seen_data = True
        merged = frozenset(field_of[c] for c in filled) if filled else frozenset()
        rows.append(Row(number, values, formulas, merged))
        if len(rows) > MAX_ROWS:
            raise LedgerFileError("too_many_rows", f"工作表“{sheet.name}”超过 {MAX_ROWS} 行数据")
    return rows
