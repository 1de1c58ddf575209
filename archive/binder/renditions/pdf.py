"""PDF originals: opened (and repaired) by pikepdf and saved decrypted; a PDF with a font that is not
embedded is redrawn by poppler (`pdftocairo -pdf`), which embeds the faces it used. LibreOffice's
output goes through here too.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import pikepdf

from archive.binder.pdfbox import box, dec, inherited, rotation
from archive.binder.pdffonts import unembedded_fonts
from archive.binder.renditions import process
from archive.binder.renditions.types import A4, ConversionFailed

BOXES = ("/CropBox", "/BleedBox", "/TrimBox", "/ArtBox")

log = logging.getLogger(__name__)


def render_pdf(original: Path, out: Path, name: str, timeout: float) -> None:
    """Write the rendition of the PDF `original` (named `name` in messages) to `out`."""
    try:
        pdf = pikepdf.open(original)
    except pikepdf.PasswordError:
        raise ConversionFailed("PDF 设有打开密码，请提供未加密的文件") from None
    except (pikepdf.PdfError, OSError, ValueError, RuntimeError):
        raise ConversionFailed("PDF 文件已损坏，无法读取") from None
    with pdf:
        try:
            if len(pdf.pages) == 0:
                raise ConversionFailed("PDF 文件没有页面")
            missing = sorted(unembedded_fonts(pdf))
            if not missing:
                pdf.save(out, encryption=False)
                return
        except pikepdf.PdfError:
            raise ConversionFailed("PDF 文件已损坏，无法读取") from None
        log.info("%s: fonts not embedded (%s); redrawing with pdftocairo", name, ", ".join(missing[:10]))
        redraw(pdf, out, timeout)


def redraw(pdf: pikepdf.Pdf, out: Path, timeout: float) -> None:
    """Redraw through poppler/cairo, which embeds (subsets of) the faces the fonts resolve to.

    Each page goes in upright and uncropped, and its /Rotate and boxes are put back afterwards, so
    the rendition keeps the original's geometry (cairo would otherwise bake them into the page)."""
    geometry = []
    for page in pdf.pages:
        media = box(inherited(page.obj, "/MediaBox")) or (0.0, 0.0, A4[0], A4[1])
        boxes = {}
        for key in BOXES:
            value = inherited(page.obj, key) if key == "/CropBox" else page.obj.get(key)
            found = box(value)
            if found is not None:
                boxes[key] = found
            if key in page.obj:
                del page.obj[key]
        geometry.append((media, boxes, rotation(page)))
        page.obj.MediaBox = pikepdf.Array(media)
        page.obj.CropBox = pikepdf.Array(media)   # explicit: overrides an inherited one
        page.obj.Rotate = 0
    work = Path(tempfile.mkdtemp(prefix="archive-rendition-"))
    try:
        upright, drawn = work / "in.pdf", work / "out.pdf"
        pdf.save(upright, encryption=False)
        try:
            code, _ = process.run(["pdftocairo", "-pdf", "-nocrop", "-origpagesizes", "-q", str(upright), str(drawn)],
                                  timeout, work)
        except FileNotFoundError:
            raise ConversionFailed("服务器未安装 poppler-utils（pdftocairo），无法嵌入字体") from None
        except process.TimedOut:
            raise ConversionFailed(f"重新嵌入字体超时（超过 {timeout:.0f} 秒）") from None
        if code != 0 or not drawn.is_file():
            raise ConversionFailed("重新嵌入字体失败（pdftocairo 出错）")
        with pikepdf.open(drawn) as redrawn:
            if len(redrawn.pages) != len(geometry):
                raise ConversionFailed("重新嵌入字体失败（页数不符）")
            for page, (media, boxes, rotate) in zip(redrawn.pages, geometry):
                x0, y0, x1, y1 = media
                page.obj.MediaBox = pikepdf.Array([0, 0, dec(x1 - x0), dec(y1 - y0)])
                for key in BOXES:
                    if key in page.obj:
                        del page.obj[key]
                for key, (a, b, c, d) in boxes.items():
                    page.obj[key] = pikepdf.Array([dec(a - x0), dec(b - y0), dec(c - x0), dec(d - y0)])
                if rotate:
                    page.obj.Rotate = rotate
            still = sorted(unembedded_fonts(redrawn))
            if still:
                raise ConversionFailed("字体无法嵌入：" + "、".join(still[:5]))
            redrawn.save(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
