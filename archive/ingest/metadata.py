"""Guess 题名 / 文号 / 责任者 / 成文日期 / 年度 from a document's extracted text.

Pure functions, no I/O. The input is whatever an extractor got out of a file:
Chinese official documents (公文, GB/T 9704-2012 layout), notices, plans,
minutes, reports, 公示, ledgers. Layout is mostly lost by then, so every rule
works on lines and on what a line *looks like*:

* the head (first lines) holds 份号/密级/紧急程度, the red header "…文件",
  the 文号 (with 签发人 for 上行文) and the title, which may wrap;
* the signature block at the end holds the issuing body on one line and the
  成文日期 alone on the next;
* after that come 抄送 / 印发 lines, and the 印发 line carries a date too.

Text from PDFs is messy: full-width spaces, centred titles letter-spaced
("关 于 做 好"), full-width digits. `_prepare` / `_squash` undo the common cases
before any matching is done.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from .types import Metadata

__all__ = [
    "extract_metadata",
    "find_author",
    "find_date",
    "find_doc_number",
    "find_title",
]

HEAD_LINES = 15        # where the 文号 may stand
TITLE_LINES = 12       # where the title may start
TAIL_LINES = 15        # where the signature block is looked for first
RED_HEADER_LINES = 6   # the red header "…文件" is at the very top
MAX_FALLBACK_TITLE = 60   # a first line longer than this is body text, not a title
MAX_TITLE = 120           # never join title lines beyond this
MAX_TITLE_LINES = 4       # org line + up to three wrapped title lines
MAX_STACKED_ORGS = 4      # 联合发文: bodies may be stacked one per line
MAX_DATE_LINE = 30        # "（二〇二〇年十二月三十一日）" with some spaces fits
MIN_YEAR, MAX_YEAR = 1949, 2100

# --------------------------------------------------------------------------
# Whitespace clean-up
# --------------------------------------------------------------------------

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
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
_SPACE_BETWEEN_CJK_RE = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}]) (?=[{_CJK}{_CJK_PUNCT}])")
_HAS_CJK_RE = re.compile(rf"[{_CJK}]")
_LETTER_SPACED_SHARE = 0.7


class _Line(NamedTuple):
    raw: str    # whitespace-normalised, spacing kept (used to split 联合发文 bodies)
    text: str   # squashed: letter-spacing and single spaces between CJK removed


def _prepare(line: str) -> str:
    line = _ZERO_WIDTH_RE.sub("", line)
    line = _NARROW_SPACE_RE.sub(" ", line)
    line = _WIDE_SPACE_RE.sub("  ", line)
    if _FULLWIDTH_DIGIT_RE.search(line):
        line = line.translate(_FULLWIDTH_DIGITS)
    return line.strip()


def _squash(line: str) -> str:
    """Undo letter-spacing ("关 于 做 好 2020 年") and stray spaces between CJK."""
    tokens = line.split()
    if len(tokens) >= 2 and _HAS_CJK_RE.search(line):
        singles = sum(len(t) == 1 for t in tokens)
        if singles == len(tokens) or (len(tokens) >= 4 and singles / len(tokens) >= _LETTER_SPACED_SHARE):
            return "".join(tokens)
    return _SPACE_BETWEEN_CJK_RE.sub("", line)


def _lines(text: str) -> list[_Line]:
    """Non-empty lines of `text`, each in raw and squashed form."""
    out = []
    for line in (text or "").splitlines():
        raw = _prepare(line)
        if raw:
            out.append(_Line(raw, _squash(raw)))
    return out


# --------------------------------------------------------------------------
# 文号
# --------------------------------------------------------------------------

_OPEN = r"[〔\[［（(【]"
_CLOSE = r"[〕\]］）)】]"
_DOC_NO = (
    rf"(?P<prefix>[{_CJK}A-Za-z]{{0,20}})\s*{_OPEN}\s*(?P<year>\d{{4}})\s*{_CLOSE}"
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


def _doc_number_in_line(line: str) -> tuple[str, int] | None:
    m = _DOC_NO_LINE_RE.fullmatch(line)
    if not m:
        return None
    year = int(m["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    di = "第" if m["di"] else ""
    return f"{m['prefix']}〔{year}〕{di}{m['num']}号", year


def _find_doc_number(lines: list[_Line]) -> tuple[str, int] | None:
    for line in lines[:HEAD_LINES]:
        found = _doc_number_in_line(line.text)
        if found:
            return found
    return None


def find_doc_number(text: str) -> str | None:
    """The document's own 文号, normalised to `〔〕` without spaces, or None."""
    found = _find_doc_number(_lines(text))
    return found[0] if found else None


