"""Highlighted snippets from the literal matches of the query in the document's own text.

Engines' highlighters mark stray bigrams (and Whoosh drops characters); marking the literal string,
found in the same match form the index uses, marks exactly what matched.
"""
from __future__ import annotations

import re

from markupsafe import Markup, escape

from archive.search.analysis import compact_with_positions

WINDOW = 120  # characters of context in a snippet


def find_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """[start, end) spans in text.translate(_TABLE) where a term's match form occurs; merged."""
    compact, positions = compact_with_positions(text)
    spans = []
    for term in terms:
        start = compact.find(term)
        while start != -1:
            spans.append((positions[start], positions[start + len(term) - 1] + 1))
            start = compact.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def snippet(text: str, terms: list[str], window: int = WINDOW,
            spans: list[tuple[int, int]] | None = None) -> Markup:
    """An HTML-safe snippet around the densest cluster of matches, matches wrapped in <mark>.

    `spans`: from find_spans(text, terms), when the caller has them already."""
    from archive.ingest.normalize import _TABLE

    display = text.translate(_TABLE)
    spans = find_spans(text, terms) if spans is None else spans
    if not spans:
        return Markup(escape(_squash(display[:window])))
    start = _best_start(spans, window, len(display))
    end = min(len(display), start + window)
    parts, cursor = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts.append(escape(_squash(display[cursor:s])))
        parts.append(Markup("<mark>") + escape(_squash(display[s:e])) + Markup("</mark>"))
        cursor = e
    parts.append(escape(_squash(display[cursor:end])))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(display) else ""
    return Markup(prefix) + Markup("").join(parts) + Markup(suffix)


def _best_start(spans: list[tuple[int, int]], window: int, length: int) -> int:
    """Start of the window holding the most matches, with a little context before the first.

    Spans are sorted: a second pointer moves forward only, so this is linear in the matches."""
    best, best_count, j = spans[0][0], 0, 0
    for i, (s, _) in enumerate(spans):
        j = max(j, i)
        while j < len(spans) and spans[j][0] < s + window - 20:
            j += 1
        if j - i > best_count:
            best, best_count = s, j - i
    return max(0, min(best - 20, length - window))


_WHITESPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    """Line breaks and runs of spaces read as one space in a one-line snippet."""
    return _WHITESPACE.sub(" ", text)
