"""完整性检查 page and its XLSX export: a unit's archive for one year against the collection scope."""
from __future__ import annotations

import datetime as dt
import tempfile

from flask import g, render_template, request, send_file

from archive.auth.scope import OutOfScope, scoped_org
from archive.values import YEAR_MAX, YEAR_MIN
from archive.completeness.export import write_xlsx
from archive.completeness.service import (
    LEVEL_LABELS, MATCH_LABELS, OPTIONAL_NOTE, STATUS_CSS, STATUS_LABELS, check,
)
from archive.documents import service as documents
from archive.orgs import service as orgs
from archive.web.filenames import content_disposition
from archive.web.ui import bp, login_required, services

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _selection():
    """(unit, year, years to offer) from ?org=<id>&year=; the unit must be in scope."""
    try:
        org_id = int(request.args.get("org", "").strip())
    except ValueError:
        org_id = None
    if org_id is None:
        unit = g.user.org
    else:
        unit = orgs.get(g.session, org_id)
        if unit is None:
            raise OutOfScope()
        unit = scoped_org(g.session, g.user, unit)
    years = [y for y, _ in documents.year_counts(g.session, user=g.user) if y is not None]
    try:
        year = int(request.args.get("year", "").strip())
        if not YEAR_MIN <= year <= YEAR_MAX:
            year = None
    except ValueError:
        year = None
    if year is None:
        year = years[0] if years else dt.date.today().year
    if year not in years:
        years = sorted(set(years) | {year}, reverse=True)
    return unit, year, years


def bar_class(missing: int, total: int) -> str:
    """w-0 … w-100 in steps of 10; any missing item shows at least one step."""
    if not total or not missing:
        return "w-0"
    step = max(1, min(10, round(missing * 10 / total)))
    return f"w-{step * 10}"


@bp.get("/completeness")
@login_required
def completeness():
    unit, year, years = _selection()
    report = check(g.session, services().standards, user=g.user, org=unit, year=year)
    units = orgs.list_units(g.session, under=g.user.org)
    return render_template("completeness/report.html", report=report, unit=unit, year=year, years=years,
                           units=units, status_labels=STATUS_LABELS, status_css=STATUS_CSS,
                           level_labels=LEVEL_LABELS, match_labels=MATCH_LABELS, optional_note=OPTIONAL_NOTE,
                           bar_class=bar_class)


@bp.get("/completeness.xlsx")
@login_required
def completeness_export():
    unit, year, _ = _selection()
    report = check(g.session, services().standards, user=g.user, org=unit, year=year)
    out = tempfile.TemporaryFile()
    try:
        write_xlsx(report, out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    response = send_file(out, mimetype=XLSX_MIME, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(f"完整性检查-{unit.name}-{year}.xlsx")
    return response
