"""佐证材料: documents in the archive linked to a rectification item, or uploaded from the item.

Uploading from an item is one step: the file is ingested, classified by a person's decision under the
scheme's 督查考核与问题整改 class (its 问题整改 sub-class where the scheme has one) and filed there,
and linked. The ingest commits on its own (the pipeline's unit of work); if classifying or linking
then fails, the new document is removed again, so nothing is left half done.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from archive.auth.actor import Actor
from archive.auth.scope import OutOfScope, in_scope
from archive.ingest.undo import undo_ingest
from archive.models import Document, ItemEvidence, OrgUnit, RectificationItem
from archive.models.base import utcnow
from archive.rectify.service import RectifyError, audit_item, item_orgs, label, record_event, require_writer
from archive.standards import Scheme, Standards


EVIDENCE_CLASS = "督查考核与问题整改"
EVIDENCE_LEAF = "问题整改"


def _open_for_evidence(actor: Actor, item: RectificationItem) -> None:
    require_writer(actor, item)
    if item.state == "closed":
        raise RectifyError("item_closed", "已销号的问题不能增删佐证材料；如需补充，请先重新整改")


def link(session: Session, actor: Actor, item: RectificationItem, document_id: int) -> ItemEvidence:
    """Link a document the actor sees (not in the trash) as evidence; audited, and on the timeline."""
    from archive.documents import service as documents

    _open_for_evidence(actor, item)
    doc = documents.get_to_link(session, document_id, user=actor.user, error=RectifyError)
    if any(e.document_id == doc.id for e in item.evidence):
        raise RectifyError("already_linked", f"《{doc.title[:40]}》已是该问题的佐证材料")
    return _link(session, actor, item, doc)


def _link(session: Session, actor: Actor, item: RectificationItem, doc: Document, how: str = "") -> ItemEvidence:
    evidence = ItemEvidence(document=doc, added_by_id=actor.user.id if actor.user else None, added_at=utcnow())
    item.evidence.append(evidence)
    item.updated_at = utcnow()
    record_event(item, actor, "evidence_add", comment=f"《{doc.title[:200]}》{how}",
                 data={"document_id": doc.id, "archive_code": doc.archive_code, "title": doc.title[:200]})
    audit_item(session, actor, "rectify_evidence_add", item, f"{label(item)}：《{doc.title[:150]}》{how}")
    session.flush()
    return evidence


def unlink(session: Session, actor: Actor, item: RectificationItem, document_id: int) -> None:
    _open_for_evidence(actor, item)
    link_ = next((e for e in item.evidence if e.document_id == document_id), None)
    if link_ is None:
        raise OutOfScope()
    doc = link_.document
    item.evidence.remove(link_)
    item.updated_at = utcnow()
    record_event(item, actor, "evidence_remove", comment=f"《{doc.title[:200]}》",
                 data={"document_id": doc.id, "archive_code": doc.archive_code, "title": doc.title[:200]})
    audit_item(session, actor, "rectify_evidence_remove", item, f"{label(item)}：《{doc.title[:150]}》")
    session.flush()


def evidence_class(scheme: Scheme) -> str:
    """The class evidence is filed under: 督查考核与问题整改, or its 问题整改 sub-class (a leaf)."""
    top = next((c for c in scheme.classes.values() if c.name == EVIDENCE_CLASS), None)
    if top is None:
        raise RectifyError("no_evidence_class", f"分类方案“{scheme.name}”没有“{EVIDENCE_CLASS}”类目，"
                                                f"请先在标准中添加，或上传后手工分类再关联")
    code = top.code
    while children := scheme.children(code):
        code = next((c.code for c in children if c.name == EVIDENCE_LEAF),
                    next((c.code for c in children if "整改" in c.name), children[-1].code))
    return code


def upload_org(actor: Actor, item: RectificationItem, org: OrgUnit | None) -> OrgUnit:
    """Where an uploaded evidence file is archived: `org` if given (in scope), else the first
    responsible unit (then the 牵头单位) the actor may write to, else the actor's own unit."""
    if org is not None:
        if actor.user is not None and not in_scope(actor.user, org):
            raise OutOfScope()
        return org
    for unit in item_orgs(item):
        if actor.user is None or in_scope(actor.user, unit):
            return unit
    return actor.user.org


@dataclass
class Uploaded:
    status: str                 # stored | duplicate
    evidence: ItemEvidence
    document: Document


def upload(session: Session, services, actor: Actor, item: RectificationItem, source: str | BinaryIO, name: str,
           *, org: OrgUnit | None = None) -> Uploaded:
    """Ingest a file, classify it under the evidence class as a person's decision, file and link it.

    A byte-identical document already in the archive (in scope, not in the trash) is linked as it
    stands, its classification untouched (status "duplicate"). Rejected files raise RectifyError
    with the ingest's code, reason and kind. Commits: the ingest has committed
    its own unit of work, so this one must be settled here too (or undone)."""
    from archive.classify import service as classify
    from archive.ingest.attached import ingest_attached
    from archive.ingest.pipeline import Incoming

    _open_for_evidence(actor, item)
    target = upload_org(actor, item, org)
    standards: Standards = services.standards
    scheme = standards.scheme_for(path=target.path, code=target.code)
    category = evidence_class(scheme)
    # No automatic classification: the person's decision below files it once, under one 档号.
    pipeline = dataclasses.replace(services.pipeline, standards=None)
    status, doc = ingest_attached(session, pipeline, actor, Incoming(source=source, name=name, org=target),
                                  error=RectifyError)
    if status == "duplicate":
        if any(e.document_id == doc.id for e in item.evidence):
            raise RectifyError("already_linked", f"《{doc.title[:40]}》已是该问题的佐证材料")
        evidence = _link(session, actor, item, doc, "（与已有文件相同，直接关联）")
        session.commit()
        return Uploaded("duplicate", evidence, doc)
    try:
        classify.decide(session, standards, actor, doc.id, is_poverty=True, category_code=category)
        evidence = _link(session, actor, item, doc, "（上传）")
        session.commit()
    except BaseException:
        session.rollback()
        undo_ingest(services, doc.id, doc.sha256, after="a failed evidence upload")
        raise
    return Uploaded("stored", evidence, doc)


