"""Images (JPEG/PNG/TIFF): check they open and are not pixel bombs; text comes from OCR later."""
from __future__ import annotations

from ..guards import check_pixels, open_image, parser_guard
from ..types import Extracted
from archive.config import Limits

_MAX_FRAMES = 10_000


@parser_guard("图片文件损坏，无法读取")
def extract(path: str, limits: Limits) -> Extracted:
    with open_image(path) as im:
        kind = {"MPO": "jpeg"}.get(im.format, (im.format or "").lower())
        frames = getattr(im, "n_frames", 1)
        # Every TIFF page has its own size; OCR will decode each of them.
        for index in range(min(frames, _MAX_FRAMES)):
            im.seek(index)
            check_pixels(im, limits)
        im.seek(0)
        if kind == "png":
            im.verify()   # walks the chunks and checks CRCs without decoding pixels
    return Extracted(kind=kind, text="", page_count=frames, status="awaiting_ocr")
