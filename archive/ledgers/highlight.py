"""The ledger as the office sent it, with the problem cells highlighted and commented.

`highlight(original, table, report)` returns XLSX bytes: for an XLSX original, the same workbook
(values, formulas, formatting, other sheets kept as openpyxl keeps them) with each problem cell filled
(ERROR_FILL for errors, WARNING_FILL for warnings only) and a comment listing its messages; a sheet
SUMMARY_SHEET is added at the end listing every problem (also those without a cell, such as a
missing column). For an XLS or CSV original, a new XLSX of the same sheet is written, every cell at
its own row and column (so the row numbers of the report hold), merged ranges kept, then highlighted
the same way. Text that starts with "=" is written as text, never as a formula.

Cell values are not masked here: a caller that must mask them does so on the result.
"""
from __future__ import annotations

import datetime as dt
import io
import warnings
from collections import defaultdict

from archive.ledgers.reader import LedgerFileError, Table, open_sheets, sheet_cells
from archive.ledgers.validate import Problem, Report

ERROR_FILL = "FFFFC7CE"     # light red
WARNING_FILL = "FFFFFF99"   # light yellow
AUTHOR = "档案系统校验"
SUMMARY_SHEET = "校验问题"
SEVERITY_LABELS = {"error": "错误", "warning": "提示"}


def highlight(original: bytes, table: Table, report: Report) -> bytes:
    from openpyxl import Workbook, load_workbook
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    fmt, _ = open_sheets(original)   # the same guards as reading: zip bomb, DTD, huge merged ranges
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # openpyxl: "Data Validation extension is not supported"...
        if fmt == "xlsx":
            try:
                wb = load_workbook(io.BytesIO(original))
            except Exception:
                raise LedgerFileError("malformed", "文件已损坏或格式不受支持，无法生成标注文件") from None
            ws = wb[table.sheet] if table.sheet in wb.sheetnames else wb.active
        else:
            wb = Workbook()
            ws = wb.active
            ws.title = _sheet_title(table.sheet or "台账")
            cells, merges = sheet_cells(original, table.sheet)
            for (r, c), value in cells.items():
                cell = ws.cell(row=r, column=c)
                if isinstance(value, str):
                    cell.value = value
                    cell.data_type = "s"   # "=…" stays text
                else:
                    cell.value = value
                    if isinstance(value, dt.datetime):
                        cell.number_format = "yyyy-mm-dd" if value.time() == dt.time() else "yyyy-mm-dd hh:mm"
            bold = Font(bold=True)
            for r in table.header_rows:
                for c in range(1, ws.max_column + 1):
                    ws.cell(row=r, column=c).font = bold
            for top, left, bottom, right in merges:
                ws.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)

    by_cell: dict[tuple[int, str], list[Problem]] = defaultdict(list)
    for p in report.problems:
        if p.column:
            by_cell[(p.row, p.column)].append(p)
    merged_ranges = list(ws.merged_cells.ranges)
    fills = {"error": PatternFill(fill_type="solid", start_color=ERROR_FILL, end_color=ERROR_FILL),
             "warning": PatternFill(fill_type="solid", start_color=WARNING_FILL, end_color=WARNING_FILL)}
    for (row, letter), problems in sorted(by_cell.items()):
        cell = ws[f"{letter}{row}"]
        if isinstance(cell, MergedCell):   # a value merged down: mark the range's top-left cell
            for rng in merged_ranges:
                if cell.coordinate in rng:
                    cell = ws.cell(row=rng.min_row, column=rng.min_col)
                    break
        severity = "error" if any(p.severity == "error" for p in problems) else "warning"
        cell.fill = fills[severity]
        lines = [f"【{SEVERITY_LABELS.get(p.severity, p.severity)}】{p.message}" for p in problems]
        text = "\n".join(lines)
        if cell.comment is not None and cell.comment.author != AUTHOR:
            text = f"{cell.comment.text}\n{text}"
        comment = Comment(text, AUTHOR)
        comment.width = 320
        comment.height = 40 + 36 * len(lines)
        cell.comment = comment

    summary = wb.create_sheet(_unique_title(wb, SUMMARY_SHEET))
    summary.append(["行", "列", "级别", "代码", "说明"])
    for c in range(1, 6):
        summary.cell(row=1, column=c).font = Font(bold=True)
    for p in report.problems:
        summary.append([p.row, p.column, SEVERITY_LABELS.get(p.severity, p.severity), p.code, p.message])
        summary.cell(row=summary.max_row, column=5).data_type = "s"
    for letter, width in zip("ABCDE", (8, 6, 8, 24, 80)):
        summary.column_dimensions[letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_title(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "_")
    return name[:31] or "台账"


def _unique_title(wb, title: str) -> str:
    candidate, n = title, 2
    while candidate in wb.sheetnames:
        candidate, n = f"{title}{n}", n + 1
    return candidate
