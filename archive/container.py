"""The long-lived parts one process needs, built once from the settings."""
from __future__ import annotations

from dataclasses import dataclass

from archive.config import Settings
from archive.db import Database
from archive.ingest.pipeline import Pipeline
from archive.search.indexer import SearchIndex, choose_engine
from archive.storage import FileStore


@dataclass
class Services:
    settings: Settings
    db: Database
    store: FileStore
    pipeline: Pipeline
    search: SearchIndex


def build(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    store = FileStore(settings.files_dir)
    search = SearchIndex(settings.index_dir, choose_engine(settings.search_engine), db.sessions)
    search.watch(db.sessions, on_failure=_retry_indexing)
    return Services(settings, db, store, Pipeline(db, store, settings.limits, search), search)


def _retry_indexing(ids: list[int]) -> None:
    from archive.jobs import reindex_documents

    reindex_documents.schedule(args=(ids,), delay=30)
