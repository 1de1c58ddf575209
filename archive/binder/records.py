"""Recording a volume whose documents a domain picked and ordered itself: the Volume row (status
"queued"), its items numbered 1..n in binding order with the documents' catalogue fields, the TOC
notes between them (rows that bind nothing), the limit of MAX_DOCUMENTS and the audit entry.

The domains that make such volumes — 一户一档 (ledgers/volume.py) and 整改佐证材料汇编
(rectify/binder.py) — decide which documents, in which order, under which headings, with which class,
year and remarks; this module does the bookkeeping they share. The caller starts the build:
binder.service.start_build(session, actor, volume).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from archive.audit import service as audit
from archive.auth.actor import Actor
from archive.binder.service import MAX_DOCUMENTS, Spec, VolumeError
from archive.models import Document, OrgUnit, Volume, VolumeItem
from archive.models.volume import VolumeTocNote


class Contents:
    """The bound documents and the TOC notes between them, in the order they are added."""

    def __init__(self):
        self.items: list[VolumeItem] = []
        self.notes: list[VolumeTocNote] = []

    def bind(self, doc: Document, heading: str | None = None) -> None:
        """Bind `doc` next, under the TOC heading `heading`."""
        self.items.append(VolumeItem(position=len(self.items) + 1, document_id=doc.id, sha256=doc.sha256,
                                     archive_code=doc.archive_code, title=doc.title, doc_number=doc.doc_number,
                                     author=doc.author, doc_date=doc.doc_date, group_label=heading))

    def note(self, heading: str, *, document_id: int | None = None, remarks: str = "") -> None:
        """A TOC row that binds nothing (no 页号), after the documents bound so far."""
        self.notes.append(VolumeTocNote(after_position=len(self.items), ordinal=len(self.notes) + 1,
                                        group_label=heading[:500], document_id=document_id, remarks=remarks))


def in_unit(doc: Document, unit: OrgUnit) -> bool:
    """Whether `doc` belongs to `unit` or a unit below it (what a volume of `unit` may bind)."""
    return doc.org.lineage.startswith(unit.lineage)


def few(texts: list[str], limit: int = 5) -> str:
    """The first `limit` texts joined by 、, with " 等 N 份" when there are more (refusal messages)."""
    return "、".join(texts[:limit]) + (f" 等 {len(texts)} 份" if len(texts) > limit else "")


def class_named(scheme, name: str) -> str | None:
    """The code of the scheme's class called `name`, the top one when several share the name."""
    found = [c for c in scheme.classes.values() if c.name == name]
    return min(found, key=lambda c: (len(c.code), c.code)).code if found else None


def record(session: Session, actor: Actor, spec: Spec, contents: Contents, *, kind: str, scheme_id: str,
           default_title: str, audit_label: str = "", audit_counts: str = "", too_many_hint: str = "",
           batch_id: int | None = None) -> Volume:
    """Save the volume `spec` asks for (its unit, class, year, retention, title — `default_title` when
    blank —, 立卷人 — the actor when blank —, remarks and print options; not its `documents`: those
    are `contents`), status "queued", and the audit entry "<audit_label>：<title>（<audit_counts>n 件）".
    Refuses (VolumeError too_many_documents, `too_many_hint` after the limit) more than MAX_DOCUMENTS
    bound documents."""
    bound = len(contents.items)
    if bound > MAX_DOCUMENTS:
        raise VolumeError("too_many_documents", f"一卷最多 {MAX_DOCUMENTS} 份文件{too_many_hint}")
    user = actor.user
    title = (" ".join(spec.title.split()) or default_title)[:500]
    volume = Volume(kind=kind, batch_id=batch_id, org=spec.org, scheme_id=scheme_id, category_code=spec.category,
                    year=spec.year, retention=spec.retention, title=title, filing_no=spec.filing_no.strip()[:100],
                    made_by=(spec.made_by.strip() or (user.display_name or user.username if user else ""))[:100],
                    checked_by=spec.checked_by.strip()[:100], remarks=spec.remarks.strip()[:2000],
                    double_sided=spec.double_sided, spine=spec.spine, filing_stamp=spec.filing_stamp,
                    status="queued", errors=[], created_by_id=user.id if user else None)
    volume.items = contents.items
    volume.toc_notes = contents.notes
    session.add(volume)
    session.flush()
    label = f"{audit_label}：" if audit_label else ""
    audit.record(session, actor, "volume_create", object_type="volume", object_id=volume.id, org_id=spec.org.id,
                 summary=f"{label}{title[:150]}（{audit_counts}{bound} 件）")
    return volume
