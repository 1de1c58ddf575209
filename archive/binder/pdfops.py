"""Overlays, stamped page numbers, merge, bookmarks, metadata and saving for bound volumes (page
geometry: pdfbox.py).

Everything drawn on a document's pages (page numbers, the 归档章) is made as a page of its own in a
separate generated PDF whose size is the page's *displayed* size, then drawn over the page as a Form
XObject with a matrix that undoes the page's /Rotate and CropBox origin (`place`). The document's own
content is wrapped in q … Q first, so whatever graphics state it leaves behind cannot move or recolour
what we draw; its bytes are left as they are (never coalesced or re-encoded), which keeps `place` cheap
and lets `verify` find a rendition's first page inside the volume.

Stamped page numbers (GB/T 9705-2008: recto top-right, verso top-left) are hand-written content streams
in an embedded subset of DejaVu Sans (a simple TrueType font, WinAnsi codes, so the digits are the bytes
of the string), inside a /Pagination artifact. `verify/numbers.py` reads them back from the XObjects placed under
the name NUMBER_NAME — never from the documents' own text.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from archive.binder.pdfbox import content_streams, dec, fmt, inherited, visible_matrix, visible_size
from archive.storage import atomic_file

MM = 72 / 25.4

NUMBER_NAME = "ArchPageNo"   # XObject name of a stamped page number (verify/numbers.py looks for it)
STAMP_NAME = "ArchStamp"     # XObject name of a 归档章

NUMBER_FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian fonts-dejavu-core
NUMBER_FONT_NAME = "ARCHNO+DejaVuSans"  # a subset: six capitals and "+"
NUMBER_SIZE = 12.0                      # pt; digits about 3 mm tall, like a numbering machine's
NUMBER_MARGIN = 10 * MM                 # from the top and the outer edge
NUMBER_CHARS = "0123456789-"


# ----------------------------------------------------------------------------------------- overlays

# q/Q as operators: not inside a (string), a name or a number. Strings and inline images are cut out
# before counting; what remains is close enough to know whether a document leaves saves unrestored.
_STRING = re.compile(rb"\((?:\\.|[^\\()])*\)", re.S)
_INLINE_IMAGE = re.compile(rb"(?<![^\s\]\)>])BI(?![^\s\[/(<%]).*?(?<![^\s\]\)>])EI(?![^\s\[/(<%])", re.S)
_Q_OPERATOR = re.compile(rb"(?<![^\s\]\)>])([qQ])(?![^\s\[/(<%])")


def _save_balance(streams: list[pikepdf.Object]) -> tuple[int, int]:
    """(saves left open at the end, restores below the starting state) over the page's content."""
    depth = 0
    deficit = 0  # Qs that pop below the page's starting state
    for stream in streams:
        try:
            data = stream.read_bytes()
        except pikepdf.PdfError:
            continue
        if b"q" not in data and b"Q" not in data:
            continue
        if b"(" in data:
            data = _STRING.sub(b" ", data)
        if b"BI" in data:
            data = _INLINE_IMAGE.sub(b" ", data)
        for op in _Q_OPERATOR.findall(data):
            if op == b"q":
                depth += 1
            elif depth:
                depth -= 1
            else:
                deficit += 1
    return depth, deficit


def place(pdf: pikepdf.Pdf, page: pikepdf.Page, overlay: pikepdf.Page, *, name: str) -> str:
    """Draw `overlay` (a page of another Pdf, sized visible_size(page), drawn in displayed coordinates)
    over `page`. Returns the resource name used (`name`, or `name` + a number when the page already has
    an XObject called `name`)."""
    ow, oh = visible_size(overlay)
    w, h = visible_size(page)
    if abs(ow - w) > 0.5 or abs(oh - h) > 0.5:
        raise ValueError(f"overlay is {ow:.1f}×{oh:.1f} pt, the page shows {w:.1f}×{h:.1f} pt")
    form = pdf.copy_foreign(overlay.as_form_xobject())

    obj = page.obj
    # The page gets Resources and an XObject dictionary of its own: documents often share one
    # Resources dictionary between pages (or inherit it), and each page's overlay differs.
    resources = inherited(obj, "/Resources")
    resources = resources.copy() if isinstance(resources, Dictionary) else Dictionary()
    xobjects = resources.get("/XObject")
    xobjects = xobjects.copy() if isinstance(xobjects, Dictionary) else Dictionary()
    key = name
    n = 0
    while Name("/" + key) in xobjects:
        n += 1
        key = f"{name}{n}"
    xobjects[Name("/" + key)] = form
    resources[Name.XObject] = xobjects
    obj[Name.Resources] = resources

    streams = content_streams(obj)
    opened, unmatched = _save_balance(streams)
    pre = pdf.make_stream(b"q\n" * (1 + unmatched))
    a, b, c, d, e, f = visible_matrix(page)
    matrix = " ".join(fmt(v) for v in (a, b, c, d, e, f))
    post = pdf.make_stream(b"\n" + b"Q\n" * (1 + opened) + f"q {matrix} cm /{key} Do Q\n".encode("ascii"))
    obj[Name.Contents] = Array([pre, *streams, post])
    return key


