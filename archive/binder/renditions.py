"""PDF renditions of documents, for binding and preview, cached by the original's sha256.

    PDF            opened (and repaired) by pikepdf and saved decrypted; a PDF with a font that is not
                   embedded is redrawn by poppler (`pdftocairo -pdf`), which embeds the faces it used.
    DOCX XLSX      LibreOffice headless, many documents per `soffice --convert-to pdf` call, each call
    DOC WPS ET     with its own throw-away profile, in its own process group, under a time limit.
    JPEG PNG TIFF  img2pdf at the image's real size (Pillow first for alpha, 16-bit and mirrored EXIF).
    TXT            decoded like ingest does, drawn by WeasyPrint on A4 with a binding margin.

A rendition is written to a temp file beside its place, checked (pikepdf opens it, it has pages),
fsynced and renamed into place: a file in the cache is always complete, and two processes rendering
the same document both succeed. `ensure` tries every source before raising RenditionFailed, which
names every document that could not be rendered (a volume never silently lacks a document).

LibreOffice and pdftocairo get FONTCONFIG_FILE=fonts.conf (beside this file), which maps the Windows
font names Chinese documents ask for (宋体, 仿宋_GB2312, 黑体, 方正小标宋简体...) to Noto CJK SC.
"""
from __future__ import annotations

import html
import io
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pikepdf

from archive.storage import FileStore

RENDITION_VERSION = 1   # part of the cache file name; bump when the renderer changes

FONTS_CONF = Path(__file__).resolve().parent / "fonts.conf"
OFFICE_KINDS = ("docx", "xlsx", "doc", "wps", "et")
IMAGE_KINDS = ("jpeg", "png", "tiff")
KINDS = ("pdf", *OFFICE_KINDS, *IMAGE_KINDS, "txt")
_ALIASES = {"jpg": "jpeg", "tif": "tiff"}

# Page sizes in points, portrait.
A4 = (595.2756, 841.8898)
A3 = (841.8898, 1190.5512)
DEFAULT_DPI = 96.0

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
_BOXES = ("/CropBox", "/BleedBox", "/TrimBox", "/ArtBox")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHA256 = re.compile(r"[0-9a-f]{64}")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    sha256: str
    file_kind: str   # Document.file_kind: pdf docx xlsx txt jpeg png tiff (doc, wps, et accepted too)
    name: str        # the original file name, for messages


@dataclass(frozen=True)
class Failure:
    name: str
    sha256: str
    reason: str      # Chinese, without the file name: "无法转换为 PDF：……"

    @property
    def message(self) -> str:
        """The whole sentence, naming the file: 《名称.docx》无法转换为 PDF：……"""
        return f"《{self.name}》{self.reason}"


class RenditionFailed(Exception):
    """Some documents could not be rendered; `failures` lists every one of them."""

    def __init__(self, failures: Sequence[Failure]):
        self.failures = list(failures)
        super().__init__(f"{len(self.failures)} 份文件无法转换为 PDF：" + "；".join(f.message for f in self.failures))

    def __reduce__(self):
        # Pickled across worker processes: rebuild from the failures, not from the formatted text.
        return (type(self), (self.failures,))


