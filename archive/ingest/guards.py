"""Checks that run before a parser ever sees an untrusted file."""
from __future__ import annotations

import functools
import logging
import re
import warnings
import zipfile

from .types import IngestError
from archive.config import Limits

log = logging.getLogger(__name__)
_MB = 1024 * 1024
_XML_HEAD = 64 * 1024
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# What may precede the root element: XML declaration/PIs, comments, whitespace.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def zip_bomb() -> IngestError:
    return IngestError("zip_bomb", "压缩包解压后过大，疑似压缩炸弹")


def check_zip(path: str, limits: Limits) -> None:
    """Refuse DOCX/XLSX whose declared contents are too big or carry a DTD.

    zipfile stops reading a member at its declared size, so checking the
    declared sizes bounds what python-docx/openpyxl will inflate.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            if len(members) > limits.max_zip_members:
                raise IngestError("zip_bomb", f"压缩包内文件过多（{len(members)} 个），疑似压缩炸弹")
            if sum(m.file_size for m in members) > limits.max_unzipped_bytes:
                raise zip_bomb()
            for m in members:
                if m.file_size > _MB and m.file_size > limits.max_zip_ratio * max(m.compress_size, 1):
                    raise zip_bomb()
            for m in members:
                if m.filename.lower().endswith((".xml", ".rels")):
                    with zf.open(m) as f:
                        head = f.read(_XML_HEAD)   # inflates at most this much
                    _check_xml_head(head, full=len(head) == _XML_HEAD)
    except IngestError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError,
            ValueError, RuntimeError):
        # RuntimeError: encrypted member; NotImplementedError: exotic compression.
        raise IngestError("malformed", "压缩文件已损坏或格式不受支持，无法读取") from None


def _check_xml_head(head: bytes, full: bool) -> None:
    # Dropping NULs makes UTF-16/32 encoded XML searchable as ASCII too.
    ascii_view = head.replace(b"\x00", b"")
    if ascii_view.startswith(b"\xef\xbb\xbf"):
        ascii_view = ascii_view[3:]
    elif ascii_view.startswith((b"\xff\xfe", b"\xfe\xff")):
        ascii_view = ascii_view[2:]
    if _DTD.search(ascii_view):
        raise _xml_entity()
    # A DTD can only sit before the root element; if 64 KB of comments and
    # PIs still have not reached it, someone is hiding one further on.
    pos = 0
    while m := _PROLOG_ITEM.match(ascii_view, pos):
        pos = m.end()
    if ascii_view[pos:pos + 2] == b"<!" or (full and pos >= len(ascii_view)):
        raise _xml_entity()


def _xml_entity() -> IngestError:
    return IngestError("xml_entity", "文件含有 XML 实体声明，已拒绝（可能是实体扩展攻击）")


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
