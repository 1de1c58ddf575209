"""Moving a document to another unit (and the unit suggestion its text gave): a filed document is
re-filed there, a new 件号 and 档号 in the new unit's fonds and class, the old 档号 withdrawn."""
from __future__ import annotations

from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.actor import Actor
from archive.auth.scope import in_scope
from archive.classify import filing
from archive.documents.service import RefilingRequired, get
from archive.errors import CONFLICT, NOT_FOUND, UNPROCESSABLE, DomainError
from archive.models import Document, OrgUnit
from archive.models.base import utcnow
from archive.standards import Standards


class MoveError(DomainError):
    """A move to another unit that cannot be made as asked (codes: org_not_found, same_org, no_suggestion)."""

    kind = UNPROCESSABLE
    KINDS = {"org_not_found": NOT_FOUND, "no_suggestion": CONFLICT}


def move(session: Session, standards: Standards, actor: Actor, document_id: int, target: OrgUnit | None, *,
         refile: bool = False, accepting_suggestion: bool = False) -> tuple[Document, str | None]:
    """Move a document to another unit in the actor's scope. Returns (document, withdrawn 档号 or None).

    An unfiled document just changes unit. A filed one is re-filed (filing.refile): a new 件号 and
    档号 in the new unit's fonds and category, the old 档号 withdrawn (never issued again) and kept in
    the audit event; only with `refile=True`, otherwise RefilingRequired. Any move settles the unit
    suggestion, so it is cleared. `target` None stands for a unit that does not exist. Nothing is
    changed when the move is refused.
    """
    doc = get(session, document_id, user=actor.user)
    policy.require(policy.can_edit(actor, doc.org), "当前角色不能移动文件")
    if target is None or (actor.user is not None and not in_scope(actor.user, target)):
        # A unit outside the scope answers like a missing one: ids and paths reveal nothing.
        raise MoveError("org_not_found", "目标单位不存在或不在您的管辖范围内")
    policy.require(policy.can_edit(actor, target), "当前角色不能移动文件")
    source = doc.org
    if target.id == source.id:
        raise MoveError("same_org", f"文件已在“{target.path}”，无需移动")
    if doc.archive_code is not None and not refile:
        raise RefilingRequired(doc.archive_code, (
            f"文件已归档（档号 {doc.archive_code}）。移至“{target.name}”须重新归档：原档号作废、不再使用，"
            f"在该单位的全宗和类目中分配新的件号和档号。请确认重新归档。"))
    before = {"org": source.path}
    after = {"org": target.path}
    if doc.suggested_org_id is not None:
        before["suggested_org"] = doc.suggested_org.path if doc.suggested_org else None
        after["suggested_org"] = None
    old_item = doc.item_no
    doc.org = target
    doc.suggested_org = None
    _adopt_scheme(standards, doc, target)
    doc.updated_at = utcnow()
    old_code = filing.refile(session, standards, doc) if doc.archive_code is not None else None
    if old_code is not None:
        before |= {"archive_code": old_code, "item_no": old_item}
        after |= {"archive_code": doc.archive_code, "item_no": doc.item_no}
    what = "采纳单位建议，" if accepting_suggestion else ""
    what += f"重新归档（原档号 {old_code}），" if old_code else ""
    audit.record(session, actor, "move", object_type="document", object_id=doc.id, org_id=target.id,
                 summary=f"{what}从 {source.path} 移至 {target.path}：{doc.title[:150]}",
                 changes={"before": before, "after": after})
    return doc, old_code


def _adopt_scheme(standards: Standards, doc: Document, target: OrgUnit) -> None:
    """The target unit's classification scheme goes with the move. A class that scheme does not have
    (as a leaf) cannot be filed there: the document goes to the review queue for a person to classify."""
    if doc.scheme_id is None:
        return
    scheme = standards.scheme_for(path=target.path, code=target.code)
    if scheme.id == doc.scheme_id:
        return
    doc.scheme_id = scheme.id
    cls = scheme.classes.get(doc.category_code or "")
    if doc.category_code and (cls is None or scheme.children(cls.code)):
        doc.category_code, doc.retention, doc.confidence, doc.classified_by = None, None, None, None
        doc.needs_review = True


def accept_suggestion(session: Session, standards: Standards, actor: Actor, document_id: int, *,
                      refile: bool = False) -> tuple[Document, str | None]:
    """Move the document to the unit its text names (Document.suggested_org_id): see `move`."""
    doc = get(session, document_id, user=actor.user)
    policy.require(policy.can_edit(actor, doc.org), "当前角色不能移动文件")
    if doc.suggested_org_id is None:
        raise MoveError("no_suggestion", "该文件没有单位建议（可能已被处理）")
    return move(session, standards, actor, document_id, doc.suggested_org, refile=refile, accepting_suggestion=True)


def dismiss_suggestion(session: Session, actor: Actor, document_id: int) -> Document:
    """Clear the unit suggestion: the document stays where it is (audited)."""
    doc = get(session, document_id, user=actor.user)
    policy.require(policy.can_edit(actor, doc.org), "当前角色不能修改文件")
    if doc.suggested_org_id is None:
        raise MoveError("no_suggestion", "该文件没有单位建议（可能已被处理）")
    suggested = doc.suggested_org.path if doc.suggested_org else None
    doc.suggested_org = None
    doc.updated_at = utcnow()
    audit.record(session, actor, "suggestion_dismiss", object_type="document", object_id=doc.id,
                 org_id=doc.org_id, summary=f"忽略单位建议（{suggested}）：{doc.title[:150]}",
                 changes={"before": {"suggested_org": suggested}, "after": {"suggested_org": None}})
    return doc
