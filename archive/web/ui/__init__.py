"""HTML pages (Jinja2 + htmx). Views stay thin: parse the request, call one service, render.

base.py holds the blueprint `bp` (one unit of work per request, `g.session`; behind
`login_required`, `g.user` and `g.actor`), nav.py the side menu, forms.py the helpers the page
modules share. Importing this package imports every page module, so their routes are on `bp`.
"""
from __future__ import annotations

from archive.web.ui import (  # noqa: F401  (each module adds its routes to bp)
    admin, auth_views, completeness, documents, ledgers, nav, pages, rectify, rectify_import, rectify_item, review,
    search_views, volumes,
)
from archive.web.ui.base import bp

__all__ = ["bp"]
