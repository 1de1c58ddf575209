"""The ingest pipeline, read top to bottom:

    stage    copy the incoming bytes into the store's temp area, hashing; refuse past the size limit
    dedupe   a byte-identical file already held is reported as a duplicate of its document
    analyse  sniff the type from the bytes, guard against hostile files, extract text (worker process,
             with a time limit)
    describe find 题名, 文号, 责任者, 成文日期, 年度 in the text
    record   one transaction: the document row, then the file moved into place; on any failure
             both are undone, so a rejected file leaves no row and no file behind

Classification, 档号 and indexing join here as their issues land.
"""
from __future__ import annotations

import logging
import os
import re
from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from archive.audit import service as audit
from archive.classify import filing
from archive.auth.actor import CLI, Actor
from archive.db import Database
from archive.ingest.analyse import analyse_many
from archive.ingest.metadata import extract_metadata
from archive.ingest.types import MIME_TYPES, Extracted, IngestError
from archive.config import Limits
from archive.errors import INTERNAL
from archive.models import Document, OrgUnit
from archive.storage import FileStore, Staged, TooLarge

if TYPE_CHECKING:
    from archive.search.indexer import SearchIndex
    from archive.standards import Standards


log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class Incoming:
    """One file to ingest: where its bytes come from, the name to show, and its unit."""

    source: str | os.PathLike | BinaryIO
    name: str
    org: OrgUnit | None
    refusal: IngestError | None = None  # decided before reading, e.g. the file lies in no unit


@dataclass
class IngestResult:
    path: str
    status: str  # stored | duplicate | rejected
    document: Document | None = None
    error: IngestError | None = None
    org_path: str | None = None  # the intended unit, reported for rejected files too

    def as_dict(self) -> dict:
        doc = self.document
        return {
            "path": self.path,
            "status": self.status,
            "document_id": doc.id if doc else None,
            "archive_code": doc.archive_code if doc else None,
            "org": doc.org.path if doc else (self.org_path or None),
            "title": doc.title if doc else None,
            "error": self.error.as_dict() if self.error else None,
        }