# ----------------------------------------------------------------------------------- page numbers

@dataclass(frozen=True)
class _NumberFont:
    data: bytes
    widths: dict[str, float]   # per 1000 units of text space
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int


@lru_cache(maxsize=1)
def _number_font() -> _NumberFont:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    if not NUMBER_FONT_FILE.exists():
        raise RuntimeError(f"页号字体缺失：{NUMBER_FONT_FILE}（Debian 软件包 fonts-dejavu-core）")
    font = TTFont(str(NUMBER_FONT_FILE), recalcTimestamp=False, recalcBBoxes=False)
    options = subset.Options()
    options.layout_features = []
    options.drop_tables = [*options.drop_tables, "FFTM"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]   # family, copyright and licence notice kept
    options.notdef_outline = True
    options.glyph_names = True
    options.recalc_timestamp = False
    sub = subset.Subsetter(options)
    sub.populate(text=NUMBER_CHARS)
    sub.subset(font)
    out = io.BytesIO()
    font.save(out)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    widths = {ch: round(font["hmtx"][cmap[ord(ch)]][0] * scale) for ch in NUMBER_CHARS}
    head = font["head"]
    return _NumberFont(
        data=out.getvalue(), widths=widths,
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        ascent=round(font["hhea"].ascent * scale), descent=round(font["hhea"].descent * scale),
        cap_height=round(getattr(font["OS/2"], "sCapHeight", 0) * scale) or 729)


def _font_object(pdf: pikepdf.Pdf) -> pikepdf.Object:
    f = _number_font()
    file = pdf.make_stream(f.data)
    file[Name.Length1] = len(f.data)
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor, FontName=Name("/" + NUMBER_FONT_NAME), Flags=32,
        FontBBox=Array(list(f.bbox)), ItalicAngle=0, Ascent=f.ascent, Descent=f.descent,
        CapHeight=f.cap_height, StemV=80, FontFile2=file))
    first, last = ord(min(NUMBER_CHARS)), ord(max(NUMBER_CHARS))
    widths = [f.widths.get(chr(code), 0) for code in range(first, last + 1)]
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.TrueType, BaseFont=Name("/" + NUMBER_FONT_NAME),
        FirstChar=first, LastChar=last, Widths=Array(widths), Encoding=Name.WinAnsiEncoding,
        FontDescriptor=descriptor))


def number_position(size: tuple[float, float], number: int, *, double_sided: bool) -> tuple[float, float]:
    """Where the number's text starts (x, baseline y), in displayed coordinates."""
    f = _number_font()
    w, h = size
    text = str(number)
    width = sum(f.widths[ch] for ch in text) * NUMBER_SIZE / 1000
    y = h - NUMBER_MARGIN - f.cap_height * NUMBER_SIZE / 1000
    if double_sided and number % 2 == 0:
        return NUMBER_MARGIN, y
    return w - NUMBER_MARGIN - width, y


