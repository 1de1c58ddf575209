"""Dates in a 问题清单's 整改时限 column, as clerks write them: 2024年3月31日, 2024.3.31, 20240331,
二〇二四年三月底, 3月底 / 6月上旬 (the year from the title or the batch), 2024年上半年, 第三季度,
several dates ("3月底至6月底": the latest), and words that mean no date (立行立改, 长期坚持).

`parse_deadline(value, year=, epoch=)` -> (date or None, text as written); ValueError with a Chinese
message when the value is not understood.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from typing import Any

from archive.tables.grid import cell_text

NO_DATE_WORDS = ("立行立改", "立即整改", "即知即改", "立查立改", "立改立行", "长期坚持", "持续推进", "持续整改",
                 "长期整改", "常态化", "长期", "持续", "动态清零", "已完成", "已整改")

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"([〇零○一二两三四五六七八九十]+)(?=[年月日号])")
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PART = r"(?P<part>底|末|初|上旬|中旬|下旬)?"
_DATE = re.compile(
    r"(?P<full>(?P<y1>\d{4}|\d{2}(?=年))\s*(?:年|[./\-])\s*(?P<m1>\d{1,2})\s*(?:月|[./\-])\s*"
    r"(?P<d1>\d{1,2})(?!\d)\s*[日号]?)"
    r"|(?P<compact>(?<!\d)(?P<y2>\d{4})(?P<m2>\d{2})(?P<d2>\d{2})(?!\d))"
    r"|(?P<yhalf>(?P<y3>\d{4})\s*年\s*(?:(?P<half>上半年|下半年|年底|年末|底|末|内|年内)|第?(?P<q>[一二三四1-4])季度))"
    r"|(?P<ym>(?P<y4>\d{4}|\d{2}(?=年))\s*(?:年|[./\-])\s*(?P<m4>\d{1,2})(?!\d)\s*(?:月份|月)?"
    + _PART.replace("part", "part4") + r")"
    r"|(?P<yonly>(?P<y5>\d{4})\s*年)"
    r"|(?P<md>(?<!\d)(?P<m6>\d{1,2})\s*月\s*(?P<d6>\d{1,2})\s*[日号])"
    r"|(?P<m>(?<!\d)(?P<m7>\d{1,2})\s*月(?:份)?" + _PART.replace("part", "part7") + r")"
    r"|(?P<noyear>(?P<half8>上半年|下半年|年底|年末|年内)|第?(?P<q8>[一二三四1-4])季度)"
)


def _cn_to_digits(text: str) -> str:
    """二〇二四年三月三十一日 → 2024年3月31日."""
    def convert(m: re.Match) -> str:
        s = m.group(1)
        if "十" not in s:
            return "".join(str(_CN_DIGITS[ch]) for ch in s)
        tens, _, ones = s.partition("十")
        value = (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
        return str(value)
    try:
        return _CN_NUMBER.sub(convert, text)
    except KeyError:
        return text


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _part_day(year: int, month: int, part: str | None) -> dt.date:
    if part in ("初", "上旬"):
        return dt.date(year, month, 10)
    if part == "中旬":
        return dt.date(year, month, 20)
    return _month_end(year, month)   # 底, 末, 下旬, or a month alone ("6月前": by the end of June)


def parse_deadline(value: Any, *, year: int | None = None, epoch: dt.datetime | None = None
                   ) -> tuple[dt.date | None, str]:
    """(deadline, text as written) for a 整改时限 cell; raises ValueError (Chinese message) when the
    value is not understood. Text with several dates gives the latest; "立行立改", "长期坚持",
    "持续推进" give no date. `year` completes dates without one ("3月底")."""
    if isinstance(value, dt.datetime):
        return value.date(), value.date().isoformat()
    if isinstance(value, dt.date):
        return value, value.isoformat()
    if isinstance(value, bool):
        raise ValueError(f"无法识别整改时限“{cell_text(value)}”")
    if isinstance(value, (int, float)):
        return _number_date(value, epoch), cell_text(value)
    text = cell_text(value)
    if not text:
        return None, ""
    norm = _cn_to_digits(unicodedata.normalize("NFKC", text))
    dates: list[dt.date] = []
    missing_year = []
    local_year = None   # "2024年3月底至6月底": the second date takes the first one's year
    for m in _DATE.finditer(norm):
        try:
            d = _match_date(m, local_year or year)
        except _NoYear as no:
            missing_year.append(no.args[0])
            continue
        except ValueError:
            raise ValueError(f"整改时限“{text}”不是有效日期") from None
        if _has_year(m):
            local_year = d.year
        dates.append(d)
    if dates:
        return max(dates), text
    if norm.isdigit():
        return _number_date(int(norm), epoch), text
    if any(word in norm for word in NO_DATE_WORDS):
        return None, text
    if missing_year:
        raise ValueError(f"整改时限“{text}”缺少年份，请写成如“2024年{missing_year[0]}”")
    raise ValueError(f"无法识别整改时限“{text}”，请写成具体日期（如 2024年3月31日）或“立行立改”“长期坚持”")


class _NoYear(Exception):
    pass


def _has_year(m: re.Match) -> bool:
    return not (m.group("md") or m.group("m") or m.group("noyear"))


def _full_year(y: str) -> int:
    return int(y) + 2000 if len(y) == 2 else int(y)


def _match_date(m: re.Match, year: int | None) -> dt.date:
    if m.group("full"):
        return dt.date(_full_year(m.group("y1")), int(m.group("m1")), int(m.group("d1")))
    if m.group("compact"):
        return dt.date(int(m.group("y2")), int(m.group("m2")), int(m.group("d2")))
    if m.group("yhalf"):
        return _half(int(m.group("y3")), m.group("half"), m.group("q"))
    if m.group("ym"):
        return _part_day(_full_year(m.group("y4")), int(m.group("m4")), m.group("part4"))
    if m.group("yonly"):
        return dt.date(int(m.group("y5")), 12, 31)
    if m.group("md"):
        if year is None:
            raise _NoYear(m.group("md"))
        return dt.date(year, int(m.group("m6")), int(m.group("d6")))
    if m.group("m"):
        if year is None:
            raise _NoYear(m.group("m"))
        return _part_day(year, int(m.group("m7")), m.group("part7"))
    if year is None:
        raise _NoYear(m.group("noyear"))
    return _half(year, m.group("half8"), m.group("q8"))


def _half(year: int, half: str | None, quarter: str | None) -> dt.date:
    if quarter:
        return _month_end(year, _QUARTER[quarter] * 3)
    if half == "上半年":
        return dt.date(year, 6, 30)
    return dt.date(year, 12, 31)


def _number_date(value: float, epoch: dt.datetime | None) -> dt.date:
    if isinstance(value, float) and not value.is_integer():
        if 1900 < value < 2100:
            raise ValueError(f"数字 {value:g} 不能作为日期（月份不确定），请写成“2024年10月31日”或设为日期格式")
        if 20000 < value < 80000:   # a date-time serial
            value = int(value)
        else:
            raise ValueError(f"无法识别整改时限“{value:g}”")
    n = int(value)
    if 19000101 <= n <= 21001231:
        try:
            return dt.date(n // 10000, n // 100 % 100, n % 100)
        except ValueError:
            raise ValueError(f"整改时限“{n}”不是有效日期") from None
    if 1990 <= n <= 2100:
        return dt.date(n, 12, 31)
    if 20000 <= n <= 80000:   # an Excel serial number in a cell not formatted as a date
        from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel
        return from_excel(n, epoch or CALENDAR_WINDOWS_1900).date()
    raise ValueError(f"无法识别整改时限“{n}”")
