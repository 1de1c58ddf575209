"""GET /api/v1/search: full-text search with facets, limited to the user's scope."""
from __future__ import annotations

from flask import g, request

from archive.search.service import SearchParams, search
from archive.values import parse_year_range
from archive.web.api.base import bp, int_param, login_required, org_filter
from archive.web.api.openapi import documented, error_response, json_response, ref
from archive.web.session import services


@bp.get("/search")
@documented("/search", "get", summary="全文检索 / full-text search",
            description="q：空格表示并且，OR 表示或者，-词 表示排除，\"...\" 为一个词。结果、总数和分面都限于用户的范围。",
            parameters=[{"name": n, "in": "query", "schema": sch, "description": d} for n, sch, d in [
                ("q", {"type": "string"}, "检索式"),
                ("org", {"type": "string"}, "单位路径或区划代码（含下级）"),
                ("category", {"type": "string"}, "分类号，可重复"),
                ("year", {"type": "string"}, "年度：2020 或 2019-2021"),
                ("type", {"type": "string"}, "文件类型，可重复：pdf docx xlsx txt jpeg png tiff"),
                ("sort", {"type": "string", "enum": ["relevance", "date", "date_asc"]}, "排序"),
                ("page", {"type": "integer", "default": 1}, ""),
                ("per_page", {"type": "integer", "default": 20, "maximum": 100}, "")]],
            responses={"200": json_response("检索结果", ref("SearchResult")), "400": error_response("检索式或参数无效"),
                       "404": error_response("单位不存在或无权访问")})
@login_required
def search_documents():
    year_from, year_to = parse_year_range(request.args.get("year"))
    params = SearchParams(
        q=request.args.get("q", ""), org=org_filter(),
        categories=request.args.getlist("category"), kinds=request.args.getlist("type"),
        year_from=year_from, year_to=year_to, sort=request.args.get("sort", "relevance"),
        page=int_param("page") or 1, per_page=int_param("per_page") or 20)
    return search(g.session, services().search, user=g.user, params=params).as_dict()
