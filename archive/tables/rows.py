"""The rows under a header: which are not data (小计/合计, notes under the table, a row of column
numbers), and the data rows of a large sheet streamed with merged cells filled down.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, Iterable, Iterator

from archive.tables.read import Cell, Sheet

# A ledger's running totals may say 累计; a 问题清单 row may well begin with it ("累计欠款未清退").
LEDGER_SUBTOTALS = ("小计", "合计", "总计", "共计", "累计")
_FOOTNOTE = re.compile(r"^(注|说明|备注|填表说明|填表人|制表人|审核人|填报人|填报单位|填报日期|制表日期|制表单位|"
                       r"填表日期|审核|单位负责人|负责人|统计人|经办人|村支书|村主任|联系电话)[:：]")
_SPACE = re.compile(r"\s")


@functools.lru_cache
def _subtotal_pattern(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("^(" + "|".join(map(re.escape, words)) + ")")


def is_subtotal(values: Iterable[Any], words: tuple[str, ...] = LEDGER_SUBTOTALS, max_length: int = 16) -> bool:
    """A 小计/合计 row: one of its first four cells begins with one of `words` (a short text, at most
    `max_length` characters; every word has 计 in it)."""
    pattern = _subtotal_pattern(words)
    for i, v in enumerate(values):
        if i >= 4:
            return False
        if v.__class__ is str and "计" in v and len(v) <= max_length and \
                pattern.match(_SPACE.sub("", unicodedata.normalize("NFKC", v))):
            return True
    return False


def is_footnote(value: Any) -> bool:
    """A note under the table: 注：…, 说明：…, 填表人：…, 审核人：…"""
    return isinstance(value, str) and bool(_FOOTNOTE.match(_SPACE.sub("", unicodedata.normalize("NFKC", value))))


def column_numbers(values: list[Any]) -> bool:
    """A row of column numbers under the header (栏次: 1 2 3 …)."""
    if len(values) < 3:
        return False
    numbers = []
    for v in values:
        if isinstance(v, bool):
            return False
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, str) and v.strip().isdigit():
            v = int(v.strip())
        if not isinstance(v, int):
            return False
        numbers.append(v)
    return all(b == a + 1 for a, b in zip(numbers, numbers[1:]))


class FilledRows:
    """The rows of `sheet` below row `after`, streamed, each as (row number, cells, filled columns):
    a cell covered by a merged range shows nothing, except in `fill` columns where the range's
    first column takes the range's top-left value (a 户主 name merged down over the members).
    A row all of whose cells are covered is left out. `spans`: (top, left) of each merged range
    below the header -> the columns it spans (a section row merged across the table).

    Merged ranges are taken in order of their top row and dropped once passed, never expanded per
    cell, so a sheet of 300,000 rows with tens of thousands of merges streams in constant memory."""

    def __init__(self, sheet: Sheet, after: int, fill: Iterable[int]):
        self.sheet, self.after, self.fill = sheet, after, frozenset(fill)
        self.pending = sorted(m for m in sheet.merges if m[0] > after)
        self.spans = {(top, left): right - left + 1 for top, left, bottom, right in self.pending}

    def __iter__(self) -> Iterator[tuple[int, list[Cell], set[int]]]:
        pending, fill, after = self.pending, self.fill, self.after
        next_merge = 0
        covering: list[tuple[int, int, int, int]] = []
        anchors: dict[tuple[int, int], tuple[Any, bool]] = {}
        for number, cells in self.sheet.iter_rows():
            if number <= after:
                continue
            filled: set[int] = set()
            if covering or (next_merge < len(pending) and pending[next_merge][0] <= number):
                while next_merge < len(pending) and pending[next_merge][0] <= number:
                    covering.append(pending[next_merge])
                    next_merge += 1
                covering = [m for m in covering if m[2] >= number]
            if covering:
                own = {c: (v, f) for c, v, f in cells}
                for top, left, bottom, right in covering:
                    if number == top:
                        anchors[(top, left)] = own.get(left, (None, False))
                        for c in range(left + 1, right + 1):
                            own.pop(c, None)   # Excel shows only the top-left value
                        continue
                    for c in range(left, right + 1):
                        own.pop(c, None)
                    if left in fill:
                        value = anchors.get((top, left), (None, False))
                        if value[0] is not None or value[1]:
                            own[left] = value
                            filled.add(left)
                cells = sorted((c, v, f) for c, (v, f) in own.items())
                if not cells:
                    continue
            yield number, cells, filled
