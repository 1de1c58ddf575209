"""Tantivy (Rust, through tantivy-py): the default engine."""
from __future__ import annotations

from pathlib import Path

import tantivy
from tantivy import Document, Index, Occur, Query, SchemaBuilder, TextAnalyzerBuilder, Tokenizer

from archive.text.analysis import token_string
from archive.search.engine import (BOOSTS, TEXT_FIELDS, EngineResult, IndexDoc, SearchRequest,
                                   date_number, single_char_pattern)

HEAP = 100_000_000
FACET_SIZE = 10_000


def _schema():
    sb = SchemaBuilder()
    sb.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    sb.add_unsigned_field("stamp", stored=True, fast=True)
    for name in TEXT_FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name="bigram", index_option="position")
    sb.add_unsigned_field("org", indexed=True, fast=True)
    sb.add_text_field("category", stored=False, tokenizer_name="raw", fast=True)
    sb.add_text_field("kind", stored=False, tokenizer_name="raw", fast=True)
    sb.add_text_field("retention", stored=False, tokenizer_name="raw", fast=True)
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("date", indexed=True, fast=True)
    return sb.build()


class TantivyEngine:
    name = "tantivy"

    def __init__(self, path: Path):
        path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self.index = Index(self.schema, path=str(path), reuse=True)
        self.index.register_tokenizer("bigram", TextAnalyzerBuilder(Tokenizer.whitespace()).build())

    # --- writing ---------------------------------------------------------------------------------
    def upsert(self, docs: list[IndexDoc]) -> None:
        self._write(docs, [d.id for d in docs])

    def delete(self, ids: list[int]) -> None:
        self._write([], ids)

    def _write(self, docs: list[IndexDoc], delete_ids: list[int]) -> None:
        writer = self.index.writer(heap_size=HEAP, num_threads=1)
        for doc_id in delete_ids:
            # by query: the schema gives the term its u64 type (a bare Python int would not match)
            writer.delete_documents_by_query(Query.term_query(self.schema, "id", doc_id))
        for doc in docs:
            writer.add_document(self._document(doc))
        writer.commit()
        # Without these, merged-away segments pile up on disk (paperless-ngx #13679).
        writer.wait_merging_threads()
        self.index.reload()

    def _document(self, doc: IndexDoc) -> Document:
        d = Document()
        d.add_unsigned("id", doc.id)
        d.add_unsigned("stamp", doc.stamp)
        for name in TEXT_FIELDS:
            value = getattr(doc, name)
            if value:
                d.add_text(name, token_string(value))
        for org_id in doc.org_ids:
            d.add_unsigned("org", org_id)
        d.add_text("category", doc.category or "")
        d.add_text("kind", doc.file_kind)
        d.add_text("retention", doc.retention or "")
        d.add_integer("year", doc.year or 0)
        d.add_integer("date", date_number(doc.date))
        return d

    def garbage_collect(self) -> None:
        writer = self.index.writer(heap_size=HEAP, num_threads=1)
        writer.garbage_collect_files()
        writer.wait_merging_threads()

    # --- reading ---------------------------------------------------------------------------------
    def _term_query(self, form: str) -> Query:
        per_field = []
        for name in TEXT_FIELDS:
            if len(form) == 1:
                q = Query.regex_query(self.schema, name, single_char_pattern(form))
            else:
                tokens = token_string(form).split()
                q = Query.term_query(self.schema, name, tokens[0]) if len(tokens) == 1 \
                    else Query.phrase_query(self.schema, name, tokens)
            per_field.append((Occur.Should, Query.boost_query(q, BOOSTS[name])))
        return Query.boolean_query(per_field)

    def _query(self, request: SearchRequest) -> Query:
        clauses = []
        for clause in request.query.clauses:
            parts = [(Occur.MustNot if t.negated else Occur.Must, self._term_query(t.form)) for t in clause]
            clauses.append((Occur.Should, Query.boolean_query(parts)))
        text = Query.boolean_query(clauses) if clauses else Query.all_query()
        must = [(Occur.Must, text)]
        for org_id in request.within:
            must.append((Occur.Must, Query.term_query(self.schema, "org", org_id)))
        if request.categories:
            must.append((Occur.Must, Query.term_set_query(self.schema, "category", request.categories)))
        if request.kinds:
            must.append((Occur.Must, Query.term_set_query(self.schema, "kind", request.kinds)))
        if request.year_from is not None or request.year_to is not None:
            must.append((Occur.Must, Query.range_query(
                self.schema, "year", tantivy.FieldType.Integer,
                request.year_from if request.year_from is not None else 0,
                request.year_to if request.year_to is not None else 9999)))
        return Query.boolean_query(must)

    def search(self, request: SearchRequest) -> EngineResult:
        # Other processes (CLI ingest, job workers) commit too: pick up their commits at once,
        # rather than when the reader's file watcher notices.
        self.index.reload()
        searcher = self.index.searcher()
        query = self._query(request)
        kwargs = {}
        if request.sort in ("date", "date_asc"):
            kwargs = {"order_by_field": "date",
                      "order": tantivy.Order.Asc if request.sort == "date_asc" else tantivy.Order.Desc}
        found = searcher.search(query, request.limit, count=True, offset=request.offset, **kwargs)
        # Ordered by date, the first element is the date value, not a score.
        hits = [(searcher.doc(address)["id"][0], float(key) if not kwargs else 0.0) for key, address in found.hits]
        facets = self._facets(searcher, query) if request.facets else {}
        return EngineResult(total=found.count or 0, hits=hits, facets=facets)

    def _facets(self, searcher, query) -> dict[str, dict]:
        spec = {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in ("org", "category", "year", "kind")}
        raw = searcher.aggregate(query, spec)
        return {name: {b["key"]: b["doc_count"] for b in raw[name]["buckets"] if b["key"] not in ("", 0)}
                for name in spec}

    def stamps(self) -> dict[int, int]:
        self.index.reload()
        searcher = self.index.searcher()
        found = searcher.search(Query.all_query(), max(searcher.num_docs, 1))
        result = {}
        for _, address in found.hits:
            doc = searcher.doc(address)
            result[doc["id"][0]] = doc["stamp"][0]
        return result

    def count(self) -> int:
        self.index.reload()
        return self.index.searcher().num_docs

    def close(self) -> None:
        self.index = None
