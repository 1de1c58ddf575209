"""Each document's first page in the volume is its rendition's first page (the same content streams
in order, the same images), and carries the number the table of contents gives it.
"""
from __future__ import annotations

import hashlib

import pikepdf
from pikepdf import Name

from archive.binder.pdfbox import content_streams
from archive.binder.verify.layout import Layout

def _stream_data(stream: pikepdf.Object) -> bytes:
    try:
        return stream.read_bytes(pikepdf.StreamDecodeLevel.generalized)
    except pikepdf.PdfError:
        return stream.read_raw_bytes()


def _page_fingerprint(page: pikepdf.Page) -> tuple[list[bytes], set[bytes]]:
    """(content stream digests in order, digests of the images the page draws directly)."""
    contents = [hashlib.sha256(_stream_data(s)).digest() for s in content_streams(page.obj)]
    images = set()
    resources = page.obj.get("/Resources")
    xobjects = resources.get("/XObject") if resources is not None else None
    if xobjects is not None:
        for _, x in xobjects.items():
            if isinstance(x, pikepdf.Stream) and x.get("/Subtype") == Name.Image:
                images.add(hashlib.sha256(_stream_data(x)).digest())
    return contents, images


def _contains(seq: list[bytes], sub: list[bytes]) -> bool:
    n = len(sub)
    return n == 0 or any(seq[i:i + n] == sub for i in range(len(seq) - n + 1))


def check_first_pages(pdf: pikepdf.Pdf, numbers: dict[int, int | str], layout: Layout,
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
