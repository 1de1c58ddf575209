"""Download file names: safe for every browser, Chinese kept (RFC 6266 / RFC 5987)."""
from __future__ import annotations

import re
from urllib.parse import quote

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def clean_name(name: str) -> str:
    name = _UNSAFE.sub("_", name).strip(" .") or "download"
    return name[:200]


def content_disposition(name: str, inline: bool = False) -> str:
    name = clean_name(name)
    ascii_fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_download(source, mimetype: str, name: str):
    """A file made for this request (bytes in a file object, or a path) as an attachment named
    `name`, never cached or sniffed."""
    from flask import send_file

    response = send_file(source, mimetype=mimetype, max_age=0, conditional=False)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_original(store, doc):
    """The stored original as an attachment: its own type, its Chinese name, never sniffed."""
    from flask import send_file

    response = send_file(store.open(doc.sha256), mimetype=doc.mime_type, conditional=True,
                         etag=doc.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(doc.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_rendition(services, doc):
    """The document's PDF rendition (with its 归档章 when filed), inline. Returns None when the
    document cannot be rendered: the caller answers with its own error (page or JSON)."""
    import logging
    from pathlib import PurePath

    from flask import send_file

    from archive.binder.document_pdf import rendition_for
    from archive.binder.renditions import RenditionFailed

    try:
        path = rendition_for(services, doc)
    except RenditionFailed:
        return None
    except Exception:  # a stamp that cannot be drawn on this PDF: the page says so, the log has why
        logging.getLogger(__name__).exception("rendition of document %s", doc.id)
        return None
    name = f"{doc.archive_code or PurePath(doc.original_name).stem}.pdf"
    response = send_file(path, mimetype="application/pdf", conditional=False, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(name, inline=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
