"""Per-format text extractors; `extract` picks one by the sniffed kind."""
from __future__ import annotations

import importlib

from ..types import IMAGE_KINDS, Extracted, IngestError
from archive.config import Limits


def extract(path: str, kind: str, limits: Limits) -> Extracted:
    module = "image" if kind in IMAGE_KINDS else kind
    if module not in ("pdf", "docx", "xlsx", "txt", "image"):
        raise IngestError("unsupported_type", "不支持的文件类型")
    # Imported on first use so a web process that only sniffs stays light.
    extractor = importlib.import_module(f"{__name__}.{module}")
    result = extractor.extract(path, limits)
    result.kind = kind   # the sniffed kind is authoritative
    # NUL cannot be stored in PostgreSQL text and means nothing in a document's text.
    result.text = result.text.replace("\x00", "")
    if result.title_hint:
        result.title_hint = result.title_hint.replace("\x00", "")
    return result
