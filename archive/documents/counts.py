"""The figures of the home page, within a user's scope: documents (not in the trash), those waiting
for OCR, and the units of the user's subtree. `user=None` is the operator, who sees everything."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.auth.scope import restrict
from archive.models import Document, OrgUnit, User


def scope_counts(session: Session, *, user: User | None) -> dict[str, int]:
    """{"documents", "awaiting_ocr", "units"}."""
    documents = select(func.count(Document.id)).where(Document.deleted_at.is_(None))
    units = select(func.count(OrgUnit.id))
    if user is not None:
        documents = restrict(documents, user, Document.org_id)
        units = units.where(OrgUnit.lineage.startswith(user.org.lineage))
    return {"documents": session.scalar(documents) or 0,
            "awaiting_ocr": session.scalar(documents.where(Document.status == "awaiting_ocr")) or 0,
            "units": session.scalar(units) or 0}
