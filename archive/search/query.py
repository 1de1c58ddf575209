"""The query language: a plain string matches those characters in that order; spaces mean AND;
`OR` between groups; `-term` excludes; "..." keeps spaces inside one term.

    危房改造 黎元村          both strings
    返贫 OR 致贫             either
    扶贫 -新闻               扶贫 but not 新闻
    "安政办 〔2020〕"          one term (spaces inside do not matter: whitespace never counts)

Parsed into disjunctive form: a list of clauses, each a list of (term, negated).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive.text.analysis import match_form
from archive.errors import DomainError

_TOKENS = re.compile(r'(-?)"([^"]*)"|(\S+)')


class QueryError(DomainError):
    def __init__(self, message: str):
        super().__init__("bad_query", message)


@dataclass
class Term:
    text: str          # as typed
    form: str          # match form (what is searched)
    negated: bool = False


@dataclass
class ParsedQuery:
    clauses: list[list[Term]] = field(default_factory=list)

    @property
    def positive_terms(self) -> list[Term]:
        """Terms to highlight: every non-negated term of every clause."""
        seen, terms = set(), []
        for clause in self.clauses:
            for term in clause:
                if not term.negated and term.form not in seen:
                    seen.add(term.form)
                    terms.append(term)
        return terms

    @property
    def empty(self) -> bool:
        return not self.clauses


def parse(query: str) -> ParsedQuery:
    clauses: list[list[Term]] = [[]]
    for m in _TOKENS.finditer(query or ""):
        negated_quote, quoted, bare = m.groups()
        if bare == "OR":
            clauses.append([])
            continue
        if quoted is not None:
            text, negated = quoted, bool(negated_quote)
        else:
            negated = bare.startswith("-") and len(bare) > 1
            text = bare[1:] if negated else bare
        form = match_form(text)
        if not form:
            continue
        clauses[-1].append(Term(text=text, form=form, negated=negated))
    clauses = [c for c in clauses if c]
    for clause in clauses:
        if all(t.negated for t in clause):
            raise QueryError("排除条件（-词）需要与至少一个检索词一起使用")
    return ParsedQuery(clauses)
