"""Reads a finished volume back and checks it (issue 6 item 3). Every check runs; the problems are
collected (in Chinese, one per line) and raised together as VerificationFailed.

- the page count;
- the stamped page numbers, read from the number overlays pdfops placed (XObjects named
  pdfops.NUMBER_NAME…, drawn by the last content streams of the page), never from the documents' own
  text: exactly 1..n on the numbered pages, in order, and nowhere else;
- the 页号 column of the 卷内文件目录, read with `pdftotext -bbox` from the TOC pages (the column under
  the header cell whose text is exactly "页号", found again on every TOC page since the header repeats):
  equal to the layout's labels, each label's first number the stamped number of that document's first
  page, the last label "start-end";
- each document's first page in the volume is its rendition's first page (same content streams, same
  images);
- every font on every page (nested form XObjects, patterns, Type3 glyph resources and annotation
  appearances included) is embedded; Type3 fonts count as embedded;
- `qpdf --check` exits 0. Exit 3 (warnings only — typically a damaged content stream inherited from a
  source document, which qpdf could read past) passes: the warnings are returned and logged.
"""
from __future__ import annotations

import hashlib
import html
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Name

from archive.binder.pdfops import NUMBER_NAME

log = logging.getLogger(__name__)

QPDF_TIMEOUT = 600


@dataclass(frozen=True)
class DocumentSpan:
    title: str
    start: int                 # stamped number of its first page (1-based)
    end: int
    first_page_index: int      # 0-based index of its first page in the volume PDF
    rendition: Path | None = None   # the document's rendition: its first page must be the one at first_page_index


@dataclass(frozen=True)
class Layout:
    page_count: int
    toc_pages: list[int]       # 0-based page indexes of the 卷内文件目录
    numbered_pages: list[int]  # 0-based indexes of the pages that carry a stamped number, in order (1..n)
    documents: list[DocumentSpan]
    toc_labels: list[str]      # the 页号 printed per row, in order: "1", "5", …, last "12-15"


class VerificationFailed(Exception):
    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def verify(path: Path, layout: Layout, *, run_qpdf: bool = True) -> list[str]:
    """Check the volume at `path` against `layout`. Raises VerificationFailed with every problem found;
    returns the warnings that do not fail the build (qpdf warnings).

    The PDF structure is always checked in-process by qpdf's own library (check_structure); run_qpdf
    adds the external `qpdf --check`, which also re-decodes every scanned image (23 s of a 2,000-page
    volume's 33 s in benchmarks/volume.py) although renditions decoded each one when they were made."""
    path = Path(path)
    problems: list[str] = []
    warnings: list[str] = []
    try:
        pdf = pikepdf.open(path)
    except Exception as exc:  # noqa: BLE001 - anything that stops reading is a failed check
        problems.append(f"无法打开 PDF：{exc}")
        if run_qpdf:
            _check_qpdf(path, problems, warnings)
        raise VerificationFailed(problems) from None
    with pdf:
        count = len(pdf.pages)
        if count != layout.page_count:
            problems.append(f"页数为 {count}，应为 {layout.page_count}")
        numbers = read_numbers(pdf)
        _check_numbers(numbers, layout, count, problems)
        _check_layout(layout, problems)
        _check_toc(path, layout, count, problems)
        _check_first_pages(pdf, numbers, layout, problems)
        _check_fonts(pdf, problems)
        check_structure(pdf, problems, warnings)
    if run_qpdf:
        _check_qpdf(path, problems, warnings)
    if problems:
        raise VerificationFailed(problems)
    for w in warnings:
        log.warning("%s: %s", path.name, w)
    return warnings


def check_file(path: Path) -> tuple[list[str], list[str]]:
    """The layout-free checks of a finished PDF, external `qpdf --check` included: (problems, warnings).
    For `archive volume check`, the deep check of volumes too large for it at build time."""
    problems: list[str] = []
    warnings: list[str] = []
    try:
        with pikepdf.open(path) as pdf:
            _check_fonts(pdf, problems)
            check_structure(pdf, problems, warnings)
    except pikepdf.PdfError as exc:
        problems.append(f"无法打开 PDF：{exc}")
    _check_qpdf(Path(path), problems, warnings)
    return problems, warnings


