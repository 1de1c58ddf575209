"""Applying a classification to a document and filing it: 件号 and 档号 in the same transaction.

A document is filed (gets its 档号) once it is a poverty-alleviation record with a class, a retention
and a year, and no person still needs to look at it. Once issued, a 档号 is frozen: changing a filed
document's class, retention, year or unit is an explicit re-filing (`refile`, the one path for all of
them) that issues a new number; the caller records the old one in its audit event.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive.classify.rules import Decision
from archive.models import ArchiveSequence, Document, OrgUnit
from archive.models.base import utcnow
from archive.standards import Standards


def apply(doc: Document, decision: Decision, scheme_id: str, by: str) -> None:
    doc.scheme_id = scheme_id
    doc.is_poverty_record = decision.is_poverty
    doc.category_code = decision.category_code
    doc.retention = decision.retention
    doc.confidence = decision.confidence
    doc.classified_by = by
    doc.needs_review = decision.needs_review


def fileable(doc: Document) -> bool:
    return bool(doc.is_poverty_record and doc.category_code and doc.retention and doc.year
                and not doc.needs_review and doc.archive_code is None and doc.deleted_at is None)


def file(session: Session, standards: Standards, doc: Document) -> str | None:
    """Issue the next 件号 of the document's lowest category and its 档号, inside the transaction that
    records the document. The sequence UPDATE is a write: on SQLite, make it (or the document's own
    INSERT) the transaction's first statement, so the write lock is taken before anything is read."""
    if not fileable(doc):
        return None
    org = doc.org
    scheme = standards.schemes[doc.scheme_id] if doc.scheme_id in standards.schemes \
        else standards.scheme_for(path=org.path, code=org.code)
    fonds = standards.fonds_for(path=org.path, code=org.code)
    key = dict(fonds=fonds, door=scheme.door_code, year=doc.year, retention=doc.retention,
               class_code=doc.category_code)
    item = next_item(session, **key)
    doc.item_no = item
    doc.archive_code = scheme.format_code(fonds=fonds, year=doc.year, retention=doc.retention,
                                          class_code=doc.category_code, item=item)
    doc.filed_at = utcnow()
    return doc.archive_code


def refile(session: Session, standards: Standards, doc: Document) -> str | None:
    """Re-file a filed document whose class, retention, year or unit was changed (by the caller, on
    `doc`, before this call): its 档号 is withdrawn and the next 件号 and 档号 of its category as it
    now stands are issued, in the caller's transaction. Returns the withdrawn 档号 (None if it had
    none), for the caller's audit event.

    The withdrawn number is never issued again: a category's sequence only moves forward. A document
    that can no longer be filed (not a poverty record any more, or waiting for review) is left without
    a 档号.
    """
    old = doc.archive_code
    doc.archive_code, doc.item_no, doc.filed_at = None, None, None
    file(session, standards, doc)
    return old


def next_item(session: Session, *, fonds: str, door: str, year: int, retention: str, class_code: str) -> int:
    where = (ArchiveSequence.fonds == fonds, ArchiveSequence.door == door, ArchiveSequence.year == year,
             ArchiveSequence.retention == retention, ArchiveSequence.class_code == class_code)
    bump = update(ArchiveSequence).where(*where).values(last_item=ArchiveSequence.last_item + 1) \
        .returning(ArchiveSequence.last_item)
    item = session.execute(bump).scalar()
    if item is not None:
        return item
    try:
        with session.begin_nested():  # the first of its category; another filer may create it first
            session.add(ArchiveSequence(fonds=fonds, door=door, year=year, retention=retention,
                                        class_code=class_code, last_item=1))
        return 1
    except IntegrityError:
        return session.execute(bump).scalar()


def units_below(session: Session, org: OrgUnit) -> list[tuple[int, str, int]]:
    """(id, name, depth) of every unit under `org`, for suggest_org."""
    rows = session.execute(select(OrgUnit.id, OrgUnit.name, OrgUnit.depth).where(
        OrgUnit.lineage.startswith(org.lineage), OrgUnit.id != org.id))
    return [tuple(row) for row in rows]


def suggest_org(units: list[tuple[int, str, int]], doc: Document) -> int | None:
    """The id of a unit below the document's own that its title (or opening) names: a suggestion for
    a person, never a move. `units` from units_below."""
    opening = f"{doc.title}\n{(doc.text or '')[:300]}"
    named = [(depth, unit_id) for unit_id, name, depth in units if len(name) >= 2 and name in opening]
    return max(named)[1] if named else None
