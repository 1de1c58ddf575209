"""Small PDF object helpers shared by the binder's modules: page attributes looked up the page tree,
boxes and /Rotate as a page is displayed, a page's content streams, stream filters, and numbers as
they are written into content streams and arrays.
"""
from __future__ import annotations

import pikepdf

DEFAULT_MEDIABOX = (0.0, 0.0, 612.0, 792.0)  # PDF's default when a page names none (US Letter)

# Image data that renditions decode once when they are made (volume checks skip re-decoding it).
IMAGE_FILTERS = (pikepdf.Name.DCTDecode, pikepdf.Name.JPXDecode)


def is_dict(obj) -> bool:
    return isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream))


def inherited(node: pikepdf.Object, key: str):
    """A page attribute, looked up the page tree (Resources, MediaBox, CropBox, Rotate inherit)."""
    depth = 0
    while is_dict(node) and depth < 64:
        if key in node:
            return node.get(key)
        node, depth = node.get("/Parent"), depth + 1
    return None


def box(value) -> tuple[float, float, float, float] | None:
    """A rectangle as (x0, y0, x1, y1) with x0 <= x1 and y0 <= y1; None when it is not one."""
    try:
        a, b, c, d = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return min(a, c), min(b, d), max(a, c), max(b, d)


def visible_box(obj: pikepdf.Object) -> tuple[float, float, float, float]:
    """The CropBox clipped to the MediaBox (the spec's rule), else the MediaBox."""
    media = box(inherited(obj, "/MediaBox")) or DEFAULT_MEDIABOX
    crop = box(inherited(obj, "/CropBox"))
    if crop is None:
        return media
    x0, y0 = max(crop[0], media[0]), max(crop[1], media[1])
    x1, y1 = min(crop[2], media[2]), min(crop[3], media[3])
    if x1 - x0 <= 0 or y1 - y0 <= 0:
        return media  # a CropBox outside the MediaBox: viewers fall back to the MediaBox
    return x0, y0, x1, y1


def rotation(page: pikepdf.Page) -> int:
    """/Rotate normalised to 0, 90, 180 or 270 (negative and >= 360 folded; not a multiple of 90: 0)."""
    value = inherited(page.obj, "/Rotate")
    try:
        r = int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0
    r %= 360
    return r if r % 90 == 0 else 0


def visible_size(page: pikepdf.Page) -> tuple[float, float]:
    """(width, height) in points as the page is displayed: CropBox (else MediaBox) after /Rotate."""
    x0, y0, x1, y1 = visible_box(page.obj)
    w, h = x1 - x0, y1 - y0
    return (h, w) if rotation(page) in (90, 270) else (w, h)


def visible_matrix(page: pikepdf.Page) -> tuple[float, float, float, float, float, float]:
    """The matrix mapping displayed coordinates (origin bottom-left as shown) to the page's user space."""
    x0, y0, x1, y1 = visible_box(page.obj)
    w, h = x1 - x0, y1 - y0
    r = rotation(page)
    if r == 90:    # shown turned clockwise: displayed x runs up user y, displayed y runs down user x
        return 0.0, 1.0, -1.0, 0.0, x0 + w, y0
    if r == 180:
        return -1.0, 0.0, 0.0, -1.0, x0 + w, y0 + h
    if r == 270:
        return 0.0, -1.0, 1.0, 0.0, x0, y0 + h
    return 1.0, 0.0, 0.0, 1.0, x0, y0


def content_streams(obj: pikepdf.Object) -> list[pikepdf.Object]:
    """A page's (or form's) /Contents as a list of streams."""
    contents = obj.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return [c for c in contents if isinstance(c, pikepdf.Stream)]
    if isinstance(contents, pikepdf.Stream):
        return [contents]
    return []


def stream_filters(stream: pikepdf.Object) -> list:
    filters = stream.get("/Filter")
    if filters is None:
        return []
    return list(filters) if isinstance(filters, pikepdf.Array) else [filters]


def fmt(v: float) -> str:
    """A number as written into a content stream: at most 4 decimals, no trailing zeros, never -0."""
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def dec(v: float):
    """A number for a PDF array (a box): an integer when it is one, else rounded to 4 decimals."""
    return int(v) if float(v).is_integer() else round(float(v), 4)
