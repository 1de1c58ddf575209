"""A sheet (or its first rows) as a grid of cells with merged cells resolved, and cell values as text.

Excel shows a merged range's value in its top-left cell only; the grid keeps that value in `own` and
maps every other covered cell to the top-left one (`anchor`), with the columns the range spans
(`span`). Two readings of a merged cell:
- `value(r, c)`: a header cell counts in every row and column it covers (户主基本情况 over two columns);
- `data_value(r, c, first)`: a data cell takes the value merged down onto it from a row at or below
  `first` (the first data row), in the range's first column only (fill-down).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from archive.tables.errors import TableFileError
from archive.tables.read import EPOCH_1900, Sheet, column_letter

_LINE_BREAK = re.compile(r"\s*\n\s*")


def clean(text: str) -> str:
    """Text as written, each line stripped (also of full-width spaces), line ends made "\\n"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return "\n".join(line.strip(" \t\u3000") for line in text.split("\n")).strip()


def cell_text(value: Any) -> str:
    """A cell's value as text: 1.0 → "1", True → "是", a date → "2024-03-31"."""
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
    return clean(str(value))


def one_line(value: Any) -> str:
    """A header or title cell as one line: a name broken over lines in its cell is one name."""
    return _LINE_BREAK.sub("", cell_text(value))


class Grid:
    """The cells of `sheet` with merged cells resolved.

    `limit`: read only the first `limit` rows with content (where a header is looked for);
    `max_rows`: refuse (too_many_rows) a sheet with more rows with content than this.
    A formula without a cached value is in `formulas`, not in `own`."""

    def __init__(self, sheet: Sheet, *, limit: int | None = None, max_rows: int | None = None):
        self.name = sheet.name
        self.docx = sheet.format == "docx"
        self.before: list[str] = list(sheet.before)
        self.epoch: dt.datetime = getattr(sheet, "epoch", EPOCH_1900)
        self.own: dict[tuple[int, int], Any] = {}
        self.formulas: set[tuple[int, int]] = set()
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        self.span: dict[tuple[int, int], int] = {}
        self.scores: dict[str, int] = {}   # for the caller: how well each reading of the header scored
        count = last = 0
        for number, cells in sheet.iter_rows():
            if not cells:
                continue
            count += 1
            if max_rows is not None and count > max_rows:
                continue   # counted for the message, not kept
            last = number
            for c, v, f in cells:
                if v is not None:
                    self.own[(number, c)] = v
                elif f:
                    self.formulas.add((number, c))
            if limit is not None and count >= limit:
                break
        if max_rows is not None and count > max_rows:
            raise TableFileError("too_many_rows", f"工作表“{sheet.name}”有 {count} 行数据，超过上限 {max_rows} 行")
        self.last = last
        self.ncols = max((c for _, c in self.own), default=0)
        if self.own:
            self._merge(sheet.merges)
        self.rows = sorted({r for r, _ in self.own} | {r for r, _ in self.formulas})

    def _merge(self, merges) -> None:
        reach = self.last + 4   # header rows just below the rows read may be covered too
        for top, left, bottom, right in merges:
            if top > reach or left > self.ncols:
                continue
            right = min(right, self.ncols)
            self.span[(top, left)] = right - left + 1
            for r in range(top, min(bottom, reach) + 1):
                for c in range(left, right + 1):
                    if (r, c) != (top, left):
                        self.anchor[(r, c)] = (top, left)
                        self.own.pop((r, c), None)   # Excel shows only the top-left value
                        self.formulas.discard((r, c))

    def value(self, r: int, c: int) -> Any:
        """A header cell: merged cells count in every row and column they cover."""
        if (r, c) in self.own:
            return self.own[(r, c)]
        a = self.anchor.get((r, c))
        return self.own.get(a) if a else None

    def data_value(self, r: int, c: int, first: int) -> tuple[Any, tuple[int, int] | None]:
        """(value, anchor): a data cell merged down from a row at or below `first` takes its value."""
        if (r, c) in self.own:
            return self.own[(r, c)], None
        a = self.anchor.get((r, c))
        if a and a[1] == c and a[0] >= first:
            return self.own.get(a), a
        return None, None

    def has_row(self, r: int) -> bool:
        return r in self.rows or any((r, c) in self.anchor for c in range(1, self.ncols + 1))

    def cells(self, r: int) -> list[tuple[int, Any]]:
        """(column, value) of the cells written in row `r` itself."""
        return [(c, self.own[(r, c)]) for c in range(1, self.ncols + 1) if (r, c) in self.own]

    def title(self, first_header_row: int) -> str:
        """The DOCX paragraphs above the table and the rows above the header, one line a cell."""
        lines = [one_line(v) for r in self.rows if r < first_header_row for _, v in self.cells(r)]
        return "\n".join(self.before + [line for line in lines if line])

    def where(self, c: int) -> str:
        """A column as people read it: "C列", or "第3列" in a Word table."""
        return f"第{c}列" if self.docx else f"{column_letter(c)}列"
