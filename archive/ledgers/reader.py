"""Read a ledger (台账) from an XLSX, XLS or CSV file into a Table: which rows are the header, which
column is which field of a ledger type, and the data rows with their spreadsheet row numbers.

Pure functions, no database: `read_table(data, name, ledger_type, types)`.

How a sheet is read:
- the format is told by content, never by `name`: XLSX (a zip with xl/workbook.xml), XLS (an OLE file;
  an OLE file holding "EncryptedPackage" is a password-protected XLSX), else CSV/TSV text in UTF-8
  (with or without BOM), UTF-16 with BOM, or GB18030 (which covers GBK and GB2312);
- the header is the best-scoring row among the first HEADER_SEARCH_ROWS rows with content (header
  cells matched against the fields' names and synonyms in standards/ledgers.yaml); rows joined to it by
  merged cells (a group header such as 户主基本情况 over 姓名 | 证件号码, or 序号 merged down two rows)
  belong to it and are flattened as "户主基本情况/证件号码"; the group's words count ("户主基本情况"
  over "姓名" is 户主姓名); title rows above are skipped and kept as `title`;
- with no ledger type given, every type of `types` is tried and the one matching the most columns is
  taken (then: more required fields found, a type keyword in the title or sheet name, file order);
  with several sheets, the best-scoring visible sheet is read (the active one on a tie);
- data rows follow the header: blank rows, 小计/合计 rows, notes under the table (注：…, 填表人：…), a
  row of column numbers (1 2 3 … under the header), a repeated header and section rows (one text
  merged across the table) are skipped; a value merged down several rows applies to every row it
  covers (Row.merged names those fields);
- formulas are read through their cached values and reported by the validation (Row.formulas); XLS
  files (xlrd) do not expose formulas; a CSV cell starting with "=" is a formula without a value.

XLSX sheets are read by a streaming reader of the sheet XML (the zip member is inflated in chunks and
its rows parsed with regular expressions), which reads ~10x faster than openpyxl's read-only mode and
keeps both the cached value and the formula flag of each cell in one pass. Shared strings, styles
(which number formats are dates, including the zh-CN built-in ones 27–31, 36, 50–54, 57, 58) and the
1904 date system are honoured. The zip is checked first with archive.ingest.guards.check_zip (sizes,
members, compression ratio, no DTD).
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterator
from xml.etree import ElementTree

from archive.ingest.guards import check_zip
from archive.ingest.types import IngestError
from archive.config import Limits
from archive.standards import LedgerType
from archive.errors import UNPROCESSABLE, DomainError

MAX_BYTES = 60 * 1024 * 1024
MAX_ROWS = 300_000            # data rows of one ledger (a county's members fit)
MAX_COLUMNS = 256
HEADER_SEARCH_ROWS = 20       # rows with content, from the top, where the header may start
MAX_MERGED_CELLS = 5_000_000  # cells covered by merged ranges, in all
_LIMITS = Limits(max_bytes=MAX_BYTES, max_unzipped_bytes=1024 * 1024 * 1024, max_zip_members=5000)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1 << 20
log = logging.getLogger(__name__)


class LedgerFileError(DomainError):
    """The file cannot be read as a ledger at all. `code` for machines, `message` (Chinese) for people.
    Codes: empty_file, too_large, encrypted, malformed, unsupported_type, bad_encoding, zip_bomb,
    xml_entity, too_complex, too_many_rows, no_header, empty."""

    kind = UNPROCESSABLE


@dataclass
class Column:
    index: int            # 1-based column number
    letter: str           # "C"
    header: str           # the header as written; header rows flattened as "户主基本情况/证件号码"
    field: str | None     # a field key of the ledger type, None when the column is ignored
    how: str              # how it was understood (Chinese): 标准列名“…” / 同义词“…” / 列名含“…” / 未识别，忽略


@dataclass
class Row:
    number: int                     # the row number as Excel/WPS shows it (a CSV: the record number)
    cells: dict[str, Any]           # field -> value as stored (str, int, float, bool, datetime); empty cells absent
    formulas: set[str] = field(default_factory=set)        # fields whose cell holds a formula
    merged: frozenset[str] = frozenset()                    # fields whose value is merged down from a row above


@dataclass
class Table:
    sheet: str                      # the sheet's name ("" for a CSV)
    header_rows: list[int]
    type_key: str | None
    columns: list[Column]
    rows: list[Row]
    name: str = ""                  # the file name as given
    format: str = ""                # "xlsx", "xls" or "csv"
    title: str = ""                 # text of the rows above the header
    type_how: str = ""              # how the type was decided (Chinese)
    scores: dict[str, int] = field(default_factory=dict)   # type key -> columns matched

    def column(self, field_key: str) -> Column | None:
        for c in self.columns:
            if c.field == field_key:
                return c
        return None

    def letter(self, field_key: str) -> str:
        c = self.column(field_key)
        return c.letter if c else ""


# ---------------------------------------------------------------------------------------------
# Entry point

def read_table(data: bytes, name: str = "", ledger_type: LedgerType | None = None,
               types: dict[str, LedgerType] | None = None) -> Table:
    """Read `data` as a ledger of `ledger_type`, or of the best-matching type of `types` when None."""
    candidates = [ledger_type] if ledger_type is not None else list((types or {}).values())
    if not candidates:
        raise LedgerFileError("no_header", "没有可用的台账类型（standards/ledgers.yaml）")
    try:
        return _read_table(data, name, ledger_type, candidates)
    except LedgerFileError:
        raise
    except MemoryError:
        raise LedgerFileError("too_complex", "文件过于复杂，读取时资源不足") from None
    except Exception as error:   # sheets are read lazily: a broken member fails here, not when opened
        log.warning("ledger %r refused: %r", name, error)
        raise LedgerFileError("malformed", "文件已损坏或格式不受支持，无法读取") from None


def _read_table(data: bytes, name: str, ledger_type: LedgerType | None, candidates: list[LedgerType]) -> Table:
    fmt, sheets = open_sheets(data)
    matchers = [_Matcher(t) for t in candidates]
    best = None
    for order, sheet in enumerate(sheets):
        grid = _HeaderGrid(sheet)
        for position, matcher in enumerate(matchers):
            found = _find_header(grid, matcher)
            if found is None:
                continue
            block, columns = found
            mapped = [c for c in columns if c.field]
            required = sum(1 for f in matcher.type.fields if f.required and any(c.field == f.key for c in mapped))
            title = grid.title(block[0])
            keyword = any(k in title or k in sheet.name for k in matcher.type.keywords)
            rank = (len(mapped), required, keyword, -order, -position)
            if best is None or rank > best[0]:
                best = (rank, sheet, grid, matcher, block, columns, title)
            grid.scores[matcher.type.key] = max(grid.scores.get(matcher.type.key, 0), len(mapped))
    if best is None:
        if not any(_HeaderGrid(s).rows for s in sheets):
            raise LedgerFileError("empty", "文件中没有内容")
        names = "、".join(t.name for t in candidates)
        raise LedgerFileError("no_header", f"前 {HEADER_SEARCH_ROWS} 行中没有找到台账表头（{names}）："
                                           f"表头应有证件号码、户主姓名、项目名称等列名")
    _, sheet, grid, matcher, block, columns, title = best
    if ledger_type is not None:
        type_how = f"指定类型：{ledger_type.name}"
    else:
        scores = grid.scores
        others = "；".join(f"{t.name} {scores.get(t.key, 0)} 列" for t in candidates if t.key != matcher.type.key)
        type_how = f"按表头猜测：{matcher.type.name}（识别 {scores.get(matcher.type.key, 0)} 列" + (
            f"；{others}" if others else "") + "）"
    rows = _data_rows(sheet, grid, block, columns)
    return Table(sheet=sheet.name, header_rows=block, type_key=matcher.type.key, columns=columns, rows=rows,
                 name=name, format=fmt, title=title, type_how=type_how, scores=dict(grid.scores))


# ---------------------------------------------------------------------------------------------
# Sources: a sheet is rows of (column, value, is_formula) cells, plus merged ranges

class _Sheet:
    """One sheet of a file. `merges`: (min_row, min_col, max_row, max_col), 1-based, inclusive."""
    name: str = ""
    visible: bool = True
    active: bool = False

    def iter_rows(self) -> Iterator[tuple[int, list[tuple[int, Any, bool]]]]:
        raise NotImplementedError

    @property
    def merges(self) -> list[tuple[int, int, int, int]]:
        raise NotImplementedError


def open_sheets(data: bytes) -> tuple[str, list[_Sheet]]:
    """("xlsx"|"xls"|"csv", the sheets worth reading: the visible ones, the active first)."""
    if not data:
        raise LedgerFileError("empty_file", "文件为空")
    if len(data) > MAX_BYTES:
        raise LedgerFileError("too_large", f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）")
    if data.startswith(_OLE):
        if _ENCRYPTED_STREAM in data:
            raise LedgerFileError("encrypted", "文件已加密，请去除密码后再导入")
        return "xls", _guarded(_xls_sheets, data)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "xlsx", _guarded(_xlsx_sheets, data)
    return "csv", [_csv_sheet(data)]


def _guarded(reader, data: bytes):
    try:
        sheets = reader(data)
    except LedgerFileError:
        raise
    except IngestError as error:
        raise LedgerFileError(error.code, error.message) from None
    except MemoryError:
        raise LedgerFileError("too_complex", "文件过于复杂，读取时资源不足") from None
    except Exception:   # hostile or broken files fail in endless ways
        raise LedgerFileError("malformed", "文件已损坏或格式不受支持，无法读取") from None
    visible = [s for s in sheets if s.visible] or sheets
    if not visible:
        raise LedgerFileError("empty", "文件中没有工作表")
    visible.sort(key=lambda s: not s.active)   # stable: the active sheet first
    return visible


# ----------------------------------------------------------------------------------------- XLSX

_NS_ANY = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROW_RE = re.compile(rb"<" + _NS_ANY + rb"row\b([^>]*?)(?:/>|>(.*?)</" + _NS_ANY + rb"row>)", re.S)
_CELL_RE = re.compile(rb"<" + _NS_ANY + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _NS_ANY + rb"c>)", re.S)
_ATTR_RE = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# A cell as Excel, WPS and openpyxl write it: r, s, t in this order; an optional formula, value and
# plain inline string. Groups: column letters, row, style, type, formula, value, inline text.
_FAST_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?\s*'
    rb'(?:/>|>(<f\b[^>]*?(?:/>|>[^<]*</f>))?(?:<v>([^<]*)</v>|<v/>)?(?:<is><t(?:\s[^>]*)?>([^<]*)</t></is>)?</c>)')
_END_PREFIX = re.compile(rb"</[A-Za-z_][\w.-]*:")
_V_RE = re.compile(rb"<" + _NS_ANY + rb"v(?:\s[^>]*)?>(.*?)</" + _NS_ANY + rb"v>", re.S)
_F_RE = re.compile(rb"<" + _NS_ANY + rb"f[\s/>]")
_T_RE = re.compile(rb"<" + _NS_ANY + rb"t(?:\s[^>]*)?>(.*?)</" + _NS_ANY + rb"t>", re.S)
_RPH_RE = re.compile(rb"<" + _NS_ANY + rb"rPh\b.*?</" + _NS_ANY + rb"rPh>", re.S)
_SI_RE = re.compile(rb"<" + _NS_ANY + rb"si\b[^>]*?(?:/>|>(.*?)</" + _NS_ANY + rb"si>)", re.S)
_MERGE_RE = re.compile(rb"<" + _NS_ANY + rb"mergeCell\b[^>]*?\bref\s*=\s*[\"']"
                       rb"([A-Za-z]+)(\d+)(?::([A-Za-z]+)(\d+))?[\"']")
_ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);")
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# Built-in number formats that are dates: the international ones and the zh-CN ones (ECMA-376 §18.8.30).
_BUILTIN_DATES = frozenset({14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58})
_BUILTIN_TIMES = frozenset({18, 19, 20, 21, 32, 33, 34, 35, 45, 46, 47, 55, 56})
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_COLUMN_INDEX: dict[bytes, int] = {}


def _column_index(letters: bytes) -> int:
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        if len(letters) > 3:
            return MAX_COLUMNS + 1   # beyond XFD: not a column anyone reads
        index = 0
        for ch in letters.upper():
            index = index * 26 + ch - 64
        _COLUMN_INDEX[letters] = index
    return index


def _entity(m: re.Match) -> str:
    name = m.group(1)
    if name[0] == "#":
        try:
            return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
        except (ValueError, OverflowError):
            return ""
    return _ENTITIES[name]


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "&" in text:
        text = _ENTITY_RE.sub(_entity, text)
    if "_x" in text:
        text = _ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text


def _rich_text(inner: bytes | None) -> str:
    if not inner:
        return ""
    if b"rPh" in inner:
        inner = _RPH_RE.sub(b"", inner)
    return "".join(_unescape(t) for t in _T_RE.findall(inner))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element, local_name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == local_name:
            return value
    return None


class _XlsxSheet(_Sheet):
    def __init__(self, book: "_XlsxBook", name: str, path: str, visible: bool, active: bool):
        self.book, self.name, self.path, self.visible, self.active = book, name, path, visible, active
        self._merges: list[tuple[int, int, int, int]] | None = None

    def _chunks(self) -> Iterator[bytes]:
        with self.book.zf.open(self.path) as f:
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    return
                yield chunk

    @property
    def merges(self) -> list[tuple[int, int, int, int]]:
        if self._merges is None:
            found: set[tuple[int, int, int, int]] = set()
            tail = b""
            for chunk in self._chunks():
                buffer = tail + chunk
                if b"mergeCell" in buffer:   # <mergeCells> follows </sheetData>: usually the last chunk
                    for m in _MERGE_RE.finditer(buffer):
                        left, top = _column_index(m.group(1)), int(m.group(2))
                        right = _column_index(m.group(3)) if m.group(3) else left
                        bottom = int(m.group(4)) if m.group(4) else top
                        found.add((min(top, bottom), min(left, right), max(top, bottom), max(left, right)))
                tail = buffer[-256:]
            self._merges = sorted(found)
        return self._merges

    def iter_rows(self) -> Iterator[tuple[int, list[tuple[int, Any, bool]]]]:
        """(row number, [(column, value, has formula)]) for each row with content, in file order.
        The XML is inflated in chunks; each run of complete rows is parsed by _FAST_CELL when every
        cell in it has the plain shape Excel, WPS and openpyxl write, else row by row (_slow_rows)."""
        buffer = b""
        last = [0]   # the last row number seen, for rows without an r attribute
        for chunk in self._chunks():
            buffer = buffer + chunk if buffer else chunk
            end = _last_row_end(buffer)
            if end <= 0:
                if len(buffer) > 64 * _CHUNK:
                    raise LedgerFileError("too_complex", f"工作表“{self.name}”中有一行过大，无法读取")
                continue
            region, buffer = buffer[:end], buffer[end:]
            found = _FAST_CELL.findall(region)
            if len(found) == region.count(b"<c ") and b"<c>" not in region:
                yield from self._fast_rows(found, last)
            else:
                yield from self._slow_rows(region, last)

    def _value(self, kind: bytes, raw: bytes, style: bytes | None) -> Any:
        """A cell's value from its type (t), its <v> text and its style (s)."""
        if not kind or kind == b"n":
            value = _number(raw)
            if style and value is not None and style in self.book.date_styles:
                value = _serial_date(value, self.book.epoch, style in self.book.time_styles)
            return value
        if kind == b"s":
            try:
                return self.book.strings[int(raw)]
            except (ValueError, IndexError):
                return None
        if kind == b"b":
            return raw.strip() in (b"1", b"true")
        if kind == b"d":
            return _iso_date(raw.decode("ascii", "replace"))
        text = _unescape(raw)   # str (a formula's text result), e (an error such as #DIV/0!)
        return text if text.strip() else None

    def _fast_rows(self, found: list[tuple], last: list[int]):
        strings, dates = self.book.strings, self.book.date_styles
        current, cells = None, []
        for letters, row_digits, style, kind, formula, raw, inline in found:
            if row_digits != current:
                if cells:
                    yield int(current), cells
                current, cells = row_digits, []
            if not raw and not inline and not formula:
                continue
            col = _COLUMN_INDEX.get(letters) or _column_index(letters)
            if col > MAX_COLUMNS:
                continue
            if kind == b"s":   # the common cases inline, the rest in _value
                try:
                    value = strings[int(raw)]
                except (ValueError, IndexError):
                    value = None
            elif not kind or kind == b"n":
                value = _number(raw) if raw else None
                if style and style in dates and value is not None:
                    value = self._value(kind, raw, style)
            elif kind == b"inlineStr":
                value = _unescape(inline)
                if not value.strip():
                    value = None
            else:
                value = self._value(kind, raw, style) if raw else None
            if value is None and not formula:
                continue
            cells.append((col, value, bool(formula)))
        if cells:
            yield int(current), cells
        if current is not None:
            last[0] = int(current)

    def _slow_rows(self, region: bytes, last: list[int]):
        for m in _ROW_RE.finditer(region):
            attrs, body = m.group(1), m.group(2)
            r_attr = re.search(rb"\br\s*=\s*[\"'](\d+)", attrs) if attrs else None
            row_number = int(r_attr.group(1)) if r_attr else last[0] + 1
            last[0] = row_number
            if not body:
                continue
            cells = []
            col_counter = 0
            for cm in _CELL_RE.finditer(body):
                attributes = {k.split(b":")[-1]: (v1 if v1 else v2) for k, v1, v2 in _ATTR_RE.findall(cm.group(1))}
                ref = attributes.get(b"r")
                letters = re.match(rb"[A-Za-z]+", ref) if ref else None
                col = _column_index(letters.group(0)) if letters else col_counter + 1
                col_counter = col
                inner = cm.group(2)
                if col > MAX_COLUMNS or not inner:
                    continue
                kind, style = attributes.get(b"t"), attributes.get(b"s")
                formula = _F_RE.search(inner) is not None
                if kind == b"inlineStr":
                    value = _rich_text(inner) or None
                    if value is not None and not value.strip():
                        value = None
                else:
                    vm = _V_RE.search(inner)
                    value = self._value(kind, vm.group(1), style) if vm and vm.group(1) else None
                if value is None and not formula:
                    continue
                cells.append((col, value, formula))
            if cells:
                yield row_number, cells


