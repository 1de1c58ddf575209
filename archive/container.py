"""The long-lived parts one process needs, built once from the settings."""
from __future__ import annotations

from dataclasses import dataclass

from archive.config import Settings
from archive.db import Database
from archive.ingest.pipeline import Pipeline
from archive.storage import FileStore


@dataclass
class Services:
    settings: Settings
    db: Database
    store: FileStore
    pipeline: Pipeline


def build(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    store = FileStore(settings.files_dir)
    return Services(settings, db, store, Pipeline(db, store, settings.limits))
