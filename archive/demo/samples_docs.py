"""Writers of generated documents: a `SampleDoc` as DOCX (laid out roughly per GB/T 9704, red header,
版记, page field), as a text PDF of a given number of A4 pages, or as TXT the way Notepad saves it.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from archive.demo.samples_text import KINDS, SECTION_HEADINGS, SampleDoc, has_red_header
from archive.demo.samples_words import chinese_date


def _docx_font(run, east_asia: str, size_pt: float | None = None, bold=False, red=False):
    """Set the East Asian font (python-docx only sets the Latin one by default)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = east_asia
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
    if size_pt:
        run.font.size = Pt(size_pt)
    run.bold = bold or None
    if red:
        run.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)


def _docx_border(paragraph, side: str, color: str = "FF0000", size: int = 12):
    """A horizontal rule under/over a paragraph (红线 / 印发 lines)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.append(borders)
    edge = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", color)):
        edge.set(qn(f"w:{key}"), value)
    borders.append(edge)


def _docx_page_field(paragraph):
    """Footer '— PAGE —' with a real PAGE field (Word fills in the number)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.add_run("— ")
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)
    paragraph.add_run(" —")


def write_docx(doc: SampleDoc, path: Path | str) -> Path:
    """DOCX laid out roughly per GB/T 9704 (党政机关公文格式)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    path = Path(path)
    d = Document()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    props = d.core_properties
    props.title, props.author = doc.title, doc.author
    props.created = props.modified = dt.datetime.combine(doc.date, dt.time(9, 0))
    props.last_modified_by = doc.author

    # Body font once on the Normal style: per-run fonts would dominate the
    # time spent generating thousands of documents.
    normal = d.styles["Normal"]
    normal.font.name = "仿宋_GB2312"
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")

    center = WD_ALIGN_PARAGRAPH.CENTER
    if has_red_header(doc):
        p = d.add_paragraph()
        p.alignment = center
        _docx_font(p.add_run(f"{doc.author}文件"), "方正小标宋简体", 36, red=True)
    if doc.doc_number:
        p = d.add_paragraph()
        p.alignment = center
        p.add_run(doc.doc_number)
        if has_red_header(doc):
            _docx_border(p, "bottom")

    # Style "Title" so extractors looking for the Title paragraph find it.
    title = d.add_paragraph(style="Title")
    title.alignment = center
    _docx_font(title.add_run(doc.title), "方正小标宋简体", 22)

    if doc.addressee:
        d.add_paragraph(doc.addressee)

    headings = set(SECTION_HEADINGS[doc.kind])
    for text in doc.paragraphs:
        p = d.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)     # two characters
        p.paragraph_format.line_spacing = Pt(28)
        run = p.add_run(text)
        if text in headings:
            _docx_font(run, "黑体")

    if doc.table:
        table = d.add_table(rows=len(doc.table), cols=len(doc.table[0]))
        table.style = "Table Grid"
        for row, values in zip(table.rows, doc.table):
            for cell, value in zip(row.cells, values):
                cell.text = value

    d.add_paragraph()
    for line in (doc.author, chinese_date(doc.date)):
        p = d.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    if doc.doc_number:
        # 版记: 印发机关和印发日期 between two rules.
        p = d.add_paragraph()
        _docx_border(p, "top", color="000000", size=6)
        _docx_border(p, "bottom", color="000000", size=6)
        _docx_font(p.add_run(f"{doc.author}　　　　{doc.date.year}年{doc.date.month}月{doc.date.day}日印发"),
                   "仿宋_GB2312", 14)

    footer = section.footer.paragraphs[0]
    footer.alignment = center
    _docx_page_field(footer)

    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))
    return path


def _text_lines(doc: SampleDoc) -> list[str]:
    """The document as plain lines (shared by the TXT and PDF writers)."""
    lines: list[str] = []
    if has_red_header(doc):
        lines.append(f"{doc.author}文件")
    if doc.doc_number:
        lines.append(doc.doc_number)
    lines += ["", doc.title, ""]
    if doc.addressee:
        lines.append(doc.addressee)
    lines += ["　　" + p for p in doc.paragraphs]
    lines += ["　".join(row) for row in doc.table]
    lines += ["", doc.author, chinese_date(doc.date)]
    return lines


def write_txt(doc: SampleDoc, path: Path | str, encoding: str = "gb18030") -> Path:
    """Plain text as saved by Notepad on a Chinese Windows: GBK/GB18030, CRLF."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\r\n".join(_text_lines(doc)).encode(encoding) + b"\r\n")
    return path


