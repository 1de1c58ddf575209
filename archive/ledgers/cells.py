"""The checks of one cell by its field's kind (text, id_number, phone, number, integer, date): each
normalises the value and reports its problems (codes in validate.py's docstring)."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from archive.ledgers import idnumber
from archive.ledgers.report import Problem
from archive.standards import LedgerField
from archive.text.masking import mask_id, mask_phone, mask_text

EARLIEST_DATE = dt.date(1949, 1, 1)
PLACEHOLDERS = frozenset({"/", "／", "\\", "-", "－", "—", "——", "--", "无", "暂无", "空", "N/A", "n/a", "NA",
                          "null", "NULL"})

ID_MESSAGES = {
    "id_length": "{name}应为 18 位，实为 {length} 位，请核对",
    "id_characters": "{name}含无效字符（只能是数字，最后一位可为 X），请核对",
    "id_address": "{name} {masked} 的前 6 位不是有效的地址码，请核对",
    "id_birthdate": "{name} {masked} 中的出生日期（第 7–14 位）{why}，请核对",
    "id_checksum": "{name} {masked} 的校验码（第 18 位）不符合 GB 11643，号码有误，请核对",
    "id_fullwidth": "{name}含全角字符，已转为半角",
    "id_spaces": "{name}含空格，已去除",
    "id_lowercase_x": "{name}末位为小写 x，已改为大写 X",
    "id_old_15": "{name}为 15 位旧号码，已按 GB 11643 升为 18 位 {masked}，请核对后改为 18 位号码",
}


def missing(f: LedgerField, number: int, letter: str) -> Problem:
    """missing_required: the required cell of field `f` in row `number` is empty."""
    return Problem(number, letter, f.key, "missing_required", "error", f"必填项“{f.name}”为空")


def choices_of(f: LedgerField) -> frozenset[str]:
    return frozenset(fold(c) for c in f.choices)


def fold(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def is_placeholder(text: str) -> bool:
    return text in PLACEHOLDERS


def shown(value: Any, limit: int = 20) -> str:
    """A cell value for a message: short, and with numbers that look personal masked."""
    text = value.strftime("%Y-%m-%d") if isinstance(value, (dt.date, dt.datetime)) else str(value)
    text = mask_text(text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(f, value, number, letter, problems, today, latest, choices):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    if not text or (f.required and is_placeholder(text)):
        if f.required:
            problems.append(missing(f, number, letter))
        return None
    if choices and fold(text) not in choices:
        usual = "、".join(f.choices[:6]) + ("等" if len(f.choices) > 6 else "")
        problems.append(Problem(number, letter, f.key, "not_in_choices", "warning",
                                f"{f.name}“{shown(text)}”不是常用值（{usual}），请核对"))
    return text


def _id_number(f, value, number, letter, problems, today, latest, choices):
    if value.__class__ is str and is_placeholder(value.strip()):
        value = None
    if value is None:
        if f.required:
            problems.append(missing(f, number, letter))
        return None
    normal, codes = idnumber.from_cell(value, today=today)
    for code in codes:
        problems.append(Problem(number, letter, f.key, code, idnumber.SEVERITY[code],
                                _id_message(f, code, value, normal, today)))
    return normal


def _id_message(f: LedgerField, code: str, raw: Any, normal: str | None, today: dt.date) -> str:
    name = f.name
    if code == "id_as_number":
        if normal:
            return (f"{name}以数字格式存储（号码目前完整：{mask_id(normal)}），在 Excel/WPS 中编辑保存后末尾数字会丢失；"
                    f"请将该列设为文本格式后重新录入")
        return (f"{name}以数字格式存储，Excel 只保留 15 位有效数字，末尾数字已丢失，无法恢复；"
                f"请按身份证重新录入，并先将该列设为文本格式")
    if code == "id_length":
        text = idnumber.normalise(raw)[0] or ""
        return ID_MESSAGES[code].format(name=name, length=len(text))
    why = ""
    if code == "id_birthdate" and normal:
        born = idnumber.birth_date(normal)
        why = ("不是有效日期" if born is None else "早于 1900 年" if born < idnumber.EARLIEST_BIRTH
               else "晚于今天" if born > today else "无效")
    return ID_MESSAGES[code].format(name=name, masked=mask_id(normal) if normal else "", why=why)


_PHONE_SPLIT = re.compile(r"[/,，;；、|]+")
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
_LANDLINE = re.compile(r"(?:\(0\d{2,3}\)|0\d{2,3}-?)?[2-9]\d{6,7}(?:-\d{1,6})?")


def _one_phone(part: str) -> str | None:
    """A mobile number as 11 digits, a landline as written (spaces removed); None when neither."""
    digits = re.sub(r"[\s-]", "", part)
    if _MOBILE.fullmatch(digits):
        return digits[-11:]
    compact = re.sub(r"\s", "", part)
    return compact if _LANDLINE.fullmatch(compact) else None


def _phone(f, value, number, letter, problems, today, latest, choices):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text or is_placeholder(text):
        if f.required:
            problems.append(missing(f, number, letter))
        return None
    cleaned = []
    for part in (p.strip() for p in _PHONE_SPLIT.split(text)):
        if not part:
            continue
        found = _one_phone(part)
        if found is None and re.search(r"\s", part):   # two numbers separated by a space
            found_all = [_one_phone(p) for p in part.split()]
            found = "/".join(found_all) if all(found_all) else None
        if found is None:
            problems.append(Problem(number, letter, f.key, "phone_invalid", "error",
                                    f"{f.name}“{mask_phone(part)}”不是有效的手机号码（11 位，1 开头）或固定电话，请核对"))
            return None
        cleaned.append(found)
    return "/".join(cleaned) or None


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
_UNITS = {"number": ("元",), "integer": ("人", "户", "口", "个", "元")}


def _to_number(f, value, number, letter, problems) -> int | float | None:
    """The value as int or float, or None after reporting not_a_number."""
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime, dt.time)):
        problems.append(Problem(number, letter, f.key, "not_a_number", "error",
                                f"{f.name}“{shown(value)}”不是数字，请只填数字"))
        return None
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            problems.append(Problem(number, letter, f.key, "not_a_number", "error", f"{f.name}不是有效的数字"))
            return None
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text or is_placeholder(text):
        return None
    compact = _THOUSANDS.sub("", text.replace(" ", ""))
    compact = compact.lstrip("¥￥")
    for unit in _UNITS.get(f.kind, ()):
        if compact.endswith(unit) and len(compact) > len(unit):
            compact = compact[: -len(unit)]
            break
    if not _NUMBER.fullmatch(compact):
        problems.append(Problem(number, letter, f.key, "not_a_number", "error",
                                f"{f.name}“{shown(text)}”不是数字，请只填数字（不写“约”“千”“万”等字）"))
        return None
    return float(compact) if "." in compact else int(compact)


def _range(f, value, number, letter, problems):
    if (f.minimum is not None and value < f.minimum) or (f.maximum is not None and value > f.maximum):
        low = "" if f.minimum is None else f"{f.minimum:g}"
        high = "" if f.maximum is None else f"{f.maximum:g}"
        bounds = f"{low}–{high}" if low and high else (f"不小于 {low}" if low else f"不大于 {high}")
        problems.append(Problem(number, letter, f.key, "number_out_of_range", "error",
                                f"{f.name} {value:g} 超出合理范围（{bounds}），请核对"))


def _number(f, value, number, letter, problems, today, latest, choices):
    if value.__class__ is int or value.__class__ is float:
        result = value if value == value else _to_number(f, value, number, letter, problems)
    else:
        result = _to_number(f, value, number, letter, problems)
        if result is None:
            if f.required and isinstance(value, str) and (not value.strip() or is_placeholder(value.strip())):
                problems.append(missing(f, number, letter))
            return None
    if result is not None and (f.minimum is not None or f.maximum is not None):
        _range(f, result, number, letter, problems)
    return result


def _integer(f, value, number, letter, problems, today, latest, choices):
    result = value if value.__class__ is int else _to_number(f, value, number, letter, problems)
    if result is None:
        if f.required and isinstance(value, str) and (not value.strip() or is_placeholder(value.strip())):
            problems.append(missing(f, number, letter))
        return None
    if isinstance(result, float):
        if not result.is_integer():
            problems.append(Problem(number, letter, f.key, "not_an_integer", "error",
                                    f"{f.name} {result:g} 应为整数"))
            return None
        result = int(result)
    if f.minimum is not None or f.maximum is not None:
        _range(f, result, number, letter, problems)
    return result


_DATE_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
                        r"(?:[T\s]+\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?")   # a time after it is ignored
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:份)?")
_DATE_YEAR = re.compile(r"(\d{4})\s*年?(?:度)?")


def _parse_date(value: Any) -> dt.date | None | bool:
    """A date, None for empty, False when not a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or isinstance(value, dt.time):
        return False
    if isinstance(value, float):
        if not value.is_integer():
            return False
        value = int(value)
    if isinstance(value, int):
        value = str(value)
        if len(value) not in (4, 8):
            return False   # an Excel serial number without a date format, or any other number
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text or is_placeholder(text):
        return None
    try:
        for pattern, parts in ((_DATE_FULL, 3), (_DATE_COMPACT, 3), (_DATE_MONTH, 2), (_DATE_YEAR, 1)):
            m = pattern.fullmatch(text)
            if m:
                numbers = [int(g) for g in m.groups()[:parts]] + [1] * (3 - parts)
                return dt.date(*numbers)
    except ValueError:
        return False
    return False


def _date(f, value, number, letter, problems, today, latest, choices):
    result = _parse_date(value)
    if result is None:
        if f.required:
            problems.append(missing(f, number, letter))
        return None
    if result is False:
        problems.append(Problem(number, letter, f.key, "bad_date", "error",
                                f"{f.name}“{shown(value)}”不是有效日期（应如 2024-03-05 或 2024年3月5日）"))
        return None
    if result < EARLIEST_DATE or result > latest:
        problems.append(Problem(number, letter, f.key, "date_out_of_range", "error",
                                f"{f.name} {result.isoformat()} 超出合理范围（1949-01-01 至 {latest.isoformat()}），请核对"))
    return result


CHECKERS = {"text": _text, "id_number": _id_number, "phone": _phone, "number": _number, "integer": _integer,
             "date": _date}
