"""Reading documents, always through the scope rule when a user is given.

`user=None` is the local operator at the command line, who sees everything.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, undefer

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.actor import Actor
from archive.auth.scope import OutOfScope, require_in_scope, restrict
from archive.classify import filing
from archive.models import AuditEvent, Document, OrgUnit, User
from archive.models.base import utcnow
from archive.standards import Standards
from archive.values import jsonable
from archive.errors import CONFLICT, UNPROCESSABLE, DomainError

MAX_PER_PAGE = 200


@dataclass
class Page:
    total: int
    items: list[Document]
    page: int
    per_page: int


SORTS = {
    "created": Document.created_at,
    "date": Document.doc_date,
    "title": Document.title,
    "year": Document.year,
    "doc_number": Document.doc_number,
    "deleted": Document.deleted_at,
}


class InvalidField(DomainError):
    kind = UNPROCESSABLE

    def __init__(self, field: str, message: str):
        super().__init__("invalid_field", message, field=field)
        self.field = field


class RefilingRequired(DomainError):
    """A change that re-files a filed document (new 件号 and 档号, the old 档号 withdrawn) was asked
    for without saying so: nothing was changed."""

    kind = CONFLICT

    def __init__(self, archive_code: str, message: str):
        super().__init__("refiling_required", message, archive_code=archive_code)
        self.archive_code = archive_code


def get(session: Session, document_id: int, *, user: User | None, with_text: bool = False,
        in_trash: bool = False) -> Document:
    """One document in the user's scope. Trashed documents are only found with in_trash=True."""
    stmt = select(Document).options(joinedload(Document.org)).where(Document.id == document_id)
    stmt = stmt.where(Document.deleted_at.is_not(None) if in_trash else Document.deleted_at.is_(None))
    if with_text:
        stmt = stmt.options(undefer(Document.text))
    doc = session.scalar(stmt)
    if doc is None:
        raise OutOfScope()
    if user is not None:
        require_in_scope(user, doc.org)
    return doc


def get_to_link(session: Session, document_id: int, *, user: User | None, error: type[DomainError]) -> Document:
    """A document the user sees (not in the trash), to be linked to a household or an item: `error`
    (the caller's DomainError class) with code document_not_found otherwise."""
    try:
        return get(session, document_id, user=user)
    except OutOfScope:
        raise error("document_not_found", f"文件 {document_id} 不存在、在回收站中或无权访问") from None


def view(session: Session, actor: Actor, document_id: int, *, with_text: bool = False,
         unless_viewed_within: dt.timedelta | None = None) -> Document:
    """Open a document for reading; the view is audited.

    `unless_viewed_within`: the preview embedded in a detail page is part of the view just
    recorded, so it adds no second row; fetched on its own it is recorded like any view.
    """
    doc = get(session, document_id, user=actor.user, with_text=with_text)
    if unless_viewed_within is None or not audit.recently(session, actor, "view", "document", doc.id,
                                                          unless_viewed_within):
        audit.record(session, actor, "view", object_type="document", object_id=doc.id, org_id=doc.org_id,
                     summary=doc.title[:200])
    return doc


def download(session: Session, actor: Actor, document_id: int) -> Document:
    """Fetch a document's original for download; audited, and refused to roles without the right."""
    doc = get(session, document_id, user=actor.user)
    policy.require(policy.can_download(actor), "当前角色不能下载原件")
    audit.record(session, actor, "download", object_type="document", object_id=doc.id, org_id=doc.org_id,
                 summary=doc.original_name[:200])
    return doc


EDITABLE = ("title", "doc_number", "author", "doc_date", "year")


