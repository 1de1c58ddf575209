"""The rendition cache: one PDF per original, named by the original's sha256 and RENDITION_VERSION,
and `Renditions.ensure`, which renders the missing ones with the converter of each kind (pdf.py,
office.py in batches, image.py, text.py).

A rendition is written to a temp file beside its place, checked (pikepdf opens it, it has pages, its
JPEG data decodes), fsynced and renamed into place: a file in the cache is always complete, and two
processes rendering the same document both succeed. `ensure` tries every source before raising
RenditionFailed, which names every document that could not be rendered (a volume never silently lacks
a document).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pikepdf

from archive.binder.pdfbox import IMAGE_FILTERS, stream_filters
from archive.binder.renditions import office
from archive.binder.renditions.image import render_image
from archive.binder.renditions.pdf import render_pdf
from archive.binder.renditions.text import render_text
from archive.binder.renditions.types import (
    IMAGE_KINDS,
    KINDS,
    OFFICE_KINDS,
    ConversionFailed,
    Failure,
    RenditionFailed,
    Source,
    kind_of,
)
from archive.storage import FileStore, atomic_file

RENDITION_VERSION = 1   # part of the cache file name; bump when the renderer changes

SHA256 = re.compile(r"[0-9a-f]{64}")

log = logging.getLogger(__name__)


def page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


class Renditions:
    def __init__(self, store: FileStore, cache_dir: Path, *, timeout: float = 180.0, batch_size: int = 20):
        """timeout: seconds allowed to convert one document (LibreOffice, pdftocairo); a LibreOffice call
        converting n documents gets timeout × (1 + (n − 1) / 4). batch_size: documents per call."""
        self.store = store
        self.cache_dir = Path(cache_dir)
        self.timeout = float(timeout)
        self.batch_size = max(1, int(batch_size))

    # ---- the cache

    def path_for(self, sha256: str) -> Path:
        if not SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256[:80]!r}")
        return self.cache_dir / sha256[:2] / f"{sha256}.v{RENDITION_VERSION}.pdf"

    def cached(self, sha256: str) -> Path | None:
        path = self.path_for(sha256)
        return path if path.is_file() else None

    def install(self, sha256: str, produce: Callable[[Path], None]) -> Path:
        """Write a rendition through a temp file beside its place: produce, check, fsync, rename."""
        target = self.path_for(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(target, mode=0o444, prefix=f".{sha256[:12]}-") as temp:
            produce(temp)
            _validate(temp)
        return target

    # ---- rendering

    def ensure_one(self, source: Source) -> Path:
        return self.ensure([source])[source.sha256]

    def ensure(self, sources: Sequence[Source], progress: Callable[[int], None] | None = None) -> dict[str, Path]:
        """sha256 → rendition path for every source, rendering the missing ones.

        progress(k) is called with the number of sources done so far (cached, rendered or failed).
        Every source is tried; then RenditionFailed lists every failure."""
        weight: dict[str, int] = {}
        unique: dict[str, Source] = {}
        for source in sources:
            weight[source.sha256] = weight.get(source.sha256, 0) + 1
            unique.setdefault(source.sha256, source)

        result: dict[str, Path] = {}
        failures: list[Failure] = []
        done = 0

        def finished(sha: str) -> None:
            nonlocal done
            done += weight[sha]
            if progress is not None:
                progress(done)

        pending: list[Source] = []
        for sha, source in unique.items():
            if not SHA256.fullmatch(sha):
                failures.append(Failure(source.name, sha, "无法转换为 PDF：文件标识（sha256）无效"))
                done += weight[sha]
                continue
            path = self.cached(sha)
            if path is not None:
                result[sha] = path
                done += weight[sha]
            else:
                pending.append(source)
        if progress is not None and done:
            progress(done)

        batched: list[Source] = []
        for source in pending:
            kind = kind_of(source)
            if kind in OFFICE_KINDS:
                batched.append(source)
                continue
            try:
                result[source.sha256] = self._render_single(source, kind)
            except ConversionFailed as failed:
                failures.append(Failure(source.name, source.sha256, f"无法转换为 PDF：{failed.detail}"))
            finally:
                finished(source.sha256)

        for batch in _chunks(batched, self.batch_size):
            try:
                outcomes = office.render_batch(batch, store=self.store, install=self.install, timeout=self.timeout)
            except Exception as error:   # e.g. no space left for the temp dir: fail this batch, go on
                log.exception("LibreOffice batch of %d failed", len(batch))
                outcomes = [(source, f"转换出错（{type(error).__name__}）") for source in batch]
            for source, outcome in outcomes:
                if isinstance(outcome, Path):
                    result[source.sha256] = outcome
                else:
                    failures.append(Failure(source.name, source.sha256, f"无法转换为 PDF：{outcome}"))
                finished(source.sha256)

        if failures:
            raise RenditionFailed(failures)
        return result

    def _render_single(self, source: Source, kind: str) -> Path:
        try:
            if kind not in KINDS:
                raise ConversionFailed(f"不支持的文件类型（{source.file_kind}）")
            original = self.store.path_for(source.sha256)
            if not original.is_file():
                raise ConversionFailed("原件在文件库中缺失")
            if kind == "pdf":
                return self.install(source.sha256, lambda out: render_pdf(original, out, source.name, self.timeout))
            if kind in IMAGE_KINDS:
                return self.install(source.sha256, lambda out: render_image(original, out))
            return self.install(source.sha256, lambda out: render_text(original, out, source.name))
        except ConversionFailed:
            raise
        except Exception as error:   # a renderer's surprise must not hide the other documents' results
            log.exception("rendition of %s (%s) failed", source.name, source.sha256)
            raise ConversionFailed(f"转换出错（{type(error).__name__}）") from None


def _validate(path: Path) -> None:
    try:
        with pikepdf.open(path) as pdf:
            if pdf.is_encrypted:
                raise ConversionFailed("生成的 PDF 仍被加密")
            if len(pdf.pages) < 1:
                raise ConversionFailed("生成的 PDF 没有页面")
            _decode_images(pdf)
    except pikepdf.PdfError:
        raise ConversionFailed("生成的 PDF 无法打开") from None


def _decode_images(pdf: pikepdf.Pdf) -> None:
    """Decode every JPEG / JPEG 2000 image once, here: volumes copy these bytes unchanged, and the
    volume check (verify.check_structure) then skips re-decoding them (0.17 s per 300-dpi scan page)."""
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and any(f in IMAGE_FILTERS for f in stream_filters(obj)):
            try:
                obj.read_bytes(pikepdf.StreamDecodeLevel.all)
            except pikepdf.PdfError:
                raise ConversionFailed("PDF 中的图片数据已损坏") from None


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
