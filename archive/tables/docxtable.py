"""The tables of a DOCX as sheets: one ListSheet per table ("表格1", "表格2", …), cell texts (the
cell's paragraphs, one per line), merged cells as merged ranges (w:gridSpan across, w:vMerge down,
w:gridBefore skipped columns) and the paragraphs just above each table (a title) in `before`."""
from __future__ import annotations

import io
from typing import Any

from archive.tables.errors import TableFileError
from archive.tables.grid import clean
from archive.tables.guards import check_zip
from archive.tables.read import ListSheet, Sheet, TableLimits


def docx_tables(data: bytes, limits: TableLimits) -> list[Sheet]:
    """The tables of the document body in order, after the zip guards; [] when it has none."""
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    check_zip(io.BytesIO(data), limits.zip)
    body = docx.Document(io.BytesIO(data)).element.body
    tables: list[Sheet] = []
    paragraphs: list[str] = []

    def para_text(p) -> str:
        return clean(Paragraph(p, None).text)

    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            text = para_text(child)
            if text:
                paragraphs.append(text)
        elif child.tag == qn("w:tbl"):
            sheet = _table(child, limits, para_text, qn, name=f"表格{len(tables) + 1}")
            sheet.before = paragraphs[-3:]
            tables.append(sheet)
            paragraphs = []
    return tables


def _table(tbl, limits: TableLimits, para_text, qn, name: str) -> ListSheet:
    rows: list[tuple[int, list[tuple[int, Any, bool]]]] = []
    ranges: list[list[int]] = []            # [top, left, bottom, right] of every cell
    above: dict[int, list[int]] = {}        # column -> the range of the cell starting there, row above
    for r, tr in enumerate(tbl.findall(qn("w:tr")), start=1):
        if r > limits.max_rows:
            raise TableFileError("too_many_rows", f"表格超过 {limits.max_rows} 行")
        cells, here = [], {}
        c = 1
        before = tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}")
        if before is not None:
            c += min(limits.max_columns, int(before.get(qn("w:val"), "0") or 0))
        for tc in tr.findall(qn("w:tc")):
            if c > limits.max_columns:
                break
            width, vmerge = 1, None
            props = tc.find(qn("w:tcPr"))
            if props is not None:
                span = props.find(qn("w:gridSpan"))
                if span is not None:
                    width = min(limits.max_columns, max(1, int(span.get(qn("w:val"), "1") or 1)))
                vm = props.find(qn("w:vMerge"))
                if vm is not None:
                    vmerge = vm.get(qn("w:val")) or "continue"
            if vmerge == "continue" and c in above:
                here[c] = above[c]
                above[c][2] = r          # the cell above reaches down to this row
            else:
                text = "\n".join(t for t in (para_text(p) for p in tc.findall(qn("w:p"))) if t)
                if text:
                    cells.append((c, text, False))
                here[c] = [r, c, r, c + width - 1]
                ranges.append(here[c])
            c += width
        above = here
        if cells:
            rows.append((r, cells))
    merges = [(t, l, b, rt) for t, l, b, rt in ranges if b > t or rt > l]
    return ListSheet(name, rows, merges, format="docx")
