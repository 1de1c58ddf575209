"""Finding the header of a messy sheet and what each column means, by a table of synonyms.

`Synonyms` maps header texts to field keys: a field's label (strength 3), one of its synonyms (2), a
synonym inside a longer name (1; one the name ends with wins, the head noun comes last in Chinese:
"责任单位负责人" is a person). Texts are compared full-width folded, without spaces, (notes) or the *
of a required column.

`find_header(grid, synonyms, search_rows=, min_score=, key_field=)`: the best-scoring row among the
first `search_rows` rows with content (title rows above it are skipped), scored by the fields its
cells name (+1 when `key_field` is among them), at least `min_score`. Rows tied to it by merged
cells (a group header such as 户主基本情况 over 姓名 | 证件号码, or 序号 merged down two rows) or
made only of column names belong to it, up to four rows; a column's header is its rows' texts joined
as "上/下", and the group's words count ("户主基本情况" over "姓名" is 户主姓名).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from archive.tables.grid import Grid, one_line
from archive.tables.read import column_letter

_PAREN = re.compile(r"[(（\[【][^()（）\[\]【】]*[)）\]】]")
_STRIP = re.compile(r"[\s*＊:：#＃]")
_SPLIT = re.compile(r"[/、]")
GROUP_SUFFIX = ("基本情况", "基本信息", "基本资料", "情况", "信息", "资料")
MAX_HEADER_ROWS = 4


def header_key(text: str) -> str:
    """Header text reduced for matching: full-width folded, no spaces, no (notes), no required *."""
    text = unicodedata.normalize("NFKC", str(text))
    stripped = _PAREN.sub("", text)
    if _STRIP.sub("", stripped):   # "(一)" alone stays itself
        text = stripped
    return _STRIP.sub("", text).upper()


@dataclass
class Column:
    index: int            # 1-based column number
    letter: str           # "C" (a Word table's column counted the same way)
    header: str           # the header as written; header rows flattened as "户主基本情况/证件号码"
    field: str | None     # a field key, None when the column is ignored
    how: str              # how it was understood (Chinese): 标准列名“…” / 同义词“…” / 列名含“…” / 未识别，忽略


@dataclass
class Header:
    rows: list[int]       # the header's rows, top to bottom
    columns: list[Column]
    score: int            # fields named in the best row (+1 for the key field)


class Synonyms:
    """Header texts -> field keys. `fields`: (key, label, synonyms) in order of precedence;
    `several`: fields that may take several columns (their values are joined by the caller);
    `prefer`: field -> a word that makes a column win a tie ("编号" over "序号");
    `split_last_first`: a cell naming two things ("责任单位/责任人") is matched by its last part first."""

    def __init__(self, fields: Iterable[tuple[str, str, Iterable[str]]], *, several: Iterable[str] = (),
                 prefer: dict[str, str] | None = None, split_last_first: bool = False):
        self.labels: dict[str, str] = {}
        self.exact: dict[str, tuple[str, str, int]] = {}
        self.partial: list[tuple[str, str, str]] = []
        self.several, self.prefer = frozenset(several), dict(prefer or {})
        self.split_last_first = split_last_first
        for key, label, synonyms in fields:
            self.labels[key] = label
            for strength, text in [(3, label)] + [(2, s) for s in synonyms]:
                k = header_key(text)
                if k and k not in self.exact:
                    self.exact[k] = (key, text, strength)
                    if len(k) >= 2:
                        self.partial.append((k, key, text))

    def is_name(self, text: str) -> bool:
        return header_key(text) in self.exact

    def match(self, parts: list[str]) -> tuple[str | None, str, int]:
        """(field, how, strength) for a header given as its rows' texts, top to bottom."""
        keys = [k for k in (header_key(p) for p in parts) if k]
        if not keys:
            return None, "无列名，忽略", 0
        candidates = []
        if len(keys) >= 2:   # the group's words: 户主基本情况 over 姓名 is 户主姓名
            group = keys[-2]
            for suffix in GROUP_SUFFIX:
                if group.endswith(suffix) and len(group) > len(suffix):
                    group = group[: -len(suffix)]
                    break
            candidates.append(group + keys[-1])
        for k in reversed(keys):   # the lowest row is the most specific; then the group's own name
            candidates.append(k)
            if "/" in k or "、" in k:   # one cell naming two things: "身份证号/联系电话"
                split = [s for s in _SPLIT.split(k) if s]
                candidates.extend(reversed(split) if self.split_last_first else split)
        if len(keys) >= 2:
            candidates.append("".join(keys))   # a name broken over two rows: "家庭" over "人口"
        for k in candidates:
            found = self.exact.get(k)
            if found:
                fld, text, strength = found
                return fld, (f"标准列名“{text}”" if strength == 3 else f"同义词“{text}”"), strength
        for k in candidates:
            hits = [(k.endswith(key), len(key), fld, text) for key, fld, text in self.partial if key in k]
            if hits:
                _, _, fld, text = max(hits, key=lambda h: (h[0], h[1]))
                return fld, f"列名含“{text}”", 1
        return None, "未识别，忽略", 0


