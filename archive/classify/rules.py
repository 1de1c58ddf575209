"""Classification by the scheme's own words: keywords and title patterns per class (standards/).

Pure functions, no database: given a scheme, the unit's level, a title and a text, decide whether
this is a poverty-alleviation record at all, which class it belongs to, its retention, and how sure
that is. Uncertain decisions go to people (the review queue), never silently into a class.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from archive.text.analysis import match_form
from archive.standards import Scheme

TITLE_WEIGHT = 3      # a keyword in the title says more than one in the body
PATTERN_WEIGHT = 4    # a title pattern (e.g. 退出.*公示) is the strongest rule
BODY_CAP = 3          # repeated body mentions count up to this many times
REVIEW_BELOW = 0.5    # decisions less sure than this wait for a person


@dataclass
class Decision:
    is_poverty: bool | None          # None: cannot tell
    category_code: str | None
    retention: str | None
    confidence: float
    needs_review: bool
    reasons: list[str] = field(default_factory=list)


# Keywords come from the standards and repeat for every document: normalise each once.
_keyword_form = lru_cache(maxsize=8192)(match_form)


def _hits(words, title: str, body: str) -> tuple[int, list[str]]:
    score, found = 0, []
    for word in words:
        form = _keyword_form(word)
        if not form:
            continue
        in_title = form in title
        in_body = min(body.count(form), BODY_CAP)
        if in_title or in_body:
            score += TITLE_WEIGHT * in_title + in_body
            found.append(word)
    return score, found


def poverty_decision(scheme: Scheme, title: str, body: str) -> tuple[bool | None, float, list[str]]:
    yes, yes_words = _hits(scheme.poverty_keywords, title, body)
    no, no_words = _hits(scheme.not_poverty_keywords, title, body)
    raw_title = title
    if any(p.search(raw_title) for p in scheme.not_poverty_patterns):
        no += PATTERN_WEIGHT
        no_words.append("（题名规则）")
    if yes == 0 and no == 0:
        return None, 0.0, ["未见扶贫相关用语"]
    if yes > no:
        return True, yes / (yes + no + 1), [f"扶贫用语：{'、'.join(yes_words[:5])}"]
    return False, no / (yes + no + 1), [f"非扶贫用语：{'、'.join(no_words[:5])}"]


def classify(scheme: Scheme, level: str, title: str, text: str) -> Decision:
    title_form = match_form(title or "")
    body_form = match_form((text or "")[:20000])  # the opening pages carry the subject
    is_poverty, p_conf, reasons = poverty_decision(scheme, title_form, body_form)
    if is_poverty is False:
        return Decision(False, None, None, round(p_conf, 3), True, reasons)
    scored = []
    for cls in scheme.leaves(level if level in ("county", "township", "village", "household") else None):
        score, words = _hits(cls.keywords, title_form, body_form)
        if any(p.search(title or "") for p in cls.patterns):
            score += PATTERN_WEIGHT
            words.append("（题名规则）")
        if score:
            scored.append((score, cls, words))
    if not scored:
        return Decision(is_poverty, None, None, 0.0, True, reasons + ["没有类目的关键词命中"])
    scored.sort(key=lambda s: (-s[0], s[1].code))
    best, cls, words = scored[0]
    second = scored[1][0] if len(scored) > 1 else 0
    confidence = best / (best + second + 1)
    if is_poverty is None:
        confidence *= 0.5  # a class matched, but nothing says this is a poverty record
    return Decision(
        is_poverty=True if is_poverty or confidence >= REVIEW_BELOW else None,
        category_code=cls.code,
        retention=cls.retention,
        confidence=round(confidence, 3),
        needs_review=confidence < REVIEW_BELOW,
        reasons=reasons + [f"{cls.code} {cls.name}：{'、'.join(words[:5])}"],
    )
