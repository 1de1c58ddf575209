"""DOCX text via python-docx: body in order, tables, headers and footers."""
from __future__ import annotations

import re
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..guards import parser_guard
from ..types import Extracted, Limits

_TITLE_STYLES = {"title", "heading 1", "标题", "标题 1", "标题1"}
_PAGES = re.compile(rb"<(?:\w+:)?Pages>\s*(\d+)\s*</")


@parser_guard("Word 文件（DOCX）损坏，无法读取")
def extract(path: str, limits: Limits) -> Extracted:
    doc = docx.Document(path)
    title = None
    style_names: dict[str | None, str] = {}
    body: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text
            if title is None and text.strip() and _is_title(block, style_names):
                title = " ".join(text.split())
            body.append(text)
        else:
            body.append(_table_text(block))
    headers, footers = _headers_footers(doc)
    return Extracted(
        kind="docx",
        text="\n".join(headers + body + footers),
        page_count=_page_count(path),
        title_hint=title,
    )


def _is_title(paragraph: Paragraph, cache: dict[str | None, str]) -> bool:
    # Resolving a style is an XPath search of styles.xml; do it once per id.
    style_id = paragraph._p.style
    if style_id not in cache:
        cache[style_id] = (paragraph.style.name or "").strip().lower()
    return cache[style_id] in _TITLE_STYLES


def _blocks_text(container, sep: str) -> str:
    parts = []
    for block in container.iter_inner_content():
        parts.append(block.text if isinstance(block, Paragraph) else _table_text(block))
    return sep.join(p for p in parts if p)


def _table_text(table: Table) -> str:
    # A merged cell is returned once per grid column/row it spans; print it once.
    seen = set()
    lines = []
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append(_blocks_text(cell, " "))
        if any(cells):
            lines.append("\t".join(cells).rstrip("\t"))
    return "\n".join(lines)


def _headers_footers(doc) -> tuple[list[str], list[str]]:
    headers: list[str] = []
    footers: list[str] = []
    for section in doc.sections:
        for target, parts in (
            (headers, (section.first_page_header, section.header, section.even_page_header)),
            (footers, (section.first_page_footer, section.footer, section.even_page_footer)),
        ):
            for part in parts:
                # A linked part has no content of its own (and touching it
                # would create an empty definition).
                if part.is_linked_to_previous:
                    continue
                text = _blocks_text(part, "\n").strip()
                if text and text not in target:
                    target.append(text)
    return headers, footers


def _page_count(path: str) -> int | None:
    # Word/WPS record the page count they laid out in docProps/app.xml.
    with zipfile.ZipFile(path) as zf:
        try:
            with zf.open("docProps/app.xml") as f:
                head = f.read(1 << 20)
        except KeyError:
            return None
    m = _PAGES.search(head)
    return (int(m.group(1)) or None) if m else None