def update(session: Session, actor: Actor, document_id: int, changes: dict, *, refile: bool = False,
           standards: Standards | None = None) -> Document:
    """Correct a document's metadata. Only the fields in EDITABLE; before/after go to the audit log.

    The year is part of the 档号: changing the year of a filed document re-files it (filing.refile: a
    new 件号 and 档号 in the new year, the old 档号 withdrawn and kept in the audit event). That
    happens only when asked for with `refile=True`; otherwise RefilingRequired and nothing changes.
    """
    doc = get(session, document_id, user=actor.user)
    policy.require(policy.can_edit(actor, doc.org), "当前角色不能修改文件")
    clean = {name: _clean_field(name, value) for name, value in changes.items() if name in EDITABLE}
    refiling = doc.archive_code is not None and "year" in clean and clean["year"] != doc.year
    if refiling and clean["year"] is None:
        raise InvalidField("year", f"文件已归档（档号 {doc.archive_code}），年度不能为空")
    if refiling and not refile:
        raise RefilingRequired(doc.archive_code, (
            f"文件已归档（档号 {doc.archive_code}）。把年度改为 {clean['year']} 须重新归档：原档号作废、不再使用，"
            f"按 {clean['year']} 年度分配新的件号和档号。请勾选“重新归档并分配新档号”后再保存。"))
    before, after = {}, {}
    for name, value in clean.items():
        old = getattr(doc, name)
        if old != value:
            before[name], after[name] = jsonable(old), jsonable(value)
            setattr(doc, name, value)
    if after:
        doc.updated_at = utcnow()
        old_code = None
        if refiling:
            old_item = doc.item_no
            old_code = filing.refile(session, standards or _standards(), doc)
            before |= {"archive_code": old_code, "item_no": old_item}
            after |= {"archive_code": doc.archive_code, "item_no": doc.item_no}
        audit.record(session, actor, "edit", object_type="document", object_id=doc.id, org_id=doc.org_id,
                     summary=(f"重新归档（原档号 {old_code}）：" if old_code else "") + doc.title[:200],
                     changes={"before": before, "after": after})
        if not refiling and "year" in after and doc.year and doc.classified_by == "person" and doc.is_poverty_record:
            _file_once_year_known(session, doc)
    return doc


def _standards() -> Standards:
    from archive.standards import load

    return load()


def previous_codes(events: list[AuditEvent]) -> list[dict]:
    """The 档号 a document had before each re-filing, newest first, read from its audit history
    (audit.history): each with the code that replaced it (None: withdrawn without a new one)."""
    found = []
    for event in events:
        changes = event.changes if isinstance(event.changes, dict) else {}
        before, after = changes.get("before"), changes.get("after")
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        old = before.get("archive_code")
        if old and old != after.get("archive_code"):
            found.append({"archive_code": old, "replaced_by": after.get("archive_code"), "at": event.at,
                          "username": event.username, "action": event.action})
    return found


def _file_once_year_known(session: Session, doc: Document) -> None:
    """A person classified it, only the year was missing: now it can be filed."""
    doc.needs_review = False
    filing.file(session, _standards(), doc)


def delete(session: Session, actor: Actor, document_id: int) -> Document:
    """Move to the trash. The row, the file and the history stay; an admin can restore it."""
    doc = get(session, document_id, user=actor.user)
    policy.require(policy.can_edit(actor, doc.org), "当前角色不能删除文件")
    doc.deleted_at, doc.deleted_by_id = utcnow(), actor.user.id if actor.user else None
    audit.record(session, actor, "delete", object_type="document", object_id=doc.id, org_id=doc.org_id,
                 summary=doc.title[:200])
    return doc


def restore(session: Session, actor: Actor, document_id: int) -> Document:
    doc = get(session, document_id, user=actor.user, in_trash=True)
    policy.require(policy.can_administer(actor), "只有系统管理员可以从回收站恢复")
    doc.deleted_at, doc.deleted_by_id = None, None
    audit.record(session, actor, "restore", object_type="document", object_id=doc.id, org_id=doc.org_id,
                 summary=doc.title[:200])
    return doc


def get_trash(session: Session, actor: Actor, *, page: int = 1, per_page: int = 50) -> Page:
    policy.require(policy.can_administer(actor), "只有系统管理员可以查看回收站")
    return get_all(session, user=actor.user, page=page, per_page=per_page, sort="deleted", in_trash=True)


