"""The 整改台账 (rectification ledger) as XLSX: a 汇总 sheet, then one sheet per feedback batch with the
standard columns of STANDARDS.md §5. Pure: the caller gathers the rows (already filtered by unit and
state) and says which filters it applied."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from archive.audit.export import safe_cell  # strips control characters, defuses = + - @ (formula injection)
from archive.rectify.states import STATES

LEDGER_COLUMNS = ("编号", "问题来源", "反馈时间", "问题描述", "问题类别", "整改目标", "整改措施", "牵头单位",
                  "责任单位", "责任领导", "责任人", "整改时限", "进展", "完成时间", "佐证材料", "验收意见", "状态",
                  "销号审批人", "销号日期")
STATE_LABELS = STATES   # code -> label: 未整改, 整改中, 已整改待验收, 已销号
SUMMARY_SHEET = "汇总"
OVERDUE_KEY = "逾期"   # optional boolean in a row: counted on the 汇总 sheet, the row shaded

_WIDTHS = {"编号": 8, "问题来源": 10, "反馈时间": 12, "问题描述": 42, "问题类别": 12, "整改目标": 28,
           "整改措施": 42, "牵头单位": 16, "责任单位": 22, "责任领导": 10, "责任人": 10, "整改时限": 12,
           "进展": 32, "完成时间": 12, "佐证材料": 30, "验收意见": 24, "状态": 13, "销号审批人": 11, "销号日期": 12}
_DATE_FORMAT = "yyyy-mm-dd"
_DATE_COLUMNS = ("反馈时间", "整改时限", "完成时间", "销号日期")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_OVERDUE_FILL = PatternFill("solid", fgColor="FDE2E1")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass
class LedgerSheet:
    title: str                  # the batch's title, e.g. "2024年县委第一巡察组反馈问题"
    source: str = ""            # 巡视/考核/督查/审计/普查 (shown on the 汇总 sheet)
    rows: list[dict] = field(default_factory=list)
    # rows: dicts keyed by LEDGER_COLUMNS; values str, date/datetime, None, or list[str] (责任单位,
    # 佐证材料: joined with "、"); 状态 as a label or a state code; optionally "逾期": bool.


def write_ledger(sheets: list[LedgerSheet], out: BinaryIO, *, title: str = "整改台账", filters: str = "") -> None:
    """Write the ledger to `out`: a 汇总 sheet (counts per batch by state) and one sheet per batch."""
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY_SHEET
    used = {SUMMARY_SHEET.casefold(), "history"}   # "History" is reserved by Excel
    names = [_sheet_name(s.title, i, used) for i, s in enumerate(sheets, start=1)]
    _write_summary(summary, sheets, names, title, filters)
    for sheet, name in zip(sheets, names):
        _write_batch(wb.create_sheet(name), sheet, filters)
    wb.save(out)


def _sheet_name(title: str, index: int, used: set[str]) -> str:
    """≤ 31 characters, none of []:*?/\\, not starting or ending with an apostrophe, unique (Excel
    compares sheet names without regard to case)."""
    name = _BAD_SHEET_CHARS.sub("_", safe_cell(str(title or "")).replace("\n", " ")).strip().strip("'").strip()
    name = name or f"批次{index}"
    base, n = name[:31], 1
    name = base
    while name.casefold() in used:
        n += 1
        suffix = f"({n})"
        name = base[:31 - len(suffix)].rstrip().rstrip("'") + suffix
    used.add(name.casefold())
    return name


def _state_label(value: Any) -> str:
    text = _cell_text(value)
    return STATE_LABELS.get(text, text)


def _write_summary(ws, sheets: list[LedgerSheet], names: list[str], title: str, filters: str) -> None:
    states = list(STATE_LABELS.values())
    others = any(_state_label(r.get("状态")) not in states for s in sheets for r in s.rows)
    with_overdue = any(OVERDUE_KEY in r for s in sheets for r in s.rows)
    header = ["序号", "批次", "问题来源", *states, *(["其他"] if others else []), "合计",
              *([OVERDUE_KEY] if with_overdue else [])]
    ws.append([safe_cell(title)])
    ws.append([safe_cell(f"筛选条件：{filters or '全部'}")])
    ws.append(header)
    totals = [0] * (len(header) - 3)
    for i, (sheet, name) in enumerate(zip(sheets, names), start=1):
        labels = [_state_label(r.get("状态")) for r in sheet.rows]
        counts = [labels.count(s) for s in states]
        if others:
            counts.append(sum(1 for label in labels if label not in states))
        counts.append(len(sheet.rows))
        if with_overdue:
            counts.append(sum(1 for r in sheet.rows if r.get(OVERDUE_KEY) is True))
        totals = [a + b for a, b in zip(totals, counts)]
        ws.append([i, safe_cell(sheet.title or name), safe_cell(sheet.source or ""), *counts])
        cell = ws.cell(row=ws.max_row, column=2)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location="'{}'!A1".format(name.replace("'", "''")))
        cell.font = Font(color="1F4E79", underline="single")
    ws.append(["", "合计", "", *totals])
    last = ws.max_row
    width = len(header)
    _title_rows(ws, width)
    for c in range(1, width + 1):
        head = ws.cell(row=3, column=c)
        head.font = Font(bold=True)
        head.fill = _HEADER_FILL
        head.alignment = _CENTER
        for r in range(3, last + 1):
            ws.cell(row=r, column=c).border = _BORDER
        ws.column_dimensions[get_column_letter(c)].width = {1: 6, 2: 40, 3: 12}.get(c, 12)
    for r in range(4, last + 1):
        ws.cell(row=r, column=2).alignment = _WRAP
    for c in range(1, width + 1):
        ws.cell(row=last, column=c).font = Font(bold=True)
    ws.freeze_panes = "A4"


def _title_rows(ws, width: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws["A2"].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 30


def _write_batch(ws, sheet: LedgerSheet, filters: str) -> None:
    width = len(LEDGER_COLUMNS)
    ws.append([safe_cell(sheet.title or ws.title)])
    note = "　".join(t for t in (f"问题来源：{sheet.source}" if sheet.source else "",
                                 f"筛选条件：{filters}" if filters else "",
                                 f"共 {len(sheet.rows)} 项") if t)
    ws.append([safe_cell(note)])
    ws.append(list(LEDGER_COLUMNS))
    for row in sheet.rows:
        ws.append([_cell_value(row.get(column), column) for column in LEDGER_COLUMNS])
        if row.get(OVERDUE_KEY) is True:
            for c in range(1, width + 1):
                ws.cell(row=ws.max_row, column=c).fill = _OVERDUE_FILL
    last = ws.max_row
    _title_rows(ws, width)
    for c, column in enumerate(LEDGER_COLUMNS, start=1):
        head = ws.cell(row=3, column=c)
        head.font = Font(bold=True)
        head.fill = _HEADER_FILL
        head.alignment = _CENTER
        head.border = _BORDER
        ws.column_dimensions[get_column_letter(c)].width = _WIDTHS[column]
        for r in range(4, last + 1):
            cell = ws.cell(row=r, column=c)
            cell.alignment = _WRAP
            cell.border = _BORDER
            if isinstance(cell.value, (dt.date, dt.datetime)):
                cell.number_format = _DATE_FORMAT
    ws.freeze_panes = "B4"
    ws.auto_filter.ref = f"A3:{get_column_letter(width)}{max(last, 3)}"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _cell_value(value: Any, column: str) -> Any:
    if column == "状态":
        return safe_cell(_state_label(value))
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if column in _DATE_COLUMNS and isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())   # "2024-06-30" is a date; "…（已延期）" stays text
        except ValueError:
            pass
    return safe_cell(_cell_text(value))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(_cell_text(v) for v in value if v not in (None, ""))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
