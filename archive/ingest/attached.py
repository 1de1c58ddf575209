"""Ingesting a file for another record (a ledger's original, a rectification item's evidence): the
file goes through the pipeline like any upload, and a refusal or a duplicate the user may not use
comes back as the caller's own DomainError class, so each domain answers with its own errors."""
from __future__ import annotations

from sqlalchemy.orm import Session

from archive.auth.actor import Actor
from archive.auth.scope import in_scope
from archive.errors import DomainError
from archive.ingest.pipeline import Incoming, Pipeline
from archive.models import Document


def ingest_attached(session: Session, pipeline: Pipeline, actor: Actor, incoming: Incoming, *,
                    error: type[DomainError], name: str = "") -> tuple[str, Document]:
    """(status "stored" or "duplicate", the document). Commits `session` first: the ingest runs its
    own unit of work (on SQLite it needs the write lock) and its committed row is read back here."""
    session.commit()
    result = pipeline.ingest(incoming, actor)
    if result.status == "rejected":
        raise error(result.error.code, f"{name}：{result.error.message}" if name else result.error.message,
                    result.error.kind)
    doc = session.get(Document, result.document.id)
    if result.status == "duplicate":
        if actor.user is not None and not in_scope(actor.user, doc.org):
            raise error("duplicate_out_of_scope", "该文件已由其他单位归档")
        if doc.deleted_at is not None:
            raise error("duplicate_in_trash", "相同的文件在回收站中，请联系系统管理员恢复")
    return result.status, doc