def row_fields(grid: Grid, r: int, synonyms: Synonyms) -> set[str]:
    """The fields named by the cells of row `r` (merged header cells count where they reach)."""
    fields = set()
    for c in range(1, grid.ncols + 1):
        value = grid.value(r, c)
        if isinstance(value, str):
            fld, _, strength = synonyms.match([value])
            # A title such as "XX县2024年脱贫户信息台账" merely contains a field's words.
            if fld and (strength >= 2 or len(header_key(value)) <= 12):
                fields.add(fld)
    return fields


def find_header(grid: Grid, synonyms: Synonyms, *, search_rows: int = 20, min_score: int = 2,
                key_field: str | None = None) -> Header | None:
    best, best_score = None, 0
    for r in grid.rows[:search_rows]:
        fields = row_fields(grid, r, synonyms)
        score = len(fields) + (1 if key_field in fields else 0)
        if score > best_score:
            best, best_score = r, score
    if best is None or best_score < min_score:
        return None
    block = [best]
    while len(block) < MAX_HEADER_ROWS:   # rows tied to the header by merged cells belong to it
        top, bottom = block[0], block[-1]
        if top - 1 >= 1 and _joined(grid, top - 1, top, synonyms):
            block.insert(0, top - 1)
        elif _joined(grid, bottom, bottom + 1, synonyms) or _subheader(grid, bottom + 1, synonyms):
            block.append(bottom + 1)
        else:
            break
    return Header(block, map_columns(grid, block, synonyms), best_score)


def _joined(grid: Grid, upper: int, lower: int, synonyms: Synonyms) -> bool:
    """True when a cell of `lower` is merged down from `upper` (or above), or `upper` holds a group
    header merged across several (not all) columns over named sub-headers in `lower`."""
    if not grid.has_row(lower) or lower > grid.last + 3:
        return False
    for c in range(1, grid.ncols + 1):
        a = grid.anchor.get((lower, c))
        if a and a[0] <= upper and a[0] in grid.rows and not _is_title(grid, a):
            return True
        width = grid.span.get((upper, c), 1)
        if 1 < width < grid.ncols and (upper, c) in grid.own and _group_like(grid, upper, c) and all(
                (lower, k) in grid.own for k in range(c, c + width)):
            if any(isinstance(grid.own[(lower, k)], str) and synonyms.match([grid.own[(lower, k)]])[0]
                   for k in range(c, c + width)):
                return True
    return False


def _group_like(grid: Grid, r: int, c: int) -> bool:
    """A merged cell that reads as a group header (户主基本情况), not as a title over part of the
    table: its row has other header cells, or its text is short or ends like a group's."""
    if sum(1 for k in range(1, grid.ncols + 1) if (r, k) in grid.own) >= 2:
        return True
    text = header_key(grid.own[(r, c)])
    return len(text) <= 6 or text.endswith(GROUP_SUFFIX)


def _is_title(grid: Grid, anchor: tuple[int, int]) -> bool:
    """A title merged across the whole table is not part of the header."""
    return grid.span.get(anchor, 1) >= max(grid.ncols - 1, 2)


def _subheader(grid: Grid, r: int, synonyms: Synonyms) -> bool:
    """A row right under the header whose cells are all column names (a header row not merged)."""
    cells = [v for _, v in grid.cells(r)]
    return bool(cells) and all(isinstance(v, str) and synonyms.is_name(v) for v in cells)


def map_columns(grid: Grid, block: list[int], synonyms: Synonyms) -> list[Column]:
    """Each column's flattened header and field; one column per field (the first of the strongest,
    a `prefer` word winning ties) unless the field takes several."""
    found = []
    for c in range(1, grid.ncols + 1):
        parts: list[str] = []
        for r in block:
            text = one_line(grid.value(r, c))
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        fld, how, strength = synonyms.match(parts)
        found.append((c, "/".join(parts), fld, how, strength))
    chosen: dict[str, tuple] = {}
    for entry in found:
        c, header, fld, _, strength = entry
        if fld is None or fld in synonyms.several:
            continue
        word = synonyms.prefer.get(fld)
        rank = (strength, bool(word) and word in header, -c)
        if fld not in chosen or rank > chosen[fld][0]:
            chosen[fld] = (rank, entry)
    columns = []
    for c, header, fld, how, _ in found:
        if fld and fld not in synonyms.several and chosen[fld][1][0] != c:
            other = chosen[fld][1]
            how = f"{how}，但已取{grid.where(other[0])}“{other[1]}”作为{synonyms.labels[fld]}，本列忽略"
            fld = None
        elif fld in synonyms.several and sum(1 for e in found if e[2] == fld) > 1:
            how = f"{how}（多列{synonyms.labels[fld]}合并）"
        columns.append(Column(index=c, letter=column_letter(c), header=header, field=fld, how=how))
    return columns
