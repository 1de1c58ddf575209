"""PDF text via pypdf; scans (no text layer) are marked for OCR."""
from __future__ import annotations

import logging
import re

from pypdf import PdfReader
from pypdf.errors import DependencyError

from ..guards import parser_guard
from ..types import Extracted, IngestError
from archive.config import Limits

PAGE_SEPARATOR = "\n\f\n"
_MIN_CHARS_PER_PAGE = 10   # below this on average, the text layer is not the content
_WORD_PREFIX = re.compile(r"^\s*Microsoft\s+(Word|Excel|PowerPoint)\s*-\s*", re.IGNORECASE)
_OFFICE_EXT = re.compile(r"\.(docx?|xlsx?|pptx?|wps|et|txt|pdf)$", re.IGNORECASE)
_JUNK_TITLES = re.compile(
    r"^(untitled|无标题|新建.*|document\d*|文档\d*|title|标题|unknown|none|null|\d+|[\W_]+)$",
    re.IGNORECASE,
)
_MALFORMED = "PDF 文件损坏，无法读取"

log = logging.getLogger(__name__)


@parser_guard(_MALFORMED)
def extract(path: str, limits: Limits) -> Extracted:
    reader = PdfReader(path)
    if reader.is_encrypted:
        _decrypt_with_empty_password(reader)
    pages = reader.pages
    if len(pages) == 0:
        raise IngestError("malformed", _MALFORMED)
    texts = []
    for number, page in enumerate(pages, 1):
        try:
            texts.append(page.extract_text() or "")
        except Exception:
            # One page with a broken font or content stream should not lose
            # the rest of the document.
            log.warning("pdf %s: text of page %d unreadable", path, number, exc_info=True)
            texts.append("")
    visible = sum(len("".join(t.split())) for t in texts)
    scanned = visible < _MIN_CHARS_PER_PAGE * len(texts)
    return Extracted(
        kind="pdf",
        text=PAGE_SEPARATOR.join(texts),
        page_count=len(texts),
        title_hint=_title(reader),
        status="awaiting_ocr" if scanned else "ready",
    )


def _decrypt_with_empty_password(reader: PdfReader) -> None:
    # Government PDFs are often "encrypted" only to forbid editing/printing:
    # the user password is empty and anyone may read them.
    try:
        ok = reader.decrypt("")
    except DependencyError:
        # AES needs the optional `cryptography` package.
        raise IngestError("encrypted", "文件使用了暂不支持的加密方式，请去除密码后再上传") from None
    except Exception:
        ok = 0
    if not ok:
        raise IngestError("encrypted", "文件已加密，请去除密码后再上传")


def _title(reader: PdfReader) -> str | None:
    try:
        raw = reader.metadata.title if reader.metadata else None
    except Exception:
        return None
    if not raw:
        return None
    title = " ".join(str(raw).split())
    title = _OFFICE_EXT.sub("", _WORD_PREFIX.sub("", title)).strip()
    if not title or _JUNK_TITLES.match(title) or "\ufffd" in title:
        return None
    # Titles decoded with the wrong codec come out as Latin-1 soup, not Chinese.
    if not re.search(r"[\u4e00-\u9fff]", title) and re.search(r"[\x80-\xff]", title):
        return None
    return title
