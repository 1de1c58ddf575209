"""Validate a ledger Table against its type: per row and cell, with machine codes and Chinese messages.

Pure, no database: `validate(table, ledger_type, other_ids=...)` returns a Report with the rows'
normalised values (CleanRow) and the problems (Problem). A problem's `row` is the spreadsheet's own row
number and `column` its column letter, as a person sees them in Excel or WPS.

Codes (severity):
- ID numbers (idnumber.py): id_as_number, id_length, id_characters, id_address, id_birthdate,
  id_checksum (error); id_fullwidth, id_spaces, id_lowercase_x, id_old_15 (warning: the value is
  normalised); id_duplicate (error, on every row holding the same ID, or the same ID and 年度 when the
  type's `unique` says so); id_duplicate_other_unit (warning: the ID is in another unit's ledger, from
  `other_ids`); id_gender (warning: 性别 disagrees with the ID's sequence digit)
- missing_required (error: an empty required cell), missing_column (error: a required column is not
  in the header; reported once, on the last header row, without a column)
- not_a_number (error: "约3000", "3千", "1.5万"), not_an_integer (error: 3.5 persons),
  number_out_of_range (error: outside the field's minimum/maximum)
- bad_date (error: not a date, or no such day), date_out_of_range (error: before 1949 or more than a
  year from today)
- phone_invalid (error: not a mobile number 1[3-9]xxxxxxxxx, nor a landline)
- formula (warning: a formula, its cached value is used; error: a formula without a value)
- not_in_choices (warning: a value outside the field's usual values, e.g. 户类型)

Messages never show a full ID or phone number (masking.mask_id / mask_phone). A clean row gives no
problem at all.

What counts as empty: an empty cell, spaces, and in number, integer, date, phone and ID columns the
placeholders "/", "-", "—", "无", "暂无" (a required text cell holding only a placeholder is missing too).
Numbers accept thousands separators, a leading ¥/￥ and a trailing 元 (number) or 人/户/口/个 (integer).
Dates accept date cells, "2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", 20240305; a month
("2024-03", "2024年3月") or a year (2024, "2024年") alone is taken as its first day.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from archive.ledgers import idnumber
from archive.text.masking import mask_id, mask_phone, mask_text
from archive.ledgers.reader import Table
from archive.standards import LedgerField, LedgerType

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


@dataclass
class Problem:
    row: int              # the spreadsheet's row number
    column: str           # the column letter ("" for the header as a whole)
    field: str | None     # the field key
    code: str
    severity: str         # "error" | "warning"
    message: str          # Chinese, ID and phone numbers masked

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "field": self.field, "code": self.code,
                "severity": self.severity, "message": self.message}


@dataclass
class CleanRow:
    number: int                   # the spreadsheet's row number
    values: dict[str, Any]        # field -> normalised value (str, int, float, date; None when empty)


@dataclass
class Report:
    rows: list[CleanRow]
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def as_dict(self, ledger_id: int | str | None = None, masked: bool = True) -> dict:
        """{"ledger_id", "rows" (the number of data rows), "problems": [{"row", "column", "code",
        "severity", "message", "field"}]}. Messages carry masked numbers already; `masked` also runs
        them through masking.mask_text, as a second guard."""
        return {
            "ledger_id": ledger_id,
            "rows": len(self.rows),
            "problems": [{"row": p.row, "column": p.column, "code": p.code, "severity": p.severity,
                          "message": mask_text(p.message) if masked else p.message, "field": p.field}
                         for p in self.problems],
        }


# ---------------------------------------------------------------------------------------------

def validate(table: Table, ledger_type: LedgerType, *, other_ids: Mapping[str, str] | None = None,
             today: dt.date | None = None) -> Report:
    """Check every row of `table` against `ledger_type`. `other_ids`: ID number -> the name of the
    unit whose ledger already holds it (for id_duplicate_other_unit)."""
    today = today or dt.date.today()
    latest = today + dt.timedelta(days=365)
    letters = {c.field: c.letter for c in table.columns if c.field}
    fields = [f for f in ledger_type.fields if f.key in letters]
    problems: list[Problem] = []
    header_row = table.header_rows[-1] if table.header_rows else 0
    for f in ledger_type.fields:
        if f.required and f.key not in letters:
            problems.append(Problem(header_row, "", f.key, "missing_column", "error",
                                    f"表头中没有必需的列“{f.name}”（也可写作{'、'.join(f.synonyms[:3]) or f.name}）"))
    checkers = [(f, letters[f.key], _CHECKERS[f.kind], _choices(f)) for f in fields]
    rows: list[CleanRow] = []
    ids: dict[str, list[str]] = {}    # field -> id fields to check for duplicates
    id_fields = [f.key for f in fields if f.kind == "id_number"]
    for raw in table.rows:
        values: dict[str, Any] = {}
        cells, formulas = raw.cells, raw.formulas
        number = raw.number
        for f, letter, checker, choices in checkers:
            value = cells.get(f.key)
            if formulas and f.key in formulas:
                if value is None:
                    problems.append(Problem(number, letter, f.key, "formula", "error",
                                            f"{f.name}是公式但没有计算结果，请在 Excel/WPS 中打开并保存后再导入，"
                                            f"或改为数值"))
                    values[f.key] = None
                    continue
                problems.append(Problem(number, letter, f.key, "formula", "warning",
                                        f"{f.name}是公式，已取其计算结果；归档的台账应保存数值"))
            if value is None:
                values[f.key] = None
                if f.required:
                    problems.append(Problem(number, letter, f.key, "missing_required", "error", f"必填项“{f.name}”为空"))
                continue
            if value.__class__ is str and f.kind == "text" and not choices and not f.required:
                text = value.strip()   # the common case, inline
                values[f.key] = text or None
                continue
            values[f.key] = checker(f, value, number, letter, problems, today, latest, choices)
        rows.append(CleanRow(number, values))
    _duplicates(rows, table, ledger_type, letters, problems)
    if id_fields:
        _cross_checks(rows, id_fields, letters, ledger_type, other_ids or {}, problems)
    problems.sort(key=lambda p: (p.row, _column_order(p.column)))
    return Report(rows=rows, problems=problems)


def _column_order(letter: str) -> tuple[int, str]:
    return len(letter), letter


def _choices(f: LedgerField) -> frozenset[str]:
    return frozenset(_fold(c) for c in f.choices)


def _fold(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def _is_placeholder(text: str) -> bool:
    return text in PLACEHOLDERS


def _shown(value: Any, limit: int = 20) -> str:
    """A cell value for a message: short, and with numbers that look personal masked."""
    text = value.strftime("%Y-%m-%d") if isinstance(value, (dt.date, dt.datetime)) else str(value)
    text = mask_text(text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------ per kind

def _text(f, value, number, letter, problems, today, latest, choices):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    if not text or (f.required and _is_placeholder(text)):
        if f.required:
            problems.append(Problem(number, letter, f.key, "missing_required", "error", f"必填项“{f.name}”为空"))
        return None
    if choices and _fold(text) not in choices:
        usual = "、".join(f.choices[:6]) + ("等" if len(f.choices) > 6 else "")
        problems.append(Problem(number, letter, f.key, "not_in_choices", "warning",
                                f"{f.name}“{_shown(text)}”不是常用值（{usual}），请核对"))
    return text


def _id_number(f, value, number, letter, problems, today, latest, choices):
    if value.__class__ is str and _is_placeholder(value.strip()):
        value = None
    if value is None:
        if f.required:
            problems.append(Problem(number, letter, f.key, "missing_required", "error", f"必填项“{f.name}”为空"))
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
    if not text or _is_placeholder(text):
        if f.required:
            problems.append(Problem(number, letter, f.key, "missing_required", "error", f"必填项“{f.name}”为空"))
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
                                f"{f.name}“{_shown(value)}”不是数字，请只填数字"))
        return None
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            problems.append(Problem(number, letter, f.key, "not_a_number", "error", f"{f.name}不是有效的数字"))
            return None
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text or _is_placeholder(text):
        return None
    compact = _THOUSANDS.sub("", text.replace(" ", ""))
    compact = compact.lstrip("¥￥")
    for unit in _UNITS.get(f.kind, ()):
        if compact.endswith(unit) and len(compact) > len(unit):
            compact = compact[: -len(unit)]
            break
    if not _NUMBER.fullmatch(compact):
        problems.append(Problem(number, letter, f.key, "not_a_number", "error",
                                f"{f.name}“{_shown(text)}”不是数字，请只填数字（不写“约”“千”“万”等字）"))
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
            if f.required and isinstance(value, str) and (not value.strip() or _is_placeholder(value.strip())):
                problems.append(Problem(number, letter, f.key, "missing_required", "error", f"必填项“{f.name}”为空"))
            return None
    if result is not None and (f.minimum is not None or f.maximum is not None):
        _range(f, result, number, letter, problems)
    return result


def _integer(f, value, number, letter, problems, today, latest, choices):
    result = value if value.__class__ is int else _to_number(f, value, number, letter, problems)
    if result is None:
        if f.required and isinstance(value, str) and (not value.strip() or _is_placeholder(value.strip())):
            problems.append(Problem(number, letter, f.key, "missing_required", "error", f"必填项“{f.name}”为空"))
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
    if not text or _is_placeholder(text):
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
            problems.append(Problem(number, letter, f.key, "missing_required", "error", f"必填项“{f.name}”为空"))
        return None
    if result is False:
        problems.append(Problem(number, letter, f.key, "bad_date", "error",
                                f"{f.name}“{_shown(value)}”不是有效日期（应如 2024-03-05 或 2024年3月5日）"))
        return None
    if result < EARLIEST_DATE or result > latest:
        problems.append(Problem(number, letter, f.key, "date_out_of_range", "error",
                                f"{f.name} {result.isoformat()} 超出合理范围（1949-01-01 至 {latest.isoformat()}），请核对"))
    return result


_CHECKERS = {"text": _text, "id_number": _id_number, "phone": _phone, "number": _number, "integer": _integer,
             "date": _date}


# ------------------------------------------------------------------------------- across rows

def _duplicates(rows: list[CleanRow], table: Table, ledger_type: LedgerType, letters: dict[str, str],
                problems: list[Problem]) -> None:
    """Rows whose `unique` fields hold the same values (an ID twice, or an ID twice in one year)."""
    unique = [k for k in ledger_type.unique if k in letters]
    if not unique:
        return
    kinds = {f.key: f for f in ledger_type.fields}
    first = next((k for k in unique if kinds[k].kind == "id_number"), unique[0])
    merged = {r.number: r.merged for r in table.rows if r.merged}
    seen: dict[tuple, list[int]] = {}
    for row in rows:
        key = tuple(row.values.get(k) for k in unique)
        if key[unique.index(first)] is None or first in merged.get(row.number, ()):
            continue   # no value, or one merged down from the row above (shown once)
        seen.setdefault(key, []).append(row.number)
    f = kinds[first]
    code = "id_duplicate" if f.kind == "id_number" else "duplicate_row"
    for key, numbers in seen.items():
        if len(numbers) < 2:
            continue
        value = key[unique.index(first)]
        shown = mask_id(value) if f.kind == "id_number" else _shown(value)
        extra = "（同一年度）" if len(unique) > 1 and all(v is not None for v in key) else ""
        for n in numbers:
            others = [str(m) for m in numbers[:6] if m != n][:5]   # not O(n²) when one ID fills the sheet
            listed = "、".join(others) + (f" 等共 {len(numbers) - 1} 行" if len(numbers) - 1 > len(others) else " 行")
            problems.append(Problem(n, letters[first], first, code, "error",
                                    f"{f.name} {shown} 在本台账中重复{extra}：另见第 {listed}"))


def _cross_checks(rows: list[CleanRow], id_fields: list[str], letters: dict[str, str], ledger_type: LedgerType,
                  other_ids: Mapping[str, str], problems: list[Problem]) -> None:
    names = {f.key: f.name for f in ledger_type.fields}
    gender_field = "gender" if "gender" in letters and "id_number" in id_fields else None
    for row in rows:
        for key in id_fields:
            value = row.values.get(key)
            if not value:
                continue
            unit = other_ids.get(value) if other_ids else None
            if unit:
                problems.append(Problem(row.number, letters[key], key, "id_duplicate_other_unit", "warning",
                                        f"{names[key]} {mask_id(value)} 已在“{unit}”的台账中登记，请核实是否重复"))
        if gender_field:
            said, value = row.values.get(gender_field), row.values.get("id_number")
            if said in ("男", "女") and value and idnumber.is_valid(value) and idnumber.gender(value) != said:
                problems.append(Problem(row.number, letters[gender_field], gender_field, "id_gender", "warning",
                                        f"{names[gender_field]}“{said}”与证件号码（第 17 位）所示性别不符，请核对"))