class _Failed(Exception):
    """One document failed; `detail` completes "无法转换为 PDF：…"."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


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
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256[:80]!r}")
        return self.cache_dir / sha256[:2] / f"{sha256}.v{RENDITION_VERSION}.pdf"

    def cached(self, sha256: str) -> Path | None:
        path = self.path_for(sha256)
        return path if path.is_file() else None

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
            if not _SHA256.fullmatch(sha):
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

        office: list[Source] = []
        for source in pending:
            kind = _kind(source)
            if kind in OFFICE_KINDS:
                office.append(source)
                continue
            try:
                result[source.sha256] = self._render_single(source, kind)
            except _Failed as failed:
                failures.append(Failure(source.name, source.sha256, f"无法转换为 PDF：{failed.detail}"))
            finally:
                finished(source.sha256)

        for batch in _chunks(office, self.batch_size):
            try:
                outcomes = self._office(batch)
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
                raise _Failed(f"不支持的文件类型（{source.file_kind}）")
            original = self.store.path_for(source.sha256)
            if not original.is_file():
                raise _Failed("原件在文件库中缺失")
            if kind == "pdf":
                return self._install(source.sha256, lambda out: self._pdf(original, out, source.name))
            if kind in IMAGE_KINDS:
                return self._install(source.sha256, lambda out: _image(original, out))
            return self._install(source.sha256, lambda out: _text(original, out, source.name))
        except _Failed:
            raise
        except Exception as error:   # a renderer's surprise must not hide the other documents' results
            log.exception("rendition of %s (%s) failed", source.name, source.sha256)
            raise _Failed(f"转换出错（{type(error).__name__}）") from None

    def _install(self, sha256: str, produce: Callable[[Path], None]) -> Path:
        """Write a rendition through a temp file beside its place: produce, check, fsync, rename."""
        target = self.path_for(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{sha256[:12]}-", suffix=".tmp")
        os.close(fd)
        temp = Path(name)
        try:
            produce(temp)
            _validate(temp)
            _fsync(temp)
            os.chmod(temp, 0o444)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync(target.parent)
        return target

    # ---- PDF

    def _pdf(self, original: Path, out: Path, name: str) -> None:
        try:
            pdf = pikepdf.open(original)
        except pikepdf.PasswordError:
            raise _Failed("PDF 设有打开密码，请提供未加密的文件") from None
        except (pikepdf.PdfError, OSError, ValueError, RuntimeError):
            raise _Failed("PDF 文件已损坏，无法读取") from None
        with pdf:
            try:
                if len(pdf.pages) == 0:
                    raise _Failed("PDF 文件没有页面")
                missing = unembedded_fonts(pdf)
                if not missing:
                    pdf.save(out, encryption=False)
                    return
            except pikepdf.PdfError:
                raise _Failed("PDF 文件已损坏，无法读取") from None
            log.info("%s: fonts not embedded (%s); redrawing with pdftocairo", name, ", ".join(missing[:10]))
            self._redraw(pdf, out)

    def _redraw(self, pdf: pikepdf.Pdf, out: Path) -> None:
        """Redraw through poppler/cairo, which embeds (subsets of) the faces the fonts resolve to.

        Each page goes in upright and uncropped, and its /Rotate and boxes are put back afterwards, so
        the rendition keeps the original's geometry (cairo would otherwise bake them into the page)."""
        geometry = []
        for page in pdf.pages:
            media = _box(_inherited(page.obj, "/MediaBox")) or (0.0, 0.0, A4[0], A4[1])
            boxes = {}
            for key in _BOXES:
                value = _inherited(page.obj, key) if key == "/CropBox" else page.obj.get(key)
                box = _box(value)
                if box is not None:
                    boxes[key] = box
                if key in page.obj:
                    del page.obj[key]
            rotate = _rotation(_inherited(page.obj, "/Rotate"))
            geometry.append((media, boxes, rotate))
            page.obj.MediaBox = pikepdf.Array(media)
            page.obj.CropBox = pikepdf.Array(media)   # explicit: overrides an inherited one
            page.obj.Rotate = 0
        work = Path(tempfile.mkdtemp(prefix="archive-rendition-"))
        try:
            upright, drawn = work / "in.pdf", work / "out.pdf"
            pdf.save(upright, encryption=False)
            try:
                code, _ = _run(["pdftocairo", "-pdf", "-nocrop", "-origpagesizes", "-q", str(upright), str(drawn)],
                               self.timeout, work)
            except FileNotFoundError:
                raise _Failed("服务器未安装 poppler-utils（pdftocairo），无法嵌入字体") from None
            except _TimedOut:
                raise _Failed(f"重新嵌入字体超时（超过 {self.timeout:.0f} 秒）") from None
            if code != 0 or not drawn.is_file():
                raise _Failed("重新嵌入字体失败（pdftocairo 出错）")
            with pikepdf.open(drawn) as redrawn:
                if len(redrawn.pages) != len(geometry):
                    raise _Failed("重新嵌入字体失败（页数不符）")
                for page, (media, boxes, rotate) in zip(redrawn.pages, geometry):
                    x0, y0, x1, y1 = media
                    page.obj.MediaBox = pikepdf.Array([0, 0, _round(x1 - x0), _round(y1 - y0)])
                    for key in _BOXES:
                        if key in page.obj:
                            del page.obj[key]
                    for key, (a, b, c, d) in boxes.items():
                        page.obj[key] = pikepdf.Array([_round(a - x0), _round(b - y0), _round(c - x0), _round(d - y0)])
                    if rotate:
                        page.obj.Rotate = rotate
                still = unembedded_fonts(redrawn)
                if still:
                    raise _Failed("字体无法嵌入：" + "、".join(still[:5]))
                redrawn.save(out)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    # ---- LibreOffice

    def _office(self, batch: list[Source]) -> list[tuple[Source, Path | str]]:
        """Render one batch; each source comes back with its rendition path or a failure detail."""
        outcomes: dict[str, Path | str] = {}
        ready: list[Source] = []
        for source in batch:
            problem = _office_problem(self.store.path_for(source.sha256), _kind(source))
            if problem:
                outcomes[source.sha256] = problem
            else:
                ready.append(source)
        if ready:
            missing = self._soffice(ready, outcomes)
            if len(ready) > 1:
                # Retry the missing ones one per call, so the bad document is the one named.
                for source in missing:
                    self._soffice([source], outcomes)
        return [(source, outcomes[source.sha256]) for source in batch]

    def _soffice(self, sources: list[Source], outcomes: dict[str, Path | str]) -> list[Source]:
        """One `soffice --convert-to pdf` call; fills outcomes, returns the sources without a rendition."""
        work = Path(tempfile.mkdtemp(prefix="archive-soffice-"))
        try:
            indir, outdir, profile = work / "in", work / "out", work / "profile"
            indir.mkdir()
            outdir.mkdir()
            inputs = []
            for source in sources:
                target = indir / f"{source.sha256}.{_kind(source)}"
                _link_or_copy(self.store.path_for(source.sha256), target)
                inputs.append(str(target))
            limit = self.timeout * (1 + (len(sources) - 1) / 4)
            command = [_soffice_binary(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
                       "--nologo", "--norestore", "--nodefault", "--nolockcheck",
                       "--convert-to", "pdf", "--outdir", str(outdir), *inputs]
            timed_out = False
            started = time.monotonic()
            try:
                code, output = _run(command, limit, work)
            except FileNotFoundError:
                for source in sources:
                    outcomes[source.sha256] = "服务器未安装 LibreOffice"
                return []
            except _TimedOut:
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
                        outcomes[source.sha256] = self._install(source.sha256,
                                                                lambda out: self._pdf(pdf, out, source.name))
                        continue
                    except _Failed as failed:
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


# ---- fonts


def unembedded_fonts(pdf: pikepdf.Pdf) -> list[str]:
    """Names (BaseFont, sorted) of the fonts used on any page that are not embedded.

    Walks each page's resources (inherited too), Form XObjects (nested), tiling patterns, soft masks,
    annotation appearances and Type 3 fonts' own resources. A Type 0 font is embedded when its
    descendant has a FontFile/FontFile2/FontFile3; a Type 3 font is its own glyph program: embedded."""
    missing: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def once(obj) -> bool:
        if not obj.is_indirect:
            return True
        key = obj.objgen
        if key in seen:
            return False
        seen.add(key)
        return True

    def resources(res) -> None:
        if not _is_dict(res) or not once(res):
            return
        fonts = res.get("/Font")
        if _is_dict(fonts):
            for _, font in fonts.items():
                font_(font)
        xobjects = res.get("/XObject")
        if _is_dict(xobjects):
            for _, xobject in xobjects.items():
                form(xobject)
        patterns = res.get("/Pattern")
        if _is_dict(patterns):
            for _, pattern in patterns.items():
                if _is_dict(pattern) and pattern.get("/PatternType") == 1:
                    form(pattern, any_subtype=True)
        states = res.get("/ExtGState")
        if _is_dict(states):
            for _, state in states.items():
                mask = state.get("/SMask") if _is_dict(state) else None
                if _is_dict(mask):
                    form(mask.get("/G"))

    def form(obj, any_subtype: bool = False) -> None:
        if not isinstance(obj, pikepdf.Stream) or not once(obj):
            return
        if any_subtype or obj.get("/Subtype") == pikepdf.Name.Form:
            resources(obj.get("/Resources"))

    def font_(font) -> None:
        if not _is_dict(font) or not once(font):
            return
        subtype = font.get("/Subtype")
        if subtype == pikepdf.Name.Type3:
            resources(font.get("/Resources"))
            return
        descriptor = font.get("/FontDescriptor")
        if subtype == pikepdf.Name.Type0:
            descendants = font.get("/DescendantFonts")
            descendant = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else None
            descriptor = descendant.get("/FontDescriptor") if _is_dict(descendant) else None
        if not (_is_dict(descriptor) and any(key in descriptor for key in _FONT_FILES)):
            base = font.get("/BaseFont")
            missing.add(str(base)[1:] if isinstance(base, pikepdf.Name) else "(未命名字体)")

    for page in pdf.pages:
        resources(_inherited(page.obj, "/Resources"))
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            for annot in annots:
                appearance = annot.get("/AP") if _is_dict(annot) else None
                normal = appearance.get("/N") if _is_dict(appearance) else None
                if isinstance(normal, pikepdf.Stream):
                    form(normal, any_subtype=True)
                elif _is_dict(normal):
                    for _, state in normal.items():
                        form(state, any_subtype=True)
    return sorted(missing)


def _is_dict(obj) -> bool:
    return isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream))