def org_counts(session: Session, *, user: User | None) -> dict[int, int]:
    """Documents filed directly under each unit, within the user's scope."""
    stmt = select(Document.org_id, func.count(Document.id)).where(Document.deleted_at.is_(None))
    if user is not None:
        stmt = restrict(stmt, user, Document.org_id)
    return dict(session.execute(stmt.group_by(Document.org_id)).all())


def _clean_field(name: str, value):
    if isinstance(value, str):
        value = " ".join(value.split())
    if name == "title":
        if not value:
            raise InvalidField(name, "题名不能为空")
        if len(value) > 1000:
            raise InvalidField(name, "题名过长（最多 1000 字）")
        return value
    if name in ("doc_number", "author"):
        limit = 200 if name == "doc_number" else 500
        if value and len(value) > limit:
            raise InvalidField(name, f"{'文号' if name == 'doc_number' else '责任者'}过长")
        return value or None
    if name == "doc_date":
        if value in (None, ""):
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise InvalidField(name, "成文日期格式应为 YYYY-MM-DD") from None
    if name == "year":
        if value in (None, ""):
            return None
        try:
            year = int(value)
        except (TypeError, ValueError):
            raise InvalidField(name, "年度应为四位数字") from None
        if not 1949 <= year <= 2100:
            raise InvalidField(name, "年度应在 1949–2100 之间")
        return year
    return value


def get_all(
    session: Session,
    *,
    user: User | None,
    org: OrgUnit | None = None,
    year: int | None = None,
    page: int = 1,
    per_page: int = 50,
    sort: str = "created",
    descending: bool = True,
    in_trash: bool = False,
) -> Page:
    """Documents in `org`'s subtree (default: everything the user may see), newest first."""
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    stmt = select(Document).where(Document.deleted_at.is_not(None) if in_trash else Document.deleted_at.is_(None))
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
    column = SORTS.get(sort, Document.created_at)
    order = (column.desc().nulls_last(), Document.id.desc()) if descending else (column.asc().nulls_last(), Document.id)
    rows = session.scalars(
        stmt.options(joinedload(Document.org))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(total=total or 0, items=list(rows), page=page, per_page=per_page)


def year_counts(session: Session, *, user: User | None, org: OrgUnit | None = None) -> list[tuple[int | None, int]]:
    """(year, documents) within the user's scope (and `org`'s subtree), newest year first."""
    stmt = select(Document.year, func.count(Document.id)).where(Document.deleted_at.is_(None))
    if user is not None:
        stmt = restrict(stmt, user, Document.org_id)
    if org is not None:
        stmt = stmt.where(Document.org_id.in_(select(OrgUnit.id).where(OrgUnit.lineage.startswith(org.lineage))))
    rows = session.execute(stmt.group_by(Document.year).order_by(Document.year.desc().nulls_last()))
    return [(year, count) for year, count in rows]


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


def category_of(doc: Document) -> dict | None:
    """{"code", "name"} of the document's class, or None (unclassified, or not a poverty record)."""
    if not doc.category_code or doc.is_poverty_record is False:
        return None
    from archive.standards import load

    scheme = load().schemes.get(doc.scheme_id or "")
    cls = scheme.classes.get(doc.category_code) if scheme else None
    return {"code": doc.category_code, "name": cls.name if cls else None}


def detail(doc: Document, *, with_text: bool = False) -> dict:
    data = summary(doc) | {
        "category": category_of(doc),
        "retention": doc.retention,
        "item_no": doc.item_no,
        "is_poverty_record": doc.is_poverty_record,
        "confidence": doc.confidence,
        "classified_by": doc.classified_by,
        "needs_review": doc.needs_review,
        "scheme": doc.scheme_id,
        "suggested_org": doc.suggested_org.path if doc.suggested_org_id and doc.suggested_org else None,
        "suggested_org_id": doc.suggested_org_id,
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
        "deleted_at": doc.deleted_at.isoformat() if doc.deleted_at else None,
    }
    if with_text:
        data["text"] = doc.text
    return data


def stored_hashes(session: Session) -> list[str]:
    """The sha256 of every document's file, deleted ones too: what the file store must hold."""
    return list(session.scalars(select(Document.sha256)))
