"""The home page. Document, upload, trash and admin pages live in their own modules."""
from __future__ import annotations

from flask import g, render_template

from archive.documents import service as documents
from archive.documents.counts import scope_counts
from archive.rectify import deadlines
from archive.web.ui.base import bp, login_required


@bp.get("/")
@login_required
def home():
    counts = scope_counts(g.session, user=g.user)
    recent = documents.get_all(g.session, user=g.user, per_page=8).items
    by_year = documents.year_counts(g.session, user=g.user)
    # 整改: counts by state and unit, overdue and due within 7 days (each links to the item list)
    rectification = deadlines.counts(g.session, g.user, days=7)
    return render_template("home.html", counts=counts, by_year=by_year, recent=recent, rectification=rectification)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
