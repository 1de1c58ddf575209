"""A household's documents (一户一档): found by the household's ID numbers or by the head's name with
the village's, added by a person, or removed by a person (a removed one found automatically stays
out)."""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.actor import Actor
from archive.auth.scope import OutOfScope
from archive.errors import CONFLICT, NOT_FOUND, DomainError
from archive.models import Document, Household, HouseholdDocument, Ledger, OrgUnit
from archive.models.base import utcnow


class HouseholdError(DomainError):
    KINDS = {"document_not_found": NOT_FOUND, "already_linked": CONFLICT}


def _ids_of(household: Household) -> list[str]:
    numbers = [household.head_id_number, *(m.id_number for m in household.members)]
    return sorted({n for n in numbers if n})


def link_documents(session: Session, household: Household) -> list[HouseholdDocument]:
    """Link the documents of the household's unit (and below), not in the trash and not ledgers,
    whose text holds the head's or a member's ID number (how = id_number), or the head's name
    together with the village's name (how = name). Documents a person removed stay out. Returns the
    new links."""
    org = session.get(OrgUnit, household.org_id)
    known = {link.document_id for link in household.documents}
    units = select(OrgUnit.id).where(OrgUnit.lineage.startswith(org.lineage))
    # Ledgers are not part of a household's file, though they hold its numbers.
    base = select(Document.id).where(Document.org_id.in_(units), Document.deleted_at.is_(None),
                                     Document.id.not_in(select(Ledger.document_id)))
    if known:
        base = base.where(Document.id.not_in(known))
    found: dict[int, str] = {}
    numbers = _ids_of(household)
    variants = sorted({v for n in numbers for v in (n, n.lower())})
    if variants:
        for doc_id in session.scalars(base.where(or_(*(Document.text.contains(v, autoescape=True) for v in variants)))):
            found[doc_id] = "id_number"
    name = (household.head_name or "").strip()
    if len(name) >= 2:
        stmt = base.where(and_(Document.text.contains(name, autoescape=True),
                               Document.text.contains(org.name, autoescape=True)))
        for doc_id in session.scalars(stmt):
            found.setdefault(doc_id, "name")
    added = []
    for doc_id, how in sorted(found.items()):
        link = HouseholdDocument(document_id=doc_id, how=how, added_at=utcnow())
        household.documents.append(link)
        added.append(link)
    if added:
        session.flush()
    return added


def _require_writer(actor: Actor, household: Household) -> None:
    policy.require(policy.can_edit(actor, household.org), "当前角色不能修改一户一档")


def link_document(session: Session, actor: Actor, household: Household, document_id: int) -> HouseholdDocument:
    """A person adds a document (one they see, not in the trash) to the household's file; audited."""
    from archive.documents import service as documents

    _require_writer(actor, household)
    doc = documents.get_to_link(session, document_id, user=actor.user, error=HouseholdError)
    link = next((d for d in household.documents if d.document_id == doc.id), None)
    if link is not None and link.how != "excluded":
        raise HouseholdError("already_linked", f"《{doc.title[:40]}》已在该户档案中")
    if link is None:
        link = HouseholdDocument(document_id=doc.id, document=doc, how="person")
        household.documents.append(link)
    link.how, link.added_by_id, link.added_at = "person", actor.user.id if actor.user else None, utcnow()
    audit.record(session, actor, "household_link", object_type="household", object_id=household.id,
                 org_id=household.org_id, summary=f"{household.head_name}：《{doc.title[:150]}》")
    session.flush()
    return link


def unlink_document(session: Session, actor: Actor, household: Household, document_id: int) -> None:
    """A person removes a document from the household's file. One found automatically is remembered
    as removed (it is not linked again); the document itself stays in the archive."""
    _require_writer(actor, household)
    link = next((d for d in household.documents if d.document_id == document_id and d.how != "excluded"), None)
    if link is None:
        raise OutOfScope()
    title = link.document.title
    if link.how == "person":
        household.documents.remove(link)
    else:
        link.how, link.added_by_id, link.added_at = "excluded", actor.user.id if actor.user else None, utcnow()
    audit.record(session, actor, "household_unlink", object_type="household", object_id=household.id,
                 org_id=household.org_id, summary=f"{household.head_name}：《{title[:150]}》")
    session.flush()


def linked(household: Household) -> list[HouseholdDocument]:
    """The household's documents (a person's removals left out), oldest link first."""
    return [d for d in household.documents if d.how != "excluded"]
