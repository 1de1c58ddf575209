"""The sheets of an XLS (BIFF) workbook, read with xlrd. xlrd does not expose formulas: an XLS cell
is its cached value. Merged ranges come with formatting_info (not available for every file)."""
from __future__ import annotations

import os
from typing import Any

from archive.tables.errors import TableFileError
from archive.tables.read import ListSheet, Sheet, TableLimits


def xls_sheets(data: bytes, limits: TableLimits, *, what: str = "表格") -> list[Sheet]:
    """`what` names the table in the refusal of another OLE file (a DOC): "不能作为台账导入"."""
    try:
        import xlrd
    except ImportError:
        raise TableFileError("unsupported_type", "不能读取旧版 XLS 文件（缺少 xlrd），请另存为 XLSX 后再导入") from None
    try:
        with open(os.devnull, "w") as devnull:
            try:
                book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=devnull)
            except NotImplementedError:
                book = xlrd.open_workbook(file_contents=data, formatting_info=False, logfile=devnull)
    except xlrd.XLRDError as error:
        if "encrypt" in str(error).lower():
            raise TableFileError("encrypted", "文件已加密，请去除密码后再导入") from None
        if "doc" in str(error).lower() or "workbook" in str(error).lower():
            raise TableFileError("unsupported_type", f"不是 XLS 电子表格（旧版 Word 等文件不能作为{what}导入）") from None
        raise
    sheets: list[Sheet] = []
    active = next((i for i, s in enumerate(book.sheets()) if getattr(s, "sheet_selected", 0)), 0)
    for index, sheet in enumerate(book.sheets()):
        rows = []
        for r in range(min(sheet.nrows, limits.max_rows + 1000)):
            cells = []
            for c, cell in enumerate(sheet.row(r)[:limits.max_columns], start=1):
                value = _value(xlrd, cell, book.datemode)
                if value is not None:
                    cells.append((c, value, False))
            if cells:
                rows.append((r + 1, cells))
        merges = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in getattr(sheet, "merged_cells", [])
                  if rhi > rlo and chi > clo]
        sheets.append(ListSheet(sheet.name, rows, merges, format="xls",
                                visible=getattr(sheet, "visibility", 0) == 0, active=index == active))
    return sheets


def _value(xlrd, cell, datemode: int) -> Any:
    value: Any = cell.value
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return value if value.strip() else None
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR!")
    return value
