"""An XLSX workbook: its sheets (name, visible, active), shared strings, which styles are dates
(including the zh-CN built-in number formats 27–31, 36, 50–54, 57, 58) and the 1900/1904 date system.
The rows themselves are read by xlsx_rows.XlsxSheet.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.etree import ElementTree

from archive.tables.errors import TableFileError
from archive.tables.guards import check_zip
from archive.tables.read import EPOCH_1900, EPOCH_1904, Sheet, TableLimits
from archive.tables.xlsx_rows import NS_ANY, XlsxSheet, attribute, rich_text, tag_name, unescape

_SI_RE = re.compile(rb"<" + NS_ANY + rb"si\b[^>]*?(?:/>|>(.*?)</" + NS_ANY + rb"si>)", re.S)
# Built-in number formats that are dates: the international ones and the zh-CN ones (ECMA-376 §18.8.30).
_BUILTIN_DATES = frozenset({14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58})
_BUILTIN_TIMES = frozenset({18, 19, 20, 21, 32, 33, 34, 35, 45, 46, 47, 55, 56})


class XlsxBook:
    def __init__(self, data: bytes, max_columns: int):
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        self.max_columns = max_columns
        names = set(self.zf.namelist())
        workbook = "xl/workbook.xml"
        root_rels = self._rels("_rels/.rels", "")
        for target, kind in root_rels.values():
            if kind.endswith("/officeDocument"):
                workbook = target
        if workbook not in names:
            raise TableFileError("unsupported_type", "不是 XLSX 电子表格")
        base = posixpath.dirname(workbook)
        rels = self._rels(posixpath.join(base, "_rels", posixpath.basename(workbook) + ".rels"), base)
        tree = ElementTree.fromstring(self.zf.read(workbook))
        self.epoch = EPOCH_1900
        active_tab = 0
        for element in tree.iter():
            local = tag_name(element.tag)
            if local == "workbookPr" and (element.get("date1904") or "").lower() in ("1", "true"):
                self.epoch = EPOCH_1904
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
        self.sheets: list[XlsxSheet] = []
        position = 0
        for element in tree.iter():
            if tag_name(element.tag) != "sheet":
                continue
            rel = attribute(element, "id")
            target = rels.get(rel, ("", ""))
            if not target[1].endswith("/worksheet") or target[0] not in names:
                position += 1
                continue   # a chart sheet, a dialog sheet, a dangling reference
            state = (element.get("state") or "visible").lower()
            self.sheets.append(XlsxSheet(self, element.get("name") or f"Sheet{position + 1}", target[0],
                                          state == "visible", position == active_tab))
            position += 1

    def _rels(self, path: str, base: str) -> dict[str, tuple[str, str]]:
        try:
            tree = ElementTree.fromstring(self.zf.read(path))
        except KeyError:
            return {}
        out = {}
        for element in tree.iter():
            if tag_name(element.tag) == "Relationship" and element.get("TargetMode") != "External":
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
                text = unescape(inner[3:-4])
            else:
                text = rich_text(inner)
            out.append(text if text.strip() else None)
        return out

    def _styles(self, path: str) -> tuple[frozenset[int], frozenset[int]]:
        from openpyxl.styles.numbers import is_date_format, is_timedelta_format

        tree = ElementTree.fromstring(self.zf.read(path))
        formats: dict[int, str] = {}
        cell_xfs = None
        for element in tree.iter():
            local = tag_name(element.tag)
            if local == "numFmt":
                try:
                    formats[int(element.get("numFmtId"))] = element.get("formatCode") or ""
                except (TypeError, ValueError):
                    pass
            elif local == "cellXfs" and cell_xfs is None:
                cell_xfs = element
        dates, times = set(), set()
        for index, xf in enumerate(x for x in (cell_xfs if cell_xfs is not None else ()) if tag_name(x.tag) == "xf"):
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


def xlsx_sheets(data: bytes, limits: TableLimits) -> list[Sheet]:
    """The worksheets of an XLSX (chart and dialog sheets left out), after the zip guards; refuses
    merged ranges covering more than limits.max_merged_cells cells in one sheet."""
    check_zip(io.BytesIO(data), limits.zip)   # zipfile takes a file object as well as a path
    book = XlsxBook(data, limits.max_columns)
    for sheet in book.sheets:
        covered = sum((b - t + 1) * (r - l + 1) for t, l, b, r in sheet.merges)
        if covered > limits.max_merged_cells:
            raise TableFileError("too_complex", "表格中的合并单元格范围过大，请取消整行整列的合并后再导入")
    return book.sheets
