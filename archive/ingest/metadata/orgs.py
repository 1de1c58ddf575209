"""责任者: issuing bodies recognised by their name's ending (人民政府, 办公室, 村委会 …), one or
several (联合发文) on a line or stacked, above the signing date or in the red header "…文件"."""
from __future__ import annotations

import re

from archive.ingest.metadata.lines import CJK, Line, squash

RED_HEADER_LINES = 6   # the red header "…文件" is at the very top
MAX_STACKED_ORGS = 4   # 联合发文: bodies may be stacked one per line


# Longest first is not needed for endswith(), but the list reads better grouped.
_ORG_SUFFIXES = (
    "人民政府", "政府", "办公室", "委员会", "村民委员会", "居民委员会", "村委会", "居委会",
    "街道办事处", "办事处", "街道", "党委", "党组", "党工委", "党支部", "党总支", "支部",
    "领导小组", "指挥部", "工作队", "工作组", "中心", "公司", "合作社", "联合会", "协会",
    "学校", "医院", "两委",
    "局", "办", "镇", "乡", "所", "站", "组", "部", "厅", "院", "委", "处", "科", "队",
    "会", "社", "村",
)
_ORG_CHARS_RE = re.compile(rf"[{CJK}][{CJK}0-9（）()·]{{1,39}}")
# "安阳县人民政府（盖章）" — the seal note is not part of the name.
_SEAL_RE = re.compile(r"\s*[（(]\s*(?:盖章|印章|公章|签章|章)\s*[）)]\s*$")
_SEAL_ONLY_RE = re.compile(r"[（(]?\s*(?:盖章|印章|公章|签章|章)\s*[）)]?")
WIDE_GAP_RE = re.compile(r"\s{2,}")
_RED_HEADER_RE = re.compile(r"(.*?)\s*文\s*件")


def _as_org(s: str) -> str | None:
    """`s` as an organisation name, or None if it does not look like one."""
    s = _SEAL_RE.sub("", squash(s.strip())).strip()
    if not _ORG_CHARS_RE.fullmatch(s):
        return None
    suffix = max((x for x in _ORG_SUFFIXES if s.endswith(x)), key=len, default=None)
    # A bare suffix ("人民政府", "办公室") or one character before it ("X村")
    # is a fragment, not a name.
    if suffix is None or len(s) < len(suffix) + 2:
        return None
    return s


def orgs_in(s: str) -> list[str]:
    """One or more bodies making up the whole of `s`, else []."""
    s = s.strip()
    if not s:
        return []
    # 联合发文: bodies side by side, separated by a wide gap, or by single
    # spaces when every piece is a full name on its own.
    for parts in (WIDE_GAP_RE.split(s), s.split()):
        if len(parts) > 1:
            orgs = [_as_org(p) for p in parts]
            if all(orgs):
                return orgs
    org = _as_org(s)
    return [org] if org else []


def orgs_above(lines: list[Line], index: int) -> list[str]:
    """Bodies on the lines directly above `index` (stacked when 联合发文)."""
    orgs: list[str] = []
    stacked = 0
    j = index - 1
    while j >= 0 and stacked < MAX_STACKED_ORGS:
        if _SEAL_ONLY_RE.fullmatch(lines[j].text):
            j -= 1
            continue
        found = orgs_in(lines[j].raw)
        if not found:
            break
        orgs = found + orgs
        stacked += 1
        j -= 1
    return orgs


def red_header_orgs(lines: list[Line]) -> list[str]:
    """Bodies named in the red header "安阳县人民政府办公室文件"."""
    for i, line in enumerate(lines[:RED_HEADER_LINES]):
        m = _RED_HEADER_RE.fullmatch(line.text)
        if not m:
            continue
        named = orgs_in(m[1])
        if m[1].strip() and not named:
            continue     # e.g. a title line "关于清理规范性文件"
        # Joint headers stack the bodies one per line with 文件 beside them.
        orgs = orgs_above(lines, i) + named
        if orgs:
            return orgs
    return []


def is_red_header(line: str) -> bool:
    m = _RED_HEADER_RE.fullmatch(line)
    return bool(m) and (not m[1].strip() or bool(orgs_in(m[1])))