# ------------------------------------------------------------------------------- stamped numbers

_PLACED = re.compile(rb"\s*(?:Q\s+)*q\s+(?:[-+\d.]+\s+){6}cm\s+/([^\s/\[\]()<>{}%]+)\s+Do\s+Q\s*")


def _placed_names(page: pikepdf.Page) -> list[str]:
    """Names of the XObjects pdfops.place drew over the page, last placed first: the streams it appends
    ("Q q <matrix> cm /Name Do Q") at the end of /Contents, read backwards until the document's own."""
    contents = page.obj.get("/Contents")
    if not isinstance(contents, pikepdf.Array):
        return []
    names = []
    for stream in reversed(list(contents)):
        if not isinstance(stream, pikepdf.Stream) or int(stream.get("/Length", 0)) > 1000:
            break
        try:
            m = _PLACED.fullmatch(stream.read_bytes())
        except pikepdf.PdfError:
            break
        if not m:
            break
        names.append(m.group(1).decode("latin-1"))
    return names


def _text_of_form(form: pikepdf.Object) -> str:
    parts = []
    for operands, operator in pikepdf.parse_content_stream(form):
        op = str(operator)
        if op in ("Tj", "'", '"'):
            parts.append(bytes(operands[-1]).decode("latin-1"))
        elif op == "TJ":
            parts.extend(bytes(o).decode("latin-1") for o in operands[0] if isinstance(o, pikepdf.String))
    return "".join(parts).strip()


def read_numbers(pdf: pikepdf.Pdf) -> dict[int, int | str]:
    """{page index: stamped number} for the pages with a number overlay (the text itself when it is
    not a number)."""
    found: dict[int, int | str] = {}
    for index, page in enumerate(pdf.pages):
        for name in _placed_names(page):
            if not name.startswith(NUMBER_NAME):
                continue
            resources = page.obj.get("/Resources")
            xobjects = resources.get("/XObject") if resources is not None else None
            form = xobjects.get("/" + name) if xobjects is not None else None
            text = _text_of_form(form) if isinstance(form, pikepdf.Stream) else ""
            found[index] = int(text) if text.isdigit() else text
            break  # the most recent number overlay is this volume's (an older one may come with a document)
    return found


def _pages(indexes: list[int]) -> str:
    shown = "、".join(str(i + 1) for i in indexes[:8])
    return shown + (f" 等 {len(indexes)} 页" if len(indexes) > 8 else "")


def _check_numbers(numbers: dict[int, int | str], layout: Layout, count: int, problems: list[str]) -> None:
    expected = {}
    for k, index in enumerate(layout.numbered_pages):
        if not 0 <= index < count:
            problems.append(f"布局中编页号的页 {index + 1} 超出 PDF 页数 {count}")
            continue
        expected[index] = k + 1
    for index, want in expected.items():
        got = numbers.get(index)
        if got is None:
            problems.append(f"PDF 第 {index + 1} 页缺少页号（应为 {want}）")
        elif got != want:
            problems.append(f"PDF 第 {index + 1} 页的页号为 {got}，应为 {want}")
    for index, got in sorted(numbers.items()):
        if index not in expected:
            problems.append(f"PDF 第 {index + 1} 页不应有页号，却印有 {got}")
    where: dict[int | str, list[int]] = {}
    for index, got in sorted(numbers.items()):
        where.setdefault(got, []).append(index)
    for got, indexes in where.items():
        if len(indexes) > 1:
            problems.append(f"页号 {got} 重复出现在 PDF 第 {_pages(indexes)} 页")


# ----------------------------------------------------------------------- the layout's own sums

def _first_number(label: str) -> int | None:
    m = re.match(r"\s*(\d+)", label)
    return int(m.group(1)) if m else None