def _last_row_end(buffer: bytes) -> int:
    """The offset just past the last complete </row> (or </x:row>) in `buffer`, 0 when none."""
    pos = buffer.rfind(b"row>")
    while pos > 0:
        if buffer[pos - 2:pos] == b"</":
            return pos + 4
        start = buffer.rfind(b"<", 0, pos)
        if start >= 0 and _END_PREFIX.fullmatch(buffer, start, pos):
            return pos + 4
        pos = buffer.rfind(b"row>", 0, pos)
    return 0


def _number(raw: bytes) -> int | float | None:
    try:
        if b"." in raw or b"E" in raw or b"e" in raw:
            value = float(raw)
            return value if value == value else None
        return int(raw)
    except ValueError:
        return None


def _serial_date(value: float, epoch: dt.datetime, time_only: bool) -> Any:
    if time_only or not (-1 < value < 2958466):
        return value
    if epoch is _EPOCH_1900 and 0 < value < 60:
        value += 1   # Excel's 1900 is a leap year: serials before 1900-03-01 are one day off
    try:
        return epoch + dt.timedelta(days=value)
    except OverflowError:
        return value


def _iso_date(text: str) -> Any:
    try:
        return dt.datetime.fromisoformat(text.strip().rstrip("Z"))
    except ValueError:
        return text


