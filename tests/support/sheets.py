"""Spreadsheets as offices send them, built with openpyxl."""
from __future__ import annotations

import io

from openpyxl import Workbook


def titled_sheet(sheet: str, title: str, filed_by: str, last_column: str = "K"):
    """A workbook whose sheet `sheet` opens with a title line and a 填报 line, each merged across
    A..last_column. Returns (workbook, worksheet); rows appended next start at row 3."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([title])
    ws.merge_cells(f"A1:{last_column}1")
    ws.append([filed_by])
    ws.merge_cells(f"A2:{last_column}2")
    return wb, ws


def workbook_bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
