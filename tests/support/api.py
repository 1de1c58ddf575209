"""Talking to the JSON API as a user, and what a test reads back from the database and the file store."""
from __future__ import annotations

from sqlalchemy import func, select


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def count(services, model, *where) -> int:
    """How many rows of `model` (matching `where`) the database holds."""
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def leftover_files(services) -> list[str]:
    """Everything the file store holds: stored files and temp files (the lock file aside)."""
    store = services.store
    temp = [p.name for p in store.tmp.iterdir()] if store.tmp.exists() else []
    return sorted(store.iter_hashes()) + temp
