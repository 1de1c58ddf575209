"""A CSV/TSV file as one sheet: the encoding (UTF-8 with or without BOM, UTF-16 with BOM, else
GB18030, which covers GBK and GB2312) and the delimiter (, tab ; |) told from the content.

A cell starting with "=" is a formula without a value: its text is kept in `formula_texts` (to
rebuild the file as XLSX), never evaluated."""
from __future__ import annotations

import codecs
import csv
import io

from archive.tables.errors import TableFileError
from archive.tables.read import ListSheet, Sheet, TableLimits


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
    raise TableFileError("bad_encoding" if b"\x00" not in data else "unsupported_type",
                         "不是 XLSX、XLS 表格，也不是 UTF-8 或 GB18030 编码的 CSV 文本")


def csv_sheet(data: bytes, limits: TableLimits) -> Sheet:
    text = decode_text(data)
    sample = text[:64 * 1024]
    counts = {d: sample.count(d) for d in (",", "\t", ";", "|")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    rows = []
    formula_texts: dict[tuple[int, int], str] = {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, record in enumerate(reader, start=1):
            if number > limits.max_rows + 1000:
                raise TableFileError("too_many_rows", f"文件超过 {limits.max_rows} 行")
            cells = []
            for c, value in enumerate(record[:limits.max_columns], start=1):
                if not value.strip():
                    continue
                formula = value.startswith("=") and len(value) > 1
                if formula:
                    formula_texts[(number, c)] = value
                cells.append((c, None if formula else value, formula))
            if cells:
                rows.append((number, cells))
    except csv.Error:
        raise TableFileError("malformed", "CSV 文件格式有误（引号不配对等），无法读取") from None
    sheet = ListSheet("", rows, [], format="csv")
    sheet.formula_texts = formula_texts
    return sheet
