"""归档章 (filing stamp, DA/T 22-2015 附录 A): 45 × 16 mm, two rows of three 15 × 8 mm cells, top-centre
of a filed document's first page, drawn on its PDF rendition (or on its first page inside a bound
volume) — the original file is never touched.

    全宗号     | 年度     | 件号
    机构(问题) | 保管期限 | 页数

The values go in the cells, in red like an inked rubber stamp. The stamp is drawn as vector lines and
text in hand-written content streams, one overlay page per stamp, placed with pdfops.place like the page
numbers. The text is set in Noto Sans CJK SC Bold, embedded as a Type 3 font made from that face's glyph
outlines (only the characters the stamps use, with a /ToUnicode map so the values can be read back).

Why not WeasyPrint: one render of a 642-stamp volume took 12 s of CPU (≈19 ms per stamp, the table and
text layout, not the pages), against a 15 s budget for a whole 2,000-page build; this takes milliseconds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from archive.binder import pdfops
from archive.binder.pdfbox import dec, fmt, visible_size
from archive.binder.pdfops import MM

STAMP_FONT_FILE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")  # Debian fonts-noto-cjk
STAMP_FONT_FAMILY = "Noto Sans CJK SC"

WIDTH, HEIGHT = 45 * MM, 16 * MM   # the stamp, outer edge to outer edge
TOP = 5 * MM                       # from the page's top edge to the stamp's
OUTER_LINE, INNER_LINE = 0.9, 0.6  # pt: the rubber's rim is a little heavier than the grid
INK = (0.75, 0.0, 0.0)             # #c00000
PADDING = 0.8 * MM                 # inside a cell, left and right
MAX_PT, MIN_PT = 10.5, 5.0
LINE_GAP = 1.1                     # line height of a two-line cell, in font sizes


@dataclass(frozen=True)
class FilingStamp:
    fonds: str          # 全宗号
    year: int           # 年度
    item_no: int        # 件号 (printed with four digits, as in the 档号)
    class_code: str     # 机构(问题) code, e.g. "0201" ("" when the scheme has no class level)
    retention: str      # 保管期限 as printed: 永久 / 定期30年 / 定期10年
    pages: int          # 页数 of the document

    def rows(self) -> list[list[str]]:
        return [[self.fonds, str(self.year), f"{self.item_no:04d}"],
                [self.class_code, self.retention, str(self.pages)]]


# ------------------------------------------------------------------------------------------ font

@dataclass(frozen=True)
class _Glyph:
    width: int                      # advance, 1/1000 em
    bbox: tuple[int, int, int, int]
    path: bytes                     # PDF path operators in glyph space, filled by the caller


@lru_cache(maxsize=1)
def _face():
    from fontTools.ttLib import TTFont

    if not STAMP_FONT_FILE.exists():
        raise RuntimeError(f"归档章字体缺失：{STAMP_FONT_FILE}（Debian 软件包 fonts-noto-cjk）")
    for number in range(32):
        try:
            font = TTFont(str(STAMP_FONT_FILE), fontNumber=number, lazy=True)
        except Exception:  # noqa: BLE001 - past the last face of the collection
            break
        if font["name"].getDebugName(1) == STAMP_FONT_FAMILY:
            return font, font.getBestCmap(), font.getGlyphSet(), 1000 / font["head"].unitsPerEm
    raise RuntimeError(f"{STAMP_FONT_FILE} 中没有 {STAMP_FONT_FAMILY}")


@lru_cache(maxsize=4096)
def _glyph(ch: str) -> _Glyph:
    from fontTools.pens.basePen import BasePen

    font, cmap, glyphs, scale = _face()
    name = cmap.get(ord(ch))
    if name is None:
        name = cmap.get(ord("□"), ".notdef")

    class PdfPen(BasePen):
        def __init__(self):
            super().__init__(glyphs)
            self.ops: list[str] = []
            self.points: list[tuple[float, float]] = []

        def _p(self, *pts):
            self.points.extend(pts)
            return " ".join(f"{fmt(x * scale)} {fmt(y * scale)}" for x, y in pts)

        def _moveTo(self, pt):
            self.ops.append(f"{self._p(pt)} m")

        def _lineTo(self, pt):
            self.ops.append(f"{self._p(pt)} l")

        def _curveToOne(self, p1, p2, p3):
            self.ops.append(f"{self._p(p1, p2, p3)} c")

        def _closePath(self):
            self.ops.append("h")

    pen = PdfPen()
    glyphs[name].draw(pen)
    xs = [x * scale for x, _ in pen.points] or [0]
    ys = [y * scale for _, y in pen.points] or [0]
    bbox = (math.floor(min(xs)), math.floor(min(ys)), math.ceil(max(xs)), math.ceil(max(ys)))
    return _Glyph(width=round(glyphs[name].width * scale), bbox=bbox, path="\n".join(pen.ops).encode("ascii"))


def _type3_font(pdf: pikepdf.Pdf, chars: list[str]) -> tuple[pikepdf.Object, dict[str, int]]:
    """A Type 3 font holding `chars` (at most 255), and each character's one-byte code."""
    if len(chars) > 255:
        raise ValueError(f"归档章用字过多（{len(chars)} 个）")
    codes = {ch: i + 1 for i, ch in enumerate(chars)}
    procs = Dictionary()
    names = []
    widths = []
    boxes = []
    for ch in chars:
        g = _glyph(ch)
        name = f"g{codes[ch]}"
        names.append(Name("/" + name))
        widths.append(g.width)
        boxes.append(g.bbox)
        head = f"{g.width} 0 {g.bbox[0]} {g.bbox[1]} {g.bbox[2]} {g.bbox[3]} d1\n".encode("ascii")
        procs[Name("/" + name)] = pdf.make_stream(head + g.path + b"\nf\n")
    bbox = [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)] \
        if boxes else [0, 0, 0, 0]
    font = Dictionary(
        Type=Name.Font, Subtype=Name.Type3, Name=Name.ArchStampFont,
        FontBBox=Array(bbox), FontMatrix=Array([0.001, 0, 0, 0.001, 0, 0]),
        CharProcs=procs, Encoding=Dictionary(Type=Name.Encoding, Differences=Array([1, *names])),
        FirstChar=1, LastChar=max(len(chars), 1), Widths=Array(widths or [0]), Resources=Dictionary(),
        ToUnicode=pdf.make_stream(_to_unicode(codes)))
    return pdf.make_indirect(font), codes


