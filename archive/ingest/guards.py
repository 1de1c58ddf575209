"""Checks that run before a parser ever sees an untrusted file."""
from __future__ import annotations

import functools
import logging
import warnings

from .types import IngestError
from archive.config import Limits
from archive.tables.errors import TableFileError
from archive.tables.guards import check_zip as check_table_zip

log = logging.getLogger(__name__)


def check_zip(path, limits: Limits) -> None:
    """Refuse DOCX/XLSX whose declared contents are too big or carry a DTD (archive.tables.guards,
    shared with the table reader), as an IngestError with the same code and message."""
    try:
        check_table_zip(path, limits)
    except TableFileError as error:
        raise IngestError(error.code, error.message) from None


def check_image(path: str, limits: Limits) -> None:
    """Refuse images whose pixel count would need too much memory to decode."""
    with open_image(path) as im:
        check_pixels(im, limits)


def check_pixels(im, limits: Limits) -> None:
    width, height = im.size
    if width * height > limits.max_image_pixels:
        raise IngestError("image_too_large", f"图片尺寸过大（{width}×{height} 像素），已拒绝")


def open_image(path: str):
    """Image.open (reads the header only) with Pillow's own bomb check mapped to ours."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # Our check_pixels applies the configured limit; Pillow's warning is noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path)
    except Image.DecompressionBombError:
        raise IngestError("image_too_large", "图片尺寸过大，已拒绝") from None
    except Exception:
        raise IngestError("malformed", "图片文件损坏，无法读取") from None


def parser_guard(message: str):
    """Decorator: any unexpected parser exception becomes IngestError('malformed', message).

    Parsers of hostile files fail in endless ways (KeyError, struct.error,
    RecursionError...); callers should only ever see an IngestError.
    """
    def wrap(fn):
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except IngestError:
                raise
            except MemoryError:
                raise too_complex() from None
            except Exception as error:
                log.warning("%s refused a file: %r", fn.__module__, error)
                raise IngestError("malformed", message) from None
        return guarded
    return wrap


def too_complex() -> IngestError:
    return IngestError("too_complex", "文件过于复杂，解析时资源不足")
