"""DOCX text via python-docx: body in order, tables, headers and footers."""
from __future__ import annotations

import re
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from ..guards import parser_guard
from ..types import Extracted
from archive.config import Limits

_TITLE_STYLES = {"title", "heading 1", "标题", "标题 1", "标题1"}
_PAGES = re.compile(rb"<(?:\w+:)?Pages>\s*(\d+)\s*</")

_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
_P, _TBL, _SDT, _SDT_CONTENT, _CUSTOM_XML, _T, _TAB = (
    f"{{{_NS['w']}}}{name}" for name in ("p", "tbl", "sdt", "sdtContent", "customXml", "t", "tab"))
# "Belongs to paragraph $p" = its nearest enclosing w:p is $p, so text of a
# text box nested in the paragraph is not glued onto the paragraph's own text.
# mc:Fallback repeats the text box for old readers; w:moveFrom is moved-away text.
_OWN = "[count(ancestor::w:p[1] | $p) = 1][not(ancestor::mc:Fallback)]"
_RUN_CONTENT = etree.XPath(
    f".//w:r{_OWN}[not(ancestor::w:moveFrom)]/*[self::w:t or self::w:tab or self::w:br or self::w:cr]",
    namespaces=_NS)
_TEXT_BOXES = etree.XPath(f".//w:txbxContent{_OWN}", namespaces=_NS)


@parser_guard("Word 文件（DOCX）损坏，无法读取")
def extract(path: str, limits: Limits) -> Extracted:
    doc = docx.Document(path)
    title = None
    style_names: dict[str | None, str] = {}
    body: list[str] = []
    for block in _iter_blocks(doc.element.body, doc):
        if isinstance(block, Paragraph):
            text = _paragraph_text(block)
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


def _iter_blocks(element, parent):
    """Paragraphs and tables in document order.

    Unlike python-docx's iter_inner_content this also descends into content
    controls (w:sdt) and custom XML wrappers, which form templates and cover
    pages use a lot; their text is otherwise lost.
    """
    for child in element.iterchildren():
        if child.tag == _P:
            yield Paragraph(child, parent)
        elif child.tag == _TBL:
            yield Table(child, parent)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _iter_blocks(content, parent)
        elif child.tag == _CUSTOM_XML:
            yield from _iter_blocks(child, parent)


def _paragraph_text(paragraph: Paragraph) -> str:
    """Run text including tracked insertions, fields and hyperlinks (python-docx
    drops insertions); text boxes anchored here follow as their own lines."""
    p = paragraph._p
    parts = []
    for el in _RUN_CONTENT(p, p=p):
        if el.tag == _T:
            parts.append(el.text or "")
        else:
            parts.append("\t" if el.tag == _TAB else "\n")   # w:br, w:cr
    lines = ["".join(parts)]
    for box in _TEXT_BOXES(p, p=p):
        lines.extend(_render(_iter_blocks(box, paragraph._parent)))
    return "\n".join(line for line in lines if line) if len(lines) > 1 else lines[0]


def _render(blocks) -> list[str]:
    return [_paragraph_text(b) if isinstance(b, Paragraph) else _table_text(b) for b in blocks]


def _is_title(paragraph: Paragraph, cache: dict[str | None, str]) -> bool:
    # Resolving a style is an XPath search of styles.xml; do it once per id.
    style_id = paragraph._p.style
    if style_id not in cache:
        cache[style_id] = (paragraph.style.name or "").strip().lower()
    return cache[style_id] in _TITLE_STYLES


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
            cells.append(" ".join(t for t in _render(_iter_blocks(cell._tc, cell)) if t))
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
                text = "\n".join(t for t in _render(_iter_blocks(part._element, part)) if t).strip()
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