def _inherited(page: pikepdf.Dictionary, key: str):
    """A page attribute, looked up the page tree (Resources, MediaBox, CropBox, Rotate inherit)."""
    node, depth = page, 0
    while _is_dict(node) and depth < 64:
        if key in node:
            return node.get(key)
        node, depth = node.get("/Parent"), depth + 1
    return None


def _box(value) -> tuple[float, float, float, float] | None:
    try:
        a, b, c, d = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return min(a, c), min(b, d), max(a, c), max(b, d)


def _rotation(value) -> int:
    try:
        return int(value) % 360 // 90 * 90
    except (TypeError, ValueError):
        return 0


def _round(x: float) -> float:
    return round(x, 4)


# ---- images


def _image(original: Path, out: Path) -> None:
    import img2pdf
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(original) as im:
                has_dpi = _has_dpi(im)
                direct = not _needs_pillow(im, original)
            layout = _layout(has_dpi)
            if direct:
                try:
                    out.write_bytes(img2pdf.convert(str(original), layout_fun=layout,
                                                    rotation=img2pdf.Rotation.auto))
                    return
                except Exception as error:   # alpha, mirrored EXIF, odd colour modes: Pillow first
                    log.info("img2pdf refused %s (%r); converting with Pillow", original.name, error)
            out.write_bytes(img2pdf.convert(*_flattened(original, has_dpi), layout_fun=layout,
                                            rotation=img2pdf.Rotation.none))
    except Image.DecompressionBombError:
        raise _Failed("图片尺寸过大") from None
    except (OSError, ValueError, SyntaxError, EOFError, img2pdf.ImageOpenError):
        raise _Failed("图片文件已损坏，无法读取") from None