def number_overlays(sizes: list[tuple[float, float]], numbers: list[int], *, double_sided: bool) -> pikepdf.Pdf:
    """One PDF, page i sized sizes[i] showing numbers[i] top-right (top-left for even numbers when
    printing double-sided), in an embedded DejaVu Sans subset."""
    if len(sizes) != len(numbers):
        raise ValueError("sizes and numbers differ in length")
    out = pikepdf.Pdf.new()
    resources = out.make_indirect(Dictionary(Font=Dictionary(N=_font_object(out))))
    for (w, h), number in zip(sizes, numbers):
        if number < 0:
            raise ValueError(f"page number {number}")
        x, y = number_position((w, h), number, double_sided=double_sided)
        content = (f"/Artifact <</Type /Pagination /Subtype /Header>> BDC\n"
                   f"BT 0 g /N {fmt(NUMBER_SIZE)} Tf {fmt(x)} {fmt(y)} Td ({number}) Tj ET\nEMC\n")
        page = Dictionary(Type=Name.Page, MediaBox=Array([0, 0, dec(w), dec(h)]), Resources=resources,
                          Contents=out.make_stream(content.encode("ascii")))
        out.pages.append(pikepdf.Page(page))
    return out


def number_pages(pdf: pikepdf.Pdf, page_indexes: list[int], *, start: int = 1, double_sided: bool = False) -> None:
    """Stamp continuous numbers start, start+1, … on the given pages (convenience over
    number_overlays + place, under NUMBER_NAME so verify/ finds them)."""
    pages = [pdf.pages[i] for i in page_indexes]
    overlays = number_overlays([visible_size(p) for p in pages], list(range(start, start + len(pages))),
                               double_sided=double_sided)
    for page, overlay in zip(pages, overlays.pages):
        place(pdf, page, overlay, name=NUMBER_NAME)


# ------------------------------------------------------------------------------------------ merge

def append_pdf(volume: pikepdf.Pdf, source: Path | bytes) -> range:
    """Append every page of `source` (a file or its bytes) to `volume`; returns the new pages' indexes.
    The file is read into memory first: pikepdf keeps a source file open until the volume is saved, and
    a volume of a thousand documents would run out of file descriptors."""
    data = source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
    src = pikepdf.open(io.BytesIO(data))
    first = len(volume.pages)
    volume.pages.extend(src.pages)
    return range(first, len(volume.pages))


# ------------------------------------------------------------------------- bookmarks, metadata, save

@dataclass
class Bookmark:
    title: str
    page_index: int
    children: list["Bookmark"] = field(default_factory=list)


def add_outline(pdf: pikepdf.Pdf, entries: list[Bookmark]) -> None:
    """Append the bookmarks (nested) to the document outline; viewers open with the outline shown."""
    count = len(pdf.pages)

    def item(b: Bookmark) -> pikepdf.OutlineItem:
        if not 0 <= b.page_index < count:
            raise ValueError(f"bookmark {b.title!r} points at page index {b.page_index} of {count}")
        it = pikepdf.OutlineItem(b.title, b.page_index, "Fit")
        it.children.extend(item(c) for c in b.children)
        return it

    with pdf.open_outline() as outline:
        outline.root.extend(item(b) for b in entries)
    pdf.Root.PageMode = Name.UseOutlines


def set_metadata(pdf: pikepdf.Pdf, *, title: str, author: str, subject: str = "",
                 created: dt.datetime) -> None:
    """Title, author (the unit), subject and creation date, in the document info and in XMP alike.
    `created` is also the modification date: the same inputs give the same bytes."""
    from pikepdf.models.metadata import encode_pdf_date

    if created.tzinfo is None:
        created = created.astimezone()
    created = created.replace(microsecond=0)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = title
        meta["dc:creator"] = [author]
        if subject:
            meta["dc:description"] = subject
        meta["xmp:CreateDate"] = created.isoformat()
        meta["xmp:ModifyDate"] = created.isoformat()
        meta["xmp:MetadataDate"] = created.isoformat()
    info = pdf.docinfo
    info[Name.Title] = title
    info[Name.Author] = author
    if subject:
        info[Name.Subject] = subject
    date = encode_pdf_date(created)
    info[Name.CreationDate] = date
    info[Name.ModDate] = date


def save(pdf: pikepdf.Pdf, out: Path) -> None:
    """Write `pdf` to `out` atomically: PDF 1.7 at least, object streams, compressed, deterministic /ID."""
    # Not fsynced, as before: a volume can always be built again from its renditions.
    with atomic_file(Path(out), mode=0o644, durable=False, suffix=".pdf") as tmp:
        pdf.save(tmp, min_version="1.7", deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
