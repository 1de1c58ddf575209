"""Highlighted snippets from the literal matches of the query in the document's own text.

Engines' highlighters mark stray bigrams (and Whoosh drops characters); marking the literal string,
found with the index's own rules (case folded, whitespace between characters ignored), marks exactly
what matched.
"""
from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from archive.text.normalize import CHAR_TABLE

WINDOW = 120  # characters of context in a snippet
_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=1024)
def _pattern(term: str) -> re.Pattern:
    """A term's match form as it may appear in display text: any whitespace between its characters.
    A lookahead, so overlapping occurrences are all found."""
    return re.compile("(?=(" + r"\s*".join(re.escape(c) for c in term) + "))", re.IGNORECASE)


def display_form(text: str) -> str:
    """The text as snippets show it: normalised character for character (positions kept)."""
    return text.translate(CHAR_TABLE)


def find_spans(display: str, terms: list[str]) -> list[tuple[int, int]]:
    """Merged [start, end) spans in `display` (from display_form) where a term's match form occurs."""
    spans = sorted((m.start(1), m.end(1)) for term in terms for m in _pattern(term).finditer(display))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def highlight(display: str, spans: list[tuple[int, int]]) -> Markup:
    """The whole text, escaped, with the spans marked (for short texts such as titles)."""
    out, cursor = [], 0
    for s, e in spans:
        out += [escape(display[cursor:s]), Markup("<mark>"), escape(display[s:e]), Markup("</mark>")]
        cursor = e
    out.append(escape(display[cursor:]))
    return Markup("").join(out)


def snippet(display: str, spans: list[tuple[int, int]], window: int = WINDOW) -> Markup:
    """An HTML-safe snippet around the densest cluster of spans, the spans wrapped in <mark>."""
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


def _squash(text: str) -> str:
    """Line breaks and runs of spaces read as one space in a one-line snippet."""
    return _WHITESPACE.sub(" ", text)