class _XlsxBook:
    def __init__(self, data: bytes):
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(self.zf.namelist())
        workbook = "xl/workbook.xml"
        root_rels = self._rels("_rels/.rels", "")
        for target, kind in root_rels.values():
            if kind.endswith("/officeDocument"):
                workbook = target
        if workbook not in names:
            raise LedgerFileError("unsupported_type", "不是 XLSX 电子表格")
        base = posixpath.dirname(workbook)
        rels = self._rels(posixpath.join(base, "_rels", posixpath.basename(workbook) + ".rels"), base)
        tree = ElementTree.fromstring(self.zf.read(workbook))
        self.epoch = _EPOCH_1900
        active_tab = 0
        for element in tree.iter():
            local = _local(element.tag)
            if local == "workbookPr" and (element.get("date1904") or "").lower() in ("1", "true"):
                self.epoch = _EPOCH_1904
            elif local == "workbookView":
                try:
                    active_tab = int(element.get("activeTab") or 0)
                except ValueError:
                    pass
        shared, styles = None, None
        for target, kind in rels.values():
            if kind.endswith("/sharedStrings"):
                shared = target
            elif kind.endswith("/styles"):
                styles = target
        self.strings = self._shared_strings(shared) if shared in names else []
        dates, times = self._styles(styles) if styles in names else (frozenset(), frozenset())
        # Style ids as the bytes of the s attribute, so a cell's style is looked up without int().
        self.date_styles = frozenset(str(i).encode() for i in dates)
        self.time_styles = frozenset(str(i).encode() for i in times)
        self.sheets: list[_XlsxSheet] = []
        position = 0
        for element in tree.iter():
            if _local(element.tag) != "sheet":
                continue
            rel = _attr(element, "id")
            target = rels.get(rel, ("", ""))
            if not target[1].endswith("/worksheet") or target[0] not in names:
                position += 1
                continue   # a chart sheet, a dialog sheet, a dangling reference
            state = (element.get("state") or "visible").lower()
            self.sheets.append(_XlsxSheet(self, element.get("name") or f"Sheet{position + 1}", target[0],
                                          state == "visible", position == active_tab))
            position += 1

    def _rels(self, path: str, base: str) -> dict[str, tuple[str, str]]:
        try:
            tree = ElementTree.fromstring(self.zf.read(path))
        except KeyError:
            return {}
        out = {}
        for element in tree.iter():
            if _local(element.tag) == "Relationship" and element.get("TargetMode") != "External":
                target = element.get("Target") or ""
                if target.startswith("/"):
                    target = target.lstrip("/")
                else:
                    target = posixpath.normpath(posixpath.join(base, target))
                out[element.get("Id")] = (target, element.get("Type") or "")
        return out

    def _shared_strings(self, path: str) -> list[str | None]:
        """The shared strings; blank ones as None (an empty cell)."""
        data = self.zf.read(path)
        out: list[str | None] = []
        for m in _SI_RE.finditer(data):
            inner = m.group(1)
            if inner and inner.startswith(b"<t>") and inner.endswith(b"</t>") and inner.count(b"<t") == 1:
                text = _unescape(inner[3:-4])
            else:
                text = _rich_text(inner)
            out.append(text if text.strip() else None)
        return out

    def _styles(self, path: str) -> tuple[frozenset[int], frozenset[int]]:
        from openpyxl.styles.numbers import is_date_format, is_timedelta_format

        tree = ElementTree.fromstring(self.zf.read(path))
        formats: dict[int, str] = {}
        cell_xfs = None
        for element in tree.iter():
            local = _local(element.tag)
            if local == "numFmt":
                try:
                    formats[int(element.get("numFmtId"))] = element.get("formatCode") or ""
                except (TypeError, ValueError):
                    pass
            elif local == "cellXfs" and cell_xfs is None:
                cell_xfs = element
        dates, times = set(), set()
        for index, xf in enumerate(x for x in (cell_xfs if cell_xfs is not None else ()) if _local(x.tag) == "xf"):
            try:
                number_format = int(xf.get("numFmtId") or 0)
            except ValueError:
                continue
            if number_format in formats:
                code = formats[number_format]
                if is_date_format(code) and not is_timedelta_format(code):
                    dates.add(index)
                    if not re.search(r"(?<![_\\])[dyDY]", re.sub(r'"[^"]*"|\[[^\]]*\]', "", code.split(";")[0])):
                        times.add(index)   # h:mm and the like: no day, month or year
            elif number_format in _BUILTIN_DATES:
                dates.add(index)
            elif number_format in _BUILTIN_TIMES:
                dates.add(index)
                times.add(index)
        return frozenset(dates), frozenset(times)


