"""完整性检查 page and its XLSX export: a unit's archive for one year against the collection scope."""
from __future__ import annotations

from flask import g, render_template, request

from archive.clock import today
from archive.completeness.export import write_xlsx
from archive.completeness.service import (
    LEVEL_LABELS, MATCH_LABELS, OPTIONAL_NOTE, STATUS_CSS, STATUS_LABELS, check,
)
from archive.documents import service as documents
from archive.orgs import service as orgs
from archive.values import InvalidValue, parse_year
from archive.web.session import services
from archive.web.ui.base import bp, login_required
from archive.web.ui.forms import unit_arg, written_download


def _selection():
    """(unit, year, years to offer) from ?org=<id>&year=; the unit must be in scope. A year that is
    not one is no year: the newest with documents (this year when there are none)."""
    unit = unit_arg(request.args.get("org"), g.user.org)
    years = [y for y, _ in documents.year_counts(g.session, user=g.user) if y is not None]
    try:
        year = parse_year(request.args.get("year"), required=False)
    except InvalidValue:
        year = None
    if year is None:
        year = years[0] if years else today().year
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
    return written_download(lambda out: write_xlsx(report, out), f"完整性检查-{unit.name}-{year}.xlsx")
