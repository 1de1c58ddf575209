"""The search results page: facets in a side bar, highlighted snippets, paging."""
from __future__ import annotations

from flask import g, render_template, request, url_for

from archive.search.query import QueryError
from archive.search.service import SearchParams, search
from archive.values import InvalidValue, parse_year_range
from archive.web.session import services
from archive.web.ui.base import bp, login_required
from archive.web.ui.forms import page_arg, unit_arg

PER_PAGE = 20


@bp.get("/search")
@login_required
def search_page():
    q = request.args.get("q", "").strip()
    org = unit_arg(request.args.get("org"))
    year = request.args.get("year", "").strip()
    kinds = [k for k in request.args.getlist("type") if k]
    categories = [c for c in request.args.getlist("category") if c]
    sort = request.args.get("sort", "relevance")
    page = page_arg(request.args)
    result, error = None, None
    if q or org is not None or year or kinds or categories:
        try:
            year_from, year_to = parse_year_range(year)
            result = search(g.session, services().search, user=g.user, params=SearchParams(
                q=q, org=org, kinds=kinds, categories=categories, year_from=year_from, year_to=year_to, sort=sort,
                page=page, per_page=PER_PAGE))
        except (QueryError, InvalidValue) as e:   # a unit out of scope stays a 404
            error = e.message

    def link(**changes) -> str:
        """This search with some parameters changed (a facet, a page); None removes one."""
        args = {"q": q, "org": org.id if org else None, "year": year or None, "type": kinds or None, "category": categories or None,
                "sort": sort, "page": None}
        args.update(changes)
        return url_for("ui.search_page", **{k: v for k, v in args.items() if v not in (None, "", [])})

    pages = (result.total + PER_PAGE - 1) // PER_PAGE if result else 0
    return render_template("search.html", q=q, org=org, year=year, kinds=kinds, sort=sort, page=page,
                           pages=pages, result=result, error=error, link=link)