def _xlsx_sheets(data: bytes) -> list[_Sheet]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise LedgerFileError("malformed", "文件已损坏，无法打开") from None
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        if "word/document.xml" in names:
            raise LedgerFileError("unsupported_type", "这是 Word 文档，台账应为 XLSX、XLS 或 CSV 表格")
        raise LedgerFileError("unsupported_type", "不是 XLSX 电子表格")
    check_zip(io.BytesIO(data), _LIMITS)   # zipfile takes a file object as well as a path
    book = _XlsxBook(data)
    for sheet in book.sheets:
        covered = sum((b - t + 1) * (r - l + 1) for t, l, b, r in sheet.merges)
        if covered > MAX_MERGED_CELLS:
            raise LedgerFileError("too_complex", "表格中的合并单元格范围过大，请取消整行整列的合并后再导入")
    return book.sheets


# ------------------------------------------------------------------------------------------ XLS

class _ListSheet(_Sheet):
    def __init__(self, name: str, rows: list[tuple[int, list[tuple[int, Any, bool]]]],
                 merges: list[tuple[int, int, int, int]], visible: bool = True, active: bool = False):
        self.name, self._rows, self._merges, self.visible, self.active = name, rows, merges, visible, active

    def iter_rows(self):
        return iter(self._rows)

    @property
    def merges(self):
        return self._merges


