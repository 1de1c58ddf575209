"""Plain text: guess the encoding the way Chinese office PCs actually save."""
from __future__ import annotations

import codecs

from ..types import Extracted, IngestError
from archive.config import Limits

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),   # the "utf-16" codec reads and drops the BOM
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def utf16_guess(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NULs cluster on one byte parity, else None.

    BOM-less UTF-16 of mostly-ASCII text (logs, CSV exported by some tools)
    has a NUL in every other byte; Chinese UTF-16 has few NULs and is not
    detectable this way, which is fine because Notepad writes a BOM.
    """
    sample = data[:65536]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0::2].count(0)   # NUL as the first byte of a pair: big-endian ASCII
    odd = sample[1::2].count(0)    # NUL as the second byte: little-endian ASCII
    if odd >= pairs * 0.3 and even <= odd * 0.05:
        return "utf-16-le"
    if even >= pairs * 0.3 and odd <= even * 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """Decode uploaded text bytes; line ends become LF.

    Order: BOM, UTF-16 heuristic, strict UTF-8, strict GB18030 (a superset of
    GBK/GB2312, which is what Chinese Windows saves "ANSI" text as).
    UTF-8 goes before GB18030 because valid UTF-8 Chinese is almost never
    also intended as GBK, while much GBK text happens to be invalid UTF-8.
    """
    text = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise IngestError("undecodable_text", "无法识别文本编码") from None
            break
    if text is None:
        # The UTF-16 guess goes first: NUL-riddled ASCII is also "valid" UTF-8.
        guess = utf16_guess(data)
        codecs_to_try = ([guess] if guess else []) + ["utf-8", "gb18030"]
        for codec in codecs_to_try:
            try:
                text = data.decode(codec)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        raise IngestError("undecodable_text", "无法识别文本编码")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def extract(path: str, limits: Limits) -> Extracted:
    with open(path, "rb") as f:
        data = f.read(limits.max_bytes + 1)
    return Extracted(kind="txt", text=decode_text(data))
