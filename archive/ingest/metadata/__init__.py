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
("关 于 做 好"), full-width digits. lines.py undoes the common cases before any
matching is done; numbers.py finds the 文号, dates.py the 成文日期, orgs.py the
责任者 and title.py the 题名. This module puts them together.
"""
from __future__ import annotations

import datetime as dt
import re

from archive.ingest.metadata.dates import SigningDate, date_in, locate_signing_date
from archive.ingest.metadata.lines import MAX_YEAR, MIN_YEAR, Line, split_lines
from archive.ingest.metadata.numbers import doc_number_in
from archive.ingest.metadata.orgs import orgs_above, red_header_orgs
from archive.ingest.metadata.title import title_in
from archive.ingest.types import Metadata

__all__ = [
    "extract_metadata",
    "find_author",
    "find_date",
    "find_doc_number",
    "find_title",
]

_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def find_doc_number(text: str) -> str | None:
    """The document's own 文号, normalised to `〔〕` without spaces, or None."""
    found = doc_number_in(split_lines(text))
    return found[0] if found else None


def find_date(text: str) -> dt.date | None:
    """The 成文日期: the signing date if one can be told apart, else the first date."""
    lines = split_lines(text)
    return date_in(lines, locate_signing_date(lines))


def find_author(text: str) -> str | None:
    """The 责任者 (issuing body or bodies joined with "、"), or None."""
    lines = split_lines(text)
    return _find_author(lines, locate_signing_date(lines))


def _find_author(lines: list[Line], hit: SigningDate | None) -> str | None:
    if hit:
        orgs = hit.orgs or orgs_above(lines, hit.index)
        if orgs:
            return "、".join(orgs)
    orgs = red_header_orgs(lines)
    return "、".join(orgs) if orgs else None


def find_title(text: str, title_hint: str | None = None) -> str | None:
    """The 题名: a usable `title_hint`, else the (joined) title line(s), else None."""
    return title_in(split_lines(text), title_hint)


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
    lines = split_lines(text)      # split and cleaned once, shared by every step
    hit = locate_signing_date(lines)
    title = title_in(lines, title_hint) or _file_stem(filename)
    numbered = doc_number_in(lines)
    doc_date = date_in(lines, hit)
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
