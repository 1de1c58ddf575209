"""Small value types shared by the ingest steps."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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


class IngestError(Exception):
    """A file was refused. `code` is for machines, `message` (Chinese) for people."""

    def __init__(self, code: str, message: str, http_status: int = 422):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status

    def __reduce__(self):
        # Exception's default pickling replays self.args (the one formatted
        # string) into __init__, which fails; worker processes must be able to
        # send this error back intact.
        return (type(self), (self.code, self.message, self.http_status), self.__dict__)

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Limits:
    """Guards applied before and during parsing of an untrusted file."""

    max_bytes: int = 200 * 1024 * 1024
    max_unzipped_bytes: int = 1024 * 1024 * 1024
    max_zip_ratio: int = 200          # uncompressed/compressed, per member
    max_zip_members: int = 10_000
    timeout_seconds: float = 60.0     # per-file extraction time limit
    max_image_pixels: int = 200_000_000


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
