"""The layout-free checks of a PDF: every font embedded (pdffonts' walk), the structure as
`qpdf --check` sees it, in-process through qpdf's library (check_structure), and the external
`qpdf --check` itself. Exit 3 (warnings only — typically a damaged content stream inherited from a
source document, which qpdf could read past) passes: the warnings are returned and logged.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf

from archive.binder.pdfbox import IMAGE_FILTERS, stream_filters
from archive.binder.pdffonts import unembedded_fonts
from archive.binder.verify.layout import pages_text

QPDF_TIMEOUT = 600


def check_fonts(pdf: pikepdf.Pdf, problems: list[str]) -> None:
    for name, pages in sorted(unembedded_fonts(pdf).items()):
        problems.append(f"字体 {name} 未嵌入（PDF 第 {pages_text(pages)} 页）")


class _Discard(pikepdf.StreamParser):
    def handle_object(self, *args):
        pass

    def handle_eof(self):
        pass


def check_structure(pdf: pikepdf.Pdf, problems: list[str], warnings: list[str]) -> None:
    """What `qpdf --check` checks, in-process through qpdf's library: the file opened (cross-reference
    table and trailer read), every stream's data decoded, every page's content streams parsed; qpdf's
    warnings reported. JPEG and JPEG 2000 image data is not decoded again: renditions/cache.py decoded it
    when the rendition was made, and the volume holds the same bytes."""
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


def check_qpdf(path: Path, problems: list[str], warnings: list[str]) -> None:
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
