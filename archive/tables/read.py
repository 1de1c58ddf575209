"""What a table file is and how its sheets are read: the common shape of every format.

A file is told by content, never by name (`sniff`): an XLSX or a DOCX (a zip holding
xl/workbook.xml or word/document.xml), an OLE file (XLS; one holding "EncryptedPackage" is a
password-protected XLSX/DOCX and refused), else text (CSV/TSV). Each format module gives a list of
`Sheet`s: rows of (column, value, has formula) cells in row order, the merged ranges, and for a
DOCX table the paragraphs above it. Which formats an importer accepts, and its words for the ones it
refuses, are the importer's.

`TableLimits` bounds what one file may hold; the importers pass their own.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from archive.config import Limits
from archive.tables.errors import TableFileError, malformed, too_complex

log = logging.getLogger(__name__)

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
EPOCH_1900 = dt.datetime(1899, 12, 30)
EPOCH_1904 = dt.datetime(1904, 1, 1)

Cell = tuple[int, Any, bool]   # (1-based column, value or None, the cell holds a formula)
Merge = tuple[int, int, int, int]   # (top row, left column, bottom row, right column), 1-based, inclusive


@dataclass(frozen=True)
class TableLimits:
    """What one file may hold. `max_rows`: rows a reader keeps (the importers count their own);
    `max_merged_cells`: cells covered by the merged ranges of one sheet; `zip`: the zip guards."""

    max_bytes: int
    max_rows: int
    max_columns: int
    max_merged_cells: int
    zip: Limits = field(default_factory=Limits)

    def replace(self, **changes) -> TableLimits:
        return dataclasses.replace(self, **changes)


class Sheet:
    """One sheet of a workbook, or one table of a DOCX. `format`: "xlsx", "xls", "csv" or "docx"."""

    name: str = ""
    format: str = ""
    visible: bool = True
    active: bool = False
    epoch: dt.datetime = EPOCH_1900        # the workbook's date system (serial numbers)
    before: list[str] = []                 # DOCX: the paragraphs above the table (at most three)
    formula_texts: dict[tuple[int, int], str] = {}   # CSV: "=…" cells, which have no value

    def iter_rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """(row number, cells with content in column order) for each row with content, in order."""
        raise NotImplementedError

    @property
    def merges(self) -> list[Merge]:
        raise NotImplementedError


class ListSheet(Sheet):
    """A sheet read whole into memory (XLS, CSV, a DOCX table)."""

    def __init__(self, name: str, rows: list[tuple[int, list[Cell]]], merges: list[Merge], *,
                 format: str, visible: bool = True, active: bool = False):
        self.name, self._rows, self._merges, self.format = name, rows, merges, format
        self.visible, self.active = visible, active

    def iter_rows(self):
        return iter(self._rows)

    @property
    def merges(self):
        return self._merges


def sniff(data: bytes, limits: TableLimits) -> str:
    """"xlsx", "docx", "zip" (another zip), "ole" (XLS, DOC, ET, WPS) or "text". Refuses an empty,
    too large or encrypted file, and a zip that cannot be opened."""
    if not data:
        raise TableFileError("empty_file", "文件为空")
    if len(data) > limits.max_bytes:
        raise TableFileError("too_large", f"文件过大（超过 {limits.max_bytes // 1024 // 1024} MB）")
    if data.startswith(OLE):
        # A password-protected XLSX/DOCX is an OLE container holding an "EncryptedPackage" stream.
        if _ENCRYPTED_STREAM in data:
            raise TableFileError("encrypted", "文件已加密，请去除密码后再导入")
        return "ole"
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "text"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TableFileError("malformed", "文件已损坏，无法打开") from None
    if "xl/workbook.xml" in names or any(n.endswith("workbook.xml") for n in names):
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return "zip"


def guarded(read: Callable, *args, what: str = "table"):
    """`read(*args)` with whatever a hostile or broken file raises turned into a TableFileError
    (malformed; too_complex when memory runs out)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # openpyxl, python-docx: "… extension is not supported"
            return read(*args)
    except TableFileError:
        raise
    except MemoryError:
        raise too_complex() from None
    except Exception as error:   # hostile or broken files fail in endless ways
        log.warning("%s refused: %r", what, error)
        raise malformed() from None


def visible_first(sheets: list[Sheet]) -> list[Sheet]:
    """The sheets worth reading: the visible ones (all when none is), the active one first."""
    visible = [s for s in sheets if s.visible] or list(sheets)
    if not visible:
        raise TableFileError("empty", "文件中没有工作表")
    visible.sort(key=lambda s: not s.active)   # stable: the active sheet first
    return visible


def column_letter(c: int) -> str:
    """3 -> "C", 28 -> "AB"."""
    letters = ""
    while c:
        c, rest = divmod(c - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