def _check_layout(layout: Layout, problems: list[str]) -> None:
    docs = layout.documents
    if len(layout.toc_labels) != len(docs):
        problems.append(f"目录应有 {len(docs)} 个页号，布局给出 {len(layout.toc_labels)} 个")
    for i, (doc, label) in enumerate(zip(docs, layout.toc_labels)):
        last = i == len(docs) - 1
        want = (f"{doc.start}-{doc.end}" if doc.end != doc.start else str(doc.start)) if last else str(doc.start)
        if _normalise(label) != want:
            problems.append(f"目录第 {i + 1} 行（{doc.title}）页号应为 {want}，布局给出 {label}")
        if doc.end < doc.start:
            problems.append(f"文件“{doc.title}”的止页 {doc.end} 小于起页 {doc.start}")
        if i + 1 < len(docs) and docs[i + 1].start != doc.end + 1:
            problems.append(f"文件“{doc.title}”止于第 {doc.end} 页，下一件却从第 {docs[i + 1].start} 页起")
    if docs and docs[0].start != 1:
        problems.append(f"第一件文件应从第 1 页起，实为第 {docs[0].start} 页")
    if docs and docs[-1].end != len(layout.numbered_pages):
        problems.append(f"最后一件文件止于第 {docs[-1].end} 页，编页号的页却有 {len(layout.numbered_pages)} 页")


# ------------------------------------------------------------------------- table of contents

_DASHES = str.maketrans({"–": "-", "—": "-", "－": "-", "~": "-", "～": "-", "‐": "-", "−": "-"})
_LABEL_TOKEN = re.compile(r"[\d\-–—－~～‐−]+")
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>')


def _normalise(label: str) -> str:
    return re.sub(r"\s+", "", label.translate(_DASHES))


@dataclass
class _Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def _toc_words(path: Path, first: int, last: int) -> list[list[_Word]]:
    """Words per page (pdftotext -bbox, points from the top-left), for 0-based pages first..last."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise RuntimeError("缺少 pdftotext（Debian 软件包 poppler-utils），无法读取目录")
    run = subprocess.run([exe, "-bbox", "-f", str(first + 1), "-l", str(last + 1), str(path), "-"],
                         capture_output=True, timeout=300)
    if run.returncode != 0:
        raise RuntimeError(f"pdftotext 读取目录失败：{run.stderr.decode('utf-8', 'replace').strip()[:200]}")
    text = run.stdout.decode("utf-8", "replace")
    pages: list[list[_Word]] = []
    for chunk in re.split(r"(?=<page )", text)[1:]:
        words = [_Word(float(a), float(b), float(c), float(d), html.unescape(t))
                 for a, b, c, d, t in _WORD.findall(chunk)]
        pages.append(words)
    return pages


_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}


def _mul(m, n):
    """m × n for PDF matrices [a b c d e f] (m applied first)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _vertical_rules(page: pikepdf.Page) -> list[tuple[float, float, float]]:
    """Vertical lines drawn on the page (table borders, cell edges) as (x, top, bottom) in the same
    coordinates as pdftotext -bbox (points from the MediaBox's top-left corner)."""
    media = [float(v) for v in page.mediabox]
    x_origin, top_y = min(media[0], media[2]), max(media[1], media[3])
    rules = []
    ctm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = []
    path: list[tuple[tuple[float, float], tuple[float, float]]] = []
    point = None

    def at(x, y):
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    try:
        ops = pikepdf.parse_content_stream(page)
    except pikepdf.PdfError:
        return []
    for operands, operator in ops:
        op = str(operator)
        try:
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop() if stack else ctm
            elif op == "cm":
                ctm = _mul(tuple(float(v) for v in operands), ctm)
            elif op == "m":
                point = at(float(operands[0]), float(operands[1]))
            elif op == "l" and point is not None:
                new = at(float(operands[0]), float(operands[1]))
                path.append((point, new))
                point = new
            elif op == "re":
                x, y, w, h = (float(v) for v in operands)
                corners = [at(x, y), at(x + w, y), at(x + w, y + h), at(x, y + h)]
                path.extend(zip(corners, corners[1:] + corners[:1]))
            elif op in _PAINT or op == "n":
                if op != "n":
                    for (x0, y0), (x1, y1) in path:
                        if abs(x1 - x0) < 0.5 and abs(y1 - y0) > 4:
                            rules.append(((x0 + x1) / 2 - x_origin, top_y - max(y0, y1), top_y - min(y0, y1)))
                path, point = [], None
        except (ValueError, TypeError, IndexError):
            continue
    return rules


