"""People's decisions on classification: accept the proposal, or correct it; both file the document.

A person's decision is final (classified_by = person, no review needed). Changing the class or
retention of a filed document is a re-filing (filing.refile, the same path as a change of year or
unit): a new 件号 and 档号 in the new category, the old code kept in the audit log. The search index
follows through the commit hook.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.actor import Actor
from archive.auth.scope import restrict
from archive.classify import filing
from archive.documents import service as documents
from archive.models import Document
from archive.standards import Standards
from archive.errors import UNPROCESSABLE, DomainError


class ClassificationError(DomainError):
    kind = UNPROCESSABLE

    def __init__(self, message: str):
        super().__init__("invalid_classification", message)


def review_queue(session: Session, actor: Actor, *, page: int = 1, per_page: int = 50) -> tuple[int, list[Document]]:
    """Documents waiting for a person, in the actor's scope, least sure first."""
    from sqlalchemy import func

    stmt = select(Document).where(Document.needs_review.is_(True), Document.deleted_at.is_(None))
    if actor.user is not None:
        stmt = restrict(stmt, actor.user, Document.org_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(joinedload(Document.org))
                           .order_by(Document.confidence.asc().nulls_first(), Document.id)
                           .limit(per_page).offset((max(page, 1) - 1) * per_page))
    return total, list(rows)


def decide(session: Session, standards: Standards, actor: Actor, document_id: int, *,
           is_poverty: bool, category_code: str | None = None, retention: str | None = None) -> Document:
    """Record a person's classification and file the document when it can be filed."""
    doc = documents.get(session, document_id, user=actor.user)
    policy.require(policy.can_edit(actor, doc.org), "当前角色不能修改分类")
    scheme = standards.schemes.get(doc.scheme_id or "") or standards.scheme_for(path=doc.org.path, code=doc.org.code)
    before = _state(doc)
    if is_poverty:
        cls = scheme.classes.get(category_code or "")
        if cls is None:
            raise ClassificationError(f"类目“{category_code}”不在分类方案“{scheme.name}”中")
        if scheme.children(cls.code):
            raise ClassificationError(f"请选择“{cls.name}”下的具体类目")
        try:
            retention = standards.normalise_retention(retention) if retention else cls.retention
        except ValueError:
            raise ClassificationError(f"保管期限“{retention}”无效（可选 Y、D30、D10）") from None
    else:
        category_code, retention = None, None
    refile = doc.archive_code is not None and (category_code, retention) != (doc.category_code, doc.retention)
    doc.scheme_id, doc.is_poverty_record = scheme.id, is_poverty
    doc.category_code, doc.retention = category_code, retention
    # Without a year there is no 档号: the document stays in the queue until its year is filled in.
    doc.classified_by, doc.confidence, doc.needs_review = "person", 1.0, bool(is_poverty and doc.year is None)
    if refile or not is_poverty:
        filing.refile(session, standards, doc)  # withdraws the 档号 (if any); files again where it can
    else:
        filing.file(session, standards, doc)
    after = _state(doc)
    if after != before:
        audit.record(session, actor, "classify", object_type="document", object_id=doc.id, org_id=doc.org_id,
                     summary=("重新归档：" if refile else "确认分类：") + doc.title[:150],
                     changes={"before": before, "after": after})
    return doc


def accept(session: Session, standards: Standards, actor: Actor, document_ids: list[int]) -> list[Document]:
    """Accept the proposed classification of each document, as is (bulk, from the review queue)."""
    accepted = []
    for doc_id in document_ids:
        doc = documents.get(session, doc_id, user=actor.user)
        if doc.category_code is None and doc.is_poverty_record is not False:
            raise ClassificationError(f"“{doc.title[:30]}”没有建议的类目，请手工选择")
        accepted.append(decide(session, standards, actor, doc_id, is_poverty=doc.is_poverty_record is not False,
                               category_code=doc.category_code, retention=doc.retention))
    return accepted


def _state(doc: Document) -> dict:
    return {"is_poverty_record": doc.is_poverty_record, "category": doc.category_code, "retention": doc.retention,
            "archive_code": doc.archive_code, "classified_by": doc.classified_by}
