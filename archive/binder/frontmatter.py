"""Front matter of a bound volume (案卷, GB/T 9705-2008): 封面, 卷内文件目录, 卷内备考表 and an optional
卷脊 label sheet, drawn by WeasyPrint from templates/print/volume.html (+ volume.css) in ONE pass.

One pass because every WeasyPrint render embeds its own font subset (110-150 KB a face, FINDINGS.md).
The parts are separated afterwards by the page anchors of the elements with ids "cover", "toc",
"record" and "spine", never by counting pages: a long title or a long table may take more pages.

Rules kept here (STANDARDS.md §2): A4 portrait, binding margin on the left, no page number on any
front-matter page (numbers go on the documents only), the table of contents' header repeated on every
page and its rows never split. No date or time of rendering appears in the pages: the same sheet gives
the same layout; the caller sets the PDF metadata of the finished volume.

WeasyPrint does not implement `writing-mode` (up to v70 at least), so the spine's vertical title is
drawn as columns of upright characters laid out here (`_spine_layout`), right to left like vertical-rl.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "print/volume.html"
PARTS = ("cover", "toc", "record", "spine")
SPINE_WIDTHS = (20, 30, 40, 50)  # mm, the widths of 档案盒 spines (DA/T 22-2015)
SPINE_HEIGHT_MM = 280


@dataclass(frozen=True)
class TocRow:
    seq: int | str    # 顺序号 ("" for a row that binds nothing: a reference)
    doc_number: str   # 文号
    author: str       # 责任者
    title: str        # 题名
    date: str         # 日期 YYYYMMDD or ""
    pages: str        # 页号 as printed: "5", the last row "12-15" (caller computes); "" binds nothing
    remarks: str = ""  # 备注
    # A heading printed as its own row (bold, shaded, across the table) before this row whenever it
    # differs from the previous row's: an evidence binder's "3. 问题描述（整改中）". Its 页号 cell
    # stays empty, so the volume check reads the column as before.
    group: str = ""
    heading_only: bool = False  # print the group heading alone (an item without evidence), no row


@dataclass(frozen=True)
class VolumeSheet:
    fonds: str              # 全宗号
    fonds_name: str         # 全宗名称
    class_name: str         # 类目名称, e.g. "0201 贫困户识别"
    title: str              # 案卷题名
    start_date: str         # 起止时间: YYYYMMDD or ""
    end_date: str
    retention_name: str     # 保管期限: 永久 / 定期30年 / 定期10年
    item_count: int         # 件数
    page_count: int         # 页数 (pages of the documents)
    filing_no: str          # 归档号
    archive_code: str       # 档号
    rows: tuple[TocRow, ...]
    notes: str              # 本卷情况说明 (the caller writes it: counts, anything missing)
    made_by: str            # 立卷人
    checked_by: str         # 检查人 ("" → a blank line to sign)
    made_on: str            # 立卷时间, e.g. "2026年11月22日"
    spine: bool = False     # add a 卷脊 label sheet
    spine_width_mm: int = 30  # 20 / 30 / 40 / 50
    subtitle: str = ""      # printed on the cover above 案卷题名, e.g. "整改佐证材料汇编"; "" for none


@dataclass(frozen=True)
class FrontMatter:
    pdf: bytes
    cover: range   # 0-based page indexes inside pdf
    toc: range
    record: range
    spine: range   # empty when not asked


def cn_date(value: str) -> str:
    """"20200305" → "2020年3月5日" as printed on the cover; anything else is printed as given."""
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value or "")
    if not m:
        return value or ""
    return f"{int(m[1])}年{int(m[2])}月{int(m[3])}日"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Standalone, like archive/catalogue/pdf.py: the same PDF from the command line, a job or the web.
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def render_html(sheet: VolumeSheet) -> str:
    """The HTML of all the front matter of one volume (WeasyPrint input; no scripts, nothing fetched)."""
    if sheet.spine and sheet.spine_width_mm not in SPINE_WIDTHS:
        raise ValueError(f"卷脊宽度只能是 {'/'.join(map(str, SPINE_WIDTHS))} mm: {sheet.spine_width_mm}")
    return _environment().get_template(TEMPLATE).render(
        s=sheet, start=cn_date(sheet.start_date), end=cn_date(sheet.end_date),
        title_size=_cover_title_size(sheet.title), spine=_spine_layout(sheet) if sheet.spine else None)


def render(sheet: VolumeSheet) -> FrontMatter:
    """Render the front matter in one WeasyPrint pass; the parts' pages are found from their anchors."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    base = TEMPLATES.as_uri() + "/print/"
    document = HTML(string=render_html(sheet), base_url=base, url_fetcher=_no_fetch).render(
        font_config=FontConfiguration())
    parts = PARTS if sheet.spine else PARTS[:3]
    starts = [next((i for i, page in enumerate(document.pages) if part in page.anchors), None) for part in parts]
    if starts[0] != 0 or None in starts or any(a >= b for a, b in zip(starts, starts[1:])):
        raise RuntimeError(f"front matter anchors not found in order: {dict(zip(parts, starts))}")
    total = len(document.pages)
    bounds = starts + [total]
    ranges = {part: range(bounds[i], bounds[i + 1]) for i, part in enumerate(parts)}
    return FrontMatter(pdf=document.write_pdf(), cover=ranges["cover"], toc=ranges["toc"],
                       record=ranges["record"], spine=ranges.get("spine", range(total, total)))


