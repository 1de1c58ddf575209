"""Text normalisation for the search index (the original text is kept as is).

Choice: a fixed table rather than NFKC. NFKC also rewrites things that carry
meaning in Chinese archives (①→1, ㈠→(一), ㎡→m2, …→...) and would turn the
Chinese sentence punctuation ，；：！？ into English, which makes snippets
ugly for no search benefit. So only these change:
  * full-width letters, digits and ASCII symbols (Ａ１％＃（）etc.) → half-width,
    because clerks type 文号 and numbers either way: （2019）12号 == (2019)12号;
  * ，；：！？ stay as they are (they are the normal Chinese forms);
  * 〔〕【】“”‘’、。《》 are not full-width ASCII and are left alone;
  * ideographic space and other odd spaces → space; zero-width chars dropped.
Queries must be passed through the same function.
"""
from __future__ import annotations

import re

_KEEP = set("，；：！？")
CHAR_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP}
CHAR_TABLE.update({0x3000: " ", 0x00A0: " ", 0x202F: " ", 0x205F: " "})
CHAR_TABLE.update({cp: " " for cp in range(0x2000, 0x200B)})            # en/em/thin spaces
CHAR_TABLE.update({cp: None for cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)})  # zero-width
CHAR_TABLE.update({0x2028: "\n", 0x2029: "\n", 0x0085: "\n"})

_SPACES = re.compile(r"[^\S\n]+")        # whitespace other than newline
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_for_index(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(CHAR_TABLE)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