def _has_dpi(im) -> bool:
    dpi = im.info.get("dpi")
    try:
        x, y = float(dpi[0]), float(dpi[1])
    except (TypeError, ValueError, IndexError):
        return False
    return 10 <= x <= 10000 and 10 <= y <= 10000


def _needs_pillow(im, path: Path) -> bool:
    """Alpha, palette transparency, 16-bit samples or a mirrored EXIF orientation."""
    if im.format == "PNG":
        with open(path, "rb") as f:
            head = f.read(26)
        if len(head) >= 25 and head[24] > 8:   # IHDR bit depth
            return True
    for index in range(getattr(im, "n_frames", 1)):
        im.seek(index)
        if im.mode not in ("1", "L", "P", "RGB", "CMYK") or "transparency" in im.info:
            return True
    im.seek(0)
    return im.getexif().get(0x0112, 1) in (2, 4, 5, 7)


def _flattened(original: Path, has_dpi: bool) -> list[bytes]:
    """Every frame upright, on white, 8-bit, as PNG (or JPEG when the original was a JPEG)."""
    from PIL import Image, ImageOps

    frames = []
    with Image.open(original) as im:
        for index in range(getattr(im, "n_frames", 1)):
            im.seek(index)
            dpi = im.info.get("dpi") if has_dpi else None
            orientation = im.getexif().get(0x0112, 1)
            frame = ImageOps.exif_transpose(im)
            if dpi and orientation in (5, 6, 7, 8):
                dpi = (dpi[1], dpi[0])
            frame = _eight_bit(frame)
            if frame.mode == "P" or "transparency" in frame.info:
                frame = frame.convert("RGBA")
            if frame.mode in ("RGBA", "LA", "RGBa", "La", "PA"):
                rgba = frame.convert("RGBA")
                base = Image.new("RGB", rgba.size, "white")
                base.paste(rgba, mask=rgba.getchannel("A"))
                frame = base
            if frame.mode not in ("1", "L", "RGB", "CMYK"):
                frame = frame.convert("RGB")
            buf = io.BytesIO()
            options = {"dpi": tuple(float(v) for v in dpi)} if dpi else {}
            if im.format == "JPEG" and frame.mode in ("L", "RGB", "CMYK"):
                frame.save(buf, format="JPEG", quality=92, **options)
            else:
                frame.save(buf, format="PNG", **options)
            frames.append(buf.getvalue())
    return frames