def _xls_sheets(data: bytes) -> list[_Sheet]:
    try:
        import xlrd
    except ImportError:
        raise LedgerFileError("unsupported_type", "不能读取旧版 XLS 文件（缺少 xlrd），请另存为 XLSX 后再导入") from None
    import os

    try:
        with open(os.devnull, "w") as devnull:
            try:
                book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=devnull)
            except NotImplementedError:
                book = xlrd.open_workbook(file_contents=data, formatting_info=False, logfile=devnull)
    except xlrd.XLRDError as error:
        if "encrypt" in str(error).lower():
            raise LedgerFileError("encrypted", "文件已加密，请去除密码后再导入") from None
        if "doc" in str(error).lower() or "workbook" in str(error).lower():
            raise LedgerFileError("unsupported_type", "不是 XLS 电子表格（旧版 Word 等文件不能作为台账导入）") from None
        raise
    sheets: list[_Sheet] = []
    active = next((i for i, s in enumerate(book.sheets()) if getattr(s, "sheet_selected", 0)), 0)
    for index, sheet in enumerate(book.sheets()):
        rows = []
        for r in range(min(sheet.nrows, MAX_ROWS + 1000)):
            cells = []
            for c, cell in enumerate(sheet.row(r)[:MAX_COLUMNS], start=1):
                value: Any = cell.value
                if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    continue
                if cell.ctype == xlrd.XL_CELL_TEXT:
                    if not value.strip():
                        continue
                elif cell.ctype == xlrd.XL_CELL_NUMBER:
                    value = int(value) if value.is_integer() and abs(value) < 1e15 else value
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                    except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                        pass
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    value = xlrd.error_text_from_code.get(value, "#ERROR!")
                cells.append((c, value, False))
            if cells:
                rows.append((r + 1, cells))
        merges = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in getattr(sheet, "merged_cells", [])
                  if rhi > rlo and chi > clo]
        sheets.append(_ListSheet(sheet.name, rows, merges, getattr(sheet, "visibility", 0) == 0, index == active))
    return sheets


