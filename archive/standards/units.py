"""Org-unit paths and division codes as the standards read them: a display path split into names, a
division code padded to 12 digits, and the level (province … village) a unit's name tells."""
from __future__ import annotations

import re
import unicodedata

CODE_LENGTHS = (2, 4, 6, 9, 12)  # province … village prefixes of the 12-digit 统计用区划代码
PATH_SEPARATORS = re.compile(r"\s*[/／\\]\s*")


def split_path(path: str) -> list[str]:
    """The names of a display path ("河南省/安阳市/…", also with ／ or \\ and spaces around them)."""
    return [p for p in PATH_SEPARATORS.split(path.strip()) if p]


def unit_code(code: str | None) -> str | None:
    """A division code as a 12-digit string (shorter prefixes right-padded), or None."""
    code = unicodedata.normalize("NFKC", code or "").strip()
    return code.ljust(12, "0") if code.isdigit() and len(code) in CODE_LENGTHS else None


# Name suffixes by level, longest first so 社区 wins over 区 and 自治区 over 区.
_SUFFIXES = sorted(
    [(s, "village") for s in ("村", "社区", "村委会", "村民委员会", "居委会", "居民委员会", "嘎查")]
    + [(s, "township") for s in ("镇", "乡", "街道", "办事处", "苏木")]
    + [(s, "county") for s in ("区", "县", "旗", "县级市", "特区", "林区")]
    + [(s, "city") for s in ("地区", "自治州", "盟")]
    + [(s, "province") for s in ("省", "自治区", "特别行政区")],
    key=lambda pair: -len(pair[0]))
_BY_DEPTH = ("province", "city", "county", "township")


def level_of(path: str, depth: int | None = None) -> str:
    """The level of the unit at display path `path`: "province", "city", "county", "township" or
    "village". Decided by the name's suffix first, because trees are not always five deep; then by
    `depth` (0 province … 4 village; deeper is village), which defaults to the path's depth.
    A name ending in 市 is a 直辖市 at depth 0, a city at depth 1 and a 县级市 at depth 2.
    Province and city are returned as such: they are not in LEVELS, no class or scope item
    applies to them, and the caller decides what they mean for its purpose."""
    parts = split_path(path)
    if not parts:
        raise ValueError("单位路径为空 / empty path")
    depth = len(parts) - 1 if depth is None else depth
    name = parts[-1]
    for suffix, level in _SUFFIXES:
        if name.endswith(suffix):
            return level
    if name.endswith("市"):
        return {0: "province", 2: "county"}.get(depth, "city")
    return _BY_DEPTH[depth] if 0 <= depth < len(_BY_DEPTH) else "village"

