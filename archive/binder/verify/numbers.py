"""The stamped page numbers, read from the number overlays pdfops placed (XObjects named
pdfops.NUMBER_NAME…, drawn by the last content streams of the page), never from the documents' own
text; and their check: exactly 1..n on the numbered pages, in order, and nowhere else.
"""
from __future__ import annotations

import re

import pikepdf

from archive.binder.pdfops import NUMBER_NAME
from archive.binder.verify.layout import Layout, pages_text

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


def check_numbers(numbers: dict[int, int | str], layout: Layout, count: int, problems: list[str]) -> None:
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
            problems.append(f"页号 {got} 重复出现在 PDF 第 {pages_text(indexes)} 页")
