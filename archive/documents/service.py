"""Reading documents, always through the scope rule when a user is given.

`user=None` is the local operator at the command line, who sees everything.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, undefer

from archive.auth.scope import OutOfScope, require_in_scope, restrict
from archive.models import Document, OrgUnit, User

MAX_PER_PAGE = 200


@dataclass
class Page:
    total: int
    items: list[Document]
    page: int
    per_page: int


def get(session: Session, document_id: int, *, user: User | None, with_text: bool = False) -> Document:
    stmt = select(Document).options(joinedload(Document.org)).where(Document.id == document_id)
    if with_text:
        stmt = stmt.options(undefer(Document.text))
    doc = session.scalar(stmt)
    if doc is None:
        raise OutOfScope()
    if user is not None:
        require_in_scope(user, doc.org)
    return doc


def get_all(
    session: Session,
    *,
    user: User | None,
    org: OrgUnit | None = None,
    year: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Documents in `org`'s subtree (default: everything the user may see), newest first."""
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    stmt = select(Document)
    if user is not None:
        stmt = restrict(stmt, user, Document.org_id)
        if org is not None:
            require_in_scope(user, org)
    if org is not None:
        sub = select(OrgUnit.id).where(OrgUnit.lineage.startswith(org.lineage))
        stmt = stmt.where(Document.org_id.in_(sub))
    if year is not None:
        stmt = stmt.where(Document.year == year)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(
        stmt.options(joinedload(Document.org))
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(total=total or 0, items=list(rows), page=page, per_page=per_page)


def summary(doc: Document) -> dict:
    return {
        "id": doc.id,
        "title": doc.title,
        "archive_code": doc.archive_code,
        "org": doc.org.path,
        "year": doc.year,
        "doc_number": doc.doc_number,
        "doc_date": doc.doc_date.isoformat() if doc.doc_date else None,
        "file_kind": doc.file_kind,
        "status": doc.status,
    }


def detail(doc: Document, *, with_text: bool = False) -> dict:
    data = summary(doc) | {
        "org_id": doc.org_id,
        "org_code": doc.org.code,
        "author": doc.author,
        "page_count": doc.page_count,
        "original_name": doc.original_name,
        "mime_type": doc.mime_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "uploaded_by": doc.uploaded_by.username if doc.uploaded_by else None,
        "created_at": doc.created_at.isoformat(),
        "updated_at": doc.updated_at.isoformat(),
    }
    if with_text:
        data["text"] = doc.text
    return data
