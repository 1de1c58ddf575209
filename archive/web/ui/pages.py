"""The home page. Document, upload, trash and admin pages live in their own modules."""
from __future__ import annotations

from flask import g, render_template
from sqlalchemy import func, select

from archive.auth.scope import restrict
from archive.documents import service as documents
from archive.models import Document, OrgUnit
from archive.rectify import deadlines
from archive.web.ui import bp, login_required


@bp.get("/")
@login_required
def home():
    in_scope = restrict(select(func.count(Document.id)), g.user, Document.org_id).where(Document.deleted_at.is_(None))
    counts = {
        "documents": g.session.scalar(in_scope) or 0,
        "awaiting_ocr": g.session.scalar(in_scope.where(Document.status == "awaiting_ocr")) or 0,
        "units": g.session.scalar(select(func.count(OrgUnit.id))
                                  .where(OrgUnit.lineage.startswith(g.user.org.lineage))) or 0,
    }
    recent = documents.get_all(g.session, user=g.user, per_page=8).items
    by_year = documents.year_counts(g.session, user=g.user)
    # 整改: counts by state and unit, overdue and due within 7 days (each links to the item list)
    rectification = deadlines.counts(g.session, g.user, days=7)
    return render_template("home.html", counts=counts, by_year=by_year, recent=recent, rectification=rectification)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
