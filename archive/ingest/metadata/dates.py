"""成文日期: dates in Arabic, Chinese-numeral (二〇二〇年六月五日, 廿/卅) and numeric forms, and
which of a document's dates is the signing date (the signature block, a body and date on one line,
or a date alone on its line)."""
from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from archive.ingest.metadata.lines import HEAD_LINES, MAX_YEAR, MIN_YEAR, Line
from archive.ingest.metadata.orgs import orgs_in

TAIL_LINES = 15        # where the signature block is looked for first
MAX_DATE_LINE = 30     # "（二〇二〇年十二月三十一日）" with some spaces fits


_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3,
              "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# ○ (U+25CB) and the letters O/Ｏ stand in for 〇 in typed and OCR'd text.
_CN_DIGIT_CLASS = "〇零○ＯO一二三四五六七八九"

_DATE_ARABIC_RE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_CHINESE_RE = re.compile(
    rf"([{_CN_DIGIT_CLASS}]{{4}})\s*年\s*([{_CN_DIGIT_CLASS}十]{{1,3}})\s*月"
    rf"\s*([{_CN_DIGIT_CLASS}十廿卅]{{1,3}})\s*日"
)
# 2020-06-05, 2020.6.5, 2020/6/5 — one separator used throughout.
_DATE_NUMERIC_RE = re.compile(r"(?<![\d.])(\d{4})\s*([-./])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?!\d)")

# What may surround a date that "stands alone" on its line: "（2020年6月5日）".
_OPEN_WRAP_RE = re.compile(r"[\s（(]*")
_CLOSE_WRAP_RE = re.compile(r"[\s）)]*")


class _DateAt(NamedTuple):
    start: int
    end: int
    date: dt.date


def _cn_number(s: str) -> int | None:
    """一 … 三十一, also 廿/卅 and digit-by-digit forms like 〇五."""
    if s[0] in "廿卅":
        rest = s[1:]
        if len(rest) > 1 or (rest and rest not in _CN_DIGITS):
            return None
        return (20 if s[0] == "廿" else 30) + (_CN_DIGITS[rest] if rest else 0)
    if "十" in s:
        left, _, right = s.partition("十")
        if len(left) > 1 or len(right) > 1 or "十" in right:
            return None
        return (_CN_DIGITS[left] if left else 1) * 10 + (_CN_DIGITS[right] if right else 0)
    value = 0
    for ch in s:
        value = value * 10 + _CN_DIGITS[ch]
    return value


def _make_date(year: int | None, month: int | None, day: int | None) -> dt.date | None:
    if None in (year, month, day) or not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:   # 2月30日 and the like
        return None


def _dates_in(line: str) -> list[_DateAt]:
    """All valid dates in `line`, in order of position."""
    found = []
    for m in _DATE_ARABIC_RE.finditer(line):
        d = _make_date(int(m[1]), int(m[2]), int(m[3]))
        if d:
            found.append(_DateAt(m.start(), m.end(), d))
    for m in _DATE_CHINESE_RE.finditer(line):
        year = int("".join(str(_CN_DIGITS[c]) for c in m[1]))
        d = _make_date(year, _cn_number(m[2]), _cn_number(m[3]))
        if d:
            found.append(_DateAt(m.start(), m.end(), d))
    for m in _DATE_NUMERIC_RE.finditer(line):
        d = _make_date(int(m[1]), int(m[3]), int(m[4]))
        if d:
            found.append(_DateAt(m.start(), m.end(), d))
    return sorted(found)


def standalone_date(line: str) -> dt.date | None:
    """The date if it is all the line holds (brackets allowed), else None."""
    if len(line) > MAX_DATE_LINE:   # cheap exit for body lines
        return None
    found = _dates_in(line)
    if len(found) != 1:
        return None
    at = found[0]
    if _OPEN_WRAP_RE.fullmatch(line[:at.start]) and _CLOSE_WRAP_RE.fullmatch(line[at.end:]):
        return at.date
    return None


def _orgs_then_date(line: str) -> tuple[dt.date, list[str]] | None:
    """"安阳县人民政府  2020年6月5日" — body and date merged on one line.

    Nothing may follow the date, which keeps out "…2020年6月5日印发".
    """
    found = _dates_in(line)
    if not found:
        return None
    at = found[-1]
    if not _CLOSE_WRAP_RE.fullmatch(line[at.end:]):
        return None
    orgs = orgs_in(line[:at.start])
    return (at.date, orgs) if orgs else None


class SigningDate(NamedTuple):
    index: int          # line index of the date
    date: dt.date
    orgs: list[str]     # bodies found on the same line, if any


def locate_signing_date(lines: list[Line]) -> SigningDate | None:
    """Where the 成文日期 is, strongest evidence first."""
    tail = range(len(lines) - 1, max(0, len(lines) - TAIL_LINES) - 1, -1)
    # 1. the last date alone on its line near the end: the signature block.
    for i in tail:
        d = standalone_date(lines[i].text)
        if d:
            return SigningDate(i, d, [])
    # 2. body and date on one line, at the end (signature) or at the top
    #    (纪要/简报 版头: "编发机关  日期").
    for i in [*tail, *range(min(HEAD_LINES, len(lines)))]:
        hit = _orgs_then_date(lines[i].text)
        if hit:
            return SigningDate(i, hit[0], hit[1])
    # 3. the first date alone on its line anywhere (signature pushed up by
    #    attachments, or "（2020年6月5日）" under a title).
    for i, line in enumerate(lines):
        d = standalone_date(line.text)
        if d:
            return SigningDate(i, d, [])
    return None


def date_in(lines: list[Line], hit: SigningDate | None) -> dt.date | None:
    """The 成文日期: the signing date `hit`, else the first date anywhere in the text."""
    if hit:
        return hit.date
    # Weak evidence: a date somewhere in running text ("于2020年3月1日前完成").
    for line in lines:
        found = _dates_in(line.text)
        if found:
            return found[0].date
    return None
