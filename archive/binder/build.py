"""Building a recorded volume into its PDF: renditions → front matter → assembly → checks.

A build either ends with a checked PDF in the volumes folder and the volume marked "done", or with
the volume marked "failed", its reasons in Chinese, and no file left behind. The database is only
touched in short transactions at the start and the end, never while LibreOffice or WeasyPrint run.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from archive import clock
from archive.binder import compose, frontmatter, verify
from archive.binder.renditions import RenditionFailed, Renditions, Source, page_count
from archive.binder.service import VolumeError, class_name, total_steps
from archive.binder.document_pdf import filing_stamp
from archive.binder.stamp import FilingStamp
from archive.classify.filing import next_item
from archive.jobs import lifecycle
from archive.models import Document, Volume, VolumeItem
from archive.models.base import utcnow

# Volumes up to this many pages also get the external `qpdf --check` in the build (it re-decodes every
# scanned image: ~4 s at 500 pages, ~23 s at 2,000); larger ones get it from `archive volume check`.
# qpdf's structural checks themselves run in-process on every volume (verify.check_structure).
FULL_QPDF_CHECK_MAX_PAGES = 300


@dataclass
class _Entry:
    """What the build needs of one document, read in the first transaction."""
    item_id: int
    document_id: int
    title: str
    doc_number: str
    author: str
    date: str
    archive_code: str | None
    source: Source
    stamp: FilingStamp | None
    group: str = ""              # the heading above it in the table of contents (evidence binders)
    rendition: Path | None = None
    pages: int = 0


@dataclass(frozen=True)
class _Note:
    """A table-of-contents row that binds nothing (models.volume.VolumeTocNote), as plain values."""
    after_position: int
    group: str
    document_id: int | None
    remarks: str


@dataclass
class _Plan:
    volume_id: int
    title: str
    fonds: str
    fonds_name: str
    class_label: str
    retention_name: str
    archive_code: str
    filing_no: str
    made_by: str
    checked_by: str
    remarks: str
    double_sided: bool
    spine: bool
    kind: str = "volume"
    entries: list[_Entry] = field(default_factory=list)
    notes: list[_Note] = field(default_factory=list)


SUBTITLES = {"evidence": "整改佐证材料汇编", "household": "一户一档"}  # printed on the cover under the title


def pdf_path(volumes_dir: Path, volume_id: int) -> Path:
    return volumes_dir / f"{volume_id}.pdf"


@dataclass(frozen=True)
class Outcome:
    status: str                 # done | failed
    errors: list[str]


def build(services, volume_id: int, *, progress: Callable[[int], None] | None = None,
          check_qpdf: bool | None = None) -> Outcome:
    """Build the volume. A build that fails on its inputs (a document that cannot be rendered, a
    failed check) returns status "failed" with the reasons, also stored on the volume; unexpected
    errors mark the volume failed and propagate. check_qpdf: run the external `qpdf --check` too
    (None: when the volume has at most FULL_QPDF_CHECK_MAX_PAGES pages)."""
    settings, db = services.settings, services.db
    report = progress or (lambda step: None)
    if not _claim(db, volume_id):
        with db.session() as session:
            volume = session.get(Volume, volume_id)
            if volume is None:
                raise VolumeError("not_found", f"案卷 {volume_id} 不存在")
            return Outcome(volume.status, list(volume.errors or []))  # built, or another build has it
    try:
        with db.session() as session:
            plan = _plan(session, services.standards, _load(session, volume_id))
    except _Refused as exc:
        return _fail(db, volume_id, exc.problems)
    except BaseException as exc:
        _fail(db, volume_id, [f"组卷时发生内部错误：{type(exc).__name__}"])
        raise
    settings.volumes_dir.mkdir(parents=True, exist_ok=True)
    temp = settings.volumes_dir / f".{volume_id}.{uuid.uuid4().hex}.tmp.pdf"
    final = pdf_path(settings.volumes_dir, volume_id)
    try:
        layout, pages = _make_pdf(services, plan, temp, report, check_qpdf)
        digest, size = _sha256(temp), temp.stat().st_size
        rendition_hashes = {e.item_id: _sha256(e.rendition) for e in plan.entries}
        os.replace(temp, final)
        with db.session() as session:
            volume = _load(session, volume_id)
            for item, span in zip(volume.items, layout.documents):
                item.rendition_sha256 = rendition_hashes[item.id]
                item.page_start, item.page_end = span.start, span.end
            volume.status, volume.built_at, volume.errors = "done", utcnow(), []
            volume.page_count, volume.total_pages = pages, layout.page_count
            volume.pdf_sha256, volume.pdf_size = digest, size
    except (RenditionFailed, verify.VerificationFailed, VolumeError) as exc:
        final.unlink(missing_ok=True)
        return _fail(db, volume_id, _messages(exc))
    except BaseException as exc:
        final.unlink(missing_ok=True)  # never a file without its "done" row
        _fail(db, volume_id, [f"组卷时发生内部错误：{type(exc).__name__}"])
        raise
    finally:
        temp.unlink(missing_ok=True)
    report(total_steps(len(plan.entries)))
    return Outcome("done", [])


def _claim(db, volume_id: int) -> bool:
    """Take the volume for this build: queued (or failed) → building, in one conditional UPDATE, so
    two builds of one volume never run at once."""
    with db.session() as session:
        claimed = session.execute(update(Volume).where(Volume.id == volume_id, Volume.status.in_(("queued", "failed")))
                                  .values(status="building", errors=[]))
        return claimed.rowcount == 1


def _load(session: Session, volume_id: int) -> Volume:
    # Everything the plan reads in three queries, before anything is written (SQLite's write lock
    # is taken by the first write: keep it short).
    return session.scalars(select(Volume).where(Volume.id == volume_id).options(
        joinedload(Volume.org), selectinload(Volume.toc_notes),
        selectinload(Volume.items).joinedload(VolumeItem.document).joinedload(Document.org))).one()


def _plan(session: Session, standards, volume: Volume) -> _Plan:
    """Read everything the build needs as plain values; issue the 案卷号 on the first attempt (a
    failed volume keeps its number for the next attempt, so a retried build prints the same 档号)."""
    org = volume.org
    scheme = standards.schemes.get(volume.scheme_id) or standards.scheme_for(path=org.path, code=org.code)
    fonds = standards.fonds_for(path=org.path, code=org.code)
    if volume.volume_no is None:
        key = _sequence_key(volume, standards)
        volume.volume_no = next_item(session, fonds=key["fonds"], door=key["door"], year=volume.year,
                                     retention=volume.retention, class_code=key["class_code"])
        volume.archive_code = scheme.format_code(fonds=fonds, year=volume.year, retention=volume.retention,
                                                 class_code=volume.category_code, item=volume.volume_no, volume=True)
    name = class_name(standards, scheme.id, volume.category_code)
    retention_names = {code: r.name for code, r in standards.retention.items()}
    plan = _Plan(volume_id=volume.id, title=volume.title, fonds=fonds, fonds_name=org.name,
                 class_label=f"{volume.category_code} {name}".strip(),
                 retention_name=retention_names.get(volume.retention, volume.retention),
                 archive_code=volume.archive_code, filing_no=volume.filing_no, made_by=volume.made_by,
                 checked_by=volume.checked_by, remarks=volume.remarks, double_sided=volume.double_sided,
                 spine=volume.spine, kind=volume.kind or "volume",
                 notes=[_Note(after_position=n.after_position, group=n.group_label or "", document_id=n.document_id,
                              remarks=n.remarks or "") for n in volume.toc_notes])
    problems = []
    for item in volume.items:
        doc: Document = item.document
        if doc.deleted_at is not None:
            problems.append(f"文件《{doc.title[:40]}》已移入回收站，不能装订")
            continue
        if not doc.org.lineage.startswith(org.lineage):  # moved away since the volume was composed
            problems.append(f"文件《{doc.title[:40]}》已移至{doc.org.name}，不属于{org.name}及其下级单位")
            continue
        # Bind what is current now, and record it: the item keeps the metadata the volume printed.
        item.sha256, item.archive_code, item.title = doc.sha256, doc.archive_code, doc.title
        item.doc_number, item.author, item.doc_date = doc.doc_number, doc.author, doc.doc_date
        stamp = filing_stamp(standards, doc, pages=0) if volume.filing_stamp else None  # pages: once rendered
        plan.entries.append(_Entry(item_id=item.id, document_id=doc.id, title=doc.title, doc_number=doc.doc_number or "",
                                   author=doc.author or "", date=doc.doc_date.strftime("%Y%m%d") if doc.doc_date else "",
                                   archive_code=doc.archive_code,
                                   source=Source(sha256=doc.sha256, file_kind=doc.file_kind, name=doc.original_name),
                                   stamp=stamp, group=item.group_label or ""))
    if problems:
        raise _Refused(problems)
    return plan


def _sequence_key(volume: Volume, standards=None) -> dict:
    """Where a volume's 案卷号 is counted: the documents' sequence table, class code prefixed "AJ:"."""
    if standards is None:
        from archive.standards import load

        standards = load()
    org = volume.org
    scheme = standards.schemes.get(volume.scheme_id) or standards.scheme_for(path=org.path, code=org.code)
    return {"fonds": standards.fonds_for(path=org.path, code=org.code), "door": scheme.door_code,
            "class_code": f"AJ:{volume.category_code}"}


class _Refused(VolumeError):
    def __init__(self, problems: list[str]):
        super().__init__("documents_unavailable", "；".join(problems))
        self.problems = problems


def _make_pdf(services, plan: _Plan, out: Path, report: Callable[[int], None], check_qpdf: bool):
    settings = services.settings
    entries = plan.entries
    renditions = Renditions(services.store, settings.renditions_dir)
    paths = renditions.ensure([e.source for e in entries], progress=report)
    for entry in entries:
        entry.rendition = paths[entry.source.sha256]
        entry.pages = page_count(entry.rendition)
        if entry.stamp is not None:  # 页数 in the stamp: the pages as bound
            entry.stamp = replace(entry.stamp, pages=entry.pages)
    ranges = compose.page_ranges([e.pages for e in entries])
    labels = compose.toc_labels(ranges)
    pages = ranges[-1][1] if ranges else 0
    dates = sorted(e.date for e in entries if e.date)
    sheet = frontmatter.VolumeSheet(
        fonds=plan.fonds, fonds_name=plan.fonds_name, class_name=plan.class_label, title=plan.title,
        start_date=dates[0] if dates else "", end_date=dates[-1] if dates else "",
        retention_name=plan.retention_name, item_count=len(entries), page_count=pages, filing_no=plan.filing_no,
        archive_code=plan.archive_code,
        rows=_toc_rows(entries, labels, plan.notes),
        notes=_notes(plan, entries, pages), made_by=plan.made_by, checked_by=plan.checked_by,
        made_on=_today_text(), spine=plan.spine, subtitle=SUBTITLES.get(plan.kind, ""))
    front = frontmatter.render(sheet)
    report(len(entries) + 1)
    parts = [compose.Part(title=e.title, rendition=e.rendition, pages=e.pages, filing_stamp=e.stamp) for e in entries]
    layout = compose.assemble(front, parts, out, title=plan.title, author=plan.fonds_name,
                              created=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
                              double_sided=plan.double_sided,
                              progress=lambda n: report(len(entries) + 1 + n))
    full = layout.page_count <= FULL_QPDF_CHECK_MAX_PAGES if check_qpdf is None else check_qpdf
    verify.verify(out, layout, run_qpdf=full)
    return layout, pages


def _toc_rows(entries: list[_Entry], labels: list[str], notes: list[_Note]) -> tuple[frontmatter.TocRow, ...]:
    """The table of contents: one row per bound document (顺序号 = binding order), with the rows that
    bind nothing placed after the document they follow. A reference prints the document's metadata
    as bound, without 顺序号 or 页号; a heading alone prints its group only."""
    by_document = {e.document_id: e for e in entries}
    after: dict[int, list[_Note]] = {}
    for note in notes:
        after.setdefault(note.after_position, []).append(note)

    def note_rows(position: int):
        for note in after.get(position, []):
            bound = by_document.get(note.document_id) if note.document_id is not None else None
            if bound is None:
                yield frontmatter.TocRow(seq="", doc_number="", author="", title="", date="", pages="",
                                         remarks=note.remarks, group=note.group, heading_only=True)
            else:
                yield frontmatter.TocRow(seq="", doc_number=bound.doc_number, author=bound.author, title=bound.title,
                                         date=bound.date, pages="", remarks=note.remarks, group=note.group)

    rows = list(note_rows(0))
    for n, (e, label) in enumerate(zip(entries, labels), start=1):
        rows.append(frontmatter.TocRow(seq=n, doc_number=e.doc_number, author=e.author, title=e.title, date=e.date,
                                       pages=label, remarks="", group=e.group))
        rows.extend(note_rows(n))
    return tuple(rows)


def _notes(plan: _Plan, entries: list[_Entry], pages: int) -> str:
    """本卷情况说明: the counts, and what an inspector should know about the contents."""
    lines = [f"本卷共 {len(entries)} 件，文件共 {pages} 页（不含封面、卷内文件目录和卷内备考表）。"]
    unfiled = [e for e in entries if not e.archive_code]
    if unfiled:
        lines.append(f"其中 {len(unfiled)} 件尚未归档（无档号）。")
    if plan.remarks:
        lines.append(plan.remarks)
    return "\n".join(lines)


def _today_text() -> str:
    today = clock.today()  # the office's date, not UTC's
    return f"{today.year}年{today.month}月{today.day}日"


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, RenditionFailed):
        return [f"《{f.name}》：{f.reason}" for f in exc.failures] or [str(exc)]
    if isinstance(exc, verify.VerificationFailed):
        return ["成品检查未通过：" + p for p in exc.problems] or [str(exc)]
    if isinstance(exc, _Refused):
        return exc.problems
    return [getattr(exc, "message", str(exc))]


def _fail(db, volume_id: int, errors: list[str]) -> Outcome:
    """Mark the volume failed. Its 案卷号 goes back when no later one was issued (no gap for an
    abandoned volume); otherwise the volume keeps it for its next attempt."""
    with db.session() as session:
        volume = session.get(Volume, volume_id)
        if volume is not None:
            volume.status, volume.errors = "failed", errors
            if volume.volume_no is not None and _give_back_number(session, volume):
                volume.volume_no, volume.archive_code = None, None
    return Outcome("failed", errors)


def _give_back_number(session: Session, volume: Volume) -> bool:
    from archive.models import ArchiveSequence

    key = _sequence_key(volume)
    returned = session.execute(update(ArchiveSequence).where(
        ArchiveSequence.fonds == key["fonds"], ArchiveSequence.door == key["door"], ArchiveSequence.year == volume.year,
        ArchiveSequence.retention == volume.retention, ArchiveSequence.class_code == key["class_code"],
        ArchiveSequence.last_item == volume.volume_no).values(last_item=ArchiveSequence.last_item - 1))
    return returned.rowcount == 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def run_volume_job(services, job_id: str) -> None:
    """The body of the "volume_build" job: the job row follows the build (status, done/total, errors)."""
    run = lifecycle.claim(services.db, job_id)
    if run is None:
        return
    with run.recording_failure(lambda exc: f"组卷时发生内部错误：{type(exc).__name__}"):
        volume_id = int(run.params["volume_id"])
        with services.db.session() as session:
            volume = session.get(Volume, volume_id)
            run.set_total(total_steps(len(volume.items) if volume else 0))
        outcome = build(services, volume_id, progress=run.progress)
    results = [{"volume_id": volume_id, "status": outcome.status, "errors": outcome.errors}]
    if outcome.status == "failed":
        run.fail("；".join(outcome.errors) or None, results)
    else:  # built now, or by another job of the same volume (which this one left alone)
        run.finish(results)