# PDF geometry: A4 with GB/T 9704 margins, 3号 (16 pt) body, 22 lines × 28 chars.
_PDF_FONT = "STSong-Light"
_PDF_BODY_PT = 16
_PDF_LINE_PT = 28.9
_PDF_LINES_PER_PAGE = 22
_PDF_CHARS_PER_LINE = 28
_pdf_font_registered = False


def _register_pdf_font() -> None:
    # STSong-Light is a built-in Adobe CID font: no font file needed, and
    # pypdf can map its glyphs back to Unicode, so the text is extractable.
    global _pdf_font_registered
    if not _pdf_font_registered:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(_PDF_FONT))
        _pdf_font_registered = True


_NO_LINE_START = set("，。、；：？！）》」”’")


def _wrap(text: str, width: int) -> list[str]:
    """Char-count wrapping; CJK glyphs are one em so this never overflows.

    A line may run one char long so it does not start with a closing
    punctuation mark (the 避头点 rule of Chinese typesetting).
    """
    lines: list[str] = []
    start = 0
    while start < len(text):
        end = start + width
        if end < len(text) and text[end] in _NO_LINE_START:
            end += 1
        lines.append(text[start:end])
        start = end
    return lines or [""]


def write_pdf(doc: SampleDoc, path: Path | str, pages: int = 1) -> Path:
    """A text PDF of exactly ``pages`` A4 pages.

    Body lines are spread over the pages (each later page keeps at least one
    line when there is enough text); text that does not fit is cut.  The
    signature and date close the last page, and every page has a page number.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    if pages < 1:
        raise ValueError("pages must be >= 1")
    _register_pdf_font()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = A4
    left, top = 28 * mm, height - 37 * mm
    body_width = _PDF_CHARS_PER_LINE * _PDF_BODY_PT

    # invariant=1: no creation timestamp/random ID, so output depends on content only.
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(doc.title)
    c.setAuthor(doc.author)
    c.setSubject(doc.doc_number or KINDS[doc.kind])

    # ---- page-1 header block; returns how many body lines it used.
    y = top
    header_lines = 0
    if has_red_header(doc):
        c.setFillColorRGB(0.85, 0, 0)
        c.setFont(_PDF_FONT, 30)
        c.drawCentredString(width / 2, y - 10, f"{doc.author}文件")
        c.setFillColorRGB(0, 0, 0)
        y -= 3 * _PDF_LINE_PT
        header_lines += 3
    if doc.doc_number:
        c.setFont(_PDF_FONT, _PDF_BODY_PT)
        c.drawCentredString(width / 2, y, doc.doc_number)
        if has_red_header(doc):
            c.setStrokeColorRGB(0.85, 0, 0)
            c.setLineWidth(1.5)
            c.line(left, y - 10, left + body_width, y - 10)
            c.setStrokeColorRGB(0, 0, 0)
        y -= 2 * _PDF_LINE_PT
        header_lines += 2
    c.setFont(_PDF_FONT, 20)
    title_lines = _wrap(doc.title, 22)
    for line in title_lines:
        c.drawCentredString(width / 2, y, line)
        y -= _PDF_LINE_PT
    y -= _PDF_LINE_PT / 2
    header_lines += len(title_lines) + 1

    body: list[str] = []
    if doc.addressee:
        body.append(doc.addressee)
    for para in doc.paragraphs:
        body += _wrap("　　" + para, _PDF_CHARS_PER_LINE)
    for row in doc.table:
        body += _wrap("　".join(row), _PDF_CHARS_PER_LINE + 8)  # ASCII digits are half width
    signature = ["", doc.author, chinese_date(doc.date)]

    capacities = [_PDF_LINES_PER_PAGE - header_lines] + [_PDF_LINES_PER_PAGE] * (pages - 1)
    capacities[-1] -= len(signature)
    remaining = body
    for page in range(pages):
        later_pages = pages - page - 1
        take = min(max(capacities[page], 0), max(len(remaining) - later_pages, 1))
        chunk, remaining = remaining[:take], remaining[take:]
        if page == pages - 1 and remaining:
            # Overflow is cut; end at the last full sentence that fits.
            for i in range(len(chunk) - 1, 0, -1):
                if "。" in chunk[i]:
                    chunk = chunk[:i] + [chunk[i][:chunk[i].rindex("。") + 1]]
                    break
        c.setFont(_PDF_FONT, _PDF_BODY_PT)
        line_y = y if page == 0 else top
        for line in chunk:
            c.drawString(left, line_y, line)
            line_y -= _PDF_LINE_PT
        if page == pages - 1:
            for line in signature:
                c.drawRightString(left + body_width - 4 * _PDF_BODY_PT, line_y, line)
                line_y -= _PDF_LINE_PT
        c.setFont(_PDF_FONT, 14)
        c.drawCentredString(width / 2, 20 * mm, f"— {page + 1} —")
        c.showPage()
    c.save()
    return path
