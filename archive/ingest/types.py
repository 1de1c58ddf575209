"""Small value types shared by the ingest steps."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from archive.errors import TOO_LARGE, UNPROCESSABLE, UNSUPPORTED, DomainError

# File kinds accepted now. DOC, WPS and OFD come later.
KINDS = ("pdf", "docx", "xlsx", "txt", "jpeg", "png", "tiff")
IMAGE_KINDS = ("jpeg", "png", "tiff")

MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",  # stored byte for byte: GB18030 originals stay GB18030
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
}


class IngestError(DomainError):
    """A file was refused. `code` is for machines, `message` (Chinese) for people."""

    kind = UNPROCESSABLE
    KINDS = {"file_too_large": TOO_LARGE, "unsupported_type": UNSUPPORTED}


@dataclass
class Extracted:
    """What a format extractor found in a file."""

    kind: str
    text: str = ""
    page_count: int | None = None
    title_hint: str | None = None     # e.g. a DOCX Title/Heading 1 paragraph, PDF /Title
    status: str = "ready"             # "ready" or "awaiting_ocr"


@dataclass
class Metadata:
    title: str
    doc_number: str | None = None     # 文号
    author: str | None = None         # 责任者
    doc_date: dt.date | None = None   # 成文日期
    year: int | None = None           # 年度
    extra: dict = field(default_factory=dict)
