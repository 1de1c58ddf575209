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

The checks of one cell are cells.py's, the rows and problems report.py's; this module runs them and
checks across rows.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from archive.ledgers import idnumber
from archive.ledgers.cells import CHECKERS, choices_of, missing, shown
from archive.ledgers.reader import Table
from archive.ledgers.report import CleanRow, Problem, Report
from archive.standards import LedgerType
from archive.text.masking import mask_id

__all__ = ["CleanRow", "Problem", "Report", "validate"]


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
    checkers = [(f, letters[f.key], CHECKERS[f.kind], choices_of(f)) for f in fields]
    rows: list[CleanRow] = []
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
                    problems.append(missing(f, number, letter))
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
        display = mask_id(value) if f.kind == "id_number" else shown(value)
        extra = "（同一年度）" if len(unique) > 1 and all(v is not None for v in key) else ""
        for n in numbers:
            others = [str(m) for m in numbers[:6] if m != n][:5]   # not O(n²) when one ID fills the sheet
            listed = "、".join(others) + (f" 等共 {len(numbers) - 1} 行" if len(numbers) - 1 > len(others) else " 行")
            problems.append(Problem(n, letters[first], first, code, "error",
                                    f"{f.name} {display} 在本台账中重复{extra}：另见第 {listed}"))


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
