"""Volumes as records: which documents a volume binds, in which order, who may see and make it.

Every interface (API, pages, CLI, jobs) goes through these functions; scope and roles are checked
here. Building the PDF is build.py.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from archive.audit import service as audit
from archive.auth import policy
from archive.auth.actor import Actor
from archive.auth.scope import OutOfScope, require_in_scope, restrict
from archive.models import Document, OrgUnit, User, Volume, VolumeItem
from archive.standards import Scheme, Standards
from archive.errors import DomainError

MAX_DOCUMENTS = 2000


class VolumeError(DomainError):
    """A request the composer refuses: `code` for machines, `message` in Chinese for people."""


@dataclass(frozen=True)
class Spec:
    """What a person asks for. `documents` None: every filed document matching the filter."""
    org: OrgUnit
    category: str
    year: int
    retention: str
    documents: list[int] | None = None
    title: str = ""
    filing_no: str = ""
    made_by: str = ""
    checked_by: str = ""
    remarks: str = ""
    double_sided: bool = False
    spine: bool = False
    filing_stamp: bool = True


def parse_retention(standards: Standards, value) -> str:
    try:
        return standards.normalise_retention(str(value or "").strip())
    except ValueError:
        codes = "、".join(standards.retention)
        raise VolumeError("invalid_retention", f"保管期限“{str(value)[:20]}”无效，应为 {codes} 之一") from None


def class_and_retention(standards: Standards, org: OrgUnit, category, retention) -> tuple[str, str]:
    """The class code (checked against the unit's scheme) and the retention period, by default the
    class's own."""
    category = str(category or "").strip()
    _check_class(standards, org, category)
    if retention is None or not str(retention).strip():
        retention = scheme_of(standards, org).classes[category].retention
    return category, parse_retention(standards, retention)


def parse_document_ids(value) -> list[int] | None:
    """IDs from a list or "3,5,8"; None when not given."""
    if value is None or value == "":
        return None
    items = value if isinstance(value, list) else str(value).replace("，", ",").split(",")
    if len(items) > MAX_DOCUMENTS:
        raise VolumeError("too_many_documents", f"一卷最多 {MAX_DOCUMENTS} 份文件，请分卷")
    ids = []
    for item in items:
        text = str(item).strip()
        if not (text.isascii() and text.isdigit()):
            raise VolumeError("invalid_documents", f"文件编号“{text[:20]}”无效，应为数字")
        ids.append(int(text))
    if len(ids) != len(set(ids)):
        raise VolumeError("duplicate_documents", "同一文件在案卷中出现了两次")
    return ids


def scheme_of(standards: Standards, org: OrgUnit) -> Scheme:
    return standards.scheme_for(path=org.path, code=org.code)


# Progress steps of a build besides one per document for renditions and one per document for assembly.
EXTRA_STEPS = 2


def total_steps(item_count: int) -> int:
    return 2 * item_count + EXTRA_STEPS


def class_name(standards: Standards, scheme_id: str, code: str) -> str:
    scheme = standards.schemes.get(scheme_id)
    doc_class = scheme.classes.get(code) if scheme else None
    return doc_class.name if doc_class else ""


def candidates(session: Session, standards: Standards, *, user: User | None, org: OrgUnit, category: str,
               year: int, retention: str) -> list[Document]:
    """Filed documents of `org`'s subtree in the class (and its sub-classes), year and retention,
    in 档号 order: what a volume binds when nobody picks by hand."""
    if user is not None:
        require_in_scope(user, org)
    _check_class(standards, org, category)
    subtree = select(OrgUnit.id).where(OrgUnit.lineage.startswith(org.lineage))
    stmt = (select(Document)
            .where(Document.org_id.in_(subtree), Document.archive_code.is_not(None), Document.deleted_at.is_(None),
                   Document.year == year, Document.retention == retention,
                   Document.category_code.startswith(category, autoescape=True))
            .order_by(Document.category_code, Document.item_no, Document.id).limit(MAX_DOCUMENTS + 1))
    return list(session.scalars(stmt))


def _check_class(standards: Standards, org: OrgUnit, category: str) -> None:
    scheme = scheme_of(standards, org)
    if not category:
        raise VolumeError("missing_category", "缺少类目（category）")
    if category not in scheme.classes:
        raise VolumeError("invalid_category", f"类目“{category[:20]}”在分类方案“{scheme.name}”中不存在")


def chosen_documents(session: Session, user: User | None, ids: list[int]) -> list[Document]:
    """The documents picked by hand, in the order given; each must exist, be in scope and not deleted."""
    if not ids:
        raise VolumeError("no_documents", "案卷至少需要一份文件")
    found = {doc.id: doc for doc in session.scalars(select(Document).where(Document.id.in_(ids)))}
    problems = []
    for doc_id in ids:
        doc = found.get(doc_id)
        if doc is None or (user is not None and not doc.org.lineage.startswith(user.org.lineage)):
            problems.append(f"文件 {doc_id} 不存在或无权访问")
        elif doc.deleted_at is not None:
            problems.append(f"文件 {doc_id}《{doc.title[:40]}》在回收站中")
    if problems:
        raise VolumeError("invalid_documents", "；".join(problems))
    return [found[doc_id] for doc_id in ids]


def propose_title(org: OrgUnit, year: int, category_name: str, docs: list[Document]) -> str:
    """案卷题名 from its documents (责任者 + 内容 + 文种, GB/T 9705): the most common 责任者, else the unit."""
    authors = Counter(doc.author.strip() for doc in docs if doc.author and doc.author.strip())
    author = authors.most_common(1)[0][0] if authors else org.name
    subject = category_name or "工作"
    return f"{author}{year}年度{subject}文件材料"


def create(session: Session, standards: Standards, actor: Actor, spec: Spec) -> Volume:
    """Record a volume to build (status "queued"); the caller starts the build (job or CLI)."""
    policy.require(policy.can_edit(actor, spec.org), "当前角色不能组卷")
    user = actor.user
    if spec.documents is None:
        docs = candidates(session, standards, user=user, org=spec.org, category=spec.category, year=spec.year,
                          retention=spec.retention)
        if not docs:
            name = class_name(standards, scheme_of(standards, spec.org).id, spec.category)
            raise VolumeError("nothing_to_bind", f"{spec.org.name}（含下级单位）没有 {spec.year} 年、类目“{spec.category} "
                                                 f"{name}”、保管期限 {spec.retention} 的已归档文件")
    else:
        _check_class(standards, spec.org, spec.category)
        docs = chosen_documents(session, user, spec.documents)
        outside = [d for d in docs if not d.org.lineage.startswith(spec.org.lineage)]
        if outside:
            raise VolumeError("document_outside_unit", f"文件《{outside[0].title[:40]}》不属于{spec.org.name}及其下级单位")
    if len(docs) > MAX_DOCUMENTS:
        raise VolumeError("too_many_documents", f"一卷最多 {MAX_DOCUMENTS} 份文件，请按类目或期限分卷")
    scheme = scheme_of(standards, spec.org)
    title = (" ".join(spec.title.split()) or propose_title(
        spec.org, spec.year, class_name(standards, scheme.id, spec.category), docs))[:500]
    volume = Volume(org=spec.org, scheme_id=scheme.id, category_code=spec.category, year=spec.year,
                    retention=spec.retention, title=title, filing_no=spec.filing_no.strip()[:100],
                    made_by=(spec.made_by.strip() or (user.display_name or user.username if user else ""))[:100],
                    checked_by=spec.checked_by.strip()[:100], remarks=spec.remarks.strip()[:2000],
                    double_sided=spec.double_sided, spine=spec.spine, filing_stamp=spec.filing_stamp,
                    status="queued", errors=[], created_by_id=user.id if user else None)
    volume.items = [VolumeItem(position=n, document_id=doc.id, sha256=doc.sha256, archive_code=doc.archive_code,
                               title=doc.title, doc_number=doc.doc_number, author=doc.author, doc_date=doc.doc_date)
                    for n, doc in enumerate(docs, start=1)]
    session.add(volume)
    session.flush()
    audit.record(session, actor, "volume_create", object_type="volume", object_id=volume.id, org_id=spec.org.id,
                 summary=f"{title[:150]}（{len(docs)} 件）")
    return volume


def preview(session: Session, standards: Standards, user: User | None, spec: Spec, renditions=None) -> dict:
    """The table of contents a volume would get, without saving anything. Page numbers come from
    the renditions already made (`renditions`: a renditions.Renditions), else from the page counts
    recorded at ingest (an estimate: a DOCX's pages are only known once rendered)."""
    from archive.binder.compose import page_ranges, toc_labels
    from archive.binder.renditions import page_count

    if spec.documents is None:
        docs = candidates(session, standards, user=user, org=spec.org, category=spec.category, year=spec.year,
                          retention=spec.retention)
        if len(docs) > MAX_DOCUMENTS:
            raise VolumeError("too_many_documents", f"符合条件的文件超过 {MAX_DOCUMENTS} 份，请分卷")
    else:
        _check_class(standards, spec.org, spec.category)
        docs = chosen_documents(session, user, spec.documents)
    name = class_name(standards, scheme_of(standards, spec.org).id, spec.category)

    def pages(doc: Document) -> tuple[int, bool]:
        cached = renditions.cached(doc.sha256) if renditions is not None else None
        return (page_count(cached), True) if cached else (doc.page_count or 1, False)

    counted = [pages(doc) for doc in docs]
    ranges = page_ranges([n for n, _ in counted])
    return {
        "title": " ".join(spec.title.split()) or propose_title(spec.org, spec.year, name, docs),
        "category": {"code": spec.category, "name": name or None},
        "item_count": len(docs),
        "page_count": ranges[-1][1] if ranges else 0,
        "pages_exact": all(exact for _, exact in counted),
        "documents": [{"position": n, "document_id": doc.id, "title": doc.title, "archive_code": doc.archive_code,
                       "doc_number": doc.doc_number, "author": doc.author,
                       "date": doc.doc_date.strftime("%Y%m%d") if doc.doc_date else "",
                       "pages": count, "pages_exact": exact, "page_label": label}
                      for n, (doc, (count, exact), label) in enumerate(zip(docs, counted, toc_labels(ranges)), start=1)],
    }


def start_build(session: Session, actor: Actor, volume: Volume) -> str:
    """Record the volume's build job, commit, and queue it (the worker must find the rows); returns
    the job id. Every interface starts builds through here."""
    from archive import jobs

    job = jobs.create_job(session, kind="volume_build", user=actor.user, org=volume.org,
                          params={"volume_id": volume.id})
    job.total = total_steps(len(volume.items))
    volume.job_id, volume.status = job.id, "queued"
    job_id = job.id
    session.commit()
    jobs.enqueue("volume_build", job_id)
    return job_id


def retry(session: Session, actor: Actor, volume: Volume) -> str:
    """Build a failed volume again (after its documents were fixed), or one left "queued" or
    "building" by a job that is no longer running (a worker that died)."""
    from archive.models import Job

    policy.require(policy.can_edit(actor, volume.org), "当前角色不能组卷")
    job = session.get(Job, volume.job_id) if volume.job_id else None
    stuck = volume.status in ("queued", "building") and (job is None or job.status in ("done", "failed"))
    if volume.status != "failed" and not stuck:
        raise VolumeError("not_failed", f"只有生成失败的案卷可以重新生成（当前状态：{volume.status}）")
    volume.errors = []
    return start_build(session, actor, volume)


def renditions_of(services):
    """The rendition cache, for preview's page counts."""
    from archive.binder.renditions import Renditions

    return Renditions(services.store, services.settings.renditions_dir)


def get(session: Session, volume_id: int, *, user: User | None) -> Volume:
    volume = session.get(Volume, volume_id, options=[selectinload(Volume.items), selectinload(Volume.toc_notes)])
    if volume is None:
        raise OutOfScope()
    if user is not None:
        require_in_scope(user, volume.org)
    return volume


def list_for(session: Session, *, user: User | None, org: OrgUnit | None = None, page: int = 1,
             per_page: int = 50) -> tuple[int, list[Volume]]:
    stmt = select(Volume)
    if user is not None:
        stmt = restrict(stmt, user, Volume.org_id)
    if org is not None:
        sub = select(OrgUnit.id).where(OrgUnit.lineage.startswith(org.lineage))
        stmt = stmt.where(Volume.org_id.in_(sub))
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(Volume.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return total, list(rows)


def record_download(session: Session, actor: Actor, volume: Volume) -> None:
    audit.record(session, actor, "volume_download", object_type="volume", object_id=volume.id,
                 org_id=volume.org_id, summary=volume.title[:200])


def volume_dict(volume: Volume, standards: Standards, job: dict | None = None) -> dict:
    return {
        "id": volume.id,
        "kind": volume.kind or "volume",       # "volume", or "evidence" (整改佐证材料汇编)
        "batch_id": volume.batch_id,           # the feedback batch of an evidence binder
        "org": volume.org.path,
        "org_id": volume.org_id,
        "category": {"code": volume.category_code,
                     "name": class_name(standards, volume.scheme_id, volume.category_code) or None},
        "year": volume.year,
        "retention": volume.retention,
        "title": volume.title,
        "status": volume.status,
        "progress": job["progress"] if job else (1.0 if volume.status == "done" else 0.0),
        "archive_code": volume.archive_code,
        "volume_no": volume.volume_no,
        "filing_no": volume.filing_no,
        "made_by": volume.made_by,
        "checked_by": volume.checked_by,
        "double_sided": volume.double_sided,
        "spine": volume.spine,
        "filing_stamp": volume.filing_stamp,
        "item_count": len(volume.items),
        "page_count": volume.page_count,
        "total_pages": volume.total_pages,
        "pdf_sha256": volume.pdf_sha256,
        "errors": list(volume.errors or []),
        "job": job,
        "created_at": volume.created_at.isoformat() if volume.created_at else None,
        "built_at": volume.built_at.isoformat() if volume.built_at else None,
        "documents": [{"position": item.position, "document_id": item.document_id, "title": item.title,
                       "archive_code": item.archive_code, "doc_number": item.doc_number, "author": item.author,
                       "doc_date": item.doc_date.isoformat() if item.doc_date else None, "sha256": item.sha256,
                       "rendition_sha256": item.rendition_sha256, "page_start": item.page_start,
                       "page_end": item.page_end, "group": item.group_label} for item in volume.items],
        # rows of the table of contents that bind nothing (evidence binders): a heading alone, or a
        # reference to a document bound under another heading; after the document at that position
        "toc_notes": [{"after_position": note.after_position, "group": note.group_label,
                       "document_id": note.document_id, "remarks": note.remarks} for note in volume.toc_notes],
    }


def item_counts(session: Session, volume_ids: list[int]) -> dict[int, int]:
    """{volume id: documents bound} for a page of volumes (one query)."""
    if not volume_ids:
        return {}
    return dict(session.execute(select(VolumeItem.volume_id, func.count(VolumeItem.id))
                                .where(VolumeItem.volume_id.in_(volume_ids)).group_by(VolumeItem.volume_id)).all())


def build_job(session: Session, volume: Volume) -> dict | None:
    """The volume's build job as jobs.job_dict shapes it; None before its first build."""
    from archive import jobs
    from archive.models import Job

    job = session.get(Job, volume.job_id) if volume.job_id else None
    return jobs.job_dict(job) if job is not None else None
