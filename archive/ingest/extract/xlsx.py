"""XLSX text via openpyxl (read-only, cached values): one block per sheet."""
from __future__ import annotations

import datetime as dt

import openpyxl

from ..guards import parser_guard
from ..types import Extracted
from archive.config import Limits


@parser_guard("Excel 文件（XLSX）损坏，无法读取")
def extract(path: str, limits: Limits) -> Extracted:
    lines: list[str] = []
    # A file object, not the path: openpyxl refuses paths whose extension is
    # not .xlsx/.xlsm, and stored uploads need not keep their name.
    with open(path, "rb") as f:
        wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
        try:
            for ws in wb.worksheets:
                # The <dimension> tag is written by the producer and may lie;
                # without it rows are not padded to a claimed width.
                ws.reset_dimensions()
                lines.append(ws.title)
                for row in ws.iter_rows(values_only=True):
                    cells = [_cell_text(v) for v in row]
                    cells = [c for c in cells if c]
                    if cells:
                        lines.append("\t".join(cells))
                lines.append("")
        finally:
            wb.close()
    return Extracted(kind="xlsx", text="\n".join(lines).strip())


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S") if value.second else value.strftime("%H:%M")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Integers without ".0"; otherwise drop binary noise (0.1+0.2 -> 0.3).
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    # Alt+Enter line breaks inside a cell would break the one-row-per-line layout.
    return " ".join(str(value).split())