def _to_unicode(codes: dict[str, int]) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<00> <FF>", "endcodespacerange"]
    items = sorted(codes.items(), key=lambda kv: kv[1])
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(f"<{code:02X}> <{ch.encode('utf-16-be').hex().upper()}>" for ch, code in chunk)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMapResource defineresource pop", "end", "end"]
    return ("\n".join(lines) + "\n").encode("ascii")


# ---------------------------------------------------------------------------------------- layout

def _text_width(text: str) -> float:
    """Advance of `text` at 1 pt."""
    return sum(_glyph(ch).width for ch in text) / 1000


def _fit(text: str, cell_w: float, cell_h: float) -> tuple[list[str], float]:
    """The lines of a cell and their size: one line as large as fits (up to MAX_PT), or — for a long
    value that would fall under 6.5 pt — two lines split in the middle."""
    inner = cell_w - 2 * PADDING
    width = _text_width(text)
    if not width:
        return [], MAX_PT
    size = min(MAX_PT, inner / width, cell_h * 0.62)
    if size >= 6.5 or len(text) < 2:
        return [text], max(MIN_PT, size)
    half = math.ceil(len(text) / 2)
    lines = [text[:half], text[half:]]
    size = min(MAX_PT, inner / max(_text_width(t) for t in lines), (cell_h - 2) / (2 * LINE_GAP))
    return lines, max(MIN_PT, size)


