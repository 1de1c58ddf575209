"""The Huey queue: SQLite storage by default, Redis when ARCHIVE_REDIS_URL is set.

Huey carries only a job's kind and arguments (a job id); people follow a job through its row in
the `jobs` table (records.py, lifecycle.py).
"""
from __future__ import annotations

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from archive.config import Settings

# Storage is set by `configure` from the settings; every entry point (CLI, WSGI, worker) creates the
# app, which configures it. In Huey's immediate mode (the tests) tasks run inline on in-memory storage.
huey = Huey("archive", storage_class=MemoryStorage)


def configure(settings: Settings) -> None:
    """Point the queue at the installation's storage. Processes that share a Redis (or the SQLite
    jobs file) and a queue name share their jobs."""
    huey.name = settings.queue_name
    if settings.redis_url:
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": settings.redis_url}
    else:
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(settings.jobs_db)}
    huey.storage = huey.create_storage()
