"""题名: a usable title hint (the file's own title property), else the "关于…" title line(s) joined
where the title wraps, else a first line that reads like a title; head noise (red header, 文号,
份号, 密级, dates) skipped."""
from __future__ import annotations

import re

from archive.ingest.metadata.dates import standalone_date
from archive.ingest.metadata.lines import CJK, Line, prepare, squash
from archive.ingest.metadata.numbers import doc_number_in_line
from archive.ingest.metadata.orgs import WIDE_GAP_RE, is_red_header, orgs_in

TITLE_LINES = 12          # where the title may start
MAX_FALLBACK_TITLE = 60   # a first line longer than this is body text, not a title
MAX_TITLE = 120           # never join title lines beyond this
MAX_TITLE_LINES = 4       # org line + up to three wrapped title lines


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
_FIELD_RE = re.compile(rf"[{CJK}]{{1,8}}\s*[：:]\s*\S")
_SENTENCE_PUNCT = ("。", "；", ";")
_TRIVIAL_HINTS = {"无标题", "未命名", "标题", "文档", "新建文档", "untitled", "document",
                  "title", "none", "null"}
_TRIVIAL_HINT_PREFIXES = ("microsoft word - ", "microsoft excel - ", "microsoft powerpoint - ")


def _is_head_noise(line: str) -> bool:
    """Head lines that are never part of the title."""
    return (
        is_red_header(line)
        or doc_number_in_line(line) is not None
        or "签发人" in line
        or bool(_SECRECY_RE.fullmatch(line))
        or bool(_NUMBER_ONLY_RE.fullmatch(line))
        or bool(_ISSUE_RE.fullmatch(line))
        or standalone_date(line) is not None
    )


def _is_complete(title: str) -> bool:
    return _TRAILING_PAREN_RE.sub("", title).endswith(_DOC_TYPES)


def _is_table_row(line: Line) -> bool:
    # Cells survive squashing as wide gaps; three or more cells is a table row.
    return len(WIDE_GAP_RE.split(line.text)) >= 3


def _continues_title(title: str, nxt: Line) -> bool:
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


def _join_title(lines: list[Line], start: int) -> str:
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


def _title_from_about(lines: list[Line]) -> str | None:
    for i, line in enumerate(lines[:TITLE_LINES]):
        if _is_head_noise(line.text) or not _is_about_title(line.text):
            continue
        start = i
        # "安阳县人民政府办公室 / 关于做好…的通知": the issuing body wrapped onto
        # its own line belongs to the title — unless it is the very first line,
        # which is then a header, not a title line.
        if i >= 2 and len(orgs_in(lines[i - 1].raw)) == 1 and not _is_head_noise(lines[i - 1].text):
            start = i - 1
        return _join_title(lines, start)
    return None


def _title_from_first_line(lines: list[Line]) -> str | None:
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
    h = "".join(squash(prepare(part)) for part in hint.splitlines()).strip()
    low = h.lower()
    if (len(h) < 2 or not re.search(rf"[{CJK}A-Za-z]", h)
            or low in _TRIVIAL_HINTS or low.startswith(_TRIVIAL_HINT_PREFIXES)):
        return None
    return h


def title_in(lines: list[Line], title_hint: str | None) -> str | None:
    """The 题名 of the lines (see find_title)."""
    hint = _usable_hint(title_hint)
    if hint:
        return hint
    return _title_from_about(lines) or _title_from_first_line(lines)