# --------------------------------------------------------------------------
# 成文日期
# --------------------------------------------------------------------------

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


def _standalone_date(line: str) -> dt.date | None:
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
    orgs = _orgs_in(line[:at.start])
    return (at.date, orgs) if orgs else None


class _SigningDate(NamedTuple):
    index: int          # line index of the date
    date: dt.date
    orgs: list[str]     # bodies found on the same line, if any


def _locate_signing_date(lines: list[_Line]) -> _SigningDate | None:
    """Where the 成文日期 is, strongest evidence first."""
    tail = range(len(lines) - 1, max(0, len(lines) - TAIL_LINES) - 1, -1)
    # 1. the last date alone on its line near the end: the signature block.
    for i in tail:
        d = _standalone_date(lines[i].text)
        if d:
            return _SigningDate(i, d, [])
    # 2. body and date on one line, at the end (signature) or at the top
    #    (纪要/简报 版头: "编发机关  日期").
    for i in [*tail, *range(min(HEAD_LINES, len(lines)))]:
        hit = _orgs_then_date(lines[i].text)
        if hit:
            return _SigningDate(i, hit[0], hit[1])
    # 3. the first date alone on its line anywhere (signature pushed up by
    #    attachments, or "（2020年6月5日）" under a title).
    for i, line in enumerate(lines):
        d = _standalone_date(line.text)
        if d:
            return _SigningDate(i, d, [])
    return None


def find_date(text: str) -> dt.date | None:
    """The 成文日期: the signing date if one can be told apart, else the first date."""
    lines = _lines(text)
    return _find_date(lines, _locate_signing_date(lines))


def _find_date(lines: list[_Line], hit: _SigningDate | None) -> dt.date | None:
    if hit:
        return hit.date
    # Weak evidence: a date somewhere in running text ("于2020年3月1日前完成").
    for line in lines:
        found = _dates_in(line.text)
        if found:
            return found[0].date
    return None


# --------------------------------------------------------------------------
# 责任者
# --------------------------------------------------------------------------

# Longest first is not needed for endswith(), but the list reads better grouped.
_ORG_SUFFIXES = (
    "人民政府", "政府", "办公室", "委员会", "村民委员会", "居民委员会", "村委会", "居委会",
    "街道办事处", "办事处", "街道", "党委", "党组", "党工委", "党支部", "党总支", "支部",
    "领导小组", "指挥部", "工作队", "工作组", "中心", "公司", "合作社", "联合会", "协会",
    "学校", "医院", "两委",
    "局", "办", "镇", "乡", "所", "站", "组", "部", "厅", "院", "委", "处", "科", "队",
    "会", "社", "村",
)
_ORG_CHARS_RE = re.compile(rf"[{_CJK}][{_CJK}0-9（）()·]{{1,39}}")
# "安阳县人民政府（盖章）" — the seal note is not part of the name.
_SEAL_RE = re.compile(r"\s*[（(]\s*(?:盖章|印章|公章|签章|章)\s*[）)]\s*$")
_SEAL_ONLY_RE = re.compile(r"[（(]?\s*(?:盖章|印章|公章|签章|章)\s*[）)]?")
_WIDE_GAP_RE = re.compile(r"\s{2,}")
_RED_HEADER_RE = re.compile(r"(.*?)\s*文\s*件")


def _as_org(s: str) -> str | None:
    """`s` as an organisation name, or None if it does not look like one."""
    s = _SEAL_RE.sub("", _squash(s.strip())).strip()
    if not _ORG_CHARS_RE.fullmatch(s):
        return None
    suffix = max((x for x in _ORG_SUFFIXES if s.endswith(x)), key=len, default=None)
    # A bare suffix ("人民政府", "办公室") or one character before it ("X村")
    # is a fragment, not a name.
    if suffix is None or len(s) < len(suffix) + 2:
        return None
    return s


def _orgs_in(s: str) -> list[str]:
    """One or more bodies making up the whole of `s`, else []."""
    s = s.strip()
    if not s:
        return []
    # 联合发文: bodies side by side, separated by a wide gap, or by single
    # spaces when every piece is a full name on its own.
    for parts in (_WIDE_GAP_RE.split(s), s.split()):
        if len(parts) > 1:
            orgs = [_as_org(p) for p in parts]
            if all(orgs):
                return orgs
    org = _as_org(s)
    return [org] if org else []