def read_toc_labels(path: Path, toc_pages: list[int]) -> tuple[list[str], list[str]]:
    """The 页号 column of the table of contents, row by row over the TOC pages: (labels, problems).

    On each page the column is the one whose header cell reads exactly "页号" (the header repeats on
    every page); its edges are the vertical rules drawn left and right of that header, or, in a table
    without rules, half-way to the neighbouring header cells."""
    if not toc_pages:
        return [], []
    first, last = min(toc_pages), max(toc_pages)
    pages = _toc_words(path, first, last)
    labels: list[str] = []
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        for index in sorted(toc_pages):
            k = index - first
            words = pages[k] if k < len(pages) else []
            headers = [w for w in words if w.text == "页号"]
            if not headers:
                problems.append(f"目录页（PDF 第 {index + 1} 页）找不到“页号”列")
                continue
            header = min(headers, key=lambda w: w.y0)
            left, right = _column_edges(header, words, _vertical_rules(pdf.pages[index]))
            column = sorted((w for w in words if w.y0 > header.y1 and left < w.cx < right
                             and _LABEL_TOKEN.fullmatch(w.text)), key=lambda w: (w.cy, w.x0))
            lines: list[list[_Word]] = []
            for w in column:
                if lines and abs(w.cy - lines[-1][0].cy) < (w.y1 - w.y0) / 2:
                    lines[-1].append(w)
                else:
                    lines.append([w])
            labels.extend(_normalise("".join(w.text for w in sorted(line, key=lambda w: w.x0))) for line in lines)
    return labels, problems


def _column_edges(header: _Word, words: list[_Word], rules: list[tuple[float, float, float]]) -> tuple[float, float]:
    crossing = [x for x, top, bottom in rules if top - 1 <= header.cy <= bottom + 1]
    left = max((x for x in crossing if x <= header.x0 + 0.5), default=None)
    right = min((x for x in crossing if x >= header.x1 - 0.5), default=None)
    if left is not None and right is not None:
        return left, right
    row = [w for w in words if w is not header and abs(w.cy - header.cy) < (header.y1 - header.y0)]
    before = max((w.cx for w in row if w.cx < header.cx), default=None)
    after = min((w.cx for w in row if w.cx > header.cx), default=None)
    if left is None:
        left = (before + header.cx) / 2 if before is not None else 0.0
    if right is None:
        right = (after + header.cx) / 2 if after is not None else float("inf")
    return left, right


def _check_toc(path: Path, layout: Layout, count: int, problems: list[str]) -> None:
    if not layout.toc_pages:
        if layout.toc_labels:
            problems.append("布局没有目录页，却给出了目录页号")
        return
    bad = [i for i in layout.toc_pages if not 0 <= i < count]
    if bad:
        problems.append(f"目录页 {_pages(bad)} 超出 PDF 页数 {count}")
        return
    try:
        printed, toc_problems = read_toc_labels(path, layout.toc_pages)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        problems.append(str(exc))
        return
    problems.extend(toc_problems)
    wanted = [_normalise(label) for label in layout.toc_labels]
    titles = [d.title for d in layout.documents]
    for i, (got, want) in enumerate(zip(printed, wanted)):
        if got != want:
            title = f"（{titles[i]}）" if i < len(titles) else ""
            problems.append(f"目录第 {i + 1} 行{title}的页号印为 {got}，应为 {want}")
    if len(printed) != len(wanted):
        problems.append(f"目录“页号”列读出 {len(printed)} 个页号，应为 {len(wanted)} 个")


# ---------------------------------------------------------------------- documents' first pages

def _stream_data(stream: pikepdf.Object) -> bytes:
    try:
        return stream.read_bytes(pikepdf.StreamDecodeLevel.generalized)
    except pikepdf.PdfError:
        return stream.read_raw_bytes()