# ------------------------------------------------------------------------------------------ CSV

def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise LedgerFileError("bad_encoding" if b"\x00" not in data else "unsupported_type",
                          "不是 XLSX、XLS 表格，也不是 UTF-8 或 GB18030 编码的 CSV 文本")


def _csv_sheet(data: bytes) -> _Sheet:
    text = decode_text(data)
    sample = text[:64 * 1024]
    counts = {d: sample.count(d) for d in (",", "\t", ";", "|")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    rows = []
    formula_texts: dict[tuple[int, int], str] = {}   # "=…" cells: no value in the Table, kept as text
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, record in enumerate(reader, start=1):
            if number > MAX_ROWS + 1000:
                raise LedgerFileError("too_many_rows", f"文件超过 {MAX_ROWS} 行")
            cells = []
            for c, value in enumerate(record[:MAX_COLUMNS], start=1):
                if not value.strip():
                    continue
                formula = value.startswith("=") and len(value) > 1
                if formula:
                    formula_texts[(number, c)] = value
                cells.append((c, None if formula else value, formula))
            if cells:
                rows.append((number, cells))
    except csv.Error:
        raise LedgerFileError("malformed", "CSV 文件格式有误（引号不配对等），无法读取") from None
    sheet = _ListSheet("", rows, [])
    sheet.formula_texts = formula_texts
    return sheet


# ---------------------------------------------------------------------------------------------
# Header

_PAREN = re.compile(r"[(（\[【][^()（）\[\]【】]*[)）\]】]")
_STRIP = re.compile(r"[\s*＊:：#＃]")
_GROUP_SUFFIX = ("基本情况", "基本信息", "基本资料", "情况", "信息", "资料")


def _key(text: str) -> str:
    """Header text reduced for matching: full-width folded, no spaces, no (notes), no required *."""
    text = unicodedata.normalize("NFKC", str(text))
    stripped = _PAREN.sub("", text)
    if _STRIP.sub("", stripped):
        text = stripped
    return _STRIP.sub("", text).upper()


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r", "\n").replace("\xa0", " ")
    return re.sub(r"\s*\n\s*", "", text).strip(" \t\u3000")


class _Matcher:
    """Header texts -> fields of one ledger type."""

    def __init__(self, ledger_type: LedgerType):
        self.type = ledger_type
        self.exact: dict[str, tuple[str, str, int]] = {}
        self.partial: list[tuple[str, str, str]] = []
        for f in ledger_type.fields:
            for strength, text in [(3, f.name)] + [(2, s) for s in f.synonyms]:
                key = _key(text)
                if key and key not in self.exact:
                    self.exact[key] = (f.key, text, strength)
                    if len(key) >= 2:
                        self.partial.append((key, f.key, text))

    def match(self, parts: list[str]) -> tuple[str | None, str, int]:
        """(field, how, strength) for a header given as its rows' texts, top to bottom. Strength: 3 the
        standard name, 2 a synonym, 1 a synonym inside a longer name, 0 not understood."""
        keys = [k for k in (_key(p) for p in parts) if k]
        if not keys:
            return None, "无列名，忽略", 0
        lowest = keys[-1]
        candidates = []
        if len(keys) >= 2:   # the group's words: 户主基本情况 over 姓名 is 户主姓名
            group = keys[-2]
            for suffix in _GROUP_SUFFIX:
                if group.endswith(suffix) and len(group) > len(suffix):
                    group = group[: -len(suffix)]
                    break
            candidates.append(group + lowest)
        candidates.append(lowest)
        if "/" in lowest or "、" in lowest:   # one cell naming two things: "身份证号/联系电话"
            candidates.extend(s for s in re.split(r"[/、]", lowest) if s)
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


class _HeaderGrid:
    """The first rows of a sheet with merged cells resolved, where the header is looked for."""

    def __init__(self, sheet: _Sheet):
        self.sheet = sheet
        self.own: dict[tuple[int, int], Any] = {}
        self.rows: list[int] = []
        self.scores: dict[str, int] = {}
        for number, cells in sheet.iter_rows():
            values = [(c, v) for c, v, _ in cells if v is not None]
            if not values:
                continue
            self.rows.append(number)
            for c, v in values:
                self.own[(number, c)] = v
            if len(self.rows) >= HEADER_SEARCH_ROWS + 8:
                break
        self.last = self.rows[-1] if self.rows else 0
        self.ncols = max((c for _, c in self.own), default=0)
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        self.span: dict[tuple[int, int], int] = {}
        if not self.rows:
            return
        for top, left, bottom, right in sheet.merges:
            if top > self.last + 4 or left > self.ncols:
                continue
            right = min(right, self.ncols)
            self.span[(top, left)] = right - left + 1
            for r in range(top, min(bottom, self.last + 4) + 1):
                for c in range(left, right + 1):
                    if (r, c) != (top, left):
                        self.anchor[(r, c)] = (top, left)
                        self.own.pop((r, c), None)   # Excel shows only the top-left value

    def value(self, r: int, c: int) -> Any:
        """Merged header cells count in every row and column they cover."""
        if (r, c) in self.own:
            return self.own[(r, c)]
        a = self.anchor.get((r, c))
        return self.own.get(a) if a else None

    def has_row(self, r: int) -> bool:
        return r in self.rows or any((r, c) in self.anchor for c in range(1, self.ncols + 1))

    def title(self, first_header_row: int) -> str:
        return "\n".join(_clean(self.own[(r, c)]) for r in self.rows if r < first_header_row
                         for c in range(1, self.ncols + 1) if (r, c) in self.own)


def _row_fields(grid: _HeaderGrid, r: int, matcher: _Matcher) -> set[str]:
    fields = set()
    for c in range(1, grid.ncols + 1):
        value = grid.value(r, c)
        if isinstance(value, str):
            fld, _, strength = matcher.match([value])
            # A title such as "XX县2024年脱贫户信息台账" merely contains a field's words.
            if fld and (strength >= 2 or len(_key(value)) <= 12):
                fields.add(fld)
    return fields


def _find_header(grid: _HeaderGrid, matcher: _Matcher) -> tuple[list[int], list[Column]] | None:
    best, best_score = None, 0
    for r in grid.rows[:HEADER_SEARCH_ROWS]:
        score = len(_row_fields(grid, r, matcher))
        if score > best_score:
            best, best_score = r, score
    if best is None or best_score < 2:
        return None
    block = [best]
    while len(block) < 4:   # rows tied to the header by merged cells belong to it
        top, bottom = block[0], block[-1]
        if top - 1 >= 1 and _joined(grid, top - 1, top, matcher):
            block.insert(0, top - 1)
        elif _joined(grid, bottom, bottom + 1, matcher) or _subheader(grid, bottom + 1, matcher):
            block.append(bottom + 1)
        else:
            break
    return block, _map_columns(grid, block, matcher)


def _joined(grid: _HeaderGrid, upper: int, lower: int, matcher: _Matcher) -> bool:
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
            if any(isinstance(grid.own[(lower, k)], str) and matcher.match([grid.own[(lower, k)]])[0]
                   for k in range(c, c + width)):
                return True
    return False


def _group_like(grid: _HeaderGrid, r: int, c: int) -> bool:
    """A merged cell that reads as a group header (户主基本情况), not as a title over part of the
    table: its row has other header cells, or its text is short or ends like a group's."""
    if sum(1 for k in range(1, grid.ncols + 1) if (r, k) in grid.own) >= 2:
        return True
    text = _key(grid.own[(r, c)])
    return len(text) <= 6 or text.endswith(_GROUP_SUFFIX)


def _is_title(grid: _HeaderGrid, anchor: tuple[int, int]) -> bool:
    """A title merged across the whole table is not part of the header."""
    return grid.span.get(anchor, 1) >= max(grid.ncols - 1, 2)


def _subheader(grid: _HeaderGrid, r: int, matcher: _Matcher) -> bool:
    """A row right under the header whose cells are all column names (a header row not merged)."""
    cells = [grid.own[(r, c)] for c in range(1, grid.ncols + 1) if (r, c) in grid.own]
    return bool(cells) and all(isinstance(v, str) and _key(v) in matcher.exact for v in cells)


def _letter(c: int) -> str:
    letters = ""
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _map_columns(grid: _HeaderGrid, block: list[int], matcher: _Matcher) -> list[Column]:
    found = []
    for c in range(1, grid.ncols + 1):
        parts: list[str] = []
        for r in block:
            text = _clean(grid.value(r, c))
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        fld, how, strength = matcher.match(parts)
        found.append((c, "/".join(parts), fld, how, strength))
    chosen: dict[str, tuple] = {}
    for entry in found:
        c, _, fld, _, strength = entry
        if fld and (fld not in chosen or strength > chosen[fld][4]):
            chosen[fld] = entry
    columns = []
    names = {f.key: f.name for f in matcher.type.fields}
    for c, header, fld, how, _ in found:
        if fld and chosen[fld][0] != c:
            other = chosen[fld]
            how = f"{how}，但已取{_letter(other[0])}列“{other[1]}”作为{names[fld]}，本列忽略"
            fld = None
        columns.append(Column(index=c, letter=_letter(c), header=header, field=fld, how=how))
    return columns


# ---------------------------------------------------------------------------------------------
# Rows

_SUBTOTAL = re.compile(r"^(小计|合计|总计|共计|累计)")
_FOOTNOTE = re.compile(r"^(注|说明|备注|填表说明|填表人|制表人|审核人|填报人|填报单位|填报日期|制表日期|制表单位|"
                       r"填表日期|审核|单位负责人|负责人|统计人|经办人|村支书|村主任|联系电话)[:：]")


def _data_rows(sheet: _Sheet, grid: _HeaderGrid, block: list[int], columns: list[Column]) -> list[Row]:
    header_end = block[-1]
    field_of = {c.index: c.field for c in columns if c.field}
    header_texts = {c.index: c.header.split("/")[-1] for c in columns if c.header}
    ncols = max(grid.ncols, max(field_of, default=0))
    # Merged ranges that start below the header: their top-left value covers the range's first column.
    # They are taken in order of their top row and dropped once passed (never expanded per cell).
    pending = sorted(m for m in sheet.merges if m[0] > header_end)
    spans = {(top, left): right - left + 1 for top, left, bottom, right in pending}
    next_merge = 0
    covering: list[tuple[int, int, int, int]] = []
    anchors: dict[tuple[int, int], tuple[Any, bool]] = {}
    rows: list[Row] = []
    seen_data = False
    for number, cells in sheet.iter_rows():
        if number <= header_end:
            continue
        merged: set[str] = set()
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
                if left in field_of:
                    value = anchors.get((top, left), (None, False))
                    if value[0] is not None or value[1]:
                        own[left] = value
                        merged.add(field_of[left])
            cells = sorted((c, v, f) for c, (v, f) in own.items())
            if not cells:
                continue
        values: dict[str, Any] = {}
        formulas: set[str] = set()
        count = repeats = 0
        for c, v, f in cells:
            fld = field_of.get(c)
            if fld is not None:
                count += 1
                if v is not None:
                    values[fld] = v
                if f:
                    formulas.add(fld)
            if v.__class__ is str and header_texts.get(c) == v:
                repeats += 1
        if count == len(merged):
            continue   # blank, or only values merged down from above, or only unnamed columns
        if any(v.__class__ is str and "计" in v and len(v) <= 16 and _SUBTOTAL.match(re.sub(r"\s", "", v))
               for _, v, _ in cells[:4]):
            continue   # 小计/合计 rows
        first = cells[0][1]
        if len(cells) <= 2 and isinstance(first, str) and _FOOTNOTE.match(unicodedata.normalize("NFKC", first.strip())):
            continue   # notes under the table: 注：…, 填表人：…
        if not seen_data and _column_numbers(cells):
            continue   # 栏次: 1 2 3 … under the header
        if repeats >= 2:
            continue   # the header repeated (pasted tables, print titles)
        if len(cells) == 1 and not merged and isinstance(first, str) and \
                spans.get((number, cells[0][0]), 1) >= min(3, max(ncols, 1)):
            continue   # a section row: "一、东村" merged across the table
        seen_data = True
        rows.append(Row(number, values, formulas, frozenset(merged) if merged else frozenset()))
        if len(rows) > MAX_ROWS:
            raise LedgerFileError("too_many_rows", f"工作表“{sheet.name}”超过 {MAX_ROWS} 行数据")
    return rows


def _column_numbers(cells: list[tuple[int, Any, bool]]) -> bool:
    """A row of column numbers under the header (栏次: 1 2 3 …)."""
    values = [v for _, v, _ in cells]
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


def sheet_cells(data: bytes, sheet_name: str) -> tuple[dict[tuple[int, int], Any], list[tuple[int, int, int, int]]]:
    """Every cell of one sheet (as read for a Table), and its merged ranges: to rebuild an XLS or CSV
    ledger as XLSX. A CSV cell starting with "=" is given as its text."""
    _, sheets = open_sheets(data)
    sheet = next((s for s in sheets if s.name == sheet_name), sheets[0])
    cells = {(r, c): v for r, row in sheet.iter_rows() for c, v, _ in row if v is not None}
    cells.update(getattr(sheet, "formula_texts", {}))
    return cells, list(sheet.merges)
