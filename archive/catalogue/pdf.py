"""归档文件目录 as PDF, drawn by WeasyPrint from templates/print/catalogue.html.

The cover and the list are rendered separately and joined into one PDF, so the list's footer
"第 N 页 共 M 页" counts the list's own pages (a cover carries no page number, GB/T 9705-2008) while
still coming from CSS @page counters. Fonts: Noto CJK SC by name and lang="zh-CN" (see FINDINGS.md).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from jinja2 import Environment, FileSystemLoader, select_autoescape

from archive.catalogue.service import HEADERS, Catalogue

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "print/catalogue.html"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # A standalone environment: the PDF is made the same way from the command line and the web.
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def render_html(catalogue: Catalogue, part: str) -> str:
    """The HTML of one part: "cover" or "table"."""
    if part not in ("cover", "table"):
        raise ValueError(part)
    return _environment().get_template(TEMPLATE).render(c=catalogue, part=part, headers=HEADERS,
                                                        generated=dt.date.today())


def write_pdf(catalogue: Catalogue, out: BinaryIO) -> int:
    """Write the PDF to `out`; returns its page count."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    base = TEMPLATES.as_uri() + "/print/"
    cover = HTML(string=render_html(catalogue, "cover"), base_url=base, url_fetcher=_no_fetch).render(font_config=fonts)
    table = HTML(string=render_html(catalogue, "table"), base_url=base, url_fetcher=_no_fetch).render(font_config=fonts)
    pages = cover.pages + table.pages
    document = cover.copy(pages)  # metadata (title from <title>) from the cover
    document.metadata.title = catalogue.title
    document.metadata.authors = [catalogue.fonds_name]
    document.metadata.created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    document.write_pdf(out)
    return len(pages)


def _no_fetch(url: str, *args, **kwargs):
    # The template loads nothing; text from documents is escaped, but never let it reach the network.
    raise ValueError(f"外部资源不允许 / external resources are not loaded: {url[:100]}")
