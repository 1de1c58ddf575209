"""A document's PDF rendition as people open it: with its 归档章 when it is filed.

The original is never modified. The stamped copy is cached beside the renditions, named by the
original's hash and the stamp's values, so a re-filing (new 件号) or a corrected page count gives a
new file and never a stale stamp.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from archive.binder.renditions import Renditions, Source, page_count
from archive.binder.stamp import FilingStamp, stamped_copy
from archive.models import Document
from archive.standards import Standards


def filing_stamp(standards: Standards, doc: Document, pages: int) -> FilingStamp | None:
    """The stamp of a filed document (None when it has no 档号 yet)."""
    if not (doc.archive_code and doc.item_no and doc.year):
        return None
    retention = standards.retention.get(doc.retention or "")
    return FilingStamp(fonds=standards.fonds_for(path=doc.org.path, code=doc.org.code), year=doc.year,
                       item_no=doc.item_no, class_code=doc.category_code or "",
                       retention=retention.name if retention else (doc.retention or ""), pages=pages)


def rendition_for(services, doc: Document) -> Path:
    """The PDF to show or print for `doc`: its rendition, stamped on page 1 when filed.
    Raises renditions.RenditionFailed when the document cannot be rendered."""
    renditions = Renditions(services.store, services.settings.renditions_dir)
    plain = renditions.ensure_one(Source(sha256=doc.sha256, file_kind=doc.file_kind, name=doc.original_name))
    stamp = filing_stamp(services.standards, doc, page_count(plain))
    if stamp is None:
        return plain
    key = hashlib.sha256(repr(stamp).encode()).hexdigest()[:16]
    stamped = services.settings.renditions_dir / "stamped" / doc.sha256[:2] / f"{doc.sha256}-{key}.pdf"
    if not stamped.exists():
        stamped.parent.mkdir(parents=True, exist_ok=True)
        stamped_copy(plain, stamp, stamped)  # written atomically
    return stamped
