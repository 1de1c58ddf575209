"""What a volume should look like (the Layout compose.py records: pages, TOC pages, numbered pages,
each document's span, the 页号 printed per TOC row), the check of the layout's own sums (continuous
spans from page 1, labels matching the spans), VerificationFailed, and the small text helpers the
other checks share.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DASHES = str.maketrans({"–": "-", "—": "-", "－": "-", "~": "-", "～": "-", "‐": "-", "−": "-"})


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


def pages_text(indexes: list[int]) -> str:
    """0-based page indexes as people count them, the first eight: "3、4、9 等 12 页"."""
    shown = "、".join(str(i + 1) for i in indexes[:8])
    return shown + (f" 等 {len(indexes)} 页" if len(indexes) > 8 else "")


def normalise(label: str) -> str:
    """A 页号 label without spaces, its dashes all "-"."""
    return re.sub(r"\s+", "", label.translate(DASHES))


def check_layout(layout: Layout, problems: list[str]) -> None:
    docs = layout.documents
    if len(layout.toc_labels) != len(docs):
        problems.append(f"目录应有 {len(docs)} 个页号，布局给出 {len(layout.toc_labels)} 个")
    for i, (doc, label) in enumerate(zip(docs, layout.toc_labels)):
        last = i == len(docs) - 1
        want = (f"{doc.start}-{doc.end}" if doc.end != doc.start else str(doc.start)) if last else str(doc.start)
        if normalise(label) != want:
            problems.append(f"目录第 {i + 1} 行（{doc.title}）页号应为 {want}，布局给出 {label}")
        if doc.end < doc.start:
            problems.append(f"文件“{doc.title}”的止页 {doc.end} 小于起页 {doc.start}")
        if i + 1 < len(docs) and docs[i + 1].start != doc.end + 1:
            problems.append(f"文件“{doc.title}”止于第 {doc.end} 页，下一件却从第 {docs[i + 1].start} 页起")
    if docs and docs[0].start != 1:
        problems.append(f"第一件文件应从第 1 页起，实为第 {docs[0].start} 页")
    if docs and docs[-1].end != len(layout.numbered_pages):
        problems.append(f"最后一件文件止于第 {docs[-1].end} 页，编页号的页却有 {len(layout.numbered_pages)} 页")
