"""Values given by people (an option, a query parameter, a form field, a JSON member) read into
Python the same way everywhere, refused with one code each: `invalid_year`, `missing_year`,
`bad_parameter`. The faces and the services both use these; nothing here knows where a value came from."""
from __future__ import annotations

import datetime as dt
import decimal
import re

from archive.errors import DomainError

YEAR_MIN, YEAR_MAX = 1000, 9999
# Ids and counts above this are not in any table (PostgreSQL's integer): refused, not looked up.
MAX_INT = 2**31 - 1

_YEAR_RANGE = re.compile(r"\s*(\d{4})\s*(?:[-~—–至到]\s*(\d{4})\s*)?")


class InvalidValue(DomainError):
    """A value that is not what it should be: a year that is not a year, a number that is not one."""


def parse_year(value, *, required: bool = True) -> int | None:
    """A four-digit year (1000–9999). Blank: `missing_year` when required, else None."""
    text = str(value if value is not None else "").strip()
    if not text:
        if required:
            raise InvalidValue("missing_year", "缺少年度（year）")
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 4 and YEAR_MIN <= int(text) <= YEAR_MAX):
        raise InvalidValue("invalid_year", f"年度“{text[:20]}”无效，应为四位数字，如 2020")
    return int(text)


def parse_year_range(value: str | None) -> tuple[int | None, int | None]:
    """"2020" or "2019-2021" (also 2019~2021, 2019—2021, 2019至2021); blank → no limit."""
    if value is None or not str(value).strip():
        return None, None
    m = _YEAR_RANGE.fullmatch(str(value))
    if not m:
        raise InvalidValue("invalid_year", f"年度“{str(value)[:20]}”无效，应为 2020 或 2019-2021")
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else start
    return min(start, end), max(start, end)


def parse_int(value, name: str, *, default: int | None = None, minimum: int = 0,
              maximum: int = MAX_INT) -> int | None:
    """A whole number written in ASCII digits within [minimum, maximum]; blank gives `default`.
    Anything else is refused with `bad_parameter` naming the parameter."""
    if isinstance(value, bool):
        raise InvalidValue("bad_parameter", f"参数 {name} 应为整数")
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not text:
            return default
        if not re.fullmatch(r"-?[0-9]{1,19}", text):
            raise InvalidValue("bad_parameter", f"参数 {name} 应为整数")
        number = int(text)
    if not minimum <= number <= maximum:
        raise InvalidValue("bad_parameter", f"参数 {name} 应在 {minimum} 到 {maximum} 之间")
    return number


def lenient_int(value, default: int | None = None) -> int | None:
    """For links people edit by hand (?page=abc): a bad or out-of-range number is just the default."""
    try:
        return parse_int(value, "", default=default)
    except InvalidValue:
        return default


def jsonable(value):
    """A normalised cell value as JSON can hold it."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)