@dataclass
class Pipeline:
    db: Database
    store: FileStore
    limits: Limits
    search: "SearchIndex | None" = None
    standards: "Standards | None" = None
    data_dir: Path | None = None  # where trained classification models are kept

    INDEX_EVERY = 100  # documents per search-index commit during a bulk ingest

    def ingest(self, incoming: Incoming, actor: Actor = CLI) -> IngestResult:
        (result,) = self.ingest_many([incoming], actor)  # run to the end: indexing happens on exit
        return result

    def ingest_many(self, items: Iterable[Incoming], actor: Actor = CLI) -> Iterator[IngestResult]:
        """Ingest in input order. Analysis of later files overlaps with recording earlier ones."""
        pending: deque = deque()  # (item, staged, early result) in input order
        units: dict[int, list] = {}  # per batch: the units below each target unit (for suggestions)

        def paths_to_analyse() -> Iterator[str]:
            for item in items:
                entry = self._stage_and_dedupe(item)
                pending.append(entry)
                if entry[2] is None:
                    yield str(entry[1].path)

        indexing = self.search.deferred() if self.search is not None else nullcontext(lambda: None)
        with indexing as flush_index:
            yield from self._run(pending, paths_to_analyse, actor, flush_index, units)

    def _run(self, pending: deque, paths_to_analyse, actor: Actor, flush_index, units: dict) -> Iterator[IngestResult]:
        recorded = 0
        try:
            for analysis in analyse_many(paths_to_analyse(), self.limits):
                while pending[0][2] is not None:
                    yield pending.popleft()[2]
                item, staged, _ = pending.popleft()
                if isinstance(analysis, IngestError):
                    staged.discard()
                    yield _rejected(item, analysis)
                else:
                    yield self._record(item, staged, analysis, actor, units)
                    recorded += 1
                    if recorded % self.INDEX_EVERY == 0:
                        flush_index()
            while pending:
                yield pending.popleft()[2]
        finally:
            # Stopped early (an error, or the caller stopped reading): staged files must not linger.
            for _, staged, _ in pending:
                if staged is not None:
                    staged.discard()

    def _stage_and_dedupe(self, item: Incoming) -> tuple[Incoming, Staged | None, IngestResult | None]:
        if item.refusal is not None:
            return item, None, _rejected(item, item.refusal)
        try:
            staged = self.store.stage(item.source, max_bytes=self.limits.max_bytes)
        except TooLarge:
            mb = self.limits.max_bytes // (1024 * 1024)
            return item, None, _rejected(item, IngestError("file_too_large", f"文件超过大小限制（{mb} MB）"))
        except OSError as e:
            return item, None, _rejected(item, IngestError("unreadable", f"无法读取文件：{e.strerror or e}"))
        if staged.size == 0:
            staged.discard()
            return item, None, _rejected(item, IngestError("empty_file", "文件为空"))
        existing = self._existing(staged.sha256)
        if existing is not None:
            staged.discard()
            return item, None, IngestResult(item.name, "duplicate", document=existing)
        return item, staged, None

    def _existing(self, sha256: str) -> Document | None:
        with self.db.session() as session:
            doc = session.scalar(select(Document).where(Document.sha256 == sha256))
            if doc is not None:
                doc.org  # loaded while the session is open; results outlive it
            return doc

    def _record(self, item: Incoming, staged: Staged, extracted: Extracted, actor: Actor,
                units: dict) -> IngestResult:
        meta = extract_metadata(extracted.text, filename=Path(item.name).name, title_hint=extracted.title_hint)
        classification = self._classify(item.org, meta.title, extracted.text)
        # Placing the file and committing its row happen under the store lock, and so does undoing
        # them: an undo can never remove a file that another upload's row has just claimed.
        with self.store.lock():
            placed = False
            try:
                with self.db.session() as session:
                    org = session.merge(item.org, load=False)
                    doc = Document(
                        org=org,
                        sha256=staged.sha256,
                        size=staged.size,
                        file_kind=extracted.kind,
                        mime_type=MIME_TYPES[extracted.kind],
                        original_name=_CONTROL.sub("", Path(item.name).name)[:500] or "未命名",
                        title=meta.title[:1000],
                        doc_number=meta.doc_number,
                        author=meta.author,
                        doc_date=meta.doc_date,
                        year=meta.year,
                        page_count=extracted.page_count,
                        status=extracted.status,
                        text=extracted.text,
                        uploaded_by_id=actor.user.id if actor.user else None,
                    )
                    if classification is not None:
                        # Decided before the row is written, so the one INSERT carries it all; the
                        # sequence UPDATE in file() is the transaction's first statement (a write).
                        scheme_id, decision, source = classification
                        filing.apply(doc, decision, scheme_id, by=source)
                        doc.suggested_org_id = filing.suggest_org(self._units_below(item.org, units), doc)
                        filing.file(session, self.standards, doc)
                    session.add(doc)
                    session.flush()
                    audit.record(session, actor, "upload", object_type="document", object_id=doc.id,
                                 org_id=org.id, summary=f"{doc.original_name}（{doc.title[:100]}）")
                    placed = self.store.commit(staged)
                    doc.org.path  # keep the display path readable after the session closes
                return IngestResult(item.name, "stored", document=doc)
            except IntegrityError:
                # The same bytes were recorded meanwhile (a concurrent upload or a repeat within the batch).
                existing = self._undo(staged, placed)
                if existing is not None:
                    return IngestResult(item.name, "duplicate", document=existing)
                raise
            except SQLAlchemyError:
                log.exception("recording %s failed", item.name)
                self._undo(staged, placed)
                return _rejected(item, IngestError("internal_error", "数据库写入失败，文件未入库，请稍后重试", INTERNAL))
            except BaseException:
                self._undo(staged, placed)
                raise

    def _classify(self, org: OrgUnit, title: str, text: str):
        if self.standards is None:
            return None
        from archive.classify import model
        from archive.standards import level_of

        # Rules first; where they leave the document for review, a model trained on people's
        # decisions (if one was trained for this scheme) may decide.
        scheme = self.standards.scheme_for(path=org.path, code=org.code)
        classifier = model.for_data_dir(self.data_dir) if self.data_dir is not None else None
        decision, source = model.classify(classifier, scheme, level_of(org.path, org.depth), title, text)
        return scheme.id, decision, source

    def _units_below(self, org: OrgUnit, cache: dict) -> list[tuple[int, str, int]]:
        """Units under `org`, read once per batch (outside the recording transaction)."""
        if org.id not in cache:
            with self.db.session() as session:
                cache[org.id] = filing.units_below(session, org)
        return cache[org.id]

    def _undo(self, staged: Staged, placed: bool) -> Document | None:
        """Remove what this attempt wrote, unless another upload's row owns the same file."""
        staged.discard()
        existing = self._existing(staged.sha256)
        if placed and existing is None:
            self.store.remove(staged.sha256)
        return existing


def _rejected(item: Incoming, error: IngestError) -> IngestResult:
    return IngestResult(item.name, "rejected", error=error, org_path=item.org.path if item.org else None)


def no_unit_error() -> IngestError:
    return IngestError("no_org", "文件不在任何单位的文件夹内，请用 --org 指定单位")

