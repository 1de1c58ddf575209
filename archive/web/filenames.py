"""Download file names: safe for every browser, Chinese kept (RFC 6266 / RFC 5987)."""
from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def clean_name(name: str) -> str:
    name = _UNSAFE.sub("_", name).strip(" .") or "download"
    return name[:200]


def content_disposition(name: str, inline: bool = False) -> str:
    name = clean_name(name)
    ascii_fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_original(store, doc):
    """The stored original as an attachment: its own type, its Chinese name, never sniffed."""
    from flask import send_file

    response = send_file(store.open(doc.sha256), mimetype=doc.mime_type, conditional=True,
                         etag=doc.sha256, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(doc.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