def _cover_title_size(title: str) -> str:
    """"l", "m" or "s": the cover has room for ~80 mm of title, so 21 pt up to 4 lines of ~21 characters,
    17 pt up to 6 lines of ~27, 13 pt up to 8 lines of ~35: one page up to ~270 characters."""
    width = _em(title)
    return "l" if width <= 60 else "m" if width <= 125 else "s"


# ---------------------------------------------------------------- spine

def _em(text: str) -> float:
    """Rough advance width of a horizontal run in em: CJK and full-width 1, the rest ~0.6."""
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.6 for ch in text)


# Punctuation that may not begin a column: it hangs at the end of the previous one (禁则).
_NO_COLUMN_START = set("、，。．：；！？）》」』〕】”’…")


def _spine_layout(sheet: VolumeSheet) -> dict:
    """Sizes for a spine_width_mm × 280 mm strip: the title in columns of upright characters (the CSS
    puts the first column on the right, as vertical-rl), the 档号 in lines split after each "-"."""
    inner = sheet.spine_width_mm - 4.0            # mm inside the strip's padding
    title_height = 166.0                         # mm kept for the title (volume.css .spine-title: 170 mm)
    pt = 25.4 / 72                               # mm per point
    chars = [ch for ch in sheet.title if not ch.isspace()] or [" "]

    def capacity(size: float) -> tuple[int, int]:
        """(characters per column, columns) at this size; one place per column kept for hanging punctuation."""
        return int(title_height // (size * 1.12 * pt)) - 1, max(1, int(inner // (size * 1.3 * pt)))

    for size in (20, 18, 16, 15, 14, 13, 12, 11, 10.5, 10, 9, 8):
        per_column, most = capacity(size)
        if math.ceil(len(chars) / per_column) <= most:
            break
    else:  # even at 8 pt it does not fit: keep what fits and mark the cut
        chars = chars[:per_column * most - 1] + ["…"]
    columns = math.ceil(len(chars) / per_column)
    per_column = math.ceil(len(chars) / columns)   # balance the columns
    title_columns = [chars[i:i + per_column] for i in range(0, len(chars), per_column)]
    for before, column in zip(title_columns, title_columns[1:]):
        while len(column) > 1 and column[0] in _NO_COLUMN_START:
            before.append(column.pop(0))
    code_lines = re.findall(r"[^-]+-?|-", sheet.archive_code) or [""]
    code_size = min(12.0, max(6.0, inner / (max(_em(line) for line in code_lines) * pt)))
    fonds_size = min(16.0, max(7.0, inner / (max(_em(sheet.fonds), 1.0) * pt)))
    return {"width": sheet.spine_width_mm, "height": SPINE_HEIGHT_MM, "left": (210 - sheet.spine_width_mm) / 2,
            "title_size": size, "title_columns": title_columns,
            "code_lines": code_lines, "code_size": round(code_size, 1), "fonds_size": round(fonds_size, 1)}


def _no_fetch(url: str, *args, **kwargs):
    # The template loads nothing; sheet text is escaped, but never let it reach the network or disk.
    raise ValueError(f"外部资源不允许 / external resources are not loaded: {url[:100]}")
