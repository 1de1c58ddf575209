"""One analysis for both engines: overlapping character bigrams of the text's match form.

Chinese has no spaces, and an archive search must find every document that contains the query
string (a name, a village, 返贫 inside 致贫返贫). So the index holds every pair of neighbouring
characters, and a query becomes the phrase of its own pairs: a document matches exactly when the
query string occurs in it (measured in docs/search.md; jieba-based analysis misses names and
substrings). The match form is the normalised text (full-width → half-width), lower-cased, with all
whitespace removed, so that a phrase broken across lines in a PDF still matches.
"""
from __future__ import annotations

from archive.text.normalize import CHAR_TABLE  # the same character table as the stored normalisation


def _fold(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch


def _lowered(display: str) -> str:
    """Lower-cased character for character (a few letters, like İ, lower to two: keep those as they are)."""
    low = display.lower()
    return low if len(low) == len(display) else "".join(_fold(c) for c in display)


def match_form(text: str) -> str:
    """Normalised, lower-cased, whitespace removed: the string queries are matched against."""
    return "".join(_lowered(text.translate(CHAR_TABLE)).split())


def bigrams(text: str) -> list[str]:
    """Tokens for the index and for queries. A one-character text yields itself."""
    form = match_form(text)
    if len(form) == 1:
        return [form]
    return list(map(str.__add__, form[:-1], form[1:]))


def token_string(text: str) -> str:
    """Bigrams joined by spaces: what the engines index with a plain whitespace tokenizer."""
    return " ".join(bigrams(text))