def _orgs_above(lines: list[_Line], index: int) -> list[str]:
    """Bodies on the lines directly above `index` (stacked when 联合发文)."""
    orgs: list[str] = []
    stacked = 0
    j = index - 1
    while j >= 0 and stacked < MAX_STACKED_ORGS:
        if _SEAL_ONLY_RE.fullmatch(lines[j].text):
            j -= 1
            continue
        found = _orgs_in(lines[j].raw)
        if not found:
            break
        orgs = found + orgs
        stacked += 1
        j -= 1
    return orgs


def _red_header_orgs(lines: list[_Line]) -> list[str]:
    """Bodies named in the red header "安阳县人民政府办公室文件"."""
    for i, line in enumerate(lines[:RED_HEADER_LINES]):
        m = _RED_HEADER_RE.fullmatch(line.text)
        if not m:
            continue
        named = _orgs_in(m[1])
        if m[1].strip() and not named:
            continue     # e.g. a title line "关于清理规范性文件"
        # Joint headers stack the bodies one per line with 文件 beside them.
        orgs = _orgs_above(lines, i) + named
        if orgs:
            return orgs
    return []


def find_author(text: str) -> str | None:
    """The 责任者 (issuing body or bodies joined with "、"), or None."""
    lines = _lines(text)
    return _find_author(lines, _locate_signing_date(lines))


def _find_author(lines: list[_Line], hit: _SigningDate | None) -> str | None:
    if hit:
        orgs = hit.orgs or _orgs_above(lines, hit.index)
        if orgs:
            return "、".join(orgs)
    orgs = _red_header_orgs(lines)
    return "、".join(orgs) if orgs else None


# --------------------------------------------------------------------------
# 题名
# --------------------------------------------------------------------------

_DOC_TYPES = (
    "通知", "意见", "方案", "报告", "决定", "请示", "批复", "纪要", "函", "办法", "规定",
    "细则", "计划", "总结", "公告", "公示", "通报", "记录", "台账", "名单", "表",
    "通告", "决议", "规划", "要点", "制度", "汇报", "清单", "命令", "议案",
)
# "（试行）", "（2020年）" after the document type do not make a title incomplete.
_TRAILING_PAREN_RE = re.compile(r"(?:[（(][^（）()]{1,15}[）)])+$")
# A short status note on its own line still belongs to the title.
_TITLE_STATUS_RE = re.compile(r"[（(](?:试行|暂行|草案|征求意见稿|送审稿|修订稿?|修正)[）)]")
_SECRECY_RE = re.compile(
    r"(?:(?:特急|加急|特提|平急|急件|紧急|绝密|机密|秘密|内部|内部资料)"
    r"\s*(?:[★☆*·]\s*(?:\d+\s*年|\d+\s*个月|长期))?\s*)+"
)
# 份号 "000123", page marks "- 1 -", "— 2 —".
_NUMBER_ONLY_RE = re.compile(r"(?:No\.?\s*)?[-—–－─\s]*\d{1,8}[-—–－─\s]*", re.IGNORECASE)
_ISSUE_RE = re.compile(r"[（(]?\s*第\s*\d+\s*期\s*[）)]?")
_FIELD_RE = re.compile(rf"[{_CJK}]{{1,8}}\s*[：:]\s*\S")
_SENTENCE_PUNCT = ("。", "；", ";")
_TRIVIAL_HINTS = {"无标题", "未命名", "标题", "文档", "新建文档", "untitled", "document",
                  "title", "none", "null"}
_TRIVIAL_HINT_PREFIXES = ("microsoft word - ", "microsoft excel - ", "microsoft powerpoint - ")
_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _is_red_header(line: str) -> bool:
    m = _RED_HEADER_RE.fullmatch(line)
    return bool(m) and (not m[1].strip() or bool(_orgs_in(m[1])))


def _is_head_noise(line: str) -> bool:
    """Head lines that are never part of the title."""
    return (
        _is_red_header(line)
        or _doc_number_in_line(line) is not None
        or "签发人" in line
        or bool(_SECRECY_RE.fullmatch(line))
        or bool(_NUMBER_ONLY_RE.fullmatch(line))
        or bool(_ISSUE_RE.fullmatch(line))
        or _standalone_date(line) is not None
    )


def _is_complete(title: str) -> bool:
    return _TRAILING_PAREN_RE.sub("", title).endswith(_DOC_TYPES)


def _is_table_row(line: _Line) -> bool:
    # Cells survive squashing as wide gaps; three or more cells is a table row.
    return len(_WIDE_GAP_RE.split(line.text)) >= 3


