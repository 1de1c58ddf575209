"""Putting a volume's parts together: 封面 → 卷内文件目录 → documents → 卷内备考表 (→ 卷脊).

Input is what the service prepared: the rendered front matter and, per document, its rendition and
optionally its 归档章. Output is the PDF and its Layout, which verify/ checks the PDF against.
Renditions are opened from memory: pikepdf keeps a file handle per open source PDF, and a volume of
1,000 documents would run out of descriptors.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Callable

import pikepdf

from archive.binder import pdfops, stamp
from archive.binder.frontmatter import FrontMatter
from archive.binder.verify import DocumentSpan, Layout


@dataclass(frozen=True)
class Part:
    """One document as it goes into the volume."""
    title: str
    rendition: Path
    pages: int                               # the rendition's page count
    filing_stamp: stamp.FilingStamp | None = None


def page_ranges(page_counts: list[int]) -> list[tuple[int, int]]:
    """(first, last) stamped page number of each document: continuous from 1."""
    ranges, last = [], 0
    for count in page_counts:
        ranges.append((last + 1, last + count))
        last += count
    return ranges


def toc_labels(ranges: list[tuple[int, int]]) -> list[str]:
    """页号 as the table of contents prints it: each document's first page; the last one start–end
    (GB/T 9705-2008)."""
    labels = [str(first) for first, _ in ranges]
    if ranges:
        first, last = ranges[-1]
        labels[-1] = f"{first}-{last}" if last > first else str(first)
    return labels


def assemble(front: FrontMatter, parts: list[Part], out: Path, *, title: str, author: str,
             created: dt.datetime, double_sided: bool = False,
             progress: Callable[[int], None] | None = None) -> Layout:
    """Write the volume to `out` and return where everything landed."""
    front_pdf = pikepdf.open(BytesIO(front.pdf))
    pdf = pikepdf.new()
    bookmarks: list[pdfops.Bookmark] = []

    def append_front(pages: range, label: str) -> list[int]:
        placed = []
        for index in pages:
            pdf.pages.append(front_pdf.pages[index])
            placed.append(len(pdf.pages) - 1)
        if placed:
            bookmarks.append(pdfops.Bookmark(label, placed[0]))
        return placed

    append_front(front.cover, "封面")
    toc_pages = append_front(front.toc, "卷内文件目录")

    numbered, spans, stamped_pages, stamps = [], [], [], []
    document_marks = []
    ranges = page_ranges([part.pages for part in parts])
    for n, (part, (start, end)) in enumerate(zip(parts, ranges), start=1):
        source = pikepdf.open(BytesIO(part.rendition.read_bytes()))
        first_index = len(pdf.pages)
        pdf.pages.extend(source.pages)
        numbered.extend(range(first_index, len(pdf.pages)))
        spans.append(DocumentSpan(title=part.title, start=start, end=end, first_page_index=first_index,
                                  rendition=part.rendition))
        document_marks.append(pdfops.Bookmark(f"{n}. {part.title}", first_index))
        if part.filing_stamp is not None:
            stamped_pages.append(first_index)
            stamps.append(part.filing_stamp)
        if progress:
            progress(n)
    if document_marks:
        bookmarks.append(pdfops.Bookmark("卷内文件", document_marks[0].page_index, document_marks))

    if stamps:
        stamp.stamp_first_pages(pdf, stamped_pages, stamps)
    if numbered:
        sizes = [pdfops.visible_size(pdf.pages[i]) for i in numbered]
        numbers = pdfops.number_overlays(sizes, list(range(1, len(numbered) + 1)), double_sided=double_sided)
        for index, overlay in zip(numbered, numbers.pages):
            pdfops.place(pdf, pdf.pages[index], overlay, name=pdfops.NUMBER_NAME)

    append_front(front.record, "卷内备考表")
    append_front(front.spine, "卷脊")
    pdfops.add_outline(pdf, bookmarks)
    pdfops.set_metadata(pdf, title=title, author=author, subject="案卷 / bound volume (GB/T 9705-2008)",
                        created=created)
    pdfops.save(pdf, out)
    return Layout(page_count=len(pdf.pages), toc_pages=toc_pages, numbered_pages=numbered, documents=spans,
                  toc_labels=toc_labels(ranges))