def _eight_bit(frame):
    """16-bit and 32-bit greyscale scaled down to 8 bits (Pillow's convert("L") would clip)."""
    from PIL import Image

    if not (frame.mode.startswith("I") or frame.mode == "F"):
        return frame
    import numpy as np

    data = np.asarray(frame)
    if frame.mode == "F":
        data = np.nan_to_num(data.astype("float64"))
        peak = 1.0 if data.max(initial=0) <= 1.0 else 255.0 if data.max(initial=0) <= 255 else 65535.0
        data = np.clip(data / peak * 255.0, 0, 255)
    elif data.max(initial=0) > 255:
        data = np.clip(data.astype("int64") >> 8, 0, 255)
    return Image.fromarray(data.astype("uint8"), mode="L")


def _layout(has_dpi: bool):
    """img2pdf layout: the image's real size from its DPI. Without a DPI, 96 dpi, fitted into A4 when
    larger. A declared DPI that makes a page larger than A3 (a camera's 72 dpi on a 4000-pixel photo)
    is not a scan's: that page is fitted into A4 too. Landscape images fit into landscape A4/A3."""

    def layout_fun(width_px, height_px, ndpi):
        dpi_x, dpi_y = (float(ndpi[0]), float(ndpi[1])) if has_dpi else (DEFAULT_DPI, DEFAULT_DPI)
        width, height = width_px / dpi_x * 72.0, height_px / dpi_y * 72.0
        cap = A3 if has_dpi else A4
        if _larger(width, height, cap):
            short, long_ = A4 if width <= height else (A4[1], A4[0])
            scale = min(short / width, long_ / height)
            width, height = width * scale, height * scale
        return width, height, width, height

    return layout_fun


