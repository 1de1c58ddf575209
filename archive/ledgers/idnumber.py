"""公民身份号码 (GB 11643-1999) as found in ledgers: normalise what can be normalised, flag what cannot.

An 18-character number is a 6-digit address code, an 8-digit birth date, a 3-digit sequence (odd =
male) and a check character "10X98765432"[sum(d_i * w_i) % 11] (STANDARDS.md §6).

    normalise(raw)   -> (value | None, warning codes): full-width characters, spaces and a
                        lower-case x are fixed, each reported (id_fullwidth, id_spaces, id_lowercase_x)
    check(value)     -> error codes of a normalised value: id_length, id_characters, id_address,
                        id_birthdate, id_checksum
    from_cell(cell)  -> (value | None, codes): a spreadsheet cell as read, all of the above plus
                        id_as_number (a number cell, or text such as "4.10502E+17": Excel keeps 15
                        significant digits, the rest is lost and cannot be recovered) and id_old_15

15-digit numbers (the first-generation IDs, before 1999; no check character, birth year 19YY) are
upgraded to 18 digits the way GB 11643 prescribes (insert "19", compute the check character) and
reported with the warning id_old_15: the upgraded number is the person's current one, but the ledger
should carry it. A 15-digit number whose birth date or address code is invalid is an error instead.

Accepted address codes: the provinces' 2-digit codes, 71 (台湾), 81/82 (港澳居民居住证), 83 (台湾居民
居住证), and, for the 2023 外国人永久居留身份证, "9" followed by a province code.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
PROVINCES = frozenset({
    "11", "12", "13", "14", "15",                    # 北京 天津 河北 山西 内蒙古
    "21", "22", "23",                                # 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36", "37",        # 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46",              # 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54",                    # 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65",                    # 陕西 甘肃 青海 宁夏 新疆
    "71", "81", "82", "83",                          # 台湾 香港 澳门, 台湾居民居住证
})
EARLIEST_BIRTH = dt.date(1900, 1, 1)

SEVERITY = {
    "id_as_number": "error",
    "id_length": "error",
    "id_characters": "error",
    "id_address": "error",
    "id_birthdate": "error",
    "id_checksum": "error",
    "id_old_15": "warning",
    "id_fullwidth": "warning",
    "id_spaces": "warning",
    "id_lowercase_x": "warning",
}
WARNINGS = ("id_fullwidth", "id_spaces", "id_lowercase_x", "id_old_15")

_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
_DECIMAL = re.compile(r"\d{1,17}\.\d+")
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]")
_FULLWIDTH = re.compile(r"[\uff01-\uff5e]")
_EIGHTEEN = re.compile(r"\d{17}[\dX]")


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def is_valid(value: str) -> bool:
    """True for an 18-character number that passes every check."""
    return not check(value)


def normalise(raw: object) -> tuple[str | None, list[str]]:
    """A cell's text as an ID candidate: (value, warning codes). Full-width digits and letters are
    folded (id_fullwidth), spaces of any kind removed (id_spaces), a lower-case x made upper-case
    (id_lowercase_x). A leading apostrophe (Excel's text marker, seen in CSV) is dropped silently.
    Empty input gives (None, []). The value is not checked: see check()."""
    if raw is None:
        return None, []
    text = str(raw)
    warnings: list[str] = []
    if _FULLWIDTH.search(text):
        text = unicodedata.normalize("NFKC", text)
        warnings.append("id_fullwidth")
    if _SPACE.search(text):
        text = _SPACE.sub("", text)
        warnings.append("id_spaces")
    if text.startswith(("'", "‘", "`")):
        text = text[1:]
    if not text:
        return None, []
    if "x" in text:
        # Only the check character may be an X; a lower-case x elsewhere is a typo check() reports.
        if text.endswith("x"):
            warnings.append("id_lowercase_x")
        text = text.upper()
    return text, warnings


def birth_date(value: str) -> dt.date | None:
    """The birth date of an 18-character number, None when it is not a date."""
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def check(value: str, *, today: dt.date | None = None) -> list[str]:
    """Error codes of a normalised 18-character value (empty list: valid)."""
    if len(value) != 18:
        return ["id_length"]
    if not _EIGHTEEN.fullmatch(value):
        return ["id_characters"]
    codes = []
    province = value[1:3] if value[0] == "9" else value[:2]
    if province not in PROVINCES or value[:6] == "000000":
        codes.append("id_address")
    born = birth_date(value)
    if born is None or born < EARLIEST_BIRTH or born > (today or dt.date.today()):
        codes.append("id_birthdate")
    if check_character(value[:17]) != value[17]:
        codes.append("id_checksum")
    return codes


def upgrade_15(value: str) -> str:
    """A 15-digit first-generation number as its 18-digit successor (GB 11643-1999)."""
    first17 = value[:6] + "19" + value[6:]
    return first17 + check_character(first17)


def gender(value: str) -> str | None:
    """"男" or "女" from the sequence digit of a valid 18-character number."""
    return ("男" if int(value[16]) % 2 else "女") if _EIGHTEEN.fullmatch(value) else None


def from_cell(cell: object, *, today: dt.date | None = None) -> tuple[str | None, list[str]]:
    """A spreadsheet cell read as an ID number: (value, codes), codes being warnings and errors
    (SEVERITY). The value is None when no usable number can be had (digits lost, empty, invalid
    characters, wrong length); otherwise it is the normalised 18-character text, also when a check
    failed (so a duplicate is still found), and the errors say what is wrong with it.

    A number cell is always id_as_number (error): as a number, Excel keeps 15 significant digits and
    the rest is lost. When the cell still holds all 18 digits and they pass every check (a file
    written by a program, never edited in Excel), the value is kept; otherwise it is None."""
    if cell is None or isinstance(cell, bool):
        return None, ([] if cell is None else ["id_characters"])
    if isinstance(cell, int):
        return _from_number(str(abs(cell)), exact=True, today=today)
    if isinstance(cell, float):
        if cell != cell or cell in (float("inf"), float("-inf")):
            return None, ["id_as_number"]
        return _from_number(str(int(abs(cell))) if cell.is_integer() else repr(cell), exact=False, today=today)
    value, codes = normalise(cell)
    if value is None:
        return None, []
    if _SCIENTIFIC.fullmatch(value) or _DECIMAL.fullmatch(value):
        # "4.10502E+17": a number shown in Excel's General format and saved as text (CSV, a copy).
        return None, codes + ["id_as_number"]
    if len(value) == 15 and value.isdigit():
        return _old_15(value, codes, today)
    errors = check(value, today=today)
    if errors and errors[0] in ("id_length", "id_characters"):
        return None, codes + errors
    return value, codes + errors


def _from_number(digits: str, *, exact: bool, today: dt.date | None) -> tuple[str | None, list[str]]:
    if exact and len(digits) == 18 and not check(digits, today=today):
        return digits, ["id_as_number"]
    if exact and len(digits) == 15:
        value, codes = _old_15(digits, [], today)
        return value, ["id_as_number"] + codes
    return None, ["id_as_number"]


def _old_15(value: str, codes: list[str], today: dt.date | None) -> tuple[str | None, list[str]]:
    upgraded = upgrade_15(value)
    errors = [c for c in check(upgraded, today=today) if c != "id_checksum"]
    if errors:
        return upgraded, codes + errors
    return upgraded, codes + ["id_old_15"]
