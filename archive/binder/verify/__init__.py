"""Reads a finished volume back and checks it (issue 6 item 3). Every check runs; the problems are
collected (in Chinese, one per line) and raised together as VerificationFailed.

- the page count, and the layout's own sums (layout.py);
- the stamped page numbers: exactly 1..n on the numbered pages, in order, and nowhere else (numbers.py);
- the 页号 column of the 卷内文件目录, read with `pdftotext -bbox`: equal to the layout's labels, each
  label's first number the stamped number of that document's first page, the last label "start-end"
  (toc.py);
- each document's first page in the volume is its rendition's first page (first_pages.py);
- every font on every page embedded; the PDF structure as `qpdf --check` sees it, in-process, and
  optionally `qpdf --check` itself (structure.py).

The checks are called through this module's names (benchmarks/volume.py times them by wrapping them).
"""
from __future__ import annotations

import logging
from pathlib import Path

import pikepdf

from archive.binder.pdffonts import unembedded_fonts
from archive.binder.verify.first_pages import check_first_pages
from archive.binder.verify.layout import DocumentSpan, Layout, VerificationFailed, check_layout
from archive.binder.verify.numbers import check_numbers, read_numbers
from archive.binder.verify.structure import check_fonts, check_qpdf, check_structure
from archive.binder.verify.toc import check_toc, read_toc_labels

__all__ = ["DocumentSpan", "Layout", "VerificationFailed", "check_file", "check_structure", "read_numbers",
           "read_toc_labels", "unembedded_fonts", "verify"]

log = logging.getLogger(__name__)


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
            check_qpdf(path, problems, warnings)
        raise VerificationFailed(problems) from None
    with pdf:
        count = len(pdf.pages)
        if count != layout.page_count:
            problems.append(f"页数为 {count}，应为 {layout.page_count}")
        numbers = read_numbers(pdf)
        check_numbers(numbers, layout, count, problems)
        check_layout(layout, problems)
        check_toc(path, layout, count, problems)
        check_first_pages(pdf, numbers, layout, problems)
        check_fonts(pdf, problems)
        check_structure(pdf, problems, warnings)
    if run_qpdf:
        check_qpdf(path, problems, warnings)
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
            check_fonts(pdf, problems)
            check_structure(pdf, problems, warnings)
    except pikepdf.PdfError as exc:
        problems.append(f"无法打开 PDF：{exc}")
    check_qpdf(Path(path), problems, warnings)
    return problems, warnings
