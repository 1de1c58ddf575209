"""What every search engine offers the rest of the archive. Tantivy and Whoosh implement it alike."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from archive.search.query import ParsedQuery

# Field weights: a match in the title or the 文号 ranks above one in the body (then BM25).
BOOSTS = {"title": 4.0, "doc_number": 4.0, "archive_code": 3.0, "author": 1.5, "text": 1.0}
TEXT_FIELDS = tuple(BOOSTS)
# Meta characters of the engines' regular expressions (Rust regex, Python re).
_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


@dataclass
class IndexDoc:
    id: int
    stamp: int                     # changes whenever the record changes: stale entries are found by it
    title: str
    text: str
    doc_number: str | None
    author: str | None
    archive_code: str | None
    org_ids: list[int]             # the unit and all its ancestors: a unit filter matches its subtree
    category: str | None
    year: int | None
    retention: str | None
    file_kind: str
    date: dt.date | None


@dataclass
class SearchRequest:
    query: ParsedQuery
    within: list[int] = field(default_factory=list)   # unit ids every hit must lie under (scope, filter)
    categories: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"        # relevance | date | date_asc
    offset: int = 0
    limit: int = 20
    facets: bool = True


@dataclass
class EngineResult:
    total: int
    hits: list[tuple[int, float]]                     # (document id, score), in order
    facets: dict[str, dict] = field(default_factory=dict)  # org / category / year / kind → {value: count}


class SearchEngine(Protocol):
    name: str

    def upsert(self, docs: list[IndexDoc]) -> None: ...
    def delete(self, ids: list[int]) -> None: ...
    def search(self, request: SearchRequest) -> EngineResult: ...
    def stamps(self) -> dict[int, int]: ...
    def count(self) -> int: ...
    def close(self) -> None: ...


def single_char_pattern(char: str) -> str:
    """A one-character term matches any bigram that starts or ends with it, or a one-character field."""
    c = "\\" + char if char in _REGEX_META else char
    return f"({c}|{c}.|.{c})"


def date_number(day: dt.date | None) -> int:
    return day.toordinal() if day else 0
