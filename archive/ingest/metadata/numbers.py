"""文号: the document's own number in its head ("安政办〔2020〕15号"), normalised."""
from __future__ import annotations

import re

from archive.ingest.metadata.lines import CJK, HEAD_LINES, MAX_YEAR, MIN_YEAR, Line

_OPEN = r"[〔\[［（(【]"
_CLOSE = r"[〕\]］）)】]"
_DOC_NO = (
    rf"(?P<prefix>[{CJK}A-Za-z]{{0,20}})\s*{_OPEN}\s*(?P<year>\d{{4}})\s*{_CLOSE}"
    r"\s*(?P<di>第)?\s*(?P<num>\d{1,5})\s*号"
)
_SIGNER = r"签\s*发\s*人\s*[：:]"
# The document's own 文号 stands alone on its line in the head, optionally with
# a "文号：" label or a 签发人 beside it (上行文). A 文号 inside running text
# ("根据《…》（豫政〔2018〕5号）精神") is a reference to another document.
_DOC_NO_LINE_RE = re.compile(
    rf"(?:{_SIGNER}\S+\s+)?"
    rf"(?:(?:文\s*号|发文字号|文件编号)\s*[：:]\s*)?"
    rf"{_DOC_NO}"
    rf"(?:\s+{_SIGNER}.*)?"
)


def doc_number_in_line(line: str) -> tuple[str, int] | None:
    """(文号, year) when `line` is a 文号 line of the document itself."""
    m = _DOC_NO_LINE_RE.fullmatch(line)
    if not m:
        return None
    year = int(m["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    di = "第" if m["di"] else ""
    return f"{m['prefix']}〔{year}〕{di}{m['num']}号", year


def doc_number_in(lines: list[Line]) -> tuple[str, int] | None:
    """The 文号 in the head lines and its year, or None."""
    for line in lines[:HEAD_LINES]:
        found = doc_number_in_line(line.text)
        if found:
            return found
    return None
