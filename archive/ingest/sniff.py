"""Decide what an uploaded file is from its bytes; the name is never trusted."""
from __future__ import annotations

import os
import re
import zipfile

from .extract.txt import decode_text, utf16_guess
from .types import IngestError

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_TEXT_SAMPLE = 1024 * 1024
_UNSUPPORTED = "不支持的文件类型"
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")   # not \t \n \v \f \r
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")

# Recognisable but unsupported binaries, to tell the clerk what they sent.
_KNOWN_BINARIES = (
    (b"MZ", "可执行程序（EXE/DLL）"),
    (b"\x7fELF", "可执行程序（ELF）"),
    (b"\xcf\xfa\xed\xfe", "可执行程序（Mach-O）"),
    (b"Rar!", "RAR 压缩文件"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩文件"),
    (b"\x1f\x8b", "GZIP 压缩文件"),
    (b"GIF8", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"{\\rtf", "RTF 文档"),
)


def _unsupported(message: str = _UNSUPPORTED) -> IngestError:
    return IngestError("unsupported_type", message)


def sniff(path: str) -> str:
    """Return one of KINDS for the file at `path`, or raise IngestError."""
    if os.path.getsize(path) == 0:
        raise IngestError("empty_file", "文件为空")
    with open(path, "rb") as f:
        head = f.read(_TEXT_SAMPLE)

    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(_OLE):
        raise _ole_error(path)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(path)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        raise _unsupported("不支持的文件类型（WEBP 图片），请转为 JPG/PNG")

    is_text = _looks_like_text(head, truncated=len(head) == _TEXT_SAMPLE)
    # PDF readers accept junk (mail headers...) before the header within the
    # first 1 KB; a text note that merely mentions "%PDF-" stays text.
    if not is_text and b"%PDF-" in head[:1024]:
        return "pdf"
    for magic, what in _KNOWN_BINARIES:
        # Text could start with "BM"/"MZ" by chance.
        if head.startswith(magic) and not is_text:
            raise _unsupported(f"不支持的文件类型（{what}）")
    if is_text:
        return "txt"
    if not _CONTROL_BYTES.search(head):
        # No control bytes at all: text in an encoding we cannot read
        # (Big5, Shift-JIS, Latin-1...), not a binary.
        raise IngestError("undecodable_text", "无法识别文本编码")
    raise _unsupported()


def _ole_error(path: str) -> IngestError:
    # Password-protected DOCX/XLSX are stored as an OLE container holding an
    # "EncryptedPackage" stream; the directory can sit anywhere, so scan it all.
    # The file size was checked before sniffing, so this is bounded.
    with open(path, "rb") as f:
        tail = b""
        while chunk := f.read(1 << 20):
            if _ENCRYPTED_STREAM in tail + chunk:
                return IngestError("encrypted", "文件已加密，请去除密码后再上传")
            tail = chunk[-len(_ENCRYPTED_STREAM):]
    return _unsupported("旧版 Office/WPS 文件（DOC/XLS/WPS）暂不支持，请另存为 DOCX/XLSX 或 PDF")


def _sniff_zip(path: str) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise IngestError("malformed", "压缩文件已损坏，无法打开") from None
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "ppt/presentation.xml" in names:
            raise _unsupported("不支持的文件类型（PPTX 演示文稿）")
    if "OFD.xml" in names:
        raise _unsupported("OFD 暂不支持")
    raise _unsupported("不支持的压缩文件")


def _looks_like_text(sample: bytes, truncated: bool) -> bool:
    has_bom = sample.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in sample and not has_bom and utf16_guess(sample) is None:
        return False
    text = _decode_prefix(sample, truncated)
    if text is None:
        return False
    controls = len(_CONTROL_CHARS.findall(text))
    return controls <= max(2, len(text) // 1000)


def _decode_prefix(sample: bytes, truncated: bool) -> str | None:
    # A 1 MB sample can end in the middle of a multi-byte character.
    for cut in range(0, 4 if truncated else 1):
        try:
            return decode_text(sample[: len(sample) - cut])
        except IngestError:
            continue
    return None
