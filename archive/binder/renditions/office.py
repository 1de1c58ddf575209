"""Office documents (DOCX, XLSX, DOC, WPS, ET): LibreOffice headless, many documents per
`soffice --convert-to pdf` call, each call with its own throw-away profile, in its own process group,
under a time limit. When a batch leaves documents out, they are retried one per call, so the bad one
is the one named. LibreOffice's PDF then goes through the PDF path (a font it could not embed is
redrawn).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable

from archive.binder.renditions import process
from archive.binder.renditions.pdf import render_pdf
from archive.binder.renditions.types import ConversionFailed, Source, kind_of
from archive.storage import FileStore

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

log = logging.getLogger(__name__)

Install = Callable[[str, Callable[[Path], None]], Path]   # Renditions.install


def render_batch(batch: list[Source], *, store: FileStore, install: Install,
                 timeout: float) -> list[tuple[Source, Path | str]]:
    """Render one batch; each source comes back with its rendition path or a failure detail.
    timeout: seconds per document; a call converting n documents gets timeout × (1 + (n − 1) / 4)."""
    outcomes: dict[str, Path | str] = {}
    ready: list[Source] = []
    for source in batch:
        problem = office_problem(store.path_for(source.sha256), kind_of(source))
        if problem:
            outcomes[source.sha256] = problem
        else:
            ready.append(source)
    if ready:
        missing = _soffice(ready, outcomes, store, install, timeout)
        if len(ready) > 1:
            # Retry the missing ones one per call, so the bad document is the one named.
            for source in missing:
                _soffice([source], outcomes, store, install, timeout)
    return [(source, outcomes[source.sha256]) for source in batch]


def _soffice(sources: list[Source], outcomes: dict[str, Path | str], store: FileStore, install: Install,
             timeout: float) -> list[Source]:
    """One `soffice --convert-to pdf` call; fills outcomes, returns the sources without a rendition."""
    work = Path(tempfile.mkdtemp(prefix="archive-soffice-"))
    try:
        indir, outdir, profile = work / "in", work / "out", work / "profile"
        indir.mkdir()
        outdir.mkdir()
        inputs = []
        for source in sources:
            target = indir / f"{source.sha256}.{kind_of(source)}"
            _link_or_copy(store.path_for(source.sha256), target)
            inputs.append(str(target))
        limit = timeout * (1 + (len(sources) - 1) / 4)
        command = [soffice_binary(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
                   "--nologo", "--norestore", "--nodefault", "--nolockcheck",
                   "--convert-to", "pdf", "--outdir", str(outdir), *inputs]
        timed_out = False
        started = time.monotonic()
        try:
            code, output = process.run(command, limit, work)
        except FileNotFoundError:
            for source in sources:
                outcomes[source.sha256] = "服务器未安装 LibreOffice"
            return []
        except process.TimedOut:
            timed_out, code, output = True, None, ""
        log.info("soffice converted %d document(s) in %.1f s (exit %s)", len(sources),
                 time.monotonic() - started, code)
        produced = [i for i, s in enumerate(sources) if (outdir / f"{s.sha256}.pdf").is_file()]
        if timed_out and produced:
            # Documents are converted in order: the last output may have been cut off by the kill.
            (outdir / f"{sources[produced[-1]].sha256}.pdf").unlink()
            produced.pop()
        missing = []
        for index, source in enumerate(sources):
            pdf = outdir / f"{source.sha256}.pdf"
            if index in produced:
                try:
                    # Through the PDF path too: a font LibreOffice could not embed gets redrawn.
                    outcomes[source.sha256] = install(
                        source.sha256, lambda out: render_pdf(pdf, out, source.name, timeout))
                    continue
                except ConversionFailed as failed:
                    outcomes[source.sha256] = f"LibreOffice 生成的 PDF 无效（{failed.detail}）"
            elif timed_out:
                outcomes[source.sha256] = f"LibreOffice 转换超时（超过 {limit:.0f} 秒）"
            else:
                outcomes[source.sha256] = "LibreOffice 未生成文件（文件可能已损坏）"
            missing.append(source)
        if missing and output.strip():
            log.warning("soffice left out %s: %s", "、".join(s.name for s in missing), output.strip()[-1000:])
        return missing
    finally:
        shutil.rmtree(work, ignore_errors=True)


def office_problem(path: Path, kind: str) -> str | None:
    """A document LibreOffice must not see: missing, or not what its kind says. LibreOffice imports an
    unrecognised file as plain text, so random bytes would come out as pages of garbage."""
    if not path.is_file():
        return "原件在文件库中缺失"
    with open(path, "rb") as f:
        head = f.read(512)
    if kind in ("docx", "xlsx"):
        if not zipfile.is_zipfile(path):
            return f"文件不是有效的 {kind.upper()} 文件（文件已损坏）"
        return None
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n\x00").lower()
    if head.startswith((OLE2, b"PK\x03\x04", b"{\\rtf")) or text.startswith((b"<", b"mime-version")):
        return None   # Word/Excel 97 (WPS, ET too), a renamed DOCX/XLSX, RTF, HTML/XML or MHT saved as .doc
    return "文件格式无法识别（不是 Word、Excel 或 WPS 文档）"


def soffice_binary() -> str:
    return shutil.which("soffice") or shutil.which("libreoffice") or "soffice"


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