def _page_fingerprint(page: pikepdf.Page) -> tuple[list[bytes], set[bytes]]:
    """(content stream digests in order, digests of the images the page draws directly)."""
    contents = [hashlib.sha256(_stream_data(s)).digest() for s in _content_streams(page.obj)]
    images = set()
    resources = page.obj.get("/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    if xobjects is not None:
        for _, x in xobjects.items():
            if isinstance(x, pikepdf.Stream) and x.get("/Subtype") == Name.Image:
                images.add(hashlib.sha256(_stream_data(x)).digest())
    return contents, images


def _content_streams(obj: pikepdf.Object) -> list[pikepdf.Object]:
    contents = obj.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return [c for c in contents if isinstance(c, pikepdf.Stream)]
    if isinstance(contents, pikepdf.Stream):
        return [contents]
    return []


def _contains(seq: list[bytes], sub: list[bytes]) -> bool:
    n = len(sub)
    return n == 0 or any(seq[i:i + n] == sub for i in range(len(seq) - n + 1))


def _check_first_pages(pdf: pikepdf.Pdf, numbers: dict[int, int | str], layout: Layout,
                       problems: list[str]) -> None:
    count = len(pdf.pages)
    for i, doc in enumerate(layout.documents):
        index = doc.first_page_index
        if not 0 <= index < count:
            problems.append(f"文件“{doc.title}”的首页 {index + 1} 超出 PDF 页数 {count}")
            continue
        got = numbers.get(index)
        if got is not None and got != doc.start:
            problems.append(f"目录中“{doc.title}”的页号为 {doc.start}，它的首页（PDF 第 {index + 1} 页）却印着 {got}")
        if doc.rendition is None:
            continue
        try:
            with pikepdf.open(doc.rendition) as rendition:
                if not len(rendition.pages):
                    problems.append(f"文件“{doc.title}”的版本文件没有页面")
                    continue
                want_contents, want_images = _page_fingerprint(rendition.pages[0])
        except Exception as exc:  # noqa: BLE001
            problems.append(f"无法读取文件“{doc.title}”的版本文件：{exc}")
            continue
        have_contents, have_images = _page_fingerprint(pdf.pages[index])
        if not _contains(have_contents, want_contents) or not want_images <= have_images:
            problems.append(f"PDF 第 {index + 1} 页不是文件“{doc.title}”的首页")


# ------------------------------------------------------------------------------------------ fonts

def _font_embedded(font: pikepdf.Object) -> bool:
    subtype = font.get("/Subtype")
    if subtype == Name.Type3:
        return True
    if subtype == Name.Type0:
        descendants = font.get("/DescendantFonts")
        if not isinstance(descendants, pikepdf.Array) or not len(descendants):
            return False
        font = descendants[0]
    descriptor = font.get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return False
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def unembedded_fonts(pdf: pikepdf.Pdf) -> dict[str, list[int]]:
    """{font name: 0-based page indexes} of the fonts used without their program embedded."""
    result: dict[str, list[int]] = {}
    verdicts: dict[tuple[int, int], bool] = {}

    def walk(resources, page: int, seen: set, depth: int) -> None:
        if not isinstance(resources, pikepdf.Dictionary) or depth > 12:
            return
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for _, font in fonts.items():
                if not isinstance(font, pikepdf.Dictionary):
                    continue
                key = font.objgen
                ok = verdicts.get(key) if key != (0, 0) else None
                if ok is None:
                    ok = _font_embedded(font)
                    if key != (0, 0):
                        verdicts[key] = ok
                if not ok:
                    name = str(font.get("/BaseFont", "(无名字体)")).lstrip("/")
                    pages = result.setdefault(name, [])
                    if not pages or pages[-1] != page:
                        pages.append(page)
                if font.get("/Subtype") == Name.Type3:
                    visit(font.get("/Resources"), page, seen, depth)
        for kind in ("/XObject", "/Pattern"):
            group = resources.get(kind)
            if isinstance(group, pikepdf.Dictionary):
                for _, x in group.items():
                    if isinstance(x, pikepdf.Stream) and (kind == "/Pattern" or x.get("/Subtype") == Name.Form):
                        visit(x.get("/Resources"), page, seen, depth)

    def visit(resources, page: int, seen: set, depth: int) -> None:
        if resources is None:
            return
        key = resources.objgen
        if key != (0, 0):
            if key in seen:
                return
            seen.add(key)
        walk(resources, page, seen, depth + 1)

    for index, page in enumerate(pdf.pages):
        seen: set = set()   # per page: a font used on many pages is reported with each of them
        visit(page.obj.get("/Resources"), index, seen, 0)
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            for annot in annots:
                ap = annot.get("/AP") if isinstance(annot, pikepdf.Dictionary) else None
                if not isinstance(ap, pikepdf.Dictionary):
                    continue
                for _, appearance in ap.items():
                    streams = [appearance] if isinstance(appearance, pikepdf.Stream) else (
                        [s for _, s in appearance.items()] if isinstance(appearance, pikepdf.Dictionary) else [])
                    for s in streams:
                        if isinstance(s, pikepdf.Stream):
                            visit(s.get("/Resources"), index, seen, 0)
    return result


def _check_fonts(pdf: pikepdf.Pdf, problems: list[str]) -> None:
    for name, pages in sorted(unembedded_fonts(pdf).items()):
        problems.append(f"字体 {name} 未嵌入（PDF 第 {_pages(pages)} 页）")


# ------------------------------------------------------------------------------------------- qpdf

class _Discard(pikepdf.StreamParser):
    def handle_object(self, *args):
        pass

    def handle_eof(self):
        pass


def check_structure(pdf: pikepdf.Pdf, problems: list[str], warnings: list[str]) -> None:
    """What `qpdf --check` checks, in-process through qpdf's library: the file opened (cross-reference
    table and trailer read), every stream's data decoded, every page's content streams parsed; qpdf's
    warnings reported. JPEG and JPEG 2000 image data is not decoded again: renditions.py decoded it
    when the rendition was made, and the volume holds the same bytes."""
    from archive.binder.renditions import IMAGE_FILTERS, stream_filters

    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream) or any(f in IMAGE_FILTERS for f in stream_filters(obj)):
            continue
        try:
            obj.read_bytes(pikepdf.StreamDecodeLevel.generalized)
        except pikepdf.PdfError as exc:
            problems.append(f"PDF 结构检查未通过：数据流无法解码（{str(exc)[:120]}）")
            return
    parser = _Discard()
    for index, page in enumerate(pdf.pages):
        try:
            page.parse_contents(parser)
        except pikepdf.PdfError as exc:
            problems.append(f"PDF 结构检查未通过：第 {index + 1} 页内容无法解析（{str(exc)[:120]}）")
            return
    warnings.extend(f"PDF 结构检查警告：{w}" for w in pdf.get_warnings()[:20])


def _check_qpdf(path: Path, problems: list[str], warnings: list[str]) -> None:
    exe = shutil.which("qpdf")
    if exe is None:
        problems.append("缺少 qpdf（Debian 软件包 qpdf），无法检查 PDF 结构")
        return
    try:
        run = subprocess.run([exe, "--check", str(path)], capture_output=True, timeout=QPDF_TIMEOUT)
    except subprocess.TimeoutExpired:
        problems.append(f"qpdf --check 超时（{QPDF_TIMEOUT} 秒）")
        return
    output = (run.stdout + run.stderr).decode("utf-8", "replace")
    lines = [ln.strip() for ln in output.splitlines()
             if ln.strip() and not ln.startswith(("checking ", "PDF Version", "File is not", "File is linearized",
                                                   "No syntax or stream", "errors that qpdf",
                                                   "R = ", "P = ", "User password", "Supported", "extract",
                                                   "print ", "modify "))]
    if run.returncode == 0:
        return
    if run.returncode == 3:
        warnings.extend(f"qpdf --check 警告：{ln}" for ln in lines[:20])
        return
    detail = "；".join(lines[:5]) or f"退出码 {run.returncode}"
    problems.append(f"qpdf --check 未通过：{detail}")
