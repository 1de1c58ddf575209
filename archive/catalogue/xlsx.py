"""归档文件目录 as XLSX: title row, header row, one row per 件; A4 landscape, header repeated on
every printed page; 日期 kept as text (YYYYMMDD), never a number or a date."""
from __future__ import annotations

from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from archive.catalogue.service import HEADERS, Catalogue

SHEET = "归档文件目录"
# Column widths in characters (a CJK character counts about 2), HEADERS order.
WIDTHS = (6, 26, 20, 20, 52, 11, 6, 6, 12)
WRAPPED = {"文号", "责任者", "题名", "备注"}
TEXT_COLUMNS = {"档号", "文号", "责任者", "题名", "日期", "密级", "备注"}
FONT = "宋体"  # what Chinese offices expect; WPS and Excel fall back to a CJK face where it is missing


def write_xlsx(catalogue: Catalogue, out: BinaryIO) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    wb.properties.title = catalogue.title
    wb.properties.subject = "归档文件目录"
    wb.properties.creator = "扶贫档案管理系统"

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    last = get_column_letter(len(HEADERS))

    ws.append([catalogue.title])
    ws.merge_cells(f"A1:{last}1")
    title = ws["A1"]
    title.font = Font(name=FONT, size=16, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32

    ws.append(list(HEADERS))
    for cell in ws[2]:
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    ws.row_dimensions[2].height = 22

    body_font = Font(name=FONT, size=10)
    for row in catalogue.rows:
        ws.append([_cell_value(v) for v in row.cells()])
        for header, cell in zip(HEADERS, ws[ws.max_row]):
            cell.font = body_font
            cell.border = border
            if header in TEXT_COLUMNS:
                cell.data_type = "s"       # never a formula, never a number
                cell.number_format = "@"   # and still text after someone edits it
                cell.quotePrefix = True
            cell.alignment = Alignment(vertical="center", wrap_text=header in WRAPPED,
                                       horizontal="left" if header in WRAPPED else "center")

    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A3"

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "2:2"   # the header row on every printed page
    ws.print_options.horizontalCentered = True
    # Left margin wider for binding (inches).
    ws.page_margins = PageMargins(left=0.9, right=0.5, top=0.6, bottom=0.7, header=0.3, footer=0.3)
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 9
    wb.save(out)


def _cell_value(value):
    if isinstance(value, str):
        # Control characters cannot be stored in XLSX; a title extracted from a file may hold some.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
