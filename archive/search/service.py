"""Searching as users do it: scope inside the query, hits with snippets from the database's text."""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, undefer

from archive.auth.scope import require_in_scope
from archive.documents import service as documents
from archive.models import Document, OrgUnit, User
from archive.search.engine import SearchRequest
from archive.search.indexer import SearchIndex
from archive.search.query import QueryError, parse
from archive.text.masking import mask_text
from archive.search.snippets import display_form, find_spans, highlight, snippet

MAX_PER_PAGE = 100
SORTS = ("relevance", "date", "date_asc")
KIND_NAMES = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel", "txt": "文本", "jpeg": "JPEG 图片",
              "png": "PNG 图片", "tiff": "TIFF 图片"}


@dataclass
class SearchParams:
    q: str = ""
    org: OrgUnit | None = None
    categories: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass
class Hit:
    document_id: int
    title: str
    title_html: Markup
    archive_code: str | None
    org: str
    category: dict | None
    year: int | None
    doc_number: str | None
    doc_date: str | None
    file_kind: str
    snippet: Markup
    score: float

    def as_dict(self) -> dict:
        return {"document_id": self.document_id, "title": self.title, "archive_code": self.archive_code,
                "org": self.org, "category": self.category, "year": self.year, "doc_number": self.doc_number,
                "doc_date": self.doc_date, "file_kind": self.file_kind, "snippet": str(self.snippet),
                "title_html": str(self.title_html), "score": round(self.score, 4)}


@dataclass
class SearchPage:
    total: int
    hits: list[Hit]
    facets: dict
    page: int
    per_page: int
    query: str

    def as_dict(self) -> dict:
        return {"total": self.total, "page": self.page, "per_page": self.per_page, "query": self.query,
                "hits": [h.as_dict() for h in self.hits], "facets": self.facets}


def search(session: Session, index: SearchIndex, *, user: User | None, params: SearchParams) -> SearchPage:
    parsed = parse(params.q)
    if parsed.empty and not (params.org or params.categories or params.kinds or params.year_from or params.year_to):
        raise QueryError("请输入检索词")
    page, per_page = max(params.page, 1), min(max(params.per_page, 1), MAX_PER_PAGE)
    within = []
    if user is not None:
        within.append(user.org_id)  # scope is part of the query: totals and facets obey it too
        if params.org is not None:
            require_in_scope(user, params.org)
    if params.org is not None:
        within.append(params.org.id)
    request = SearchRequest(query=parsed, within=within, categories=params.categories, kinds=params.kinds,
                            year_from=params.year_from, year_to=params.year_to,
                            sort=params.sort if params.sort in SORTS else "relevance",
                            offset=(page - 1) * per_page, limit=per_page)
    result = index.engine().search(request)
    terms = [t.form for t in parsed.positive_terms]
    docs = _load(session, [doc_id for doc_id, _ in result.hits])
    hits = [_hit(docs[doc_id], score, terms) for doc_id, score in result.hits
            if doc_id in docs and docs[doc_id].deleted_at is None]  # the index may lag a moment behind
    base = params.org or (user.org if user is not None else None)
    return SearchPage(total=result.total, hits=hits, facets=_facets(session, result.facets, base),
                      page=page, per_page=per_page, query=params.q)


def _load(session: Session, ids: list[int]) -> dict[int, Document]:
    if not ids:
        return {}
    stmt = select(Document).where(Document.id.in_(ids)).options(joinedload(Document.org), undefer(Document.text))
    return {d.id: d for d in session.scalars(stmt)}


def _hit(doc: Document, score: float, terms: list[str]) -> Hit:
    title_html, snippet_html = highlights(doc.title or "", doc.text or "", terms)
    return Hit(
        document_id=doc.id, title=doc.title, title_html=title_html,
        archive_code=doc.archive_code, org=doc.org.path, year=doc.year,
        doc_number=doc.doc_number, doc_date=doc.doc_date.isoformat() if doc.doc_date else None,
        category=documents.category_of(doc), file_kind=doc.file_kind, snippet=snippet_html, score=score,
    )


def highlights(title: str, text: str, terms: list[str]) -> tuple[Markup, Markup]:
    """The highlighted title and a snippet of the body (of the title when only it matched).
    ID and mobile numbers are masked in both (mask_text keeps every position, so the spans found on
    the real text mark the masked one): a search hit never shows a whole personal number."""
    title_display = display_form(title)
    body = display_form(text)
    spans = find_spans(body, terms) if terms else []
    title_spans = find_spans(title_display, terms)
    if terms and not spans:  # matched in the title, 文号 or 责任者 only
        body, spans = title_display, title_spans
    return highlight(mask_text(title_display), title_spans), snippet(mask_text(body), spans)


def _facets(session: Session, raw: dict, base: OrgUnit | None) -> dict:
    """Counts per unit (the units one level below `base`, or the top units), category, year, type."""
    org_counts = raw.get("org", {})
    stmt = select(OrgUnit).where(OrgUnit.id.in_(list(org_counts)))
    stmt = stmt.where(OrgUnit.parent_id == base.id) if base is not None else stmt.where(OrgUnit.parent_id.is_(None))
    units = sorted(session.scalars(stmt), key=lambda u: (-org_counts[u.id], u.path))
    return {
        "org": [{"id": u.id, "name": u.name, "path": u.path, "count": org_counts[u.id]} for u in units],
        "category": [{"code": c, "name": _class_name(c), "count": n} for c, n in sorted(raw.get("category", {}).items())],
        "year": [{"year": y, "count": n} for y, n in sorted(raw.get("year", {}).items(), reverse=True)],
        "type": [{"type": k, "name": KIND_NAMES.get(k, k), "count": n}
                 for k, n in sorted(raw.get("kind", {}).items(), key=lambda kv: -kv[1])],
    }


def _class_name(code: str) -> str:
    from archive.standards import load

    for scheme in load().schemes.values():
        if code in scheme.classes:
            return scheme.classes[code].name
    return code


