"""The search index beside the database: kept in step with it, rebuilt from it, checked against it.

Layout: <data>/index/<engine>/current → gen-<n>/ (a symlink). `reindex` builds a new generation
beside the live one and swaps the link atomically; searches keep using the old one meanwhile.
Writers take an flock on <data>/index/<engine>/.write.lock, so there is one writer at a time
across threads and processes (web, CLI, job workers).
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload, sessionmaker, undefer

from archive.storage import file_lock
from archive.models import Document
from archive.search.engine import IndexDoc, SearchEngine

log = logging.getLogger(__name__)
BATCH = 500


def choose_engine(name: str | None) -> str:
    """`tantivy` (default) or `whoosh`; without a tantivy wheel the default falls back to Whoosh."""
    if name == "whoosh":
        return "whoosh"
    try:
        import tantivy  # noqa: F401
    except ImportError:
        if name == "tantivy":
            raise
        log.warning("tantivy cannot be imported here; using the pure-Python Whoosh search engine")
        return "whoosh"
    return "tantivy"


def open_engine(name: str, path: Path) -> SearchEngine:
    if name == "tantivy":
        from archive.search.tantivy_engine import TantivyEngine

        return TantivyEngine(path)
    from archive.search.whoosh_engine import WhooshEngine

    return WhooshEngine(path)


def stamp_of(doc: Document) -> int:
    return int(doc.updated_at.timestamp() * 1_000_000)


def to_index_doc(doc: Document) -> IndexDoc:
    return IndexDoc(
        id=doc.id,
        stamp=stamp_of(doc),
        title=doc.title,
        text=doc.text or "",
        doc_number=doc.doc_number,
        author=doc.author,
        archive_code=doc.archive_code,
        org_ids=[int(x) for x in doc.org.lineage.strip("/").split("/") if x],
        category=doc.category_code,
        year=doc.year,
        retention=doc.retention,
        file_kind=doc.file_kind,
        date=doc.doc_date,
    )


@dataclass
class IndexCheck:
    indexed: int = 0
    missing: list[int] = field(default_factory=list)   # in the database, not in the index
    stale: list[int] = field(default_factory=list)     # indexed from an older version of the record
    orphans: list[int] = field(default_factory=list)   # in the index, not (or no longer) in the database

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.orphans)


class SearchIndex:
    def __init__(self, root: Path, engine_name: str, sessions: sessionmaker):
        self.engine_name = engine_name
        self.root = Path(root) / engine_name
        self.sessions = sessions
        self._engine: SearchEngine | None = None
        self._engine_target: str | None = None
        self._lock = threading.Lock()
        self._deferred = threading.local()

    # --- the live generation ---------------------------------------------------------------------
    @property
    def current(self) -> Path:
        return self.root / "current"

    def engine(self) -> SearchEngine:
        """The engine on the live generation, reopened when another process swapped it."""
        with self._lock:
            if not self.current.exists():
                self._swap_in(self._new_generation())
            target = os.readlink(self.current)
            if self._engine is None or target != self._engine_target:
                if self._engine is not None:
                    self._engine.close()
                self._engine = open_engine(self.engine_name, self.root / target)
                self._engine_target = target
            return self._engine

    def _new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"gen-{time.time_ns()}"
        path.mkdir()
        return path

    def _swap_in(self, generation: Path) -> None:
        link = self.root / f".current-{os.getpid()}-{threading.get_ident()}"
        link.unlink(missing_ok=True)
        link.symlink_to(generation.name)
        os.replace(link, self.current)  # atomic: readers see the old or the new index, never neither

    @contextmanager
    def write_lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
        with file_lock(self.root / ".write.lock"):
            yield

    # --- keeping in step ---------------------------------------------------------------------------
    def update(self, ids: Iterable[int], engine: SearchEngine | None = None) -> None:
        """Bring these documents' entries in line with the database (add, replace or remove)."""
        ids = sorted(set(ids))
        if not ids:
            return
        with self.write_lock():
            engine = engine or self.engine()
            with self.sessions() as session:
                docs = self._load(session, ids)
                live = [to_index_doc(d) for d in docs if d.deleted_at is None]
                gone = [i for i in ids if i not in {d.id for d in live}]
                if gone:
                    engine.delete(gone)
                if live:
                    engine.upsert(live)

    @staticmethod
    def _load(session: Session, ids: list[int]) -> list[Document]:
        stmt = (select(Document).where(Document.id.in_(ids))
                .options(joinedload(Document.org), undefer(Document.text)))
        return list(session.scalars(stmt))

    def watch(self, sessions: sessionmaker, on_failure: Callable[[list[int]], None] | None = None) -> None:
        """Index every document a committed unit of work added, changed or deleted."""

        @event.listens_for(sessions, "after_flush")
        def collect(session, _context):
            changed = session.info.setdefault("search_ids", set())
            for obj in (*session.new, *session.dirty, *session.deleted):
                if isinstance(obj, Document) and obj.id is not None:
                    changed.add(obj.id)

        @event.listens_for(sessions, "after_commit")
        def apply(session):
            ids = session.info.pop("search_ids", None)
            if not ids:
                return
            pending = getattr(self._deferred, "ids", None)
            if pending is not None:
                pending.update(ids)
                return
            try:
                self.update(ids)
            except Exception:
                # The database committed; the index catches up by a retry job or `archive check --repair`.
                log.exception("indexing documents %s failed", sorted(ids))
                if on_failure:
                    on_failure(sorted(ids))

        @event.listens_for(sessions, "after_rollback")
        def forget(session):
            session.info.pop("search_ids", None)

    @contextmanager
    def deferred(self):
        """Within this block (one thread), collect committed changes and index them on flush().

        Bulk ingest commits one document at a time; one index commit per document would cost more
        than the ingest itself.
        """
        self._deferred.ids = set()

        def flush():
            ids, self._deferred.ids = self._deferred.ids, set()
            self.update(ids)

        try:
            yield flush
        finally:
            try:
                flush()
            finally:
                self._deferred.ids = None

    # --- rebuilding and checking -------------------------------------------------------------------
    def reindex(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Build a fresh generation from the database, catch up with changes made meanwhile, swap."""
        generation = self._new_generation()
        fresh = open_engine(self.engine_name, generation)
        done = 0
        with self.sessions() as session:
            ids = list(session.scalars(select(Document.id).where(Document.deleted_at.is_(None)).order_by(Document.id)))
        for start in range(0, len(ids), BATCH):
            with self.sessions() as session:
                batch = self._load(session, ids[start:start + BATCH])
                fresh.upsert([to_index_doc(d) for d in batch if d.deleted_at is None])
            done += len(batch)
            if progress:
                progress(done, len(ids))
        with self.write_lock():
            self._repair(fresh)  # changes committed while the copy was built
            fresh.close()
            old = self.root / os.readlink(self.current) if self.current.exists() else None
            self._swap_in(generation)
        if old is not None and old != generation:
            shutil.rmtree(old, ignore_errors=True)  # open readers keep their files (POSIX)
        return done

    def check(self, engine: SearchEngine | None = None) -> IndexCheck:
        engine = engine or self.engine()
        indexed = engine.stamps()
        result = IndexCheck(indexed=len(indexed))
        with self.sessions() as session:
            rows = session.execute(select(Document.id, Document.updated_at).where(Document.deleted_at.is_(None)))
            expected = {doc_id: int(updated.timestamp() * 1_000_000) for doc_id, updated in rows}
        result.missing = sorted(set(expected) - set(indexed))
        result.orphans = sorted(set(indexed) - set(expected))
        result.stale = sorted(i for i in set(expected) & set(indexed) if expected[i] != indexed[i])
        return result

    def repair(self) -> IndexCheck:
        with self.write_lock():
            return self._repair(self.engine())

    def _repair(self, engine: SearchEngine) -> IndexCheck:
        found = self.check(engine)
        if not found.clean:
            ids = found.missing + found.stale + found.orphans
            with self.sessions() as session:
                docs = {d.id: d for d in self._load(session, ids)}
                live = [to_index_doc(docs[i]) for i in ids if i in docs and docs[i].deleted_at is None]
            gone = [i for i in ids if i not in {d.id for d in live}]
            if gone:
                engine.delete(gone)
            for start in range(0, len(live), BATCH):
                engine.upsert(live[start:start + BATCH])
        return found
