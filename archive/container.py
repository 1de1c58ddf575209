"""The long-lived parts one process needs, built once from the settings."""
from __future__ import annotations

from dataclasses import dataclass

from archive import jobs
from archive.config import Settings
from archive.db import Database
from archive.ingest.pipeline import Pipeline
from archive.search.indexer import SearchIndex, choose_engine
from archive.standards import Standards
from archive.standards import load as load_standards
from archive.storage import FileStore


@dataclass
class Services:
    settings: Settings
    db: Database
    store: FileStore
    pipeline: Pipeline
    search: SearchIndex
    standards: Standards


def build(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    store = FileStore(settings.files_dir)
    standards = load_standards()  # invalid standards stop the start with the file and line named
    search = SearchIndex(settings.index_dir, choose_engine(settings.search_engine), db.sessions)
    search.watch(db.sessions, on_failure=_retry_indexing)
    pipeline = Pipeline(db, store, settings.limits, search, standards, settings.data_dir)
    return Services(settings, db, store, pipeline, search, standards)


def _retry_indexing(ids: list[int]) -> None:
    jobs.enqueue("reindex", ids, delay=30)
