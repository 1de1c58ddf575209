"""Read-only look-ups the faces need besides the item list: how many items a filter matches, and the
documents a person may pick as an item's evidence (by title, 档号 or number), within their scope."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from archive.auth.scope import restrict
from archive.models import Document, User
from archive.rectify.service import ItemFilter, items_query
from archive.values import lenient_int

PICK_LIMIT = 20


def count_items(session: Session, *, user: User | None, flt: ItemFilter, today: dt.date) -> int:
    stmt = items_query(user, flt, today)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def pick_documents(session: Session, *, user: User | None, q: str, limit: int = PICK_LIMIT) -> list[Document]:
    """Documents (not in the trash) whose title or 档号 has every word of `q` (five at most), or whose
    number is `q`; newest first."""
    words = q.split()[:5]
    if not words:
        return []
    stmt = select(Document).where(Document.deleted_at.is_(None))
    if user is not None:
        stmt = restrict(stmt, user, Document.org_id)
    condition = and_(*(or_(Document.title.contains(w, autoescape=True),
                           Document.archive_code.contains(w, autoescape=True)) for w in words))
    number = lenient_int(words[0]) if len(words) == 1 else None
    if number is not None:
        condition = or_(condition, Document.id == number)
    stmt = stmt.where(condition).order_by(Document.created_at.desc(), Document.id.desc()).limit(limit)
    return list(session.scalars(stmt))