def _stamp_content(stamp: FilingStamp, size: tuple[float, float], codes: dict[str, int]) -> bytes:
    w, h = size
    x0 = (w - WIDTH) / 2
    y1 = h - TOP
    y0 = y1 - HEIGHT
    cw, ch = WIDTH / 3, HEIGHT / 2
    r, g, b = (fmt(v) for v in INK)
    out = [f"q {r} {g} {b} RG {r} {g} {b} rg 0 J 0 j",
           f"{fmt(OUTER_LINE)} w {fmt(x0 + OUTER_LINE / 2)} {fmt(y0 + OUTER_LINE / 2)} "
           f"{fmt(WIDTH - OUTER_LINE)} {fmt(HEIGHT - OUTER_LINE)} re S",
           f"{fmt(INNER_LINE)} w"]
    for k in (1, 2):
        x = x0 + k * cw
        out.append(f"{fmt(x)} {fmt(y0)} m {fmt(x)} {fmt(y1)} l S")
    out.append(f"{fmt(x0)} {fmt(y0 + ch)} m {fmt(x0 + WIDTH)} {fmt(y0 + ch)} l S")
    out.append("BT")
    for row, values in enumerate(stamp.rows()):
        cy = y1 - ch * (row + 0.5)
        for col, value in enumerate(values):
            lines, pt = _fit(value, cw, ch)
            cx = x0 + cw * (col + 0.5)
            for i, line in enumerate(lines):
                # centre the em box (ascent 0.88, descent 0.12 in Noto CJK) on the cell's middle
                baseline = cy - 0.38 * pt + (len(lines) - 1 - 2 * i) * LINE_GAP * pt / 2
                x = cx - _text_width(line) * pt / 2
                text = "".join(f"{codes[c]:02X}" for c in line)
                out.append(f"/S {fmt(pt)} Tf 1 0 0 1 {fmt(x)} {fmt(baseline)} Tm <{text}> Tj")
    out.append("ET Q")
    return ("\n".join(out) + "\n").encode("ascii")


# ------------------------------------------------------------------------------------------- API

def stamp_overlays(stamps: list[FilingStamp], sizes: list[tuple[float, float]]) -> pikepdf.Pdf:
    """One PDF, page i sized sizes[i] (displayed size of the page it goes on) carrying stamps[i]
    top-centre, its top edge 5 mm below the page's top edge."""
    if len(stamps) != len(sizes):
        raise ValueError("stamps and sizes differ in length")
    out = pikepdf.Pdf.new()
    chars = sorted({c for s in stamps for row in s.rows() for value in row for c in value})
    font, codes = _type3_font(out, chars)
    resources = out.make_indirect(Dictionary(Font=Dictionary(S=font)))
    for stamp, (w, h) in zip(stamps, sizes):
        page = Dictionary(Type=Name.Page, MediaBox=Array([0, 0, dec(w), dec(h)]),
                          Resources=resources, Contents=out.make_stream(_stamp_content(stamp, (w, h), codes)))
        out.pages.append(pikepdf.Page(page))
    return out


def stamp_first_pages(pdf: pikepdf.Pdf, first_pages: list[int], stamps: list[FilingStamp]) -> None:
    """Draw stamps[k] on page first_pages[k] (0-based indexes into pdf.pages)."""
    if len(first_pages) != len(stamps):
        raise ValueError("first_pages and stamps differ in length")
    pages = [pdf.pages[i] for i in first_pages]
    overlays = stamp_overlays(stamps, [visible_size(p) for p in pages])
    for page, overlay in zip(pages, overlays.pages):
        pdfops.place(pdf, page, overlay, name=pdfops.STAMP_NAME)


def stamped_copy(rendition: Path, stamp: FilingStamp, out: Path) -> None:
    """Write a copy of `rendition` with the stamp on its first page to `out` (atomically). The input
    file is only read."""
    rendition, out = Path(rendition), Path(out)
    if out.exists() and out.resolve() == rendition.resolve():
        raise ValueError("stamped_copy would overwrite its input")
    with pikepdf.open(rendition) as pdf:
        if not len(pdf.pages):
            raise ValueError(f"{rendition.name}: 没有页面")
        stamp_first_pages(pdf, [0], [stamp])
        pdfops.save(pdf, out)
