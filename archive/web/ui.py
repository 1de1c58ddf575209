"""HTML pages. For now a home page with the archive's counts; the full interface comes with accounts."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from archive.models import Document, OrgUnit

bp = Blueprint("ui", __name__)


@bp.get("/")
def home():
    services = current_app.extensions["archive"]
    with services.db.session() as session:
        counts = {
            "documents": session.scalar(select(func.count(Document.id))) or 0,
            "units": session.scalar(select(func.count(OrgUnit.id))) or 0,
            "awaiting_ocr": session.scalar(select(func.count(Document.id)).where(Document.status == "awaiting_ocr")) or 0,
        }
        by_year = session.execute(
            select(Document.year, func.count(Document.id)).group_by(Document.year).order_by(Document.year.desc())
        ).all()
    return render_template("home.html", counts=counts, by_year=by_year)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
