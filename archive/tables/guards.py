"""Checks that run before a parser ever sees an untrusted zip (XLSX, DOCX): declared sizes, member
count, compression ratio, and no DTD (entity expansion) in any XML member.

Shared by the table reader and by ingest (archive/ingest/guards.py maps TableFileError to IngestError).
"""
from __future__ import annotations

import re
import zipfile

from archive.config import Limits
from archive.tables.errors import TableFileError

_MB = 1024 * 1024
_XML_HEAD = 64 * 1024
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# What may precede the root element: XML declaration/PIs, comments, whitespace.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def zip_bomb() -> TableFileError:
    return TableFileError("zip_bomb", "压缩包解压后过大，疑似压缩炸弹")


def check_zip(file, limits: Limits) -> None:
    """Refuse DOCX/XLSX whose declared contents are too big or carry a DTD. `file`: a path or a file
    object. zipfile stops reading a member at its declared size, so checking the declared sizes bounds
    what python-docx/openpyxl (and the table reader) will inflate."""
    try:
        with zipfile.ZipFile(file) as zf:
            members = zf.infolist()
            if len(members) > limits.max_zip_members:
                raise TableFileError("zip_bomb", f"压缩包内文件过多（{len(members)} 个），疑似压缩炸弹")
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
    except TableFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError,
            ValueError, RuntimeError):
        # RuntimeError: encrypted member; NotImplementedError: exotic compression.
        raise TableFileError("malformed", "压缩文件已损坏或格式不受支持，无法读取") from None


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


def _xml_entity() -> TableFileError:
    return TableFileError("xml_entity", "文件含有 XML 实体声明，已拒绝（可能是实体扩展攻击）")
