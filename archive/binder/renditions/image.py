"""Images (JPEG, PNG, TIFF): img2pdf at the image's real size, each frame a page. Pillow first for
what img2pdf refuses or would get wrong: alpha, palette transparency, 16-bit samples, mirrored EXIF.
"""
from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

from archive.binder.renditions.types import A3, A4, ConversionFailed

DEFAULT_DPI = 96.0

log = logging.getLogger(__name__)


def render_image(original: Path, out: Path) -> None:
    """Write the rendition of the image `original` (JPEG, PNG, TIFF; every frame a page) to `out`."""
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
        raise ConversionFailed("图片尺寸过大") from None
    except (OSError, ValueError, SyntaxError, EOFError, img2pdf.ImageOpenError):
        raise ConversionFailed("图片文件已损坏，无法读取") from None


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
