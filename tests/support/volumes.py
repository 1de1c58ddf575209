"""Documents to bind and bound volumes read back: source files in several formats, the bindable set
of tests/conftest.py's `bindable` fixture, a PDF's bookmarks and text."""
from __future__ import annotations

import subprocess

from docx import Document as DocxDocument
from openpyxl import Workbook
from PIL import Image
from pypdf import PdfReader

from archive.ingest.pipeline import Incoming
from archive.models import Document
from tests.support.documents import NOTICE


def write_docx(path, text: str) -> None:
    doc = DocxDocument()
    for line in text.splitlines():
        run = doc.add_paragraph().add_run(line)
        run.font.name = "仿宋_GB2312"
    doc.save(path)


def write_pdf(path, text: str, pages: int = 2) -> None:
    from weasyprint import HTML

    body = "".join(f'<section style="page-break-after: always"><p>{text}</p><p>第{n}页正文</p></section>'
                   for n in range(1, pages + 1))
    HTML(string=f'<html lang="zh-CN"><body style="font-family: Noto Serif CJK SC">{body}</body></html>').write_pdf(path)


def write_ledger_xlsx(path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["2020年黎元村危房改造台账（贫困户住房安全）"])
    ws.append(["序号", "户主", "改造方式", "补助资金（元）"])
    for n in range(1, 6):
        ws.append([n, f"户主{n}", "修缮加固", 15000])
    wb.save(path)


def file_bindable(services, org_tree, tmp_path) -> dict[str, int]:
    """Filed 0305 notices in four formats plus an XLSX ledger and a scanned page in 黎元村.
    Returns {name: document id}."""
    folder = tmp_path / "src"
    folder.mkdir()
    text = NOTICE.format(year=2020, n=21, day=9)
    write_docx(folder / "notice.docx", NOTICE.format(year=2020, n=22, day=10))
    write_pdf(folder / "notice.pdf", NOTICE.format(year=2020, n=23, day=11).replace("\n", "<br>"))
    (folder / "notice.txt").write_text(text, encoding="utf-8")
    write_ledger_xlsx(folder / "ledger.xlsx")
    Image.new("RGB", (1240, 1754), "white").save(folder / "scan.png", dpi=(150, 150))
    ids = {}
    for name in ("notice.txt", "notice.docx", "notice.pdf", "ledger.xlsx", "scan.png"):
        result = services.pipeline.ingest(Incoming(source=folder / name, name=name, org=org_tree["黎元村"]))
        assert result.status == "stored", result.error
        ids[name] = result.document.id
    with services.db.session() as session:
        for name in ("notice.txt", "notice.docx", "notice.pdf"):
            doc = session.get(Document, ids[name])
            assert doc.archive_code and doc.category_code == "0305", (name, doc.category_code, doc.needs_review)
    return ids


def outline(reader: PdfReader) -> list[tuple[str, int]]:
    """The PDF's bookmarks, flattened: (title, 0-based page)."""
    found = []

    def walk(entries):
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                found.append((entry.title, reader.get_destination_page_number(entry)))

    walk(reader.outline)
    return found


def pdf_text(path, first: int | None = None, last: int | None = None) -> str:
    """pdftotext of the whole PDF, or of its 0-based pages first..last."""
    args = ["pdftotext"] + (["-f", str(first + 1), "-l", str(last + 1)] if first is not None else []) + [str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout
