"""Whoosh (whoosh-reloaded): the pure-Python engine, for machines without a tantivy wheel."""
from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh import sorting
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema

from archive.text.analysis import token_string
from archive.search.engine import (BOOSTS, TEXT_FIELDS, EngineResult, IndexDoc, SearchRequest,
                                   date_number, single_char_pattern)

INDEX_NAME = "archive"


def _schema() -> Schema:
    fields = {name: TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True, field_boost=BOOSTS[name])
              for name in TEXT_FIELDS}
    return Schema(
        id=ID(stored=True, unique=True),
        stamp=NUMERIC(stored=True, bits=64),
        org=KEYWORD(scorable=False),
        category=ID(sortable=True),
        kind=ID(sortable=True),
        retention=ID,
        year=NUMERIC(sortable=True),
        date=NUMERIC(sortable=True),
        **fields,
    )


class WhooshEngine:
    name = "whoosh"

    def __init__(self, path: Path):
        path.mkdir(parents=True, exist_ok=True)
        if whoosh_index.exists_in(str(path), indexname=INDEX_NAME):
            self.index = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
        else:
            self.index = whoosh_index.create_in(str(path), _schema(), indexname=INDEX_NAME)

    def upsert(self, docs: list[IndexDoc]) -> None:
        with self.index.writer() as writer:
            for doc in docs:
                writer.update_document(**self._fields(doc))

    def delete(self, ids: list[int]) -> None:
        with self.index.writer() as writer:
            for doc_id in ids:
                writer.delete_by_term("id", str(doc_id))

    def _fields(self, doc: IndexDoc) -> dict:
        fields = {name: token_string(getattr(doc, name) or "") for name in TEXT_FIELDS}
        return fields | {
            "id": str(doc.id),
            "stamp": doc.stamp,
            "org": " ".join(str(o) for o in doc.org_ids),
            "category": doc.category or "",
            "kind": doc.file_kind,
            "retention": doc.retention or "",
            "year": doc.year or 0,
            "date": date_number(doc.date),
        }

    def _term_query(self, form: str):
        per_field = []
        for name in TEXT_FIELDS:
            if len(form) == 1:
                per_field.append(Q.Regex(name, single_char_pattern(form)))
                continue
            tokens = token_string(form).split()
            per_field.append(Q.Term(name, tokens[0]) if len(tokens) == 1 else Q.Phrase(name, tokens))
        return Q.Or(per_field)

    def _query(self, request: SearchRequest):
        clauses = []
        for clause in request.query.clauses:
            must = [self._term_query(t.form) for t in clause if not t.negated]
            must_not = [self._term_query(t.form) for t in clause if t.negated]
            q = Q.And(must) if len(must) > 1 else must[0]
            clauses.append(Q.AndNot(q, Q.Or(must_not)) if must_not else q)
        # Filters go inside the query: Whoosh's filter= is 20-40x slower (FINDINGS.md).
        parts = [Q.Or(clauses) if len(clauses) > 1 else clauses[0]] if clauses else [Q.Every()]
        parts += [Q.Term("org", str(o)) for o in request.within]
        if request.categories:
            parts.append(Q.Or([Q.Term("category", c) for c in request.categories]))
        if request.kinds:
            parts.append(Q.Or([Q.Term("kind", k) for k in request.kinds]))
        if request.year_from is not None or request.year_to is not None:
            parts.append(Q.NumericRange("year", request.year_from, request.year_to))
        return Q.And(parts) if len(parts) > 1 else parts[0]

    def search(self, request: SearchRequest) -> EngineResult:
        query = self._query(request)
        with self.index.searcher() as searcher:
            sortedby, reverse = None, False
            if request.sort in ("date", "date_asc"):
                sortedby, reverse = "date", request.sort == "date"
            page = searcher.search(query, limit=request.offset + request.limit, sortedby=sortedby, reverse=reverse,
                                   groupedby=self._facets() if request.facets else None)
            # Sorted by date, Whoosh reports the sort key as the score: keep scores for relevance only.
            hits = [(int(hit["id"]), float(hit.score or 0.0) if sortedby is None else 0.0) for hit in page[request.offset:request.offset + request.limit]]
            facets = {}
            if request.facets:
                for name in ("org", "category", "year", "kind"):
                    groups = page.groups(name)
                    facets[name] = {_key(name, k): len(v) for k, v in groups.items() if k not in ("", 0, None, "0")}
            return EngineResult(total=len(page), hits=hits, facets=facets)

    @staticmethod
    def _facets():
        return {"org": sorting.FieldFacet("org", allow_overlap=True), "category": sorting.FieldFacet("category"),
                "year": sorting.FieldFacet("year"), "kind": sorting.FieldFacet("kind")}

    def stamps(self) -> dict[int, int]:
        with self.index.searcher() as searcher:
            return {int(fields["id"]): fields["stamp"] for fields in searcher.all_stored_fields()}

    def count(self) -> int:
        with self.index.searcher() as searcher:
            return searcher.doc_count()

    def close(self) -> None:
        self.index.close()


def _key(name: str, value):
    if name in ("org", "year"):
        return int(value)
    return value.decode() if isinstance(value, bytes) else value
