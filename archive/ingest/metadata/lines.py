"""The lines of a document's text as metadata rules read them: whitespace, full-width digits and
letter-spacing ("关 于 做 好") undone, each line kept raw (spacing shows 联合发文 bodies side by side) and
squashed (for matching)."""
from __future__ import annotations

import re
from typing import NamedTuple

HEAD_LINES = 15        # where the 文号 may stand
MIN_YEAR, MAX_YEAR = 1949, 2100


CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Full-width punctuation, quotes and dashes that sit between CJK characters.
_CJK_PUNCT = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2018-\u201d\u2014\u2026\u00b7"

_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_NARROW_SPACE_RE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f]")
# A full-width space or a tab is a wide gap: it can separate two issuing bodies
# on one signature line, so it becomes two spaces, never one.
_WIDE_SPACE_RE = re.compile("[\u3000\t]")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_FULLWIDTH_DIGIT_RE = re.compile("[０-９]")   # str.translate is slow; only call it when needed
# One ASCII space between two CJK characters is a PDF/Word artefact; runs of
# two or more are kept because they separate fields (bodies, table cells).
_SPACE_BETWEEN_CJK_RE = re.compile(rf"(?<=[{CJK}{_CJK_PUNCT}]) (?=[{CJK}{_CJK_PUNCT}])")
_HAS_CJK_RE = re.compile(rf"[{CJK}]")
_LETTER_SPACED_SHARE = 0.7


class Line(NamedTuple):
    raw: str    # whitespace-normalised, spacing kept (used to split 联合发文 bodies)
    text: str   # squashed: letter-spacing and single spaces between CJK removed


def prepare(line: str) -> str:
    line = _ZERO_WIDTH_RE.sub("", line)
    line = _NARROW_SPACE_RE.sub(" ", line)
    line = _WIDE_SPACE_RE.sub("  ", line)
    if _FULLWIDTH_DIGIT_RE.search(line):
        line = line.translate(_FULLWIDTH_DIGITS)
    return line.strip()


def squash(line: str) -> str:
    """Undo letter-spacing ("关 于 做 好 2020 年") and stray spaces between CJK."""
    tokens = line.split()
    if len(tokens) >= 2 and _HAS_CJK_RE.search(line):
        singles = sum(len(t) == 1 for t in tokens)
        if singles == len(tokens) or (len(tokens) >= 4 and singles / len(tokens) >= _LETTER_SPACED_SHARE):
            return "".join(tokens)
    return _SPACE_BETWEEN_CJK_RE.sub("", line)


def split_lines(text: str) -> list[Line]:
    """Non-empty lines of `text`, each in raw and squashed form."""
    out = []
    for line in (text or "").splitlines():
        raw = prepare(line)
        if raw:
            out.append(Line(raw, squash(raw)))
    return out