def _continues_title(title: str, nxt: _Line) -> bool:
    """Does line `nxt` carry on the (wrapped) title `title`?"""
    t = nxt.text
    if t.endswith(("：", ":")) or _FIELD_RE.match(t) or _is_head_noise(t):
        return False     # salutation (主送), a field, a date or a number
    if any(p in t for p in (*_SENTENCE_PUNCT, "，")) or _is_table_row(nxt):
        return False     # body text or a ledger's header row
    if len(title) + len(t) > MAX_TITLE:
        return False
    if _TITLE_STATUS_RE.fullmatch(t):
        return True
    if t.startswith("的"):
        return True      # "…实施方案" / "的通知": the type word wrapped alone
    return not _is_complete(title)


def _join_title(lines: list[_Line], start: int) -> str:
    title = lines[start].text
    for nxt in lines[start + 1:start + MAX_TITLE_LINES]:
        if not _continues_title(title, nxt):
            break
        title += nxt.text
    return title.strip()


def _is_about_title(line: str) -> bool:
    """A "关于…" line that is a title, not a sentence quoting one."""
    pos = line.find("关于")
    if pos < 0 or line.endswith(("：", ":")) or any(p in line for p in _SENTENCE_PUNCT):
        return False
    before = line[:pos]
    # "根据《…关于…》" or "…，关于…" is running text.
    return "《" not in before and "，" not in before and len(line) <= MAX_TITLE


def _title_from_about(lines: list[_Line]) -> str | None:
    for i, line in enumerate(lines[:TITLE_LINES]):
        if _is_head_noise(line.text) or not _is_about_title(line.text):
            continue
        start = i
        # "安阳县人民政府办公室 / 关于做好…的通知": the issuing body wrapped onto
        # its own line belongs to the title — unless it is the very first line,
        # which is then a header, not a title line.
        if i >= 2 and len(_orgs_in(lines[i - 1].raw)) == 1 and not _is_head_noise(lines[i - 1].text):
            start = i - 1
        return _join_title(lines, start)
    return None


def _title_from_first_line(lines: list[_Line]) -> str | None:
    """Ledgers, minutes, plain texts: the first line if it reads like a title."""
    for i, line in enumerate(lines[:TITLE_LINES]):
        t = line.text
        if _is_head_noise(t):
            continue
        if (len(t) > MAX_FALLBACK_TITLE or _FIELD_RE.match(t) or t.endswith(("：", ":"))
                or any(p in t for p in (*_SENTENCE_PUNCT, "，")) or _is_table_row(line)):
            return None
        # Without a "关于" line to anchor on, only join lines when that yields a
        # complete title ("安阳县扶贫开发领导小组" + "会议纪要"), so a heading
        # is not glued to the chapter line below it.
        joined = _join_title(lines, i)
        return joined if _is_complete(joined) else t
    return None


def _usable_hint(hint: str | None) -> str | None:
    if not hint:
        return None
    h = "".join(_squash(_prepare(part)) for part in hint.splitlines()).strip()
    low = h.lower()
    if (len(h) < 2 or not re.search(rf"[{_CJK}A-Za-z]", h)
            or low in _TRIVIAL_HINTS or low.startswith(_TRIVIAL_HINT_PREFIXES)):
        return None
    return h


def find_title(text: str, title_hint: str | None = None) -> str | None:
    """The 题名: a usable `title_hint`, else the (joined) title line(s), else None."""
    return _find_title(_lines(text), title_hint)


def _find_title(lines: list[_Line], title_hint: str | None) -> str | None:
    hint = _usable_hint(title_hint)
    if hint:
        return hint
    return _title_from_about(lines) or _title_from_first_line(lines)


# --------------------------------------------------------------------------
# All together
# --------------------------------------------------------------------------

def _file_stem(filename: str) -> str:
    name = re.split(r"[\\/]", filename or "")[-1].strip()
    stem, dot, _ext = name.rpartition(".")
    return (stem if dot and stem else name) or "未命名"


def _year_in(title: str) -> int | None:
    for m in _YEAR_RE.finditer(title):
        year = int(m[1])
        if MIN_YEAR <= year <= MAX_YEAR:
            return year
    return None


def extract_metadata(text: str, *, filename: str, title_hint: str | None = None) -> Metadata:
    """All descriptive metadata found in `text`; the title falls back to the file name."""
    lines = _lines(text)      # split and cleaned once, shared by every step
    hit = _locate_signing_date(lines)
    title = _find_title(lines, title_hint) or _file_stem(filename)
    numbered = _find_doc_number(lines)
    doc_date = _find_date(lines, hit)
    if doc_date:
        year = doc_date.year
    elif numbered:
        year = numbered[1]
    else:
        year = _year_in(title)
    return Metadata(
        title=title,
        doc_number=numbered[0] if numbered else None,
        author=_find_author(lines, hit),
        doc_date=doc_date,
        year=year,
    )
