"""Plain text: decoded like ingest does, drawn by WeasyPrint on A4 with a binding margin, in Noto
Serif CJK SC; a form feed starts a new page.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from archive.binder.renditions.types import ConversionFailed

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

_TEXT_CSS = """
@page { size: A4 portrait; margin: 20mm 20mm 20mm 25mm; }
html { font-family: "Noto Serif CJK SC"; font-size: 12pt; line-height: 1.6; }
body { margin: 0; }
pre { font-family: inherit; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; tab-size: 4; }
pre + pre { break-before: page; }
"""


def render_text(original: Path, out: Path, name: str) -> None:
    """Write the rendition of the text file `original` (decoded like ingest does) to `out`."""
    from weasyprint import HTML

    from archive.ingest.extract.txt import decode_text
    from archive.ingest.types import IngestError

    try:
        text = decode_text(original.read_bytes())
    except IngestError:
        raise ConversionFailed("无法识别文本编码") from None
    text = _CONTROL.sub("", text)
    # A form feed is a page break, as a printer would take it.
    pages = "".join(f"<pre>{html.escape(part, quote=False)}</pre>" for part in text.split("\f"))
    document = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                f"<title>{html.escape(name)}</title><style>{_TEXT_CSS}</style></head>"
                f"<body>{pages}</body></html>")
    HTML(string=document, url_fetcher=_no_fetch).write_pdf(out)


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"外部资源不允许 / external resources are not loaded: {url[:100]}")