def _larger(width: float, height: float, cap: tuple[float, float]) -> bool:
    cap_w, cap_h = cap if width <= height else (cap[1], cap[0])
    return width > cap_w + 0.5 or height > cap_h + 0.5


# ---- text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

_TEXT_CSS = """
@page { size: A4 portrait; margin: 20mm 20mm 20mm 25mm; }
html { font-family: "Noto Serif CJK SC"; font-size: 12pt; line-height: 1.6; }
body { margin: 0; }
pre { font-family: inherit; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; tab-size: 4; }
pre + pre { break-before: page; }
"""


def _text(original: Path, out: Path, name: str) -> None:
    from weasyprint import HTML

    from archive.ingest.extract.txt import decode_text
    from archive.ingest.types import IngestError

    try:
        text = decode_text(original.read_bytes())
    except IngestError:
        raise _Failed("无法识别文本编码") from None
    text = _CONTROL.sub("", text)
    # A form feed is a page break, as a printer would take it.
    pages = "".join(f"<pre>{html.escape(part, quote=False)}</pre>" for part in text.split("\f"))
    document = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                f"<title>{html.escape(name)}</title><style>{_TEXT_CSS}</style></head>"
                f"<body>{pages}</body></html>")
    HTML(string=document, url_fetcher=_no_fetch).write_pdf(out)


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"外部资源不允许 / external resources are not loaded: {url[:100]}")


# ---- helpers


def _kind(source: Source) -> str:
    kind = (source.file_kind or "").lower()
    return _ALIASES.get(kind, kind)


def _office_problem(path: Path, kind: str) -> str | None:
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
    if head.startswith((_OLE2, b"PK\x03\x04", b"{\\rtf")) or text.startswith((b"<", b"mime-version")):
        return None   # Word/Excel 97 (WPS, ET too), a renamed DOCX/XLSX, RTF, HTML/XML or MHT saved as .doc
    return "文件格式无法识别（不是 Word、Excel 或 WPS 文档）"


def _soffice_binary() -> str:
    return shutil.which("soffice") or shutil.which("libreoffice") or "soffice"


class _TimedOut(Exception):
    pass


def _run(command: list[str], timeout: float, cwd: Path) -> tuple[int, str]:
    """Run in its own process group, output to a file; on timeout kill the whole group."""
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
    log_path = cwd / f"run-{os.getpid()}-{time.monotonic_ns()}.log"
    with open(log_path, "w+b") as output:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   cwd=cwd, env=env, start_new_session=True)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.wait()
            raise _TimedOut() from None
        finally:
            _kill_group(process.pid)   # anything it left behind (soffice.bin outlives its launcher)
        output.seek(0)
        text = output.read(1 << 16).decode("utf-8", "replace")
    return code, text


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _validate(path: Path) -> None:
    try:
        with pikepdf.open(path) as pdf:
            if pdf.is_encrypted:
                raise _Failed("生成的 PDF 仍被加密")
            if len(pdf.pages) < 1:
                raise _Failed("生成的 PDF 没有页面")
            _decode_images(pdf)
    except pikepdf.PdfError:
        raise _Failed("生成的 PDF 无法打开") from None


IMAGE_FILTERS = (pikepdf.Name.DCTDecode, pikepdf.Name.JPXDecode)


def _decode_images(pdf: pikepdf.Pdf) -> None:
    """Decode every JPEG / JPEG 2000 image once, here: volumes copy these bytes unchanged, and the
    volume check (verify.check_structure) then skips re-decoding them (0.17 s per 300-dpi scan page)."""
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and any(f in IMAGE_FILTERS for f in stream_filters(obj)):
            try:
                obj.read_bytes(pikepdf.StreamDecodeLevel.all)
            except pikepdf.PdfError:
                raise _Failed("PDF 中的图片数据已损坏") from None


def stream_filters(stream: pikepdf.Object) -> list:
    filters = stream.get("/Filter")
    if filters is None:
        return []
    return list(filters) if isinstance(filters, pikepdf.Array) else [filters]


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
