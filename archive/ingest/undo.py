"""Undoing an ingest whose later step failed (a ledger that could not be saved, evidence that could
not be classified or linked): the document's row and its file go; the upload stays in the audit log,
as every attempt does."""
from __future__ import annotations

import logging

from archive.models import Document

log = logging.getLogger(__name__)


def undo_ingest(services, document_id: int, sha256: str, *, after: str) -> None:
    """Remove the document stored by an ingest moments ago. Never raises: a failure to clean up is
    logged (`archive check` then reports the file as an orphan) and the caller's own error stands."""
    try:
        with services.store.lock():
            with services.db.session() as session:
                doc = session.get(Document, document_id)
                if doc is not None:
                    session.delete(doc)
            services.store.remove(sha256)
    except Exception:
        log.exception("could not remove document %s after %s", document_id, after)
